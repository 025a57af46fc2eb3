import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateTrainingBytes } from '../../../src/contract/limits.js';
import { estimateTrainingBytes as engineEstimate } from '../../../src/engine/index.js';

describe('estimateTrainingBytes (contract)', () => {
  it('bounds the engine’s own estimate plus the float64 dataset, for any shape', () => {
    const shape = fc.record({
      inputSize: fc.integer({ min: 1, max: 4096 }),
      layerUnits: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 16 }),
      samples: fc.integer({ min: 1, max: 100_000 }),
      batchSize: fc.integer({ min: 1, max: 4096 }),
      precision: fc.constantFrom('float32' as const, 'float64' as const),
      optimizer: fc.constantFrom('adam' as const, 'sgd' as const),
      earlyStopping: fc.boolean(),
    });

    fc.assert(fc.property(shape, (s) => {
      const network = { inputSize: s.inputSize, layers: s.layerUnits.map((units) => ({ units, activation: 'relu' as const })) };
      const outputSize = s.layerUnits[s.layerUnits.length - 1];
      const dataset = s.samples * (s.inputSize + outputSize) * 8;
      const engine = engineEstimate(network, s.samples, s.batchSize, s.precision, s.optimizer, s.earlyStopping);

      expect(estimateTrainingBytes(s)).toBeGreaterThanOrEqual(engine + dataset);
    }), { numRuns: 500 });
  });
});
