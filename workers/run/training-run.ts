import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { JobRecord } from '../../src/store/job-store.js';
import type { TestHooks } from '../../src/queue/training-job-data.js';
import type { KernelChoice, StartMessage, ThreadMessage } from '../thread-messages.js';
import type { RunEnd, TrainingThread } from '../thread-pool.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { ComputeMeter } from './compute-meter.js';
import { ProgressRelay } from './progress-relay.js';
import type { ProcessorDeps } from './run-deps.js';
import { loadRunInputs, type RunInputs } from './run-inputs.js';
import { RunControl } from './run-control.js';
import { settleRun, type Settlement } from './settle-run.js';
import { ThreadBudget } from './thread-budget.js';

/** Who a run is for. */
export interface RunContext {
  jobId: string;
  tenant: string;
  /** The job record as the processor found it (status `queued` or `running`). */
  record: JobRecord;
  log: Logger;
  /** Test hooks (only with `ENABLE_TEST_HOOKS=true`). */
  hooks?: TestHooks;
}

/** What a run asks to write: a {@link Settlement}, or nothing at all (`skipped`). */
export type RunVerdict = Settlement | { kind: 'skipped' };

/**
 * One training run of one job attempt on a pooled thread, composed of small parts: its
 * {@link RunControl} (control word, cancel, hand back, pause, timeout), a {@link ProgressRelay}
 * (curve, heartbeat, flag poll, lease), a {@link CheckpointWriter} (latest wins) and a
 * {@link ComputeMeter}. {@link run} trains and returns what to write, decided by `settleRun`;
 * the writes themselves are `writeSettlement`'s.
 */
export class TrainingRun {
  readonly control: RunControl;
  /** Attempt number of this run (the record's attempts + 1). */
  readonly attempt: number;
  private relay: ProgressRelay | undefined;
  private writer: CheckpointWriter | undefined;
  private readonly budget: ThreadBudget;
  /** The threads the worker wants this run on (it may change them while the run goes; see {@link ThreadBudget}). */
  private readonly threadsWanted = new Int32Array(new SharedArrayBuffer(4));
  /** What {@link logTimings} reports: the thread's run and the first epochs' durations (ms). */
  private readonly timings: { threadMs?: number; epochMs: number[]; threads?: number; lastElapsedMs: number } = { epochMs: [], lastElapsedMs: 0 };

  constructor(private readonly deps: ProcessorDeps, private readonly ctx: RunContext) {
    const { config } = deps;
    this.attempt = ctx.record.attempts + 1;
    this.control = new RunControl({ cancelGraceMs: config.CANCEL_GRACE_MS, stopGraceMs: Math.max(100, config.SHUTDOWN_GRACE_MS / 2) });
    // Counted among the jobs sharing the cores from now on, so jobs taken together split them.
    this.budget = deps.threads ?? fallbackBudget(deps);
    this.budget.admit(ctx.jobId);
  }

  /** The last epoch reported by the thread in this run, if any. */
  get latestEpoch(): number | undefined {
    return this.relay?.latest?.epoch;
  }

  /** The run's checkpoint writer (present once the thread started). */
  get checkpointWriter(): CheckpointWriter | undefined {
    return this.writer;
  }

  /**
   * Loads the job's inputs, marks it running, trains it on a thread and returns what to write.
   * @throws Redis errors before the thread started (the attempt is retried)
   */
  async run(): Promise<RunVerdict> {
    try {
      return await this.admitted();
    } finally {
      this.budget.release(this.ctx.jobId);
    }
  }

  private async admitted(): Promise<RunVerdict> {
    const { deps, ctx } = this;
    const t0 = performance.now();
    // A test hook that poisons the thread's data must not reach a shared cached copy.
    const inputs = await loadRunInputs(ctx.jobId, deps, ctx.hooks?.nanAtEpoch === undefined ? deps.datasetCache : undefined);
    if ('error' in inputs) return { kind: 'fail', error: inputs.error };
    if (!(await deps.jobs.markRunning(ctx.jobId, { attempt: this.attempt, startedAt: ctx.record.startedAt ?? new Date().toISOString() }))) {
      ctx.log.info('job skipped: cancelled or deleted before it started');
      return { kind: 'skipped' };
    }
    await deps.events?.emitJobEvent(ctx.jobId, 'started');
    const kernels = inputs.checkpoint?.meta.kernel ?? deps.config.ENGINE_KERNELS;
    ctx.log.info(
      { attempt: this.attempt, resumeFromEpoch: inputs.checkpoint?.meta.epoch ?? 0, resumeFromBatch: inputs.checkpoint?.meta.batch ?? 0, kernels },
      'training started',
    );
    // Normally a thread is idle at once (one per BullMQ slot); one being replaced is awaited,
    // but not past a shutdown.
    const acquiring = deps.pool.acquire();
    const thread = await Promise.race([acquiring, deps.runs.closed.then(() => null)]);
    if (thread === null) {
      void acquiring.then((late) => deps.pool.release(late), () => undefined);
      return { kind: 'hand-back', beforeStart: true };
    }
    const t1 = performance.now();
    const end = await this.train(thread, inputs);
    this.logTimings(inputs, t1 - t0, end);
    return settleRun({
      end,
      control: this.control.snapshot,
      resumed: inputs.checkpoint !== null,
      lastEpoch: this.relay?.latest?.epoch ?? 0,
      lastElapsedMs: this.relay?.latest?.elapsedMs ?? 0,
      maxJobSeconds: deps.config.MAX_JOB_SECONDS,
    });
  }

