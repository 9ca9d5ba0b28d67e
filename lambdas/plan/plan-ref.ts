// How an execution names its plan: by name and content hash, never by carrying the plan. The
// stack publishes every validated plan with the workers (infra/plan-catalogue-asset.ts); a worker
// loads the named plan and runs it only if its content still hashes to what the execution was
// started with.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Plan } from './schema.js';

export const planRefSchema = z.strictObject({
  name: z.string().min(1),
  /** The SHA-256 of the plan's canonical JSON, in lowercase hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (SHA-256)'),
});

export type PlanRef = z.infer<typeof planRefSchema>;

/**
 * JSON with every object's keys sorted and no whitespace: the same plan gives the same text
 * whatever order its fields were written or parsed in. Fields whose value is undefined are left
 * out, as JSON.stringify leaves them out.
 */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
};

/** The content hash of a plan document (a validated plan, or the JSON one was published as). */
export const planHash = (plan: unknown): string =>
  createHash('sha256').update(canonicalJson(plan)).digest('hex');

export const planRef = (plan: Plan): PlanRef => ({ name: plan.name, sha256: planHash(plan) });
