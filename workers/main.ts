/**
 * `npm run worker`: a BullMQ Worker whose jobs train on a pool of persistent training threads.
 * `startWorker()` is also what `npm start` runs next to the API in one process.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { assertNoEviction, closeConnection, confirmWrites, createWorkerConnection, RECONNECT_WAIT_MS, waitUntilReconnected } from '../src/queue/connection.js';
import { installFatalHandlers, runUntilSignal } from '../src/process-lifecycle.js';
import { siblingThreadEntry } from '../src/threads/thread-pool.js';
import { createCheckpointStore } from '../src/store/checkpoint-store.js';
import { createDatasetStore } from '../src/store/dataset-store.js';
import { createJobControl } from '../src/store/job-control.js';
import { createJobStore, type JobStore } from '../src/store/job-store.js';
import { createKeys } from '../src/store/keys.js';
import { createMetricsStore } from '../src/store/metrics-store.js';
import { createRunningSlots } from '../src/store/running-slots.js';
import { createThroughputStore } from '../src/store/throughput-store.js';
import { publishThroughput } from './calibrate.js';
import { createTenantUsage } from '../src/store/tenant-usage.js';
import { enableWasmFeatures } from '../src/wasm-features.js';
import { startWorkerMetricsServer, type WorkerMetricsServer } from '../src/observability/worker-metrics.js';
import { PAUSE_MESSAGE_PREFIX, RunRegistry } from './run-registry.js';
import { DatasetCache } from './run/dataset-cache.js';
import { ThreadBudget } from './run/thread-budget.js';
import { ThreadPool } from './thread-pool.js';
import { createTrainingProcessor, errorSummary, type TrainingJobData, type TrainingJobResult, type WorkerTelemetry } from './training-processor.js';
import { startWebhookDelivery, type WebhookDeliveryHandle } from './webhook-delivery.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  config: Config;
  log: Logger;
  /** Counters for a metrics endpoint (see `npm run worker` with `METRICS_PORT`). */
  telemetry?: WorkerTelemetry;
  /** The worker's /metrics registry, where webhook delivery metrics are added. */
  metricsRegistry?: Registry;
  /** Cores its jobs share (see `MAX_THREADS_PER_JOB`). @defaultValue `availableParallelism()` */
  cores?: number;
}

/** A running worker. */
export interface WorkerHandle {
  readonly worker: Worker<TrainingJobData, TrainingJobResult>;
  readonly pool: ThreadPool;
  /** The cores this worker's jobs share (see `MAX_THREADS_PER_JOB`). */
  readonly threads: ThreadBudget;
  /** Decoded uploaded datasets kept for the next job on the same one. */
  readonly datasetCache: DatasetCache;
  readonly runs: RunRegistry;
  /** Webhook delivery of this process and its job event emitter. */
  readonly webhooks: WebhookDeliveryHandle;
  /**
   * Graceful stop: takes no new jobs, asks running threads for a checkpoint, writes it, hands
   * those jobs back to the queue (another worker resumes them), then closes threads and Redis.
   */
  close(): Promise<void>;
}

/** The thread entry: `training-thread.js` next to the compiled worker, `.ts` under tsx or Vitest. */
const THREAD_ENTRY = siblingThreadEntry(import.meta.url, 'training-thread');

type WorkerConnection = ReturnType<typeof createWorkerConnection>;

/** A worker role's connection; reconnection is automatic, errors are only reported. */
function connect(config: Config, log: Logger, name: string): WorkerConnection {
  const connection = createWorkerConnection(config, name);
  connection.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  return connection;
}

/**
 * Starts the training threads while checking that Redis never evicts (threads load while the
 * check waits for Redis: a worker may start before Redis does).
 * @throws what the eviction check throws; the threads are closed then.
 */
async function startTrainingThreads(config: Config, log: Logger, storeConnection: WorkerConnection): Promise<ThreadPool> {
  const pool = new ThreadPool({
    size: config.WORKER_CONCURRENCY,
    entry: THREAD_ENTRY,
    resourceLimits: {
      maxOldGenerationSizeMb: config.THREAD_MAX_OLD_GEN_MB,
      maxYoungGenerationSizeMb: config.THREAD_MAX_YOUNG_GEN_MB,
      stackSizeMb: config.THREAD_STACK_MB,
    },
    log,
  });
  const poolStarted = pool.start();
  try {
    await assertNoEviction(storeConnection, log);
    await poolStarted;
  } catch (err) {
    await poolStarted.catch(() => undefined);
    await pool.close();
    throw err;
  }
  return pool;
}

