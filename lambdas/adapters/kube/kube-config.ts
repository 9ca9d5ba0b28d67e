// Builds a client-node KubeConfig for the Kube adapter: from an endpoint (the simulator in drills
// and tests) or from a kubeconfig context (break-glass runs from a laptop). The deployed worker
// reaches EKS through kube-access.ts instead, without client-node's configuration code.
import { KubeConfig } from '@kubernetes/client-node';
import { BadInputError, errorMessage } from '../../errors.js';
import type { ServerAccess } from './kube-access.js';

export const kubeConfigForServer = (access: ServerAccess): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: access.name,
        server: access.server,
        caData: access.caData,
        skipTLSVerify: access.skipTLSVerify ?? false,
      },
    ],
    users: [{ name: access.name, token: access.token }],
    contexts: [{ name: access.name, cluster: access.name, user: access.name }],
    currentContext: access.name,
  });
  return kc;
};

/** Loads `file` (or the default kubeconfig: $KUBECONFIG, ~/.kube/config) and selects `context`. */
export const kubeConfigFromContext = (context: string, file?: string): KubeConfig => {
  const kc = new KubeConfig();
  const source = file ?? 'the default kubeconfig ($KUBECONFIG or ~/.kube/config)';
  try {
    if (file === undefined) kc.loadFromDefault();
    else kc.loadFromFile(file);
  } catch (err) {
    throw new BadInputError(`cannot load ${source}: ${errorMessage(err)}`);
  }
  if (kc.getContextObject(context) === null) {
    const available = kc.getContexts().map((c) => c.name);
    throw new BadInputError(
      `kubeconfig context "${context}" does not exist in ${source}; available contexts: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    );
  }
  kc.setCurrentContext(context);
  return kc;
};
