/**
 * The cores of one worker process, shared fairly between its training jobs. A job is admitted
 * as soon as the processor takes it (so a job still loading its data already counts), and is
 * granted its threads when its training thread starts:
 *
 *   threads = max(1, min(cap, ⌈total ÷ jobs⌉, total − held by others − 1 per admitted job not yet started))
 *
 * where `cap` is `MAX_THREADS_PER_JOB` (0: none) and `jobs` counts the admitted jobs, this one
 * included. A job alone on an idle worker gets every core (up to the cap); jobs started together
 * split the cores; a job started while others hold every core still gets one. The grant is fixed
 * for the attempt: the weights are the same bytes on any thread count, so the attempt after a
 * resume may get another one.
 */
export class ThreadBudget {
  /** Threads held by each admitted job (0 until its grant). */
  private readonly holdings = new Map<string, number>();

  /**
   * @param total - cores the worker's training may use (`availableParallelism()`)
   * @param maxPerJob - `MAX_THREADS_PER_JOB`: at most this many threads a job; 0 for no cap
   *   beyond the fair share
   * @throws RangeError for a total below 1 or a negative cap
   */
  constructor(readonly total: number, readonly maxPerJob: number) {
    if (!Number.isInteger(total) || total < 1) throw new RangeError('a thread budget needs at least one core');
    if (!Number.isInteger(maxPerJob) || maxPerJob < 0) throw new RangeError('MAX_THREADS_PER_JOB must be a non-negative integer');
  }

  /** Counts `jobId` among the jobs sharing the cores, from now until {@link release}. */
  admit(jobId: string): void {
    if (!this.holdings.has(jobId)) this.holdings.set(jobId, 0);
  }

  /**
   * The threads `jobId` trains on (admitting it if needed), recorded as held until {@link release}.
   * @param limit - at most this many (1 for a run that cannot use more, e.g. SGD or TypeScript kernels)
   */
  grant(jobId: string, limit = Infinity): number {
    this.admit(jobId);
    let heldByOthers = 0;
    let waitingOthers = 0;
    for (const [other, held] of this.holdings) {
      if (other === jobId) continue;
      heldByOthers += held;
      if (held === 0) waitingOthers++;
    }
    const cap = this.maxPerJob === 0 ? Infinity : this.maxPerJob;
    const fairShare = Math.ceil(this.total / this.holdings.size);
    const free = this.total - heldByOthers - waitingOthers;
    const threads = Math.max(1, Math.min(cap, limit, fairShare, free));
    this.holdings.set(jobId, threads);
    return threads;
  }

  /** `jobId` no longer trains here: its threads go back to the budget. */
  release(jobId: string): void {
    this.holdings.delete(jobId);
  }

  /** Threads granted and not yet released, over every job. */
  get held(): number {
    let held = 0;
    for (const threads of this.holdings.values()) held += threads;
    return held;
  }

  /** Each admitted job's threads (0: not started yet), a copy. */
  snapshot(): Map<string, number> {
    return new Map(this.holdings);
  }
}