/** Cancels (a job id) and pauses (`pause:<jobId>`) reach every worker process; only the one running the job acts on it. */
async function listenForControl(subscriber: WorkerConnection, channel: string, runs: RunRegistry, log: Logger): Promise<void> {
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    if (message.startsWith(PAUSE_MESSAGE_PREFIX)) {
      const jobId = message.slice(PAUSE_MESSAGE_PREFIX.length);
      if (runs.pause(jobId)) log.info({ jobId }, 'pause received');
    } else if (runs.cancel(message)) log.info({ jobId: message }, 'cancel received');
  });
  await subscriber.subscribe(channel);
}

/**
 * A job that stalled too often is failed by BullMQ's stalled checker (in whichever worker runs
 * it), not by a processor: give its record its final state too.
 */
function watchStalledFailures(config: Config, log: Logger, connection: WorkerConnection, jobs: JobStore, webhooks: WebhookDeliveryHandle): QueueEvents {
  const queueEvents = new QueueEvents(config.QUEUE_NAME, { connection, prefix: createKeys(config.KEY_PREFIX).bullPrefix });
  queueEvents.on('error', (err) => log.debug({ err: err.message }, 'queue events error'));
  queueEvents.on('failed', ({ jobId, failedReason }) => {
    if (!/stalled more than allowable limit/.test(failedReason)) return;
    jobs.failJob(jobId, { code: 'stalled', message: failedReason }).then(
      (failed) => {
        if (!failed) return;
        log.warn({ jobId }, 'job failed: it stalled too often');
        void webhooks.events.emitJobEvent(jobId, 'failed');
      },
      (err: unknown) => log.warn({ err: errorSummary(err), jobId }, 'could not record a stalled failure'),
    );
  });
  return queueEvents;
}

/** The BullMQ Worker, with the lock-loss and stall reporting of a training worker. */
function createQueueWorker(config: Config, log: Logger, connection: WorkerConnection, processor: ReturnType<typeof createTrainingProcessor>, runs: RunRegistry): Worker<TrainingJobData, TrainingJobResult> {
  const worker = new Worker<TrainingJobData, TrainingJobResult>(config.QUEUE_NAME, processor, {
    connection,
    prefix: createKeys(config.KEY_PREFIX).bullPrefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    maxStalledCount: config.MAX_STALLED_COUNT,
  });
  worker.on('error', (err) => log.warn({ err: err.message }, 'queue worker error'));
  // The lock is gone (e.g. this process was paused past lockDuration): another worker owns the
  // job now, so this run stops and writes nothing.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) if (runs.abandon(jobId)) log.warn({ jobId }, 'job lock lost; abandoning the run');
  });
  worker.on('stalled', (jobId) => log.warn({ jobId }, 'stalled job moved back to the queue'));
  return worker;
}

