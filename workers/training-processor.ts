import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { isTerminalStatus, type CurvePoint, type JobError, type LayerWeights, type ResultMetrics } from '../src/contract/job.js';
import { decodeWeights } from '../src/contract/weights.js';
import { NotFoundError } from '../src/errors.js';
import type { CheckpointStore } from '../src/store/checkpoint-store.js';
import type { DatasetStore } from '../src/store/dataset-store.js';
import type { JobRecord, JobStore } from '../src/store/job-store.js';
import { curveStride, type MetricsStore, type StoredCurvePoint } from '../src/store/metrics-store.js';
import type { RunningSlots } from '../src/store/running-slots.js';
import type { TenantUsage } from '../src/store/tenant-usage.js';
import type { RunRegistry, ActiveRun } from './run-registry.js';
import {
  CONTROL_BYTES,
  CONTROL_CANCEL,
  CONTROL_HANDBACK,
  CONTROL_INDEX,
  CONTROL_RUN,
  type CheckpointMessage,
  type KernelChoice,
  type StartMessage,
  type TestHooks,
  type ThreadMessage,
} from './thread-messages.js';
import type { RunEnd, ThreadPool } from './thread-pool.js';
import { toTrainingOptions } from './training-options.js';

/** The data of a BullMQ training job (set by the API's queue module). */
export interface TrainingJobData {
  jobId: string;
  tenant: string;
  /** Honoured only with `ENABLE_TEST_HOOKS=true`; the API never sets it. */
  testHooks?: TestHooks;
}

/** What a processed job returns to BullMQ (its return value; never weights). */
export interface TrainingJobResult {
  outcome: 'completed' | 'cancelled' | 'skipped' | 'stale';
  epochsRun?: number;
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
    | 'MAX_CURVE_POINTS'
    | 'ENGINE_KERNELS'
    | 'ENABLE_TEST_HOOKS'
    | 'LOCK_DURATION_MS'
  >;
  log: Logger;
  jobs: JobStore;
  datasets: DatasetStore;
  metrics: MetricsStore;
  checkpoints: CheckpointStore;
  slots: RunningSlots;
  /** Where each run's training time is added to its tenant's daily compute usage. */
  usage: TenantUsage;
  pool: ThreadPool;
  runs: RunRegistry;
  /** Counters for the worker's own /metrics (optional). */
  telemetry?: WorkerTelemetry;
}

/** What a worker process counts for its metrics endpoint. */
export interface WorkerTelemetry {
  /** A job attempt ended: `completed`, `failed`, `cancelled`, `retried`, `handed_back`. */
  recordJob(outcome: string): void;
  /** Epochs trained (and the training samples they went through). */
  recordEpochs(epochs: number, samples: number): void;
}

/** How often a running job checks the cancel flag in Redis (pub/sub can miss a message). */
const CANCEL_POLL_MS = 1_000;
/** Heartbeat at least this often, even when no epoch finished (long epochs). */
const HEARTBEAT_MS = 1_000;
/** A job over its tenant's running cap is retried after this much (plus jitter). */
const CAP_RETRY_DELAY_MS = 500;
/**
 * A long run adds its training time to the tenant's compute usage at least this often (and
 * once more when it ends), so the usage grows while it runs and a worker killed with
 * `kill -9` loses at most this much of it.
 */
const COMPUTE_RECORD_MS = 10_000;

/**
 * An error as it may be logged: Redis errors carry the failed command's arguments (checkpoint
 * bytes, weights), which must never reach the logs.
 */
export function errorSummary(err: unknown): { name?: string; message: string; code?: string; stack?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
}

function failure(code: string, message: string, epoch?: number): JobError {
  return epoch === undefined ? { code, message } : { code, message, epoch };
}

/** A private ArrayBuffer-backed copy unless `array` already owns its whole buffer (so it can be transferred). */
function transferable(array: Float64Array): Float64Array {
  if (array.buffer instanceof ArrayBuffer && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) return array;
  return array.slice();
}

