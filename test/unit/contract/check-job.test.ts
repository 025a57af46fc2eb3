import { describe, expect, it } from 'vitest';
import { checkDataSource, checkJobSubmission, normalizeJobSubmission, trainingRowCount } from '../../../src/contract/check-job.js';
import type { JobSubmission } from '../../../src/contract/job-schema.js';
import { DEFAULT_LIMITS, estimateTrainingBytes } from '../../../src/contract/limits.js';
import { countParameters, decodeWeights, encodeWeights } from '../../../src/contract/weights.js';
import { trainRowCount } from '../../../src/engine/trainer.js';

const MNIST_LAYERS = [
  { units: 256, activation: 'relu' },
  { units: 128, activation: 'relu' },
  { units: 10, activation: 'softmax' },
] as const;

function mnistSubmission(epochs = 10, batchSize = 128): JobSubmission {
  return {
    model: { inputSize: 784, layers: MNIST_LAYERS.map((l) => ({ ...l })) },
    loss: 'cross_entropy',
    training: { epochs, batchSize },
    data: { datasetId: '00000000-0000-4000-8000-000000000000' },
  } as JobSubmission;
}

const MNIST_SHAPE = { samples: 60_000, inputSize: 784, outputSize: 10 };

describe('checkJobSubmission', () => {
  it('admits MNIST-scale work with the default limits (60,000 × 784, 784-256-128-10)', () => {
    expect(checkJobSubmission(mnistSubmission(), MNIST_SHAPE, DEFAULT_LIMITS)).toEqual([]);
  });

  it('rejects work beyond the compute budget on /training/epochs', () => {
    // 235,146 parameters × 60,000 samples × 100 epochs ≈ 1.4e12 > 1e12.
    const problems = checkJobSubmission(mnistSubmission(100), MNIST_SHAPE, DEFAULT_LIMITS);

    expect(problems.map((p) => p.path)).toEqual(['/training/epochs']);
  });

  it('rejects a memory estimate over the budget', () => {
    const problems = checkJobSubmission(mnistSubmission(1), MNIST_SHAPE, { ...DEFAULT_LIMITS, MAX_MEMORY_BYTES: 100 * 1024 * 1024 });

    expect(problems).toEqual([{ path: '/model', message: expect.stringMatching(/estimated \d+ bytes; the memory limit is 104857600/) }]);
  });

  it('rejects a batch larger than the samples and a split leaving no training rows', () => {
    const sub = mnistSubmission(1, 4096);
    sub.training!.validationSplit = 0.9;

    const problems = checkJobSubmission(sub, { samples: 5, inputSize: 784, outputSize: 10 }, DEFAULT_LIMITS);

    expect(problems.map((p) => p.path)).toEqual(['/training/batchSize', '/training/validationSplit']);
  });

  it('rejects datasets over the sample and number limits', () => {
    const problems = checkJobSubmission(mnistSubmission(1), { samples: 200_000, inputSize: 784, outputSize: 10 }, DEFAULT_LIMITS);

    expect(problems.map((p) => p.message)).toEqual(expect.arrayContaining([
      'has 200000 samples; the limit is 100000',
      'has 158800000 numbers; the limit is 100000000',
    ]));
  });

  it('checks activations against the loss', () => {
    const sub = mnistSubmission();
    sub.model.layers[2].activation = 'sigmoid';
    sub.model.layers[0].activation = 'softmax';

    const paths = checkJobSubmission(sub, MNIST_SHAPE, DEFAULT_LIMITS).map((p) => p.path);

    expect(paths).toEqual(['/model/layers/0/activation', '/model/layers/2/activation']);
  });
});

describe('checkDataSource', () => {
  it('needs exactly one source', () => {
    expect(checkDataSource({}).problems).toEqual([{ path: '/data', message: expect.any(String) }]);
    expect(checkDataSource({ builtin: 'xor', inputs: [[1]], targets: [[1]] }).source).toBeNull();
    expect(checkDataSource({ builtin: 'iris' }).source).toBe('builtin');
  });
});

