// The approval console in Debian's Chromium (driven by playwright-core; no downloaded browser),
// during a drill paused at its gate: a person finds the approval, reads the evidence of every
// readiness check, approves with a reason using only the keyboard, and the drill ends SUCCEEDED
// with that approver and reason in its report.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { CheckResult } from '../../lambdas/engines/engine.js';
import { drillOperator } from '../../local/approvals-gate.js';
import { endPausedDrills, startPausedDrill } from '../approvals/paused-drill.js';
import { examplePlan, scenario } from '../workflow/run-drill.js';

let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  profile = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await rm(profile, { recursive: true, force: true });
});

afterEach(endPausedDrills);

/** The evidence table as a person reads it: per check, its result, what was seen, and each value. */
const evidenceRows = (page: Page) =>
  page.locator('section[aria-labelledby="evidence-heading"] tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({
      name: row.querySelector('th')!.textContent,
      result: row.querySelectorAll('td')[0]!.textContent,
      summary: row.querySelectorAll('td')[1]!.textContent,
      values: Object.fromEntries(
        [...row.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]),
      ),
    })),
  );

const shown = (value: unknown) =>
  typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);

describe('the approval console during a paused drill', () => {
  it('shows the evidence for each check, refuses a decision without a reason, and approves with the keyboard: the drill succeeds with the approver and reason in its report', async () => {
    const paused = await startPausedDrill(examplePlan, scenario('healthy'));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));

    await page.goto(`${paused.endpoint}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approvals');
    await page.getByRole('link', { name: `Review orders-rabbitmq (${paused.id})` }).click();
    await page.getByRole('heading', { level: 1, name: 'Failover of orders-rabbitmq' }).waitFor();
    expect(page.url()).toBe(`${paused.endpoint}/#/approvals/${paused.id}`);
    await expect(page.locator('.state').textContent()).resolves.toMatch(
      /^Waiting for a decision until .* \(about 30 min left; then the failover is aborted\)$/,
    );

    const evidence = await evidenceRows(page);
    const changes = await page.locator('ol.changes li').allTextContents();
    const timeline = await page
      .locator('section[aria-labelledby="timeline-heading"] tbody tr td:first-child')
      .allTextContents();
    expect(changes).toHaveLength(4);
    expect(changes[0]).toBe(
      'ungraceful failover upstream -> downstream: from vmware-rabbitmq/upstream-cluster to tanzu-rabbitmq/downstream-cluster',
    );
    expect(changes[1]).toBe('promote tanzu-rabbitmq/downstream-cluster (standby) to upstream');
    expect(timeline).toEqual(expect.arrayContaining(['confirm-alarm', 'readiness']));

    // Without a reason nothing is sent: the error is announced and focus goes to the field.
    await page.getByRole('button', { name: 'Approve failover' }).click();
    await expect(page.locator('#reason-error').textContent()).resolves.toBe(
      'Enter a reason to approve: it is recorded with your name and in the report.',
    );
    await expect(
      page.evaluate("[document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')]"),
    ).resolves.toEqual(['reason', 'true']);
    await expect(page.getByLabel('Reason (required)').getAttribute('aria-describedby')).resolves.toBe(
      'reason-error reason-hint',
    );

    // Only the keyboard from here: type the reason, Tab past the checkbox to Approve, press Enter.
    await page.keyboard.type('Drill: site A simulated down, every check passed.');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('allow-ungraceful');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Approve failover');
    await page.keyboard.press('Enter');

    await page.getByText('Approved: the failover continues.').waitFor();
    await expect(page.locator('.state').textContent()).resolves.toMatch(
      new RegExp(
        `^Approved by ${drillOperator().replace(/[()]/g, '\\$&')} at .*: Drill: site A simulated down, every check passed\\.$`,
      ),
    );
    await expect(page.evaluate('document.activeElement?.tagName')).resolves.toBe('H1');

    const run = await paused.result;
    expect([run.exitCode, run.report?.status]).toEqual([0, 'SUCCEEDED']);
    expect(run.report!.steps.find((s) => s.name === 'approval')!.detail).toMatchObject({
      decision: 'approved',
      approver: drillOperator(),
      reason: 'Drill: site A simulated down, every check passed.',
    });

    // What the page showed is what the orchestrator saw: every check, its result, summary and values.
    const checks = (
      run.report!.steps.find((s) => s.name === 'readiness')!.detail as { checks: CheckResult[] }
    ).checks;
    expect(checks.length).toBeGreaterThan(0);
    expect(evidence).toEqual(
      checks.map((c) => ({
        name: c.name,
        result: c.passed ? 'passed' : 'FAILED',
        summary: c.summary,
        values: Object.fromEntries(Object.entries(c.evidence).map(([k, v]) => [k, shown(v)])),
      })),
    );
    expect(problems).toEqual([]);
    await page.close();
  });
});