/**
 * Builds the BullMQ processor: one job = one training run on a pooled thread. It stays thin and
 * async: load the spec, data and last checkpoint; start the thread; relay progress (batched),
 * checkpoints, cancels and shutdowns; store the outcome. Deterministic failures (`diverged`,
 * `invalid_data`, `out_of_memory`, `timeout`…) throw `UnrecoverableError`; anything else (Redis
 * trouble) throws a plain error, so BullMQ retries it with backoff.
 */
export function createTrainingProcessor(deps: ProcessorDeps) {
  const { config, jobs, slots, runs } = deps;
  const countOutcome = (outcome: string): void => deps.telemetry?.recordJob(outcome);

  return async function processTrainingJob(job: Job<TrainingJobData>, token?: string): Promise<TrainingJobResult> {
    const { jobId, tenant } = job.data;
    const log = deps.log.child({ jobId, tenant });

    if (runs.isClosing) {
      // Fetched while shutting down: give it straight back.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const record = await jobs.getJob(jobId);
    if (record === null || isTerminalStatus(record.status)) {
      log.info({ status: record?.status ?? 'missing' }, 'job skipped: already finished or deleted');
      return { outcome: 'skipped' };
    }
    if (record.cancelRequested) {
      await jobs.cancelJob(jobId);
      log.info('job cancelled before it started');
      return { outcome: 'cancelled' };
    }
    if (!(await slots.acquire(tenant, jobId, config.TENANT_MAX_RUNNING))) {
      // Over the tenant's running cap: back to the delayed set, so the other tenants' jobs
      // behind it get the slot meanwhile (no head-of-line blocking).
      await job.moveToDelayed(Date.now() + CAP_RETRY_DELAY_MS + Math.floor(Math.random() * CAP_RETRY_DELAY_MS), token);
      log.debug('tenant at its running cap: job delayed');
      throw new DelayedError();
    }
    // A run abandoned because another worker took the job over must not free the slot that
    // worker now holds (the slot is keyed by job id).
    const lease = { keep: false };
    try {
      return await train(job, token, record, log, lease);
    } catch (err) {
      const name = (err as Error)?.name;
      // A lost lock means another worker owns the job now: never touch its record from here.
      if (name === 'LockLostError') throw err;
      const final = name !== 'UnrecoverableError' && name !== 'DelayedError' && name !== 'WaitingError' && job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final) {
        // The last attempt of a retryable failure: the job record must still reach a final state.
        log.error({ err: errorSummary(err) }, 'training failed on its last attempt');
        await jobs.failJob(jobId, failure('internal', 'training failed after every retry')).catch(() => {});
        countOutcome('failed');
      } else if (name !== 'UnrecoverableError' && name !== 'DelayedError' && name !== 'WaitingError') {
        log.warn({ err: errorSummary(err), attemptsMade: job.attemptsMade }, 'training attempt failed; it will be retried');
        countOutcome('retried');
      }
      throw err;
    } finally {
      if (!lease.keep) await slots.release(tenant, jobId).catch((err: unknown) => log.warn({ err: errorSummary(err) }, 'could not release the running slot'));
    }
  };

  async function train(
    job: Job<TrainingJobData>, token: string | undefined, record: JobRecord, log: Logger, lease: { keep: boolean },
  ): Promise<TrainingJobResult> {
    const { jobId, tenant } = job.data;
    const attempt = record.attempts + 1;

    const fail = async (error: JobError): Promise<never> => {
      await jobs.failJob(jobId, error);
      countOutcome('failed');
      log.warn({ code: error.code, epoch: error.epoch }, 'job failed');
      throw new UnrecoverableError(`${error.code}: ${error.message}`);
    };

    const spec = await jobs.getSpec(jobId);
    if (spec === null) return fail(failure('invalid_data', 'the job spec is missing'));
    let dataset;
    try {
      dataset = await deps.datasets.loadDatasetArrays(spec.data);
    } catch (err) {
      if (err instanceof NotFoundError) return fail(failure('invalid_data', 'the job’s dataset no longer exists'));
      throw err;
    }
    let initialWeights: LayerWeights[] | null = null;
    if (spec.model.hasInitialWeights) {
      const bytes = await jobs.getInitialWeights(jobId);
      if (bytes === null) return fail(failure('invalid_data', 'the job’s initial weights are missing'));
      try {
        initialWeights = decodeWeights(bytes, spec.model.inputSize, spec.model.layers);
      } catch (err) {
        return fail(failure('invalid_data', (err as Error).message));
      }
    }
    const checkpoint = await deps.checkpoints.loadLatest(jobId);
    const options = toTrainingOptions(spec, initialWeights);
    const trainRows = dataset.samples - Math.floor(dataset.samples * spec.training.validationSplit);

    if (!(await jobs.markRunning(jobId, { attempt, startedAt: record.startedAt ?? new Date().toISOString() }))) {
      log.info('job skipped: cancelled or deleted before it started');
      return { outcome: 'skipped' };
    }
    log.info(
      { attempt, resumeFromEpoch: checkpoint?.meta.epoch ?? 0, resumeFromBatch: checkpoint?.meta.batch ?? 0, kernels: checkpoint?.meta.kernel ?? config.ENGINE_KERNELS },
      'training started',
    );

    // The control word the thread's shouldStop() reads between batches.
    const controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
    const control = new Int32Array(controlBuffer);
    let cancelled = false;
    let handingBack = false;
    let abandoned = false;
    let timedOut = false;
    let terminateTimer: NodeJS.Timeout | undefined;

    // Normally a thread is idle at once (one per BullMQ slot); one being replaced is awaited,
    // but not past a shutdown.
    const acquiring = deps.pool.acquire();
    const acquired = await Promise.race([acquiring, runs.closed.then(() => null)]);
    if (acquired === null) {
      void acquiring.then((late) => deps.pool.release(late), () => undefined);
      await job.moveToWait(token);
      countOutcome('handed_back');
      log.info('job handed back to the queue before it started');
      throw new WaitingError();
    }
    const thread = acquired;
    const terminateLater = (ms: number): void => {
      if (terminateTimer) return;
      terminateTimer = setTimeout(() => void thread.terminate(), ms);
    };
    const run: ActiveRun = {
      cancel() {
        if (cancelled) return;
        cancelled = true;
        Atomics.store(control, CONTROL_INDEX, CONTROL_CANCEL);
        terminateLater(config.CANCEL_GRACE_MS);
      },
      handBack() {
        if (handingBack || cancelled || abandoned) return;
        handingBack = true;
        Atomics.compareExchange(control, CONTROL_INDEX, CONTROL_RUN, CONTROL_HANDBACK);
        // A loop that will not stop in time is terminated; the job resumes from its last checkpoint.
        terminateLater(Math.max(100, config.SHUTDOWN_GRACE_MS / 2));
      },
      abandon() {
        if (abandoned) return;
        abandoned = true;
        lease.keep = true;
        Atomics.store(control, CONTROL_INDEX, CONTROL_CANCEL);
        terminateLater(config.CANCEL_GRACE_MS);
      },
    };
    runs.register(jobId, run);
    // The wall-clock limit covers the whole job: training time of earlier attempts (kept in the
    // checkpoint) counts, so repeated crashes cannot stretch a job past it.
    const timeoutMs = Math.max(0, config.MAX_JOB_SECONDS * 1000 - (checkpoint?.meta.elapsedMs ?? 0));
    const timeout = setTimeout(() => {
      timedOut = true;
      void thread.terminate();
    }, timeoutMs);

    // Progress is buffered here and written in one round trip per flush interval.
    let pendingPoints: StoredCurvePoint[] = [];
    let latest: CurvePoint | undefined;
    let latestDirty = false;
    let throughput = { samplesPerSecond: 0, epochsPerSecond: 0 };
    let kernelName: string | undefined;
    let lastHeartbeatAt = 0;
    let lastCancelPollAt = Date.now();
    let lastLeaseRenewAt = Date.now();
    let flushing: Promise<void> = Promise.resolve();
    let checkpointWrites: Promise<unknown> = Promise.resolve();

    // Training time for the tenant's compute budget (RELIABILITY.md c.4): the thread's wall-clock
    // time, whatever the run's outcome (completed, failed, cancelled, timed out, handed back or
    // abandoned). Crossing the budget never stops a run; only new submits are refused. Writes are
    // chained (no time is counted twice); the time of a failed write is carried into the next.
    let computeRecordedUntil = Date.now();
    let computeWrites: Promise<void> = Promise.resolve();
    let computeWritesPending = 0;
    const recordCompute = (untilMs: number): Promise<void> => {
      computeWritesPending++;
      computeWrites = computeWrites.then(async () => {
        const from = computeRecordedUntil;
        try {
          if (untilMs <= from) return;
          await deps.usage.addComputeTime(tenant, from, untilMs);
          computeRecordedUntil = untilMs;
        } catch (err) {
          log.warn({ err: errorSummary(err) }, 'could not record training time; retrying with the next record');
        } finally {
          computeWritesPending--;
        }
      });
      return computeWrites;
    };

    const flushNow = async (): Promise<void> => {
      // A stale run (lock lost) writes nothing more: the job belongs to another worker.
      if (abandoned) return;
      const points = pendingPoints;
      pendingPoints = [];
      const now = Date.now();
      const beat = latestDirty || points.length > 0 || now - lastHeartbeatAt >= HEARTBEAT_MS;
      try {
        if (beat) {
          latestDirty = false;
          lastHeartbeatAt = now;
          // Before the first epoch of this attempt ends (long epochs) the heartbeat repeats the
          // record's own epoch and loss.
          const stillRunning = await jobs.updateProgress(jobId, {
            epoch: latest?.epoch ?? record.epoch,
            loss: latest?.loss ?? record.loss ?? Number.NaN,
            valLoss: latest ? latest.valLoss ?? null : record.valLoss,
            accuracy: latest ? latest.accuracy ?? null : record.accuracy,
            samplesPerSecond: Math.round(throughput.samplesPerSecond),
            epochsPerSecond: Math.round(throughput.epochsPerSecond * 100) / 100,
            ...(kernelName ? { kernel: kernelName } : {}),
          });
          // Cancelled, deleted or finished elsewhere: stop training it, and do not recreate
          // the curve of a deleted job.
          if (!stillRunning) {
            run.cancel();
            return;
          }
        }
        if (points.length > 0) await deps.metrics.appendPoints(jobId, points);
        if (now - lastCancelPollAt >= CANCEL_POLL_MS) {
          lastCancelPollAt = now;
          if (await jobs.isCancelRequested(jobId)) run.cancel();
        }
        // While Redis is slow, periodic records are skipped rather than queued.
        if (now - computeRecordedUntil >= COMPUTE_RECORD_MS && computeWritesPending === 0) void recordCompute(now);
        if (now - lastLeaseRenewAt >= config.LOCK_DURATION_MS / 3) {
          lastLeaseRenewAt = now;
          await slots.renew(tenant, jobId);
        }
      } catch (err) {
        // Progress is best effort; the points come back for the next flush.
        pendingPoints = points.concat(pendingPoints);
        log.warn({ err: errorSummary(err) }, 'progress write failed; retrying at the next flush');
      }
    };
    // One flush at a time: while Redis is slow or down, timer ticks are skipped, not queued.
    let flushInFlight = false;
    const flush = (): Promise<void> => {
      if (flushInFlight) return flushing;
      flushInFlight = true;
      flushing = flushNow().finally(() => {
        flushInFlight = false;
      });
      return flushing;
    };
    const flushTimer = setInterval(() => void flush(), config.METRICS_FLUSH_INTERVAL_MS);

    // Checkpoints are written one at a time; when the thread produces them faster than Redis
    // takes them, only the newest waiting one is written (memory stays bounded).
    let queuedSnapshot: Omit<CheckpointMessage, 'type' | 'jobId'> | undefined;
    let checkpointWriterActive = false;
    const writeCheckpoint = async (snapshot: Omit<CheckpointMessage, 'type' | 'jobId'>): Promise<void> => {
      try {
        // The curve points up to the snapshot go first (including a flush in flight): a run
        // resumed from this checkpoint never re-trains those epochs, so points still buffered
        // here would otherwise be lost.
        await flushing;
        const points = pendingPoints;
        pendingPoints = [];
        try {
          if (points.length > 0) await deps.metrics.appendPoints(jobId, points);
        } catch (err) {
          pendingPoints = points.concat(pendingPoints);
          throw err;
        }
        const written = await deps.checkpoints.save(jobId, snapshot.bytes, {
          epoch: snapshot.epoch,
          batch: snapshot.batch,
          step: snapshot.step,
          elapsedMs: snapshot.elapsedMs,
          kernel: snapshot.kernel,
        });
        log.debug({ epoch: snapshot.epoch, batch: snapshot.batch, bytes: snapshot.bytes.byteLength, written }, 'checkpoint saved');
      } catch (err) {
        log.warn({ err: errorSummary(err), epoch: snapshot.epoch }, 'checkpoint write failed');
      }
    };
    const saveCheckpoint = (snapshot: Omit<CheckpointMessage, 'type' | 'jobId'>): Promise<unknown> => {
      queuedSnapshot = snapshot;
      if (!checkpointWriterActive) {
        checkpointWriterActive = true;
        checkpointWrites = (async () => {
          while (queuedSnapshot) {
            const next = queuedSnapshot;
            queuedSnapshot = undefined;
            await writeCheckpoint(next);
          }
          checkpointWriterActive = false;
        })();
      }
      return checkpointWrites;
    };

    const onMessage = (message: ThreadMessage): void => {
      if (message.type === 'progress') {
        const trained = message.latest.epoch - (latest?.epoch ?? checkpoint?.meta.epoch ?? 0);
        if (trained > 0) deps.telemetry?.recordEpochs(trained, trained * trainRows);
        pendingPoints.push(...message.points);
        latest = message.latest;
        latestDirty = true;
        throughput = { samplesPerSecond: message.samplesPerSecond, epochsPerSecond: message.epochsPerSecond };
        if (message.kernel) kernelName = message.kernel;
        log.debug({ epoch: message.latest.epoch, loss: message.latest.loss }, 'epoch finished');
      } else if (message.type === 'checkpoint') {
        if (!abandoned) void saveCheckpoint(message);
      }
    };

    const hooks = config.ENABLE_TEST_HOOKS ? job.data.testHooks : undefined;
    const start: StartMessage = {
      type: 'start',
      jobId,
      options,
      dataset: {
        samples: dataset.samples,
        inputSize: dataset.inputSize,
        outputSize: dataset.outputSize,
        inputs: transferable(dataset.inputs),
        targets: transferable(dataset.targets),
      },
      ...(checkpoint ? { checkpoint: checkpoint.bytes } : {}),
      elapsedMsAtStart: checkpoint?.meta.elapsedMs ?? 0,
      kernels: checkpoint?.meta.kernel ?? config.ENGINE_KERNELS,
      fallbackKernels: config.ENGINE_KERNELS as KernelChoice,
      control: controlBuffer,
      checkpointIntervalMs: config.CHECKPOINT_INTERVAL_MS,
      progressIntervalMs: Math.max(10, Math.floor(config.METRICS_FLUSH_INTERVAL_MS / 2)),
      curveStride: curveStride(spec.training.epochs, config.MAX_CURVE_POINTS),
      ...(hooks ? { testHooks: hooks } : {}),
    };
    const transfer = [start.dataset.inputs.buffer, start.dataset.targets.buffer] as ArrayBuffer[];
    if (start.checkpoint) transfer.push(start.checkpoint.buffer as ArrayBuffer);

    let end: RunEnd;
    let computeRecorded: Promise<void>;
    computeRecordedUntil = Date.now();
    try {
      end = await thread.run(start, onMessage, transfer);
    } finally {
      computeRecorded = recordCompute(Date.now());
      clearTimeout(timeout);
      clearTimeout(terminateTimer);
      clearInterval(flushTimer);
      runs.unregister(jobId, run);
      deps.pool.release(thread);
    }
    if (end.kind === 'message' && end.message.type === 'done') kernelName = end.message.kernelName;
    await computeRecorded;
    await checkpointWrites;
    if (!abandoned) {
      // The last points and progress, before the final state is written.
      await flushing;
      latestDirty = latest !== undefined;
      await flush();
      if (pendingPoints.length > 0 && !cancelled) await deps.metrics.appendPoints(jobId, pendingPoints);
    }
    return settle(end);

    async function settle(result: RunEnd): Promise<TrainingJobResult> {
      if (abandoned) {
        log.warn('run abandoned: the job’s lock was lost or the job is no longer running here');
        const lost = new Error('lock lost: another worker owns this job now');
        lost.name = 'LockLostError';
        throw lost;
      }
      if (result.kind === 'died') {
        if (cancelled) return finishCancelled();
        if (timedOut) return fail(failure('timeout', `the job ran longer than ${config.MAX_JOB_SECONDS} s`));
        if (handingBack) return handBackToQueue(undefined);
        if (result.code === 'out_of_memory') return fail(failure('out_of_memory', 'the training thread ran out of memory'));
        return fail(failure('thread_crashed', result.message));
      }
      const message = result.message;
      if (message.type === 'done') {
        const metrics: ResultMetrics = {
          finalLoss: message.outcome.finalLoss,
          epochsRun: message.outcome.epochsRun,
          stoppedEarly: message.outcome.stoppedEarly,
          durationMs: message.elapsedMs,
          ...(message.outcome.bestValLoss !== undefined ? { bestValLoss: message.outcome.bestValLoss } : {}),
        };
        const completed = await jobs.completeJob(jobId, { weights: message.weights, metrics, kernel: message.kernelName, attempt });
        if (!completed) {
          log.warn({ attempt }, 'completion refused: the job already finished or a newer attempt owns it');
          return { outcome: 'stale' };
        }
        await deps.checkpoints.delete(jobId).catch(() => {});
        countOutcome('completed');
        log.info({ epochsRun: metrics.epochsRun, finalLoss: metrics.finalLoss, durationMs: metrics.durationMs, kernel: message.kernelName }, 'job completed');
        return { outcome: 'completed', epochsRun: metrics.epochsRun };
      }
      if (message.type === 'stopped') {
        if (message.reason === 'handback' && !cancelled) return handBackToQueue(message.checkpoint);
        return finishCancelled();
      }
      // message.type === 'error'
      const { error } = message;
      if (error.code === 'diverged') {
        const marker: StoredCurvePoint = { epoch: error.epoch ?? (latest?.epoch ?? 0) + 1, diverged: true, elapsedMs: latest?.elapsedMs ?? 0 };
        await deps.metrics.appendPoints(jobId, [marker]).catch(() => {});
        return fail(failure('diverged', error.message, error.epoch));
      }
      if (error.code === 'invalid_data' && checkpoint && /checkpoint/i.test(error.message)) {
        // A checkpoint this engine cannot read (e.g. written by another engine version): drop
        // it and let BullMQ retry the job from the start rather than fail it.
        log.warn({ message: error.message }, 'checkpoint unusable; the job restarts from scratch');
        await deps.checkpoints.delete(jobId);
        throw new Error(`unusable checkpoint: ${error.message}`);
      }
      if (error.code === 'invalid_data') return fail(failure('invalid_data', error.message));
      log.error({ error }, 'training thread reported an unexpected error');
      return fail(failure('internal', 'training failed with an internal error'));
    }

    async function finishCancelled(): Promise<TrainingJobResult> {
      countOutcome('cancelled');
      if (await jobs.cancelJob(jobId)) log.info({ epoch: latest?.epoch ?? 0 }, 'job cancelled');
      else log.info('run stopped: the job was already finished or deleted');
      return { outcome: 'cancelled' };
    }

    async function handBackToQueue(snapshot: Omit<CheckpointMessage, 'type' | 'jobId'> | undefined): Promise<never> {
      if (snapshot) await saveCheckpoint(snapshot);
      await job.moveToWait(token);
      countOutcome('handed_back');
      log.info({ epoch: snapshot?.epoch ?? latest?.epoch ?? 0 }, 'job handed back to the queue');
      throw new WaitingError();
    }
  }
}
