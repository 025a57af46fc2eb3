import { describe, expect, it } from 'vitest';
import { DEFAULT_THROUGHPUT, estimateSeconds, planJob } from '../../../src/contract/job-plan.js';
import { DEFAULT_LIMITS } from '../../../src/contract/limits.js';
import { xorJobSpec } from '../../helpers/specs.js';

describe('planJob', () => {
  it('counts 6 FLOPs a weight per training sample and 2 per validation sample, every epoch', () => {
    const spec = xorJobSpec('j', { epochs: 10, batchSize: 1, validationSplit: 0.25 });
    spec.dataShape = { samples: 4, inputSize: 2, outputSize: 1 };

    const plan = planJob(spec, DEFAULT_LIMITS);

    // 2-8-1 has 24 weights; 3 training rows and 1 validation row (floor(4 · 0.75) = 3).
    expect(plan.parameters).toBe(33);
    expect(plan.flops).toBe((6 * 3 + 2 * 1) * 24 * 10);
    expect(plan.steps).toBe(3 * 10);
  });

  it('lists every job limit with the job’s value and the maximum', () => {
    const plan = planJob(xorJobSpec('j'), DEFAULT_LIMITS);

    expect(plan.limits.map((l) => l.name).sort()).toEqual(Object.keys(DEFAULT_LIMITS).sort());
    for (const limit of plan.limits) expect(limit.max).toBe(DEFAULT_LIMITS[limit.name]);
    expect(plan.limits.find((l) => l.name === 'MAX_MEMORY_BYTES')?.value).toBe(plan.memoryBytes);
  });
});

describe('estimateSeconds', () => {
  it('adds the job overhead, the steps’ overhead and the FLOPs at the measured rate', () => {
    const plan = { parameters: 1, flops: 2e9, steps: 1000, memoryBytes: 1, limits: [] };

    expect(estimateSeconds(plan, { ...DEFAULT_THROUGHPUT, flopsPerSecond: 1e9, secondsPerStep: 1e-3, secondsPerJob: 0.5 })).toBeCloseTo(0.5 + 1 + 2, 12);
  });
});
