// One hosted zone's records, changed the way Route 53 changes them: a ChangeBatch is judged whole
// against the zone before anything is applied, and one invalid change rejects the batch, with
// every problem in Route 53's words (its InvalidChangeBatch messages). Shared by the drill's zone
// and the tests' Route 53 stand-in, so neither is kinder than Route 53.
import { isIPv4, isIPv6 } from 'node:net';
import type { DnsRecordSet } from '../lambdas/ports/dns.js';

/** As Route 53 returns names: fully qualified, lower case. */
export const fqdn = (name: string) => `${name.replace(/\.$/, '').toLowerCase()}.`;

const keyOf = (r: Pick<DnsRecordSet, 'name' | 'type'>) => `${fqdn(r.name)} ${r.type}`;

/** Route 53's words for a value its type does not allow; undefined when it does. */
const valueProblem = (type: DnsRecordSet['type'], value: string): string | undefined => {
  if (type === 'A' && !isIPv4(value))
    return `Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${value}''`;
  if (type === 'AAAA' && !isIPv6(value))
    return `Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${value}''`;
  return undefined;
};

export interface ZoneRecords {
  get(ref: Pick<DnsRecordSet, 'name' | 'type'>): DnsRecordSet | undefined;
  all(): DnsRecordSet[];
  /**
   * UPSERTs the batch: every record or, when any change is invalid, none. Returns Route 53's
   * InvalidChangeBatch messages for a rejected batch; empty when it was applied.
   */
  upsert(batch: readonly DnsRecordSet[]): string[];
}

export const createZoneRecords = (initial: readonly DnsRecordSet[]): ZoneRecords => {
  const records = new Map(initial.map((r) => [keyOf(r), { ...r, values: [...r.values] }]));
  return {
    get: (ref) => {
      const r = records.get(keyOf(ref));
      return r && { ...r, values: [...r.values] };
    },
    all: () => [...records.values()].map((r) => ({ ...r, values: [...r.values] })),
    upsert: (batch) => {
      const keys = batch.map(keyOf);
      const problems = [
        ...[...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))].map((k) => {
          const [name, type] = k.split(' ');
          return `The request contains an invalid set of changes for a resource record set '${type} ${name}'`;
        }),
        ...batch.flatMap((r) => r.values.flatMap((v) => valueProblem(r.type, v) ?? [])),
      ];
      if (problems.length === 0)
        for (const r of batch) records.set(keyOf(r), { ...r, values: [...r.values] });
      return problems;
    },
  };
};
