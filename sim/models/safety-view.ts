// What a failover must never get wrong, as each engine model reads it from its own snapshot.
// The fault matrix (local/fault-matrix.ts) checks these on the simulated world after every run,
// and at moments during it (when promotion starts), so each engine says in its own terms what
// "writable", "primary" and "promoted" mean.

export interface SafetyView {
  /** The old upstream can still take client writes: reachable and not fenced. */
  upstreamWritable: boolean;
  /** The downstream serves clients as the primary (promoted, standing alone). */
  downstreamPrimary: boolean;
  /** Promotions that took effect. */
  promotions: number;
  /** Promotions beyond what one failover makes: each is harm (e.g. buffered messages delivered again). */
  duplicatePromotions: number;
  /**
   * Messages the old upstream confirmed to clients and still holds, which the promoted downstream
   * will never get; undefined where the model cannot tell.
   */
  leftBehind?: number;
  /** One line with the values that decided the above. */
  summary: string;
}
