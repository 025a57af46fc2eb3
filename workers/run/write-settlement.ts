import { UnrecoverableError, WaitingError } from 'bullmq';
import type { JobError } from '../../src/contract/job.js';
import { errorSummary } from './error-summary.js';
import { LockLostError } from './lock-lost-error.js';
import type { ProcessorDeps, TrainingJobResult } from './run-deps.js';
import type { Snapshot } from './settle-run.js';
import type { RunContext, RunVerdict } from './training-run.js';

/** What {@link writeSettlement} needs besides the stores. */
export interface SettlementContext extends Pick<RunContext, 'jobId' | 'log'> {
  attempt: number;
  /** The last epoch trained in this run, for the logs. */
  latestEpoch?: number;
  /** Saves a snapshot through the run's checkpoint writer (after any it is still writing). */
  saveCheckpoint?: (snapshot: Snapshot) => Promise<void>;
  /** Puts the BullMQ job back in the wait list (`job.moveToWait(token)`). */
  moveToWait: () => Promise<void>;
}

/**
 * Writes what a run settled on and gives BullMQ its answer: a return value for a finished job,
 * `UnrecoverableError` for a failure no retry can help, `WaitingError` for a job handed back,
 * {@link LockLostError} for a run that lost its job, a plain error for a retry.
 */
export async function writeSettlement(deps: ProcessorDeps, ctx: SettlementContext, verdict: RunVerdict): Promise<TrainingJobResult> {
  const { jobs, checkpoints } = deps;
  const { jobId, log } = ctx;
  const count = (outcome: string): void => deps.telemetry?.recordJob(outcome);
  switch (verdict.kind) {
    case 'skipped':
      return { outcome: 'skipped' };
    case 'lock-lost':
      log.warn('run abandoned: the job’s lock was lost or the job is no longer running here');
      throw new LockLostError();
    case 'cancel':
      count('cancelled');
      if (await jobs.cancelJob(jobId)) {
        await deps.events?.emitJobEvent(jobId, 'cancelled');
        log.info({ epoch: ctx.latestEpoch ?? 0 }, 'job cancelled');
      } else log.info('run stopped: the job was already finished or deleted');
      return { outcome: 'cancelled' };
    case 'complete': {
      const { metrics, kernel, checkpoint } = verdict;
      const writeStart = performance.now();
      // The completion replaces the job's checkpoints with the final snapshot (a fork starts from it).
      if (!(await jobs.completeJob(jobId, { weights: verdict.weights, metrics, kernel, attempt: ctx.attempt, ...(checkpoint ? { checkpoint } : {}) }))) {
        log.warn({ attempt: ctx.attempt }, 'completion refused: the job already finished or a newer attempt owns it');
        return { outcome: 'stale' };
      }
      await confirmCompletion(deps, ctx);
      await deps.events?.emitJobEvent(jobId, 'completed');
      count('completed');
      const writeMs = Math.round((performance.now() - writeStart) * 10) / 10;
      log.info({ epochsRun: metrics.epochsRun, finalLoss: metrics.finalLoss, durationMs: metrics.durationMs, kernel, writeMs }, 'job completed');
      return { outcome: 'completed', epochsRun: metrics.epochsRun };
    }
    case 'fail':
      if (verdict.marker) await deps.metrics.appendPoints(jobId, [verdict.marker]).catch(() => {});
      if (verdict.unexpected) log.error({ error: verdict.unexpected }, 'training thread reported an unexpected error');
      return failJob(deps, ctx, verdict.error);
    case 'restart':
      log.warn({ message: verdict.reason }, 'checkpoint unusable; the job restarts from scratch');
      await checkpoints.delete(jobId);
      throw new Error(`unusable checkpoint: ${verdict.reason}`);
    case 'hand-back':
      if (verdict.checkpoint && ctx.saveCheckpoint) await ctx.saveCheckpoint(verdict.checkpoint);
      await ctx.moveToWait();
      count('handed_back');
      if (verdict.beforeStart) log.info('job handed back to the queue before it started');
      else log.info({ epoch: verdict.checkpoint?.epoch ?? ctx.latestEpoch ?? 0 }, 'job handed back to the queue');
      throw new WaitingError();
    case 'pause':
      return pause(deps, ctx, verdict.checkpoint);
  }
}

/**
 * Saves the checkpoint the run stopped at (a run terminated before it could send one resumes
 * from its last periodic checkpoint) and marks the job `paused`; BullMQ's job ends here and a
 * resume queues a new one.
 */
async function pause(deps: ProcessorDeps, ctx: SettlementContext, checkpoint: Snapshot | undefined): Promise<TrainingJobResult> {
  if (checkpoint && ctx.saveCheckpoint) await ctx.saveCheckpoint(checkpoint);
  if (!deps.control || !(await deps.control.markPaused(ctx.jobId))) {
    ctx.log.info('run stopped for a pause, but the job is no longer running here');
    return { outcome: 'stale' };
  }
  await deps.events?.emitJobEvent(ctx.jobId, 'paused');
  deps.telemetry?.recordJob('paused');
  ctx.log.info({ epoch: checkpoint?.epoch ?? ctx.latestEpoch ?? 0, batch: checkpoint?.batch ?? 0 }, 'job paused');
  return { outcome: 'paused' };
}

/** Replica confirmations of a completion: tried a few times; the result is written either way. */
const CONFIRM_ATTEMPTS = 3;
const CONFIRM_BACKOFF_MS = 200;

/** Waits for the replicas to have the completed job (`REDIS_WAIT_REPLICAS`), retrying a little. */
async function confirmCompletion(deps: ProcessorDeps, ctx: SettlementContext): Promise<void> {
  if (!deps.confirmWrites) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.confirmWrites([deps.jobs.keys.jobRecord(ctx.jobId)]);
      return;
    } catch (err) {
      if (attempt >= CONFIRM_ATTEMPTS) {
        ctx.log.warn({ err: errorSummary(err) }, 'completion written but not confirmed by the replicas');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, CONFIRM_BACKOFF_MS * attempt));
    }
  }
}

/** Marks the job `failed` with `error` and throws `UnrecoverableError` (no retry). */
export async function failJob(deps: ProcessorDeps, ctx: Pick<SettlementContext, 'jobId' | 'log'>, error: JobError): Promise<never> {
  await deps.jobs.failJob(ctx.jobId, error);
  await deps.events?.emitJobEvent(ctx.jobId, 'failed');
  deps.telemetry?.recordJob('failed');
  ctx.log.warn({ code: error.code, epoch: error.epoch }, 'job failed');
  throw new UnrecoverableError(`${error.code}: ${error.message}`);
}
