// How the Kube adapter reaches an API server: where it is, and the TLS settings and credentials of
// a request to it. client-node's KubeConfig provides both (break-glass runs, drills, tests); the
// deployed Kubernetes worker, which knows only an EKS endpoint, its CA and a token, uses
// `serverAccess` instead: importing KubeConfig would bundle client-node's generated API, undici
// and every authenticator with it, three quarters of the worker.
import http from 'node:http';
import https from 'node:https';
import type WebSocket from 'ws';

/** The part of client-node's KubeConfig the adapter uses; KubeConfig satisfies it as it is. */
export interface KubeAccess {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets the CA, client certificate, credentials and agent on a request's or a WebSocket's options. */
  applyToHTTPSOptions(options: https.RequestOptions | WebSocket.ClientOptions): Promise<void>;
}

export interface ServerAccess {
  /** Names the cluster, user and context inside a KubeConfig. */
  name: string;
  /** e.g. `https://ABC.gr7.eu-west-1.eks.amazonaws.com` or `http://127.0.0.1:41234`. */
  server: string;
  /** Base64 PEM of the cluster CA (EKS DescribeCluster `certificateAuthority.data`). */
  caData?: string;
  /** Bearer token (EKS: a presigned STS GetCallerIdentity URL, `k8s-aws-v1.` prefixed). */
  token?: string;
  skipTLSVerify?: boolean;
}

export interface ServerKubeAccess extends KubeAccess {
  getCurrentCluster(): { name: string; server: string; caData?: string; skipTLSVerify: boolean };
  getCurrentUser(): { name: string; token?: string };
}

/**
 * The access a KubeConfig made from `access` by kubeConfigForServer gives (kube-config.ts), without
 * client-node: the same CA, token and TLS verification. Like KubeConfig, plain HTTP is allowed only
 * with skipTLSVerify (the simulator).
 */
export const serverAccess = (access: ServerAccess): ServerKubeAccess => {
  const skipTLSVerify = access.skipTLSVerify ?? false;
  if (access.server.startsWith('http:') && !skipTLSVerify)
    throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  const ca = access.caData === undefined ? undefined : Buffer.from(access.caData, 'base64');
  // One agent per access, kept alive: the steps of one invocation make several calls to a cluster,
  // and each new connection would cost a TLS handshake.
  const agent = access.server.startsWith('http:')
    ? new http.Agent({ keepAlive: true })
    : new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}), rejectUnauthorized: !skipTLSVerify });
  return {
    getCurrentCluster: () => ({
      name: access.name,
      server: access.server,
      ...(access.caData === undefined ? {} : { caData: access.caData }),
      skipTLSVerify,
    }),
    getCurrentUser: () => ({
      name: access.name,
      ...(access.token === undefined ? {} : { token: access.token }),
    }),
    async applyToHTTPSOptions(options) {
      if (ca) options.ca = ca;
      if (skipTLSVerify) options.rejectUnauthorized = false;
      if (access.token !== undefined)
        options.headers = { ...options.headers, Authorization: `Bearer ${access.token}` };
      options.agent = agent;
    },
  };
};
