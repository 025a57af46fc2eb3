import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTrainingBytes } from '../../../src/contract/limits.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

/**
 * B2: specs around every job limit of the README ("Limits") (limit − 1, limit, limit + 1, zero,
 * negative, float-for-int, wrong type): accepted iff an independent reference says so, and an
 * accepted spec is within the work and memory budgets.
 */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ TENANT_MAX_QUEUED: '100000' });
});
afterAll(async () => {
  await t.close();
});

const SAMPLES = 4;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

interface Case {
  inputSize: unknown;
  hidden: unknown[];
  epochs: unknown;
  batchSize: unknown;
  learningRate: unknown;
}

/** The reference: the limits written out independently of the server's code. */
function referenceAccepts(c: Case): boolean {
  if (!isInt(c.inputSize) || c.inputSize < 1 || c.inputSize > 4096) return false;
  if (c.hidden.length + 1 > 16) return false;
  if (!c.hidden.every((u) => isInt(u) && u >= 1 && u <= 4096)) return false;
  if (!isInt(c.epochs) || c.epochs < 1 || c.epochs > 100_000) return false;
  if (!isInt(c.batchSize) || c.batchSize < 1 || c.batchSize > 4096 || c.batchSize > SAMPLES) return false;
  if (typeof c.learningRate !== 'number' || !(c.learningRate > 0 && c.learningRate <= 10)) return false;
  const units = [...(c.hidden as number[]), 1];
  let params = 0;
  let fanIn = c.inputSize;
  for (const u of units) {
    params += fanIn * u + u;
    fanIn = u;
  }
  if (params > 16_000_000 || params * 8 > 8_000_000) return false;
  if (params * SAMPLES * c.epochs > 1e12) return false;
  return true;
}

const around = (limit: number) => fc.constantFrom(limit - 1, limit, limit + 1);
const badNumber = fc.constantFrom(0, -1, 1.5, '3', null, true);

/** Mostly valid values, so that every boundary is met both alone and together with others. */
const field = <T>(valid: fc.Arbitrary<T>, boundary: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 6 }, { arbitrary: boundary, weight: 2 }, { arbitrary: badNumber, weight: 1 });

const caseArb: fc.Arbitrary<Case> = fc.record({
  inputSize: field(fc.constantFrom(1, 2, 64), around(4096)),
  hidden: fc.oneof(
    { arbitrary: fc.array(field(fc.constantFrom(1, 8, 256), around(4096)), { maxLength: 3 }), weight: 5 },
    { arbitrary: fc.constantFrom(14, 15, 16).map((n) => new Array(n).fill(2)), weight: 1 },
  ),
  epochs: field(fc.constantFrom(1, 10), around(100_000)),
  batchSize: field(fc.constantFrom(1, 3, 4), fc.constantFrom(5, 4095, 4096, 4097)),
  learningRate: fc.oneof({ arbitrary: fc.constantFrom(0.01, 10), weight: 4 }, { arbitrary: fc.constantFrom(10.0001, 0, -0.1, '0.1'), weight: 1 }),
});

describe('POST /v1/jobs limits (B2)', () => {
  it('accepts a spec iff the reference does, and never beyond the budgets', async () => {
    const seen = { accepted: 0, rejected: 0 };
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const width = isInt(c.inputSize) && c.inputSize > 0 && c.inputSize <= 4097 ? c.inputSize : 2;
      const body = {
        model: {
          inputSize: c.inputSize,
          layers: [...c.hidden.map((units) => ({ units, activation: 'relu' })), { units: 1, activation: 'sigmoid' }],
        },
        optimizer: { learningRate: c.learningRate },
        training: { epochs: c.epochs, batchSize: c.batchSize, seed: 1 },
        data: { inputs: Array.from({ length: SAMPLES }, () => new Array(width).fill(0.5)), targets: Array.from({ length: SAMPLES }, () => [1]) },
      };

      const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body });

      const expected = referenceAccepts(c);
      seen[expected ? 'accepted' : 'rejected']++;
      expect(res.statusCode, res.body.slice(0, 400)).toBe(expected ? 202 : 400);
      if (expected) {
        const hidden = c.hidden as number[];
        const bytes = estimateTrainingBytes({
          inputSize: c.inputSize as number, layerUnits: [...hidden, 1], samples: SAMPLES, batchSize: c.batchSize as number,
          precision: 'float32', optimizer: 'adam', earlyStopping: false,
        });
        expect(bytes).toBeLessThanOrEqual(512 * 1024 * 1024);
      }
    }), { numRuns: 400 });

    expect(seen.accepted).toBeGreaterThan(40);
    expect(seen.rejected).toBeGreaterThan(40);
  });
});
