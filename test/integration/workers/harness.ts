import { createHash, randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../../src/config.js';
import { createKernels, createTrainer, encodeWeights } from '../../../src/engine/index.js';
import type { JobSpec, JobStatus } from '../../../src/contract/job.js';
import { createLogger } from '../../../src/logger.js';
import { closeConnection, createProducerConnection, createWorkerConnection } from '../../../src/queue/connection.js';
import { createTrainingQueue, TRAINING_JOB_NAME, type TrainingQueue } from '../../../src/queue/training-queue.js';
import { createCheckpointStore, type CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { createDatasetStore, type DatasetStore } from '../../../src/store/dataset-store.js';
import { createJobStore, type JobRecord, type JobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { createMetricsStore, type MetricsStore } from '../../../src/store/metrics-store.js';
import { encodeNumbers } from '../../../src/store/number-buffer.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import type { TestHooks } from '../../../workers/thread-messages.js';
import { toTrainingOptions } from '../../../workers/training-options.js';
import { xorJobSpec } from '../../helpers/specs.js';

/** Inline training data, row-major. */
export interface InlineData {
  inputs: number[][];
  targets: number[][];
}

export const XOR_DATA: InlineData = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] };

/** SHA-256 of bytes, hex: compares weights blobs bit for bit. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The uninterrupted reference of a {@link mediumJob} on `circleData(rows)`: the same spec trained
 * here in a fresh trainer; returns the {@link sha256} of its encoded weights.
 */
export function referenceWeightsHash(spec: JobSpec, rows: number): string {
  const data = circleData(rows);
  const options = toTrainingOptions(spec, null);
  const dataset = { samples: rows, inputSize: 2, outputSize: 1, inputs: Float64Array.from(data.inputs.flat()), targets: Float64Array.from(data.targets.flat()) };
  const trainer = createTrainer(dataset, options, createKernels('auto', options.precision));
  trainer.run();
  return sha256(encodeWeights(options.network, trainer.getWeights()));
}

/** A deterministic 2-feature classification set of `samples` rows (a noisy circle). */
export function circleData(samples: number, seed = 7): InlineData {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const x = next() * 2 - 1;
    const y = next() * 2 - 1;
    inputs.push([x, y]);
    targets.push([x * x + y * y < 0.5 ? 1 : 0]);
  }
  return { inputs, targets };
}

/** What {@link WorkerHarness.submit} takes. */
export interface SubmitOptions {
  tenant?: string;
  training?: Partial<JobSpec['training']>;
  model?: Partial<JobSpec['model']>;
  optimizer?: JobSpec['optimizer'];
  loss?: JobSpec['loss'];
  data?: InlineData;
  testHooks?: TestHooks;
}

/** A worker plus the stores and queue of one isolated key prefix on the test Redis. */
export interface WorkerHarness {
  config: Config;
  redis: Redis;
  jobs: JobStore;
  datasets: DatasetStore;
  metrics: MetricsStore;
  checkpoints: CheckpointStore;
  queue: TrainingQueue;
  /** Starts a worker (in this process) with the harness config plus `overrides`. */
  startWorker(overrides?: Record<string, string>): Promise<WorkerHandle>;
  /** Creates the job record, stores its inline data and enqueues it, like POST /v1/jobs. */
  submit(options?: SubmitOptions): Promise<string>;
  /** Waits until the job has one of `statuses`. */
  waitForStatus(jobId: string, statuses: JobStatus[], timeoutMs?: number): Promise<JobRecord>;
  close(): Promise<void>;
}

/** Environment of every harness (short timings, test hooks on). */
export function harnessEnv(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: inject('redisUrl'),
    KEY_PREFIX: prefix,
    QUEUE_NAME: 'training',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WORKER_CONCURRENCY: '2',
    CHECKPOINT_INTERVAL_MS: '0',
    METRICS_FLUSH_INTERVAL_MS: '50',
    LOCK_DURATION_MS: '5000',
    STALLED_INTERVAL_MS: '1000',
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '100',
    ENGINE_KERNELS: 'auto',
    ENABLE_TEST_HOOKS: 'true',
    ...overrides,
  };
}

