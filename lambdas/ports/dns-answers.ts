// What resolvers will get: the answer of a hosted zone's authoritative name servers, asked over
// DNS itself (the data plane), not read from Route 53's API. Adapters: `adapters/authoritative-answers.ts`
// (node:dns, the zone's name servers found by asking DNS) and the drill's zone.
import type { DnsRecordRef } from './dns.js';

export interface DnsAnswersPort {
  /**
   * The values the zone's authoritative servers answer now for the record's name and type (a
   * CNAME's target, A or AAAA addresses), lower case without a final dot, sorted; empty when they
   * answer that there is none. Each server is asked: while a change propagates the answer holds
   * every value any of them gives, so one value means they agree. Throws a TransientError when
   * none of the servers answers.
   */
  answer(ref: Omit<DnsRecordRef, 'hostedZoneId'>): Promise<string[]>;
}
