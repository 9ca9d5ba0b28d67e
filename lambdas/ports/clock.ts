// Time, injectable so tests and drills can control waits.

export interface ClockPort {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: ClockPort = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
