// Where the CLI writes. Injected, so tests read exactly what a person would see.

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export const exitCodes = {
  failedOver: 0,
  /** Failed after a side effect: an operator is needed. */
  failedAfterChange: 1,
  badInput: 2,
  /** Halted safely, nothing changed (not ready, rejected, alarm cleared). */
  haltedSafely: 3,
} as const;
