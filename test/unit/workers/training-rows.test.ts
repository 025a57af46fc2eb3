import { describe, expect, it } from 'vitest';
import { checkJobSubmission } from '../../../src/contract/check-job.js';
import type { JobSubmission } from '../../../src/contract/job-schema.js';
import { DEFAULT_LIMITS } from '../../../src/contract/limits.js';
import { trainRowCount } from '../../../src/engine/trainer.js';

function submission(samples: number, validationSplit: number): JobSubmission {
  return {
    model: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }] },
    loss: 'mse',
    training: { epochs: 1, batchSize: 1, validationSplit },
    data: { inputs: Array.from({ length: samples }, (_, i) => [i]), targets: Array.from({ length: samples }, (_, i) => [i]) },
  } as JobSubmission;
}

describe('training rows of a validation split', () => {
  it('takes ⌊n·(1 − s)⌋ training rows: 3 samples at 0.1 train on 2', () => {
    expect(trainRowCount(3, 0.1)).toBe(2);
    expect(trainRowCount(10, 0.2)).toBe(8);
    expect(trainRowCount(7, 0)).toBe(7);
  });

  it('admits a split exactly when the engine leaves training and validation rows', () => {
    for (let samples = 1; samples <= 40; samples++) {
      for (const split of [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 0.9]) {
        const trainRows = trainRowCount(samples, split);
        const problems = checkJobSubmission(submission(samples, split), { samples, inputSize: 1, outputSize: 1 }, DEFAULT_LIMITS)
          .filter((p) => p.path === '/training/validationSplit');

        expect(problems.length === 0, `${samples} samples, split ${split}`).toBe(trainRows >= 1 && samples - trainRows >= 1);
      }
    }
  });
});
