// What the systems a plan names accept as names, defined once for the plan and every engine's
// block: a value the target would refuse, or would read as something else (a flag, a second
// argument), is refused when the plan is read instead of mid-failover.
import * as z from 'zod';

export const nameBounds = {
  /** A Kubernetes object name (DNS-1123 subdomain). */
  kubernetesNameChars: 253,
  /** A namespace or container name, or a label value (DNS-1123 label). */
  kubernetesLabelChars: 63,
  /** A DNS name. */
  hostnameChars: 253,
} as const;

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** Pods, RabbitmqClusters, Secrets, Shovel resources: what Kubernetes accepts as an object name. */
export const kubernetesName = (what: string) =>
  z
    .string()
    .max(
      nameBounds.kubernetesNameChars,
      `expected at most ${nameBounds.kubernetesNameChars} characters (${what})`,
    )
    .regex(
      new RegExp(`^${LABEL}(\\.${LABEL})*$`),
      `expected ${what}: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,
    );

/** Namespaces and containers: what Kubernetes accepts as a DNS label (no "."). */
export const kubernetesLabel = (what: string) =>
  z
    .string()
    .max(
      nameBounds.kubernetesLabelChars,
      `expected at most ${nameBounds.kubernetesLabelChars} characters (${what})`,
    )
    .regex(
      new RegExp(`^${LABEL}$`),
      `expected ${what}: lowercase letters, digits and "-", starting and ending with a letter or digit`,
    );

/**
 * Text that reaches a command line as one argument (rabbitmqctl, mqadmin) or an API as a name:
 * anything printable, but not starting with "-" (the command would read it as a flag), without
 * control characters and without spaces around it (a look-alike of another name).
 */
export const argumentText = (max: number, what: string) =>
  z
    .string()
    .min(1, `expected ${what}, not an empty text`)
    .max(max, `expected at most ${max} characters (${what})`)
    .refine(
      (s) => !s.startsWith('-'),
      `expected ${what} not starting with "-": a command would read it as a flag`,
    )
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `expected ${what} without control characters`)
    .refine((s) => s.trim() === s, `expected ${what} without spaces before or after it`);

/** RocketMQ's cluster and broker names, as its TopicValidator accepts names (plus "."; broker names default to the host name). */
export const rocketmqName = (max: number, what: string) =>
  z
    .string()
    .max(max, `expected at most ${max} characters (${what})`)
    .regex(
      /^[A-Za-z0-9_%|.][A-Za-z0-9_%|.-]*$/,
      `expected ${what}: letters, digits and "_", "-", ".", "%", "|", not starting with "-"`,
    );

const HOST = /^(?=.{1,253}\.?$)([a-zA-Z0-9_]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$/;

/** A fully qualified DNS name. */
export const hostname = z
  .string()
  .max(
    nameBounds.hostnameChars,
    `expected at most ${nameBounds.hostnameChars} characters (the longest DNS name)`,
  )
  .regex(HOST, 'expected a fully qualified DNS name such as amqp.example.com');

export const isHostname = (s: string): boolean => HOST.test(s);
export const isIpv4 = (s: string): boolean => z.ipv4().safeParse(s).success;
export const isIpv6 = (s: string): boolean => z.ipv6().safeParse(s).success;

/**
 * How DNS compares names: case-insensitively, with or without the root's trailing dot; IPv6
 * addresses in their canonical form (the URL parser writes it).
 */
export const dnsKey = (value: string): string => {
  const plain = value.toLowerCase().replace(/\.$/, '');
  return isIpv6(plain) ? new URL(`http://[${plain}]`).hostname.slice(1, -1) : plain;
};

/** `host:port` as a client dials it: a DNS name or IPv4 address (no "-" first) and a port of 1-65535. */
const HOST_PORT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*:([1-9]\d{0,4})$/;
export const isHostPort = (s: string): boolean => {
  const port = HOST_PORT.exec(s)?.[1];
  return port !== undefined && Number(port) <= 65535;
};

/** An AWS region name, e.g. eu-west-1. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
