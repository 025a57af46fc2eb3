import type { Logger } from 'pino';
import type { Config } from '../../src/config.js';
import type { CheckpointStore } from '../../src/store/checkpoint-store.js';
import type { DatasetStore } from '../../src/store/dataset-store.js';
import type { JobControl } from '../../src/store/job-control.js';
import type { JobStore } from '../../src/store/job-store.js';
import type { MetricsStore } from '../../src/store/metrics-store.js';
import type { RunningSlots } from '../../src/store/running-slots.js';
import type { TenantUsage } from '../../src/store/tenant-usage.js';
import type { RunRegistry } from '../run-registry.js';
import type { ThreadPool } from '../thread-pool.js';
import type { DatasetCache } from './dataset-cache.js';
import type { ThreadBudget } from './thread-budget.js';

/** What a processed job returns to BullMQ (its return value; never weights). */
export interface TrainingJobResult {
  outcome: 'completed' | 'cancelled' | 'paused' | 'skipped' | 'stale';
  epochsRun?: number;
}

/** What a worker process counts for its metrics endpoint. */
export interface WorkerTelemetry {
  /** A job attempt ended: `completed`, `failed`, `cancelled`, `paused`, `retried`, `handed_back`. */
  recordJob(outcome: string): void;
  /** Epochs trained (and the training samples they went through). */
  recordEpochs(epochs: number, samples: number): void;
}

/** A job event for webhooks and other listeners. */
export type JobEventType = 'started' | 'progress' | 'completed' | 'failed' | 'cancelled' | 'paused';

/** Where the worker reports a job's status changes (webhooks); never throws. */
export interface JobEventSink {
  emitJobEvent(jobId: string, type: JobEventType): Promise<void>;
}

/** Everything the processor needs, built once per worker process. */
export interface ProcessorDeps {
  config: Pick<
    Config,
    | 'TENANT_MAX_RUNNING'
    | 'MAX_JOB_SECONDS'
    | 'CANCEL_GRACE_MS'
    | 'SHUTDOWN_GRACE_MS'
    | 'CHECKPOINT_INTERVAL_MS'
    | 'METRICS_FLUSH_INTERVAL_MS'
    | 'ENGINE_KERNELS'
    | 'MAX_THREADS_PER_JOB'
    | 'ENABLE_TEST_HOOKS'
    | 'LOCK_DURATION_MS'
  >;
  log: Logger;
  jobs: JobStore;
  datasets: DatasetStore;
  /** Decoded uploaded datasets kept for the next job on the same one (optional: without it every job reads its data). */
  datasetCache?: DatasetCache;
  metrics: MetricsStore;
  checkpoints: CheckpointStore;
  slots: RunningSlots;
  /** Where each run's training time is added to its tenant's daily compute usage. */
  usage: TenantUsage;
  pool: ThreadPool;
  /**
   * The worker's cores, shared between its running jobs (one per worker process). Without it,
   * one budget per `pool` of all the cores and `MAX_THREADS_PER_JOB`.
   */
  threads?: ThreadBudget;
  runs: RunRegistry;
  /** Counters for the worker's own /metrics (optional). */
  telemetry?: WorkerTelemetry;
  /**
   * Pause and resume on the job record. Without it a run only polls its cancel flag and
   * cannot be paused.
   */
  control?: JobControl;
  /**
   * Waits until `REDIS_WAIT_REPLICAS` replicas have the writes to `keys` (one key per hash tag
   * written); throws when they do not confirm in time. Optional: without it nothing is awaited.
   */
  confirmWrites?: (keys: readonly string[]) => Promise<void>;
  /** Job status changes, for webhooks (optional). */
  events?: JobEventSink;
}
