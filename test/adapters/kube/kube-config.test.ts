import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../../lambdas/errors.js';
import { kubeConfigForServer, kubeConfigFromContext } from '../../../lambdas/adapters/kube/kube-config.js';

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
  - name: a
    cluster: { server: "https://a.example.com" }
  - name: b
    cluster: { server: "https://b.example.com" }
users:
  - name: u
    user: { token: t }
contexts:
  - name: site-a
    context: { cluster: a, user: u }
  - name: site-b
    context: { cluster: b, user: u }
current-context: site-a
`;

describe('kube config', () => {
  it('builds a config for one server with a bearer token', () => {
    const kc = kubeConfigForServer({
      name: 'eks-site-b',
      server: 'https://b.example.com',
      caData: 'Q0E=',
      token: 'k8s-aws-v1.abc',
    });
    expect(kc.getCurrentContext()).toBe('eks-site-b');
    expect(kc.getCurrentCluster()).toMatchObject({
      server: 'https://b.example.com',
      caData: 'Q0E=',
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()).toMatchObject({ token: 'k8s-aws-v1.abc' });
  });

  it('selects a context from a kubeconfig file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'kubeconfig-')), 'config');
    await writeFile(file, kubeconfig);
    const kc = kubeConfigFromContext('site-b', file);
    expect(kc.getCurrentContext()).toBe('site-b');
    expect(kc.getCurrentCluster()?.server).toBe('https://b.example.com');
  });

  it('names the missing context and the ones available', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'kubeconfig-')), 'config');
    await writeFile(file, kubeconfig);
    expect(() => kubeConfigFromContext('site-c', file)).toThrow(BadInputError);
    expect(() => kubeConfigFromContext('site-c', file)).toThrow(
      `kubeconfig context "site-c" does not exist in ${file}; available contexts: site-a, site-b`,
    );
    expect(() => kubeConfigFromContext('site-a', join(tmpdir(), 'no-such-kubeconfig'))).toThrow(
      /cannot load .*no-such-kubeconfig/,
    );
  });
});
