// A plan's hash depends on its content only: the order its fields were written or parsed in, and
// a trip through JSON (how the workers read the published plans), leave it unchanged; any change
// of a value changes it.
import { loadPlan } from '../../lambdas/plan/load-plan.js';
import { canonicalJson, planHash, planRef } from '../../lambdas/plan/plan-ref.js';

describe('planHash', () => {
  it('is the SHA-256 of JSON with sorted keys, whatever the order of the fields', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: undefined }], a: 'x' })).toBe('{"a":"x","b":[2,{"d":1}]}');
    expect(planHash({ b: 1, a: 2 })).toBe(planHash({ a: 2, b: 1 }));
    expect(planHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a plan hashes the same as its published JSON, and differently once any value changes', async () => {
    const plan = await loadPlan('examples/plans/rabbitmq-standby.yaml');
    expect(planHash(JSON.parse(JSON.stringify(plan)))).toBe(planRef(plan).sha256);
    expect(planHash({ ...plan, thresholds: { ...plan.thresholds, settleSeconds: 61 } })).not.toBe(
      planRef(plan).sha256,
    );
  });
});
