// The workflow steps that change the world (as opposed to reading it or keeping records).
// Each must be idempotent, and `npm run faults` injects every fault into each of them: a new
// side-effecting step belongs here, and the fault matrix then refuses to run until it says
// how to inject faults into it.
export const sideEffectSteps = ['fence', 'promote', 'flip-dns', 'teardown'] as const;

export type SideEffectStep = (typeof sideEffectSteps)[number];
