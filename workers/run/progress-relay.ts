import type { Logger } from 'pino';
import type { CurvePoint } from '../../src/contract/job.js';
import type { ProgressUpdate } from '../../src/store/job-store.js';
import type { StoredCurvePoint } from '../../src/store/metrics-store.js';
import type { ProgressMessage } from '../thread-messages.js';
import { errorSummary } from './error-summary.js';

/**
 * A running job checks its cancel and pause flags in Redis at least this often (every second
 * flush when flushes are more frequent): pub/sub can miss a cancel, and a pause has only the flag.
 */
export const CONTROL_POLL_MS = 1_000;
/** Heartbeat at least this often, even when no epoch finished (long epochs). */
export const HEARTBEAT_MS = 1_000;

/** What the relay writes to and reads from; each call is one Redis round trip. */
export interface RelayPorts {
  /** Writes the job's progress; `false` when the job is no longer `running` (cancelled, deleted…). */
  updateProgress(update: ProgressUpdate): Promise<boolean>;
  appendPoints(points: readonly StoredCurvePoint[]): Promise<void>;
  /** A stop asked of the job in its record (`cancel`, `pause`), or `null`. */
  pollControl(): Promise<'cancel' | 'pause' | null>;
  /** Extends the job's running slot (its lease). */
  renewLease(): Promise<void>;
}

/** Options of a {@link ProgressRelay}. */
export interface ProgressRelayOptions {
  ports: RelayPorts;
  log: Logger;
  /** Progress is flushed this often (`METRICS_FLUSH_INTERVAL_MS`). */
  flushIntervalMs: number;
  /** The lease is renewed every third of this (`LOCK_DURATION_MS`). */
  leaseMs: number;
  /** The record's progress before this run (shown by heartbeats before the first epoch ends). */
  initial: { epoch: number; loss: number | null; valLoss: number | null; accuracy: number | null };
  /** Called at each flush after the writes (the compute meter's periodic record). */
  onTick?: (now: number) => void;
  /** A stop was asked: the record left `running` or its flags say so. */
  onStop: (what: 'cancel' | 'pause') => void;
  /** `true` once the run must write nothing more (its lock was lost). */
  isAbandoned: () => boolean;
}

/**
 * Relays a run's progress to Redis: the thread's curve points and latest metrics, buffered and
 * written in one round trip per flush interval, plus a heartbeat, the poll of the cancel and
 * pause flags, and the renewal of the running slot's lease. One flush at a time: while Redis is
 * slow or down, timer ticks are skipped rather than queued, and failed points are kept for the
 * next flush.
 */
export class ProgressRelay {
  private pending: StoredCurvePoint[] = [];
  private latestPoint: CurvePoint | undefined;
  private latestDirty = false;
  private throughput = { samplesPerSecond: 0, epochsPerSecond: 0 };
  private kernelName: string | undefined;
  private lastHeartbeatAt = 0;
  private lastPollAt = Date.now();
  private lastLeaseRenewAt = Date.now();
  private flushing: Promise<void> = Promise.resolve();
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProgressRelayOptions) {}

  /** The most recent epoch's metrics reported by the thread in this run. */
  get latest(): CurvePoint | undefined {
    return this.latestPoint;
  }

  /** Starts the periodic flush. */
  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
  }

  /** Stops the periodic flush (pending points stay for {@link finish}). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Takes a progress message from the thread. */
  accept(message: ProgressMessage): void {
    this.pending.push(...message.points);
    this.latestPoint = message.latest;
    this.latestDirty = true;
    this.throughput = { samplesPerSecond: message.samplesPerSecond, epochsPerSecond: message.epochsPerSecond };
    if (message.kernel) this.kernelName = message.kernel;
  }

  /** Sets the kernel set named by the thread's final message. */
  setKernel(name: string): void {
    this.kernelName = name;
  }

  /** Flushes now unless a flush is in flight (then that one's promise). */
  flush(): Promise<void> {
    if (this.inFlight) return this.flushing;
    this.inFlight = true;
    this.flushing = this.flushNow().finally(() => {
      this.inFlight = false;
    });
    return this.flushing;
  }

  /**
   * Writes every buffered curve point now (after a flush in flight): the checkpoint writer calls
   * this before saving a snapshot, so a run resumed from it never lacks those epochs' points.
   * @throws the write's error (the points stay buffered)
   */
  async writePoints(): Promise<void> {
    await this.flushing;
    const points = this.takePoints();
    try {
      if (points.length > 0) await this.options.ports.appendPoints(points);
    } catch (err) {
      this.pending = points.concat(this.pending);
      throw err;
    }
  }

  /**
   * The last progress and points, before the final state is written. Points are dropped when
   * `keepPoints` is false (a cancelled run).
   */
  async finish(keepPoints: boolean): Promise<void> {
    await this.flushing;
    this.latestDirty = this.latestPoint !== undefined;
    await this.flush();
    if (this.pending.length > 0 && keepPoints) await this.options.ports.appendPoints(this.takePoints());
  }

  private takePoints(): StoredCurvePoint[] {
    const points = this.pending;
    this.pending = [];
    return points;
  }

  private progressUpdate(): ProgressUpdate {
    const { initial } = this.options;
    const latest = this.latestPoint;
    // Before the first epoch of this attempt ends (long epochs) the heartbeat repeats the
    // record's own epoch and loss.
    return {
      epoch: latest?.epoch ?? initial.epoch,
      loss: latest?.loss ?? initial.loss ?? Number.NaN,
      valLoss: latest ? latest.valLoss ?? null : initial.valLoss,
      accuracy: latest ? latest.accuracy ?? null : initial.accuracy,
      samplesPerSecond: Math.round(this.throughput.samplesPerSecond),
      epochsPerSecond: Math.round(this.throughput.epochsPerSecond * 100) / 100,
      ...(this.kernelName ? { kernel: this.kernelName } : {}),
    };
  }

  private async flushNow(): Promise<void> {
    const { ports, log } = this.options;
    // A stale run (lock lost) writes nothing more: the job belongs to another worker.
    if (this.options.isAbandoned()) return;
    const points = this.takePoints();
    const now = Date.now();
    const beat = this.latestDirty || points.length > 0 || now - this.lastHeartbeatAt >= HEARTBEAT_MS;
    try {
      if (beat) {
        this.latestDirty = false;
        this.lastHeartbeatAt = now;
        // Cancelled, deleted or finished elsewhere: stop training it, and do not recreate the
        // curve of a deleted job.
        if (!(await ports.updateProgress(this.progressUpdate()))) {
          this.options.onStop('cancel');
          return;
        }
      }
      if (points.length > 0) await ports.appendPoints(points);
      await this.pollAndRenew(now);
    } catch (err) {
      // Progress is best effort; the points come back for the next flush.
      this.pending = points.concat(this.pending);
      log.warn({ err: errorSummary(err) }, 'progress write failed; retrying at the next flush');
    }
  }

  private async pollAndRenew(now: number): Promise<void> {
    const { ports } = this.options;
    if (now - this.lastPollAt >= Math.min(CONTROL_POLL_MS, 2 * this.options.flushIntervalMs)) {
      this.lastPollAt = now;
      const asked = await ports.pollControl();
      if (asked) this.options.onStop(asked);
    }
    this.options.onTick?.(now);
    if (now - this.lastLeaseRenewAt >= this.options.leaseMs / 3) {
      this.lastLeaseRenewAt = now;
      await ports.renewLease();
    }
  }
}
