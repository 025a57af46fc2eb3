import type { Logger } from 'pino';
import type { TenantUsage } from '../../src/store/tenant-usage.js';
import { errorSummary } from './error-summary.js';

/**
 * A long run adds its training time to the tenant's compute usage at least this often (and once
 * more when it ends), so the usage grows while it runs and a worker killed with `kill -9` loses
 * at most this much of it.
 */
export const COMPUTE_RECORD_MS = 10_000;

/**
 * Meters a run's training time into its tenant's daily compute usage: the thread's wall-clock
 * time, whatever the run's outcome (completed, failed, cancelled, timed out, handed back, paused
 * or abandoned). Crossing the budget never stops a run; only new submits are refused. Writes are
 * chained (no time is counted twice); the time of a failed write is carried into the next.
 */
export class ComputeMeter {
  private recordedUntil: number;
  private writes: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly usage: TenantUsage,
    private readonly tenant: string,
    private readonly log: Logger,
    startMs = Date.now(),
  ) {
    this.recordedUntil = startMs;
  }

  /** Starts counting from `ms` (the thread starts training now). */
  restart(ms = Date.now()): void {
    this.recordedUntil = ms;
  }

  /** A periodic record, skipped while one is still being written (Redis slow) or too recent. */
  tick(now = Date.now()): void {
    if (now - this.recordedUntil >= COMPUTE_RECORD_MS && this.pending === 0) void this.record(now);
  }

  /** Adds the time up to `untilMs`; resolves when it (and every earlier record) was tried. */
  record(untilMs = Date.now()): Promise<void> {
    this.pending++;
    this.writes = this.writes.then(async () => {
      const from = this.recordedUntil;
      try {
        if (untilMs <= from) return;
        await this.usage.addComputeTime(this.tenant, from, untilMs);
        this.recordedUntil = untilMs;
      } catch (err) {
        this.log.warn({ err: errorSummary(err) }, 'could not record training time; retrying with the next record');
      } finally {
        this.pending--;
      }
    });
    return this.writes;
  }
}