/** Starts the training worker: thread pool, cancel subscriber and BullMQ Worker. */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { config } = options;
  const log = options.log.child({ role: 'worker' });
  // V8 flags are per process: set before any thread compiles the wasm kernels.
  enableWasmFeatures();
  const storeConnection = connect(config, log, 'trainyard-worker-store');
  const bullConnection = connect(config, log, 'trainyard-worker-queue');
  const subscriber = connect(config, log, 'trainyard-worker-cancel');
  const connections = [storeConnection, bullConnection, subscriber];
  let pool: ThreadPool;
  try {
    pool = await startTrainingThreads(config, log, storeConnection);
  } catch (err) {
    await Promise.all(connections.map((connection) => closeConnection(connection)));
    throw err;
  }

  const runs = new RunRegistry();
  // The next job on the same uploaded dataset skips reading and decoding it.
  const datasetCache = new DatasetCache();
  const threads = new ThreadBudget(options.cores ?? availableParallelism(), config.MAX_THREADS_PER_JOB);
  const usage = createTenantUsage({ redis: storeConnection, config });
  const jobs = createJobStore({ redis: storeConnection, config, usage });
  const webhooks = await startWebhookDelivery({ config, log: options.log, ...(options.metricsRegistry ? { registry: options.metricsRegistry } : {}) });
  const processor = createTrainingProcessor({
    config,
    log,
    jobs,
    datasets: createDatasetStore({ redis: storeConnection, config }),
    datasetCache,
    metrics: createMetricsStore({ redis: storeConnection, config }),
    checkpoints: createCheckpointStore({ redis: storeConnection, config }),
    slots: createRunningSlots({ redis: storeConnection, config, leaseMs: Math.max(config.LOCK_DURATION_MS, 5_000) }),
    usage,
    pool,
    threads,
    runs,
    events: webhooks.events,
    control: createJobControl({ redis: storeConnection, config }),
    // REDIS_WAIT_REPLICAS: a completion reaches the replicas before BullMQ reports it completed.
    confirmWrites: (keys) => confirmWrites(storeConnection, config, keys),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
  });
  await listenForControl(subscriber, createKeys(config.KEY_PREFIX).cancelChannel, runs, log);
  const worker = createQueueWorker(config, log, bullConnection, processor, runs);
  const eventsConnection = connect(config, log, 'trainyard-worker-events');
  connections.push(eventsConnection);
  const queueEvents = watchStalledFailures(config, log, eventsConnection, jobs, webhooks);
  await worker.waitUntilReady();
  // Measured in a thread of its own while jobs are already taken; dry runs read it from Redis.
  // A lone job's share: every core, up to MAX_THREADS_PER_JOB.
  const loneJobThreads = threads.maxPerJob > 0 ? Math.min(threads.total, threads.maxPerJob) : threads.total;
  void publishThroughput(config.ENGINE_KERNELS, loneJobThreads, createThroughputStore({ redis: storeConnection, config }), log);
  log.info({ concurrency: config.WORKER_CONCURRENCY, queue: config.QUEUE_NAME, kernels: config.ENGINE_KERNELS }, 'worker started');

  let closing: Promise<void> | undefined;
  return {
    worker,
    pool,
    threads,
    datasetCache,
    runs,
    webhooks,
    close() {
      closing ??= (async () => {
        log.info({ running: runs.size }, 'worker stopping');
        runs.handBackAll();
        if (!(await waitUntilReconnected(connections, RECONNECT_WAIT_MS))) log.warn('closing while Redis is unreachable');
        await worker.close();
        await queueEvents.close().catch(() => {});
        await webhooks.close();
        await pool.close();
        await Promise.all(connections.map((connection) => closeConnection(connection)));
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}

/** A worker with its optional `/metrics` server (`METRICS_PORT`), as one stoppable service. */
export interface WorkerService {
  readonly handle: WorkerHandle;
  /** The worker's own /metrics, when `METRICS_PORT` is set. */
  readonly metrics: WorkerMetricsServer | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the worker and, when `METRICS_PORT` is set, its own /metrics (busy threads, event-loop
 * lag, jobs and epochs of this process). What `npm run worker` and `npm start` run.
 */
export async function startWorkerService(config: Config, log: Logger): Promise<WorkerService> {
  let metrics: WorkerMetricsServer | undefined;
  let handle: WorkerHandle | undefined;
  if (config.METRICS_PORT > 0) {
    metrics = await startWorkerMetricsServer({ port: config.METRICS_PORT, host: config.HOST, concurrency: config.WORKER_CONCURRENCY, busyThreads: () => handle?.pool.busy ?? 0 });
    log.info({ url: metrics.url }, 'worker metrics listening');
  }
  try {
    handle = await startWorker({ config, log, ...(metrics ? { telemetry: metrics, metricsRegistry: metrics.registry } : {}) });
  } catch (err) {
    await metrics?.close().catch(() => undefined);
    throw err;
  }
  const started = handle;
  return {
    handle: started,
    metrics,
    async stop() {
      await started.close();
      await metrics?.close().catch(() => undefined);
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  installFatalHandlers(log);
  await runUntilSignal({ log, graceMs: config.SHUTDOWN_GRACE_MS, start: () => startWorkerService(config, log) });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    // One actionable line (a ConfigError names every bad variable).
    process.stderr.write(`trainyard worker: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
