import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createTrainer, encodeWeights, type Precision, type Trainer, type TrainingOptions } from '../../../../src/engine/index.js';
import { createWasmKernels } from '../../../../src/engine/kernels/wasm/index.js';
import { shareOf } from '../../../../src/engine/parallel/training-team.js';
import { options, randomDataset } from '../helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Starts the trainer's helper threads (members 1 … threads−1); resolves when they have returned. */
function startHelpers(trainer: Trainer): Promise<unknown[]> {
  const descriptor = trainer.teamDescriptor;
  if (!descriptor) return Promise.resolve([]);
  const helpers = [];
  for (let member = 1; member < trainer.threads; member++) {
    const worker = new Worker(new URL('../wasm/fixtures/tsx-thread.mjs', import.meta.url), {
      workerData: { entry: new URL('./fixtures/team-helper.ts', import.meta.url).href, descriptor, member },
    });
    helpers.push(new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    }).finally(() => worker.terminate()));
  }
  return Promise.all(helpers);
}

/** Odd sizes everywhere (edge tiles, uneven shares), validation, shuffling, clipping, AdamW. */
function runOptions(precision: Precision, clipNorm: number | null = 1): TrainingOptions {
  return options({
    network: { inputSize: 13, layers: [{ units: 10, activation: 'relu' }, { units: 7, activation: 'tanh' }, { units: 3, activation: 'softmax' }] },
    loss: 'cross_entropy', precision, epochs: 4, batchSize: 9, validationSplit: 0.2, seed: 5, clipNorm, shuffle: true,
    optimizer: { type: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
  });
}
const data = randomDataset(11, 61, 13, 3, 'onehot');

async function train(precision: Precision, threads: number, checkpoint?: Uint8Array, clipNorm: number | null = 1) {
  const o = runOptions(precision, clipNorm);
  const trainer = createTrainer(data, o, createWasmKernels('wasm-simd', precision), checkpoint, { threads });
  const helpers = startHelpers(trainer);
  const snapshots: Uint8Array[] = [];
  try {
    const outcome = trainer.run({ onEpoch: () => snapshots.push(trainer.snapshot()) });
    return { trainer, outcome, snapshots, weights: hex(encodeWeights(o.network, trainer.getWeights())) };
  } finally {
    trainer.close();
    await helpers;
  }
}

describe('shareOf', () => {
  it('splits n items into contiguous aligned shares that cover each item once', () => {
    for (const [n, members, align] of [[9, 2, 4], [9, 3, 4], [3, 3, 4], [130, 3, 16], [0, 2, 4]]) {
      const seen: number[] = [];
      for (let i = 0; i < members; i++) {
        const [s, e] = shareOf(n, members, i, align);
        for (let j = s; j < e; j++) seen.push(j);
      }

      expect(seen).toEqual(Array.from({ length: n }, (_, j) => j));
    }
  });
});

describe.each(['float32', 'float64'] as const)('a %s trainer on several threads', (precision) => {
  it('gives the same weight bytes, metrics and checkpoints on 1, 2 and 3 threads', async () => {
    const runs = [];
    for (const threads of [1, 2, 3]) runs.push(await train(precision, threads));

    expect(runs.map((r) => r.trainer.threads)).toEqual([1, 2, 3]);
    for (const r of runs.slice(1)) {
      expect(r.weights).toBe(runs[0].weights);
      expect(r.outcome).toEqual(runs[0].outcome);
      expect(r.snapshots.map(hex)).toEqual(runs[0].snapshots.map(hex));
    }
  });

  it('gives the same weight bytes on 1 and 3 threads without clipping (gradients and Adam in one phase)', async () => {
    const one = await train(precision, 1, undefined, null);

    const three = await train(precision, 3, undefined, null);

    expect(three.weights).toBe(one.weights);
    expect(three.snapshots.map(hex)).toEqual(one.snapshots.map(hex));
  });

  it('resumes a 1-thread checkpoint on 3 threads to the same bytes', async () => {
    const ref = await train(precision, 1);

    const resumed = await train(precision, 3, ref.snapshots[1]);

    expect(resumed.weights).toBe(ref.weights);
  });
});

describe('teamDescriptor', () => {
  it('is null, with one thread, for TypeScript kernels and for SGD', () => {
    const o = runOptions('float32');
    const sgd = { ...o, optimizer: { type: 'sgd' as const, learningRate: 0.1, momentum: 0.9, weightDecay: 0 } };

    const one = createTrainer(data, o, createWasmKernels('wasm-simd', 'float32'), undefined, { threads: 1 });
    const withSgd = createTrainer(data, sgd, createWasmKernels('wasm-simd', 'float32'), undefined, { threads: 3 });

    expect([one.threads, one.teamDescriptor]).toEqual([1, null]);
    expect([withSgd.threads, withSgd.teamDescriptor]).toEqual([1, null]);
  });
});
