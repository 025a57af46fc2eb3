/** One job's place in a {@link ThreadBudget}. */
interface Holding {
  /** Threads granted (0 until the job's thread starts). */
  threads: number;
  /** At most this many (1 for a run the engine keeps on one thread). */
  limit: number;
  /** Tells the running job its new thread count (it applies it at its next epoch boundary). */
  apply?: (threads: number) => void;
}

/**
 * The cores of one worker process, shared fairly between its training jobs. A job is admitted
 * as soon as the processor takes it (so a job still loading its data already counts), granted its
 * threads when its training thread starts, and released when the run ends. At each of these
 * moments the cores are divided again between every admitted job (water-filling: each job's share
 * is `total ÷ jobs`, at most `MAX_THREADS_PER_JOB` (0: no cap) and the job's own limit, what one
 * job cannot use goes to the others, leftover cores to the longest admitted), and a running job
 * whose share changed is told so: it moves to it at its next epoch boundary. So a job alone on an
 * idle worker trains on every core, a job arriving later takes half of them back, and jobs started
 * together split them; every job has at least one thread. The weights are the same bytes on any
 * thread count, so neither the split nor its changes show in the results.
 */
export class ThreadBudget {
  /** Admitted jobs, in admission order. */
  private readonly holdings = new Map<string, Holding>();

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
    if (this.holdings.has(jobId)) return;
    this.holdings.set(jobId, { threads: 0, limit: Infinity });
    this.rebalance();
  }

  /**
   * The threads `jobId` starts on (admitting it if needed), held until {@link release}.
   * @param limit - at most this many (1 for a run that cannot use more, e.g. SGD or TypeScript kernels)
   * @param apply - called when the job's share changes while it runs
   */
  grant(jobId: string, limit = Infinity, apply?: (threads: number) => void): number {
    this.admit(jobId);
    const holding = this.holdings.get(jobId)!;
    holding.limit = Math.max(1, limit);
    if (apply) holding.apply = apply;
    // Marked started before the split, so this job's share is its own (not told through apply).
    holding.threads = 1;
    this.rebalance(jobId);
    return holding.threads;
  }

  /** `jobId` no longer trains here: its cores go to the other jobs. */
  release(jobId: string): void {
    if (this.holdings.delete(jobId)) this.rebalance();
  }

  /** Threads of the started jobs (their current shares), summed. */
  get held(): number {
    let held = 0;
    for (const h of this.holdings.values()) held += h.threads;
    return held;
  }

  /** Each admitted job's threads (0: not started yet), a copy. */
  snapshot(): Map<string, number> {
    return new Map([...this.holdings].map(([id, h]) => [id, h.threads]));
  }

  /** Divides the cores again and tells each running job (but `quiet`) whose share changed. */
  private rebalance(quiet?: string): void {
    const shares = this.shares();
    for (const [id, h] of this.holdings) {
      const share = shares.get(id)!;
      if (h.threads === 0 || h.threads === share) continue;
      h.threads = share;
      if (id !== quiet) h.apply?.(share);
    }
  }

  /** Water-filling over the admitted jobs (see the class comment). */
  private shares(): Map<string, number> {
    const cap = this.maxPerJob === 0 ? Infinity : this.maxPerJob;
    const shares = new Map<string, number>();
    let open = [...this.holdings].map(([id, h]) => ({ id, most: Math.min(cap, h.limit) }));
    let left = this.total;
    for (;;) {
      const level = Math.max(1, Math.floor(left / Math.max(1, open.length)));
      // Jobs that cannot use the level take what they can; the rest is split again without them.
      const capped = open.filter((job) => job.most <= level);
      if (capped.length === 0 || capped.length === open.length) {
        for (const job of capped) shares.set(job.id, job.most);
        open = open.filter((job) => job.most > level);
        // The level for the rest, and the cores the floor left over to the longest admitted.
        let extra = Math.max(0, left - capped.reduce((sum, job) => sum + job.most, 0) - level * open.length);
        for (const job of open) {
          const more = extra > 0 && job.most > level ? 1 : 0;
          shares.set(job.id, level + more);
          extra -= more;
        }
        return shares;
      }
      for (const job of capped) {
        shares.set(job.id, job.most);
        left -= job.most;
      }
      open = open.filter((job) => job.most > level);
    }
  }
}
