// The control plane's PKI, made fresh for each run with openssl: one CA that signs the API
// server's and kwok's serving certificates and every client certificate. Kubernetes reads a client
// certificate's CN as the user name and each O as a group, so the admin is in system:masters
// (RBAC lets it do anything) and the plain user is in no group at all (RBAC denies it everything
// that no binding grants).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface ControlPlanePki {
  ca: KeyPair;
  apiServer: KeyPair;
  kwokServing: KeyPair;
  /** CN=admin, O=system:masters. */
  admin: KeyPair;
  /** CN=failover-user, no group: what RBAC grants it is exactly what is bound to it. */
  user: KeyPair;
  /** What kube-apiserver presents to the kubelet (kwok) on exec. */
  apiServerKubeletClient: KeyPair;
  /**
   * What kwok presents to kube-apiserver: it writes every node's and pod's status, which without
   * the Node authorizer only a broad grant allows; system:masters is the one a cluster has built in.
   */
  kwokClient: KeyPair;
  /** Signs and verifies service-account tokens. */
  serviceAccountKey: string;
}

export const PLAIN_USER = 'failover-user';

const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
};

const DAYS = '2';

export const makePki = (dir: string): ControlPlanePki => {
  const path = (name: string): string => join(dir, name);
  const ca: KeyPair = { cert: path('ca.crt'), key: path('ca.key') };
  openssl(['genrsa', '-out', ca.key, '2048']);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    ca.key,
    '-subj',
    '/CN=failover-conformance-ca',
    '-days',
    DAYS,
    '-out',
    ca.cert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  const issue = (name: string, subject: string, usage: 'server' | 'client', altNames = ''): KeyPair => {
    const pair: KeyPair = { cert: path(`${name}.crt`), key: path(`${name}.key`) };
    const csr = path(`${name}.csr`);
    const ext = path(`${name}.ext`);
    openssl(['genrsa', '-out', pair.key, '2048']);
    openssl(['req', '-new', '-key', pair.key, '-subj', subject, '-out', csr]);
    writeFileSync(
      ext,
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        ...(altNames === '' ? [] : [`subjectAltName=${altNames}`]),
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      DAYS,
      '-extfile',
      ext,
      '-out',
      pair.cert,
    ]);
    return pair;
  };

  // The names in-cluster clients use too, so the serving certificate is the one a real cluster has.
  const apiServerNames =
    'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc';
  const serviceAccountKey = path('service-account.key');
  openssl(['genrsa', '-out', serviceAccountKey, '2048']);
  return {
    ca,
    apiServer: issue('kube-apiserver', '/CN=kube-apiserver', 'server', apiServerNames),
    kwokServing: issue('kwok-serving', '/CN=kwok', 'server', 'IP:127.0.0.1,DNS:localhost'),
    admin: issue('admin', '/O=system:masters/CN=admin', 'client'),
    user: issue('user', `/CN=${PLAIN_USER}`, 'client'),
    apiServerKubeletClient: issue(
      'kubelet-client',
      '/O=system:masters/CN=kube-apiserver-kubelet-client',
      'client',
    ),
    kwokClient: issue('kwok-client', '/O=system:masters/CN=kwok-controller', 'client'),
    serviceAccountKey,
  };
};
