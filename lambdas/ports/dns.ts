// The traffic switch. Adapters: Route 53 (`adapters/route53-dns.ts`) and the drill's local zone.

export interface DnsRecordRef {
  hostedZoneId: string;
  name: string;
  type: 'CNAME' | 'A' | 'AAAA';
}

export interface DnsRecordValue {
  values: string[];
  ttl: number;
}

export type DnsChangeStatus = 'PENDING' | 'INSYNC';

/** What one record of a hosted zone is to hold. */
export type DnsRecordSet = Omit<DnsRecordRef, 'hostedZoneId'> & DnsRecordValue;

/** Whether this caller may change a record, and the DNS service's own words for it (evidence). */
export interface DnsChangeAccess {
  allowed: boolean;
  answer: string;
}

export interface DnsPort {
  /** The record as the authoritative zone holds it now, or undefined when absent. */
  getRecord(ref: DnsRecordRef): Promise<DnsRecordValue | undefined>;
  /**
   * UPSERTs every record in one change batch of the hosted zone; returns the batch's change id.
   * The batch is applied whole or not at all (Route 53 rejects a batch with any invalid change,
   * InvalidChangeBatch), so a flip never leaves some records moved and others not.
   */
  upsertRecords(hostedZoneId: string, records: DnsRecordSet[], comment: string): Promise<string>;
  /**
   * Where the change stands now (Route 53's GetChange): INSYNC once every authoritative server
   * answers with every record of its batch. One look; the flip-dns step decides how long to wait.
   */
  changeStatus(changeId: string): Promise<DnsChangeStatus>;
  /**
   * Asks whether this caller may change the record, changing nothing. `current` is what
   * getRecord returned. A refusal is an answer (`allowed: false`); a service that cannot be asked
   * throws, as the other methods do.
   */
  checkChangeAccess(ref: DnsRecordRef, current: DnsRecordValue | undefined): Promise<DnsChangeAccess>;
}