  /**
   * One debug line of where the run's time went (ms): reading the spec, the dataset and the
   * checkpoint; everything before the thread got the job (`beforeThreadMs`, reads included);
   * the thread's whole run (`threadMs`, posting the start until its final message); in it, what
   * came before the first epoch (`setupMs`: kernels, createTrainer's checks and conversion,
   * helper threads; estimated as the first epoch's time minus the second's) and the first epochs.
   */
  private logTimings(inputs: RunInputs, beforeThreadMs: number, end: RunEnd): void {
    const t = this.timings;
    const [first, second] = t.epochMs;
    const round = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms * 10) / 10);
    this.ctx.log.debug({
      specMs: round(inputs.timings.specMs),
      datasetMs: round(inputs.timings.datasetMs),
      checkpointMs: round(inputs.timings.checkpointMs),
      beforeThreadMs: round(beforeThreadMs),
      threadMs: round(t.threadMs),
      threadElapsedMs: end.kind === 'message' && end.message.type === 'done' ? end.message.elapsedMs : undefined,
      setupMs: first !== undefined && second !== undefined ? round(first - second) : undefined,
      firstEpochsMs: t.epochMs.map(round),
      threads: t.threads,
    }, 'run timings');
  }

  private async train(thread: TrainingThread, inputs: RunInputs): Promise<RunEnd> {
    const { deps, ctx, control } = this;
    const meter = new ComputeMeter(deps.usage, ctx.tenant, ctx.log);
    const relay = this.createRelay(meter);
    const writer = new CheckpointWriter(ctx.jobId, deps.checkpoints, ctx.log, () => relay.writePoints());
    this.relay = relay;
    this.writer = writer;
    // The wall-clock limit covers the whole job: training time of earlier attempts (kept in the
    // checkpoint) counts, so repeated crashes cannot stretch a job past it.
    control.attach(() => void thread.terminate(), Math.max(0, deps.config.MAX_JOB_SECONDS * 1000 - (inputs.checkpoint?.meta.elapsedMs ?? 0)));
    deps.runs.register(ctx.jobId, control);
    relay.start();
    const start = this.startMessage(inputs);
    // Shared (cached) arrays are not transferred: the thread reads them in place.
    const transfer = [start.dataset.inputs.buffer, start.dataset.targets.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    if (start.checkpoint) transfer.push(start.checkpoint.buffer as ArrayBuffer);
    const resumedEpoch = inputs.checkpoint?.meta.epoch ?? 0;
    const onMessage = (message: ThreadMessage): void => {
      if (message.type === 'progress') {
        for (const point of message.points) {
          // The first epochs only: enough to tell the setup from the epochs.
          if (this.timings.epochMs.length < 3) this.timings.epochMs.push(point.elapsedMs - this.timings.lastElapsedMs);
          this.timings.lastElapsedMs = point.elapsedMs;
        }
        const trained = message.latest.epoch - (relay.latest?.epoch ?? resumedEpoch);
        if (trained > 0) deps.telemetry?.recordEpochs(trained, trained * inputs.trainRows);
        relay.accept(message);
        ctx.log.debug({ epoch: message.latest.epoch, loss: message.latest.loss }, 'epoch finished');
      } else if (message.type === 'checkpoint' && !control.abandoned) {
        void writer.save(message);
      }
    };
    let end: RunEnd;
    let computeRecorded: Promise<void>;
    meter.restart();
    this.timings.lastElapsedMs = start.elapsedMsAtStart;
    this.timings.threads = start.threads;
    const posted = performance.now();
    try {
      end = await thread.run(start, onMessage, transfer);
      this.timings.threadMs = performance.now() - posted;
    } finally {
      computeRecorded = meter.record();
      control.dispose();
      relay.stop();
      deps.runs.unregister(ctx.jobId, control);
      this.budget.release(ctx.jobId);
      deps.pool.release(thread);
    }
    if (end.kind === 'message' && end.message.type === 'done') relay.setKernel(end.message.kernelName);
    await computeRecorded;
    await writer.idle();
    if (!control.abandoned) await relay.finish(!control.cancelled);
    return end;
  }

  private createRelay(meter: ComputeMeter): ProgressRelay {
    const { deps, ctx, control } = this;
    const { jobId, tenant, record } = ctx;
    return new ProgressRelay({
      log: ctx.log,
      flushIntervalMs: deps.config.METRICS_FLUSH_INTERVAL_MS,
      leaseMs: deps.config.LOCK_DURATION_MS,
      initial: { epoch: record.epoch, loss: record.loss, valLoss: record.valLoss, accuracy: record.accuracy },
      ports: {
        updateProgress: async (update) => {
          const running = await deps.jobs.updateProgress(jobId, update);
          if (running) await deps.events?.emitJobEvent(jobId, 'progress');
          return running;
        },
        appendPoints: (points) => deps.metrics.appendPoints(jobId, points),
        pollControl: async () => (deps.control ? deps.control.pollControl(jobId) : (await deps.jobs.isCancelRequested(jobId)) ? 'cancel' : null),
        renewLease: () => deps.slots.renew(tenant, jobId),
      },
      onTick: (now) => meter.tick(now),
      onStop: (what) => (what === 'pause' ? control.pause() : control.cancel()),
      isAbandoned: () => control.abandoned,
    });
  }

  private startMessage(inputs: RunInputs): StartMessage {
    const { config } = this.deps;
    const { checkpoint } = inputs;
    return {
      type: 'start',
      jobId: this.ctx.jobId,
      options: inputs.options,
      dataset: inputs.dataset,
      ...(checkpoint ? { checkpoint: checkpoint.bytes } : {}),
      ...(checkpoint?.meta.continueFinished ? { continueFinished: true } : {}),
      elapsedMsAtStart: checkpoint?.meta.elapsedMs ?? 0,
      kernels: checkpoint?.meta.kernel ?? config.ENGINE_KERNELS,
      fallbackKernels: config.ENGINE_KERNELS as KernelChoice,
      control: this.control.buffer,
      checkpointIntervalMs: config.CHECKPOINT_INTERVAL_MS,
      progressIntervalMs: Math.max(10, Math.floor(config.METRICS_FLUSH_INTERVAL_MS / 2)),
      threads: this.grantThreads(inputs),
      threadsWanted: this.threadsWanted.buffer as SharedArrayBuffer,
      ...(this.ctx.hooks ? { testHooks: this.ctx.hooks } : {}),
    };
  }

  /**
   * Threads this job starts on, from the worker's {@link ThreadBudget} (its fair share of the
   * cores, at most `MAX_THREADS_PER_JOB`); 1 for runs the engine keeps on one thread (an optimizer
   * other than Adam, TypeScript kernels). When the share changes (another job starts or ends),
   * the new count goes to the thread through {@link threadsWanted}: it moves to it at its next
   * epoch boundary. The weights are the same bytes whatever it is.
   */
  private grantThreads(inputs: RunInputs): number {
    const kernels = inputs.checkpoint?.meta.kernel ?? this.deps.config.ENGINE_KERNELS;
    const splittable = inputs.options.optimizer.type === 'adam' && kernels !== 'ts';
    const threads = this.budget.grant(this.ctx.jobId, splittable ? Infinity : 1, (share) => {
      Atomics.store(this.threadsWanted, 0, share);
      this.ctx.log.debug({ threads: share, held: this.budget.held, cores: this.budget.total }, 'training threads re-balanced');
    });
    Atomics.store(this.threadsWanted, 0, threads);
    this.ctx.log.debug({ threads, held: this.budget.held, cores: this.budget.total }, 'training threads granted');
    return threads;
  }

}

/** One budget per thread pool for callers that pass none (the worker passes its own). */
const fallbackBudgets = new WeakMap<object, ThreadBudget>();

function fallbackBudget(deps: ProcessorDeps): ThreadBudget {
  let budget = fallbackBudgets.get(deps.pool);
  if (!budget) {
    budget = new ThreadBudget(availableParallelism(), deps.config.MAX_THREADS_PER_JOB);
    fallbackBudgets.set(deps.pool, budget);
  }
  return budget;
}
