import type { Logger } from 'pino';
import type { CheckpointStore } from '../../src/store/checkpoint-store.js';
import { errorSummary } from './error-summary.js';
import type { Snapshot } from './settle-run.js';

/**
 * Writes a run's checkpoints one at a time, latest wins: when the thread produces them faster
 * than Redis takes them, only the newest waiting one is written (memory stays bounded). Before
 * each snapshot the curve points up to it are written (`beforeSave`), so a run resumed from the
 * checkpoint never re-trains those epochs without their points.
 */
export class CheckpointWriter {
  private queued: Snapshot | undefined;
  private active = false;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobId: string,
    private readonly checkpoints: CheckpointStore,
    private readonly log: Logger,
    private readonly beforeSave: () => Promise<void>,
  ) {}

  /** Queues `snapshot` (replacing one still waiting); resolves when the writer is idle again. */
  save(snapshot: Snapshot): Promise<void> {
    this.queued = snapshot;
    if (!this.active) {
      this.active = true;
      this.writes = this.drain();
    }
    return this.writes;
  }

  /** Resolves when every queued snapshot was tried. */
  idle(): Promise<void> {
    return this.writes;
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const next = this.queued;
      this.queued = undefined;
      await this.write(next);
    }
    this.active = false;
  }

  private async write(snapshot: Snapshot): Promise<void> {
    try {
      await this.beforeSave();
      const written = await this.checkpoints.save(this.jobId, snapshot.bytes, {
        epoch: snapshot.epoch,
        batch: snapshot.batch,
        step: snapshot.step,
        elapsedMs: snapshot.elapsedMs,
        kernel: snapshot.kernel,
      });
      this.log.debug({ epoch: snapshot.epoch, batch: snapshot.batch, bytes: snapshot.bytes.byteLength, written }, 'checkpoint saved');
    } catch (err) {
      this.log.warn({ err: errorSummary(err), epoch: snapshot.epoch }, 'checkpoint write failed');
    }
  }
}
