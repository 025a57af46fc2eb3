import { DelayedError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { isTerminalStatus } from '../src/contract/job.js';
import type { TrainingJobData } from '../src/queue/training-job-data.js';
import { errorSummary } from './run/error-summary.js';
import type { ProcessorDeps, TrainingJobResult } from './run/run-deps.js';
import { jobError } from './run/settle-run.js';
import { TrainingRun } from './run/training-run.js';
import { writeSettlement } from './run/write-settlement.js';

export type { TrainingJobData } from '../src/queue/training-job-data.js';
export type { JobEventSink, JobEventType, ProcessorDeps, TrainingJobResult, WorkerTelemetry } from './run/run-deps.js';
export { errorSummary } from './run/error-summary.js';

/** A job over its tenant's running cap is retried after this much (plus jitter). */
const CAP_RETRY_DELAY_MS = 500;

/** Errors that steer BullMQ rather than report a failure. */
const CONTROL_FLOW_ERRORS = new Set(['UnrecoverableError', 'DelayedError', 'WaitingError']);

/**
 * How a thrown attempt counts: `lock-lost` (another worker owns the job: touch nothing),
 * `control` (BullMQ flow or an already recorded failure), `final` (a retryable failure on the
 * last attempt: the record must still reach a final state) or `retry`.
 */
export function classifyAttemptError(err: unknown, attemptsMade: number, attempts: number): 'lock-lost' | 'control' | 'final' | 'retry' {
  const name = (err as Error | undefined)?.name;
  if (name === 'LockLostError') return 'lock-lost';
  if (name !== undefined && CONTROL_FLOW_ERRORS.has(name)) return 'control';
  return attemptsMade + 1 >= attempts ? 'final' : 'retry';
}

/**
 * Builds the BullMQ processor: one job = one {@link TrainingRun} on a pooled thread. It admits
 * the job (not finished, not cancelled, a running slot of its tenant free), runs it, and writes
 * the settled outcome. Deterministic failures (`diverged`, `invalid_data`, `out_of_memory`,
 * `timeout`…) throw `UnrecoverableError`; anything else (Redis trouble) throws a plain error, so
 * BullMQ retries it with backoff.
 */
export function createTrainingProcessor(deps: ProcessorDeps) {
  const { config, jobs, slots, runs } = deps;

  return async function processTrainingJob(job: Job<TrainingJobData>, token?: string): Promise<TrainingJobResult> {
    const { jobId, tenant } = job.data;
    const log = deps.log.child({ jobId, tenant });
    const moveToWait = async (): Promise<void> => {
      await job.moveToWait(token);
    };

    if (runs.isClosing) {
      // Fetched while shutting down: give it straight back.
      await moveToWait();
      throw new WaitingError();
    }
    const record = await jobs.getJob(jobId);
    if (record === null || isTerminalStatus(record.status)) {
      // Repeats the final event of a job whose process died right after writing its final
      // state (the sink sends each final event at most once).
      if (record) await deps.events?.emitJobEvent(jobId, record.status as 'completed' | 'failed' | 'cancelled');
      log.info({ status: record?.status ?? 'missing' }, 'job skipped: already finished or deleted');
      return { outcome: 'skipped' };
    }
    if (record.cancelRequested) {
      if (await jobs.cancelJob(jobId)) await deps.events?.emitJobEvent(jobId, 'cancelled');
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
    const hooks = config.ENABLE_TEST_HOOKS ? job.data.testHooks : undefined;
    const run = new TrainingRun(deps, { jobId, tenant, record, log, ...(hooks ? { hooks } : {}) });
    try {
      const verdict = await run.run();
      const writer = run.checkpointWriter;
      return await writeSettlement(deps, {
        jobId, log, attempt: run.attempt, moveToWait,
        ...(run.latestEpoch !== undefined ? { latestEpoch: run.latestEpoch } : {}),
        ...(writer ? { saveCheckpoint: (snapshot) => writer.save(snapshot) } : {}),
      }, verdict);
    } catch (err) {
      await reportAttemptError(err, job, log);
      throw err;
    } finally {
      // A run abandoned because another worker took the job over must not free the slot that
      // worker now holds (the slot is keyed by job id).
      if (!run.control.abandoned) await slots.release(tenant, jobId).catch((err: unknown) => log.warn({ err: errorSummary(err) }, 'could not release the running slot'));
    }
  };

  async function reportAttemptError(err: unknown, job: Job<TrainingJobData>, log: Logger): Promise<void> {
    const kind = classifyAttemptError(err, job.attemptsMade, job.opts.attempts ?? 1);
    if (kind === 'final') {
      // The last attempt of a retryable failure: the job record must still reach a final state.
      log.error({ err: errorSummary(err) }, 'training failed on its last attempt');
      await jobs.failJob(job.data.jobId, jobError('internal', 'training failed after every retry'))
        .then(() => deps.events?.emitJobEvent(job.data.jobId, 'failed'), () => undefined);
      deps.telemetry?.recordJob('failed');
    } else if (kind === 'retry') {
      log.warn({ err: errorSummary(err), attemptsMade: job.attemptsMade }, 'training attempt failed; it will be retried');
      deps.telemetry?.recordJob('retried');
    }
  }
}