export async function createWorkerHarness(overrides: Record<string, string> = {}): Promise<WorkerHarness> {
  const prefix = `tw${randomUUID().slice(0, 8)}`;
  const env = harnessEnv(prefix, overrides);
  const config = loadConfig(env);
  const redis = createWorkerConnection(config, 'trainyard-test');
  const producer = createProducerConnection(config, 'trainyard-test-producer');
  // Tests that kill Redis see connection errors; they surface on the commands.
  redis.on('error', () => undefined);
  producer.on('error', () => undefined);
  await producer.ping().catch(async () => {
    await new Promise((r) => setTimeout(r, 200));
  });
  const jobs = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
  const datasets = createDatasetStore({ redis, config });
  const queue = createTrainingQueue({ connection: producer, config, jobStore: createJobStore({ redis: producer, config, usage: createTenantUsage({ redis: producer, config }) }) });
  const workers: WorkerHandle[] = [];

  const harness: WorkerHarness = {
    config,
    redis,
    jobs,
    datasets,
    metrics: createMetricsStore({ redis, config }),
    checkpoints: createCheckpointStore({ redis, config }),
    queue,

    async startWorker(extra = {}) {
      const workerConfig = loadConfig({ ...env, ...extra });
      const handle = await startWorker({ config: workerConfig, log: createLogger(workerConfig) });
      workers.push(handle);
      return handle;
    },

    async submit(options = {}) {
      const jobId = randomUUID();
      const tenant = options.tenant ?? 'default';
      const data = options.data ?? XOR_DATA;
      const base = xorJobSpec(jobId, options.training ?? {});
      const spec: JobSpec = {
        ...base,
        model: { ...base.model, ...(options.model ?? {}) },
        ...(options.optimizer ? { optimizer: options.optimizer } : {}),
        ...(options.loss ? { loss: options.loss } : {}),
        dataShape: { samples: data.inputs.length, inputSize: data.inputs[0].length, outputSize: data.targets[0].length },
      };
      await datasets.saveInlineData(jobId, {
        samples: data.inputs.length,
        inputSize: data.inputs[0].length,
        outputSize: data.targets[0].length,
        inputs: encodeNumbers(data.inputs.flat()),
        targets: encodeNumbers(data.targets.flat()),
      });
      await jobs.createJob({ id: jobId, tenant, spec, createdAt: new Date().toISOString() });
      const payload = { jobId, tenant, ...(options.testHooks ? { testHooks: options.testHooks } : {}) };
      await queue.queue.add(TRAINING_JOB_NAME, payload, { jobId });
      return jobId;
    },

    async waitForStatus(jobId, statuses, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const record = await jobs.getJob(jobId);
        if (record && statuses.includes(record.status)) return record;
        if (Date.now() > deadline) throw new Error(`job ${jobId} did not reach ${statuses.join('/')} (now ${record?.status ?? 'missing'})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },

    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      // BullMQ's keys go with the rest below (obliterate on a closed queue could wait forever
      // for a connection).
      const stale = await redis.keys(`${prefix}:*`);
      const bull = await redis.keys(`{${prefix}}:*`);
      const all = [...stale, ...bull];
      if (all.length > 0) await redis.del(...all);
      await closeConnection(producer);
      await closeConnection(redis);
    },
  };
  return harness;
}

/**
 * A job of a few seconds (2-32-32-1, 2000 rows, float64): long enough to kill, stop or shut
 * down a worker in the middle, short enough for the e2e tests.
 */
export function mediumJob(epochs = 100, seed = 2024, rows = 2000, units = 32): SubmitOptions {
  return {
    data: circleData(rows),
    model: { inputSize: 2, layers: [{ units, activation: 'tanh' }, { units, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    training: { epochs, batchSize: 32, seed, precision: 'float64' },
  };
}

/** Lines of a worker's JSON log about `jobId` with message `msg`. */
export function logLinesOf(lines: Record<string, unknown>[], jobId: string, msg: string): Record<string, unknown>[] {
  return lines.filter((line) => line.jobId === jobId && line.msg === msg);
}
