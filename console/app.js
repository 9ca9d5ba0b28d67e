// The approval console: the approvals waiting for a decision and past ones; for one approval, the
// evidence the orchestrator saw, what approving changes, the execution's timeline, and the
// decision with a required reason. Plain DOM: every value from the API is set as text, never
// parsed as HTML. The API is the same origin (see lambdas/handlers/approval-api.ts).

const view = document.getElementById('view');
const statusRegion = document.getElementById('status');
const who = document.getElementById('who');
const signOutButton = document.getElementById('sign-out');

let config;
let idToken;

const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false || value === null) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

/** Replaces the view; a missing part (null, false) is left out. */
const show = (...parts) =>
  view.replaceChildren(...parts.filter((part) => part !== null && part !== undefined && part !== false));

const announce = (text) => {
  statusRegion.textContent = text;
};

const time = (iso) => el('time', { datetime: iso }, new Date(iso).toLocaleString());

const duration = (ms) =>
  ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;

const table = (caption, headings, rows) =>
  el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      el('caption', {}, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headings.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );

// --- Sign-in: Cognito's hosted login, authorization code with PKCE (a public client, no secret).

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

// Read for display and expiry only: API Gateway verifies the token's signature on every call.
const claimsOf = (token) => {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return undefined;
  }
};

const tokenExpired = (token) => !(claimsOf(token)?.exp * 1000 > Date.now() + 30_000);

const signIn = async () => {
  const { domain, clientId, redirectUri } = config.auth;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('signIn', JSON.stringify({ verifier, state, hash: location.hash }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${domain}/oauth2/authorize?${query}`);
};

const finishSignIn = async (code, state) => {
  const { domain, clientId, redirectUri } = config.auth;
  const started = JSON.parse(sessionStorage.getItem('signIn') ?? 'null');
  sessionStorage.removeItem('signIn');
  history.replaceState(null, '', `${location.pathname}${started?.hash ?? ''}`);
  if (!started || started.state !== state)
    throw new Error('The sign-in did not start here or was interrupted: sign in again.');
  const response = await fetch(`${domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: started.verifier,
    }),
  });
  if (!response.ok) throw new Error(`Sign-in failed (HTTP ${response.status}): sign in again.`);
  sessionStorage.setItem('idToken', (await response.json()).id_token);
};

const signOut = () => {
  sessionStorage.removeItem('idToken');
  idToken = undefined;
  const { domain, clientId, redirectUri } = config.auth;
  location.assign(
    `${domain}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: redirectUri })}`,
  );
};

const showSignIn = (message) => {
  show(
    el('h1', { tabindex: '-1' }, 'Sign in'),
    message ? el('p', { class: 'alert', role: 'alert' }, message) : null,
    el('p', {}, 'Approvers sign in with the account the stack administrator created for them.'),
    el('button', { type: 'button', class: 'approve', onclick: () => signIn() }, 'Sign in'),
  );
};

// --- The API.

const api = async (method, path, body) => {
  const headers = { accept: 'application/json' };
  if (idToken) headers.authorization = `Bearer ${idToken}`;
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.message ?? `The approval API answered HTTP ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return data;
};

// --- Views.

const stateText = (approval) => {
  const d = approval.decision;
  switch (approval.state) {
    case 'pending': {
      const minutes = Math.max(0, Math.round((Date.parse(approval.decideBy) - Date.now()) / 60_000));
      return [
        'Waiting for a decision until ',
        time(approval.decideBy),
        ` (about ${minutes} min left; then the failover is aborted)`,
      ];
    }
    case 'expired':
      return ['Expired at ', time(approval.decideBy), ': nobody decided, and the failover was aborted.'];
    default:
      return [
        `${d.decision === 'approved' ? 'Approved' : 'Rejected'} by ${d.approver} at `,
        time(d.decidedAt),
        `: ${d.reason}`,
        approval.delivery === 'not-applied'
          ? ' (not applied: the workflow had stopped waiting)'
          : approval.delivery === 'sending'
            ? ' (being handed to the workflow: not known yet whether it arrived)'
            : '',
      ];
  }
};

const showList = async () => {
  const { approvals } = await api('GET', '/approvals');
  const pending = approvals.filter((a) => a.state === 'pending');
  const past = approvals.filter((a) => a.state !== 'pending');
  document.title = pending.length ? `(${pending.length}) Failover approvals` : 'Failover approvals';
  show(
    el('h1', { tabindex: '-1' }, 'Approvals'),
    el(
      'section',
      { 'aria-labelledby': 'pending-heading' },
      el('h2', { id: 'pending-heading' }, 'Waiting for a decision'),
      pending.length === 0
        ? el('p', {}, 'No failover is waiting for a decision.')
        : table(
            'Failovers waiting for an approver',
            ['Plan', 'Requested', 'Decide by', 'Readiness', 'Review'],
            pending.map((a) =>
              el(
                'tr',
                {},
                el('td', {}, a.planName),
                el('td', {}, time(a.requestedAt)),
                el('td', {}, time(a.decideBy)),
                el(
                  'td',
                  { class: a.atRisk.length ? 'result-fail' : 'result-pass' },
                  a.atRisk.length ? `AT RISK: ${a.atRisk.length} check(s) failed` : 'all checks passed',
                ),
                el('td', {}, el('a', { href: `#/approvals/${a.id}` }, `Review ${a.planName} (${a.id})`)),
              ),
            ),
          ),
    ),
    el(
      'section',
      { 'aria-labelledby': 'past-heading' },
      el('h2', { id: 'past-heading' }, 'Past approvals'),
      past.length === 0
        ? el('p', {}, 'None yet.')
        : table(
            'Decided and expired approvals, newest first',
            ['Plan', 'Requested', 'Outcome', 'Details'],
            past.map((a) =>
              el(
                'tr',
                {},
                el('td', {}, a.planName),
                el('td', {}, time(a.requestedAt)),
                el('td', {}, el('span', { class: `state-${a.state}` }, stateText(a))),
                el('td', {}, el('a', { href: `#/approvals/${a.id}` }, `Open ${a.id}`)),
              ),
            ),
          ),
    ),
    el(
      'p',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => route().then(() => announce('Approvals refreshed.')),
        },
        'Refresh',
      ),
    ),
  );
};

