/** What the worker process can ask of a job that is training in this process. */
export interface ActiveRun {
  /** The job was cancelled: stop at the next batch (terminate after the grace period). */
  cancel(): void;
  /** The process is shutting down: checkpoint at the next batch and hand the job back. */
  handBack(): void;
  /** This process lost the job's lock (another worker owns it now): stop and write nothing. */
  abandon(): void;
  /** The job was paused: checkpoint at the next batch and give the thread back. */
  pause?(): void;
}

/** Prefix of a message on the cancel channel that asks for a pause (`pause:<jobId>`); others are job ids to cancel. */
export const PAUSE_MESSAGE_PREFIX = 'pause:';

/**
 * The jobs training in this worker process, by job id, so that a cancel message, a lost lock or
 * a shutdown reaches the right run.
 */
export class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>();
  private closing = false;
  private markClosed!: () => void;
  /** Resolves when {@link handBackAll} is called. */
  readonly closed: Promise<void> = new Promise((resolveClosed) => {
    this.markClosed = resolveClosed;
  });

  /** `true` once {@link handBackAll} was called: new jobs are handed back without training. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Number of runs in progress. */
  get size(): number {
    return this.runs.size;
  }

  register(jobId: string, run: ActiveRun): void {
    this.runs.set(jobId, run);
    if (this.closing) run.handBack();
  }

  unregister(jobId: string, run: ActiveRun): void {
    if (this.runs.get(jobId) === run) this.runs.delete(jobId);
  }

  /** Cancels a run of this process. @returns `false` when the job does not run here. */
  cancel(jobId: string): boolean {
    const run = this.runs.get(jobId);
    run?.cancel();
    return run !== undefined;
  }

  /** Pauses a run of this process. @returns `false` when the job does not run here. */
  pause(jobId: string): boolean {
    const run = this.runs.get(jobId);
    run?.pause?.();
    return run !== undefined;
  }

  /** Abandons a run whose lock was lost. */
  abandon(jobId: string): boolean {
    const run = this.runs.get(jobId);
    run?.abandon();
    return run !== undefined;
  }

  /** Asks every run to checkpoint and hand its job back; later runs do so at once. */
  handBackAll(): void {
    this.closing = true;
    this.markClosed();
    for (const run of this.runs.values()) run.handBack();
  }
}
