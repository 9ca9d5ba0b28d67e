import { describe, expect, it } from '@jest/globals';
import {
  costOf,
  gbSeconds,
  monthlyReadinessCost,
  PRICES,
  readUnits,
  writeUnits,
} from '../../scripts/cost-model.js';

describe('the cost model', () => {
  it('bills Lambda by memory in GB times duration rounded up to the millisecond', () => {
    expect(gbSeconds([{ memoryMb: 1024, durationMs: 1000 }])).toBe(1);
    expect(gbSeconds([{ memoryMb: 2048, durationMs: 0.2 }])).toBeCloseTo(0.002);
    expect(gbSeconds([{ memoryMb: 1769, durationMs: 285_000 }])).toBeCloseTo(492.3, 1);
  });

  it('adds each service: requests and GB-s, transitions, request units, publishes', () => {
    const cost = costOf({
      functionRuns: [
        { memoryMb: 1024, durationMs: 2000 },
        { memoryMb: 1024, durationMs: 1000 },
      ],
      stateTransitions: 40,
      dynamoWriteUnits: 30,
      dynamoReadUnits: 10,
      snsPublishes: 2,
    });
    expect(cost.lambdaGbSeconds).toBe(3);
    expect(cost.lambda).toBeCloseTo(3 * PRICES.lambdaGbSecond + 2 * PRICES.lambdaRequest, 12);
    expect(cost.stepFunctions).toBeCloseTo(0.001, 12);
    expect(cost.dynamodb).toBeCloseTo(30 * PRICES.dynamoWriteUnit + 10 * PRICES.dynamoReadUnit, 12);
    expect(cost.total).toBeCloseTo(cost.lambda + cost.stepFunctions + cost.dynamodb + cost.sns, 12);
  });

  it('counts DynamoDB units per 1 KB written and 4 KB read, at least one', () => {
    expect([writeUnits(10), writeUnits(1024), writeUnits(1025)]).toEqual([1, 1, 2]);
    expect([readUnits(10), readUnits(4096), readUnits(4097)]).toEqual([1, 1, 2]);
  });

  it('prices a month of readiness: 8,640 evaluations every 5 minutes, metrics and alarms by the month', () => {
    const month = monthlyReadinessCost({
      everyMinutes: 5,
      evaluation: { memoryMb: 1024, durationMs: 1000 },
      customMetrics: 9,
      alarms: 2,
    });
    expect(month.evaluations).toBe(8640);
    expect(month.cloudwatch).toBeCloseTo(9 * 0.3 + 2 * 0.1, 10);
    expect(month.lambda).toBeCloseTo(8640 * (PRICES.lambdaGbSecond + PRICES.lambdaRequest), 10);
  });
});