const valuesList = (evidence) =>
  el(
    'dl',
    { class: 'values' },
    Object.entries(evidence ?? {}).flatMap(([key, value]) => [
      el('dt', {}, key),
      el('dd', {}, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)),
    ]),
  );

const evidenceTable = (checks) =>
  Array.isArray(checks) && checks.length > 0
    ? table(
        'Each readiness check the orchestrator ran, with the values that decided it',
        ['Check', 'Result', 'What was seen', 'Values'],
        checks.map((c) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, c.name),
            el('td', { class: c.passed ? 'result-pass' : 'result-fail' }, c.passed ? 'passed' : 'FAILED'),
            el('td', {}, c.summary),
            el('td', {}, valuesList(c.evidence)),
          ),
        ),
      )
    : el('p', {}, 'No readiness evidence was recorded.');

const decisionForm = (approval) => {
  const reason = el('textarea', {
    id: 'reason',
    name: 'reason',
    rows: '3',
    maxlength: '1000',
    required: true,
    'aria-describedby': 'reason-hint',
  });
  const reasonError = el('p', { id: 'reason-error', class: 'field-error', hidden: true });
  const allowUngraceful = el('input', { type: 'checkbox', id: 'allow-ungraceful', name: 'allowUngraceful' });
  const formError = el('div', { class: 'alert', role: 'alert', hidden: true, tabindex: '-1' });
  const buttons = [
    el(
      'button',
      { type: 'submit', class: 'approve', name: 'decision', value: 'approve' },
      'Approve failover',
    ),
    el('button', { type: 'submit', class: 'reject', name: 'decision', value: 'reject' }, 'Reject'),
  ];
  const submit = async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value ?? 'approve';
    formError.hidden = true;
    if (!reason.value.trim()) {
      reasonError.textContent = `Enter a reason to ${decision}: it is recorded with your name and in the report.`;
      reasonError.hidden = false;
      reason.setAttribute('aria-invalid', 'true');
      reason.setAttribute('aria-describedby', 'reason-error reason-hint');
      reason.focus();
      return;
    }
    reasonError.hidden = true;
    reason.removeAttribute('aria-invalid');
    reason.setAttribute('aria-describedby', 'reason-hint');
    buttons.forEach((b) => (b.disabled = true));
    announce('Sending your decision…');
    try {
      const decided = await api('POST', `/approvals/${encodeURIComponent(approval.id)}/decision`, {
        decision,
        reason: reason.value.trim(),
        ...(decision === 'approve' && allowUngraceful.checked ? { allowUngraceful: true } : {}),
      });
      renderApproval(decided);
      announce(
        decision === 'approve'
          ? 'Approved: the failover continues.'
          : 'Rejected: the failover is halted; nothing was changed.',
      );
      view.querySelector('h1').focus();
    } catch (error) {
      announce('');
      formError.textContent = error.message;
      formError.hidden = false;
      formError.focus();
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  return el(
    'form',
    { class: 'decision', novalidate: true, onsubmit: submit },
    el('label', { for: 'reason' }, 'Reason (required)'),
    el(
      'p',
      { id: 'reason-hint', class: 'hint' },
      'Recorded with your name in the approval and in the failover report, e.g. "Site A is down; the lag is within what the business accepts."',
    ),
    reason,
    reasonError,
    el(
      'div',
      { class: 'checkbox' },
      allowUngraceful,
      el(
        'label',
        { for: 'allow-ungraceful' },
        'Also allow an ungraceful failover if the old upstream cannot be reached to fence it (approve only)',
      ),
    ),
    formError,
    el('div', { class: 'actions' }, buttons),
  );
};

const renderApproval = (approval) => {
  document.title = `${approval.state === 'pending' ? 'Decide: ' : ''}${approval.planName} – Failover approvals`;
  const gate = approval.gate;
  show(
    el('p', {}, el('a', { href: '#/' }, 'All approvals')),
    el('h1', { tabindex: '-1' }, `Failover of ${approval.planName}`),
    el('p', { class: `state state-${approval.state}` }, stateText(approval)),
    approval.atRisk.length > 0 &&
      el(
        'div',
        { class: 'callout', role: 'note', 'aria-labelledby': 'risk-heading' },
        el('h2', { id: 'risk-heading' }, 'At risk'),
        el(
          'p',
          {},
          {
            pending: 'These readiness checks failed. Approving accepts the risk, and the report records it:',
            approved: 'These readiness checks failed; the approver accepted the risk:',
          }[approval.state] ?? 'These readiness checks failed:',
        ),
        el(
          'ul',
          {},
          approval.atRisk.map((r) => el('li', {}, r)),
        ),
      ),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Approval'),
      el('dd', {}, approval.id),
      el('dt', {}, 'Execution'),
      el('dd', {}, approval.executionId),
      el('dt', {}, 'Requested'),
      el('dd', {}, time(approval.requestedAt)),
      el('dt', {}, 'Gate'),
      el(
        'dd',
        {},
        `approval ${gate.approval}; timeout ${gate.timeoutMinutes} min; on timeout ${gate.onTimeout}`,
      ),
      el('dt', {}, 'Approvers'),
      el('dd', {}, gate.approvers.length ? gate.approvers.join(', ') : '(none listed)'),
    ),
    el(
      'section',
      { 'aria-labelledby': 'evidence-heading' },
      el('h2', { id: 'evidence-heading' }, 'Evidence: readiness of the downstream'),
      evidenceTable(approval.evidence),
    ),
    el(
      'section',
      { 'aria-labelledby': 'changes-heading' },
      el('h2', { id: 'changes-heading' }, 'What approving will change, in order'),
      el(
        'ol',
        { class: 'changes' },
        approval.intendedChanges.map((c) => el('li', {}, c)),
      ),
    ),
    el(
      'section',
      { 'aria-labelledby': 'timeline-heading' },
      el('h2', { id: 'timeline-heading' }, 'Timeline of this execution so far'),
      table(
        'Every step attempt, from the execution journal',
        ['Step', 'Attempt', 'Outcome', 'Started', 'Took', 'Summary'],
        approval.timeline.map((t) =>
          el(
            'tr',
            {},
            el('td', {}, t.step),
            el('td', {}, String(t.attempt)),
            el('td', { class: t.outcome === 'failed' ? 'result-fail' : '' }, t.outcome),
            el('td', {}, time(t.startedAt)),
            el('td', {}, duration(t.durationMs)),
            el('td', {}, t.summary),
          ),
        ),
      ),
    ),
    el(
      'section',
      { 'aria-labelledby': 'decision-heading' },
      el('h2', { id: 'decision-heading' }, 'Decision'),
      approval.mayDecide
        ? decisionForm(approval)
        : approval.state === 'pending'
          ? el(
              'p',
              {},
              `You (${approval.caller}) are not an approver of plan ${approval.planName}, so you cannot decide. Its approvers: ${gate.approvers.join(', ') || '(none listed)'}.`,
            )
          : el('p', {}, stateText(approval)),
    ),
  );
};