describe('normalizeJobSubmission', () => {
  it('fills every default', () => {
    const spec = normalizeJobSubmission(
      { model: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] }, training: { earlyStopping: { patience: 3 } }, data: { builtin: 'xor' } } as JobSubmission,
      { data: { kind: 'builtin', name: 'xor' }, shape: { samples: 4, inputSize: 2, outputSize: 1 }, seed: 7, hasInitialWeights: false },
    );

    expect(spec).toEqual({
      specVersion: 1,
      name: '',
      model: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], init: 'auto', hasInitialWeights: false, fromJob: null },
      loss: 'mse',
      optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
      training: {
        epochs: 100, batchSize: 4, shuffle: true, seed: 7, validationSplit: 0,
        earlyStopping: { monitor: 'loss', patience: 3, minDelta: 0, restoreBestWeights: true }, clipNorm: null, precision: 'float32',
      },
      data: { kind: 'builtin', name: 'xor' },
      dataShape: { samples: 4, inputSize: 2, outputSize: 1 },
    });
  });

  it('uses SGD defaults for sgd', () => {
    const spec = normalizeJobSubmission(
      { model: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] }, optimizer: { type: 'sgd' }, data: { builtin: 'xor' } } as JobSubmission,
      { data: { kind: 'builtin', name: 'xor' }, shape: { samples: 4, inputSize: 2, outputSize: 1 }, seed: 7, hasInitialWeights: false },
    );

    expect(spec.optimizer).toEqual({ type: 'sgd', learningRate: 0.01, momentum: 0, weightDecay: 0 });
  });
});

describe('estimateTrainingBytes', () => {
  it('is dominated by the float64 dataset for MNIST and fits the default budget', () => {
    const bytes = estimateTrainingBytes({ inputSize: 784, layerUnits: [256, 128, 10], samples: 60_000, batchSize: 128, precision: 'float32', optimizer: 'adam', earlyStopping: false });

    expect(bytes).toBeGreaterThan(60_000 * 794 * 8);
    expect(bytes).toBeLessThan(DEFAULT_LIMITS.MAX_MEMORY_BYTES);
  });

  it('grows with precision, optimizer slots and early stopping', () => {
    const base = { inputSize: 10, layerUnits: [100, 1], samples: 1000, batchSize: 32, precision: 'float32', optimizer: 'sgd', earlyStopping: false } as const;

    const sgd = estimateTrainingBytes(base);
    const adam = estimateTrainingBytes({ ...base, optimizer: 'adam' });
    const f64 = estimateTrainingBytes({ ...base, optimizer: 'adam', precision: 'float64' });
    const es = estimateTrainingBytes({ ...base, optimizer: 'adam', earlyStopping: true });

    expect(adam).toBeGreaterThan(sgd);
    expect(f64).toBeGreaterThan(adam);
    expect(es).toBeGreaterThan(adam);
  });
});

describe('weights codec', () => {
  it('round-trips W[j][k] and b exactly, −0 and subnormals included', () => {
    const layers = [{ units: 3 }, { units: 1 }];
    const weights = [
      { W: [[1, -0], [5e-324, 2], [Number.MAX_VALUE, -1.5]], b: [0.1, 0.2, 0.3] },
      { W: [[7, 8, 9]], b: [-4] },
    ];

    const bytes = encodeWeights(weights);
    const back = decodeWeights(bytes, 2, layers);

    expect(bytes.byteLength).toBe(countParameters(2, layers) * 8);
    expect(back).toEqual(weights);
    expect(Object.is(back[0].W[0][1], -0)).toBe(true);
    expect(new DataView(bytes.buffer).getFloat64(8 * 2, true)).toBe(5e-324);
  });
});

describe('trainingRowCount', () => {
  it('agrees with the engine’s trainRowCount for every sample count and split', () => {
    const pairs: [number, number][] = [];
    for (let n = 1; n <= 60; n++) for (const s of [0, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.9, 0.99]) pairs.push([n, s]);

    const disagreements = pairs.filter(([n, s]) => trainingRowCount(n, s) !== trainRowCount(n, s));

    expect(disagreements).toEqual([]);
    expect(trainingRowCount(3, 0.1)).toBe(2);
  });
});