const showApproval = async (id) => renderApproval(await api('GET', `/approvals/${encodeURIComponent(id)}`));

const route = async () => {
  const match = /^#\/approvals\/([\w-]+)$/.exec(location.hash);
  try {
    if (match) await showApproval(match[1]);
    else await showList();
  } catch (error) {
    if (error.status === 401 && config.auth.type === 'cognito') {
      sessionStorage.removeItem('idToken');
      idToken = undefined;
      showSignIn('Your sign-in has expired: sign in again.');
      return;
    }
    show(
      el('h1', { tabindex: '-1' }, 'Something went wrong'),
      el('p', { class: 'alert', role: 'alert' }, error.message),
      el('p', {}, el('a', { href: '#/' }, 'All approvals')),
    );
  }
};

const start = async () => {
  config = await (await fetch('/config.json')).json();
  if (config.auth.type === 'local') {
    who.textContent = `Drill console for ${config.auth.operator}`;
  } else {
    const params = new URLSearchParams(location.search);
    try {
      if (params.has('code')) await finishSignIn(params.get('code'), params.get('state'));
    } catch (error) {
      showSignIn(error.message);
      return;
    }
    idToken = sessionStorage.getItem('idToken') ?? undefined;
    if (!idToken || tokenExpired(idToken)) {
      showSignIn();
      return;
    }
    who.textContent = `Signed in as user:${claimsOf(idToken)['cognito:username']}`;
    signOutButton.hidden = false;
    signOutButton.addEventListener('click', signOut);
  }
  window.addEventListener('hashchange', () => {
    announce('');
    route().then(() => view.querySelector('h1')?.focus());
  });
  await route();
};

start();
