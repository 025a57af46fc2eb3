import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { isThreadMessage, type StartMessage, type ThreadMessage } from './thread-messages.js';

/** Loads tsx in a new thread, then the entry given in `workerData.entry`. */
const BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/** Options of {@link ThreadPool}. */
export interface ThreadPoolOptions {
  /** Number of persistent threads. */
  size: number;
  /** The thread entry module (a `.ts` file, loaded through tsx by thread-bootstrap.mjs). */
  entry: URL;
  /** V8 heap limits of each thread (typed arrays are outside them; admission bounds those). */
  resourceLimits: ResourceLimits;
  log: Logger;
  /** Milliseconds a new thread gets to load and say `ready`. @defaultValue 30000 */
  startTimeoutMs?: number;
}

/** How a run on a thread ended, as seen by the parent. */
export type RunEnd =
  | { kind: 'message'; message: Extract<ThreadMessage, { type: 'done' | 'stopped' | 'error' }> }
  | { kind: 'died'; code: 'out_of_memory' | 'thread_crashed' | 'terminated'; message: string };

/** One persistent training thread. */
export class TrainingThread {
  readonly id: number;
  readonly worker: Worker;
  /** Resolves once the thread said `ready`; rejects when it died first. */
  readonly ready: Promise<void>;
  alive = true;
  busy = false;
  private deathListeners = new Set<(end: Extract<RunEnd, { kind: 'died' }>) => void>();
  private terminatedOnPurpose = false;

  constructor(id: number, options: ThreadPoolOptions) {
    this.id = id;
    // The bootstrap registers tsx in the thread, then imports the TypeScript entry. No
    // --max-old-space-size anywhere: it would override resourceLimits.
    this.worker = new Worker(BOOTSTRAP, {
      workerData: { entry: options.entry.href },
      execArgv: [],
      resourceLimits: options.resourceLimits,
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolveReady, rejectReady) => {
      const timer = setTimeout(() => rejectReady(new Error('training thread did not start in time')), options.startTimeoutMs ?? 30_000);
      const onMessage = (message: unknown): void => {
        if (isThreadMessage(message) && message.type === 'ready') {
          clearTimeout(timer);
          this.worker.off('message', onMessage);
          resolveReady();
        }
      };
      this.worker.on('message', onMessage);
      this.onDeath((end) => {
        clearTimeout(timer);
        rejectReady(new Error(`training thread died while starting: ${end.message}`));
      });
    });
    // A rejected `ready` nobody awaits must not become an unhandled rejection.
    this.ready.catch(() => {});
    let error: (Error & { code?: string }) | undefined;
    this.worker.on('error', (err: Error & { code?: string }) => {
      error = err;
    });
    this.worker.on('exit', (exitCode) => {
      this.alive = false;
      let end: Extract<RunEnd, { kind: 'died' }>;
      if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        end = { kind: 'died', code: 'out_of_memory', message: 'the training thread ran out of memory' };
      } else if (this.terminatedOnPurpose) {
        end = { kind: 'died', code: 'terminated', message: 'the training thread was terminated' };
      } else {
        end = { kind: 'died', code: 'thread_crashed', message: error ? `the training thread crashed: ${error.message}` : `the training thread exited with code ${exitCode}` };
      }
      for (const listener of this.deathListeners) listener(end);
      this.deathListeners.clear();
    });
  }

  /** Calls `listener` once when the thread exits (at once if it already has). */
  onDeath(listener: (end: Extract<RunEnd, { kind: 'died' }>) => void): () => void {
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  /** Stops the thread now (its training loop need not cooperate). */
  async terminate(): Promise<void> {
    if (!this.alive) return;
    this.terminatedOnPurpose = true;
    await this.worker.terminate();
  }

  /**
   * Starts a job on this thread and relays its `progress` and `checkpoint` messages to
   * `onMessage`. Resolves with the run's end: the thread's `done`/`stopped`/`error`, or its death
   * (out of memory, crash, terminate()). Never rejects.
   */
  run(start: StartMessage, onMessage: (message: ThreadMessage) => void, transfer: ArrayBuffer[] = []): Promise<RunEnd> {
    return new Promise((resolveEnd) => {
      let settled = false;
      const finish = (end: RunEnd): void => {
        if (settled) return;
        settled = true;
        this.worker.off('message', handle);
        offDeath();
        resolveEnd(end);
      };
      const handle = (message: unknown): void => {
        if (!isThreadMessage(message) || ('jobId' in message && message.jobId !== start.jobId)) return;
        if (message.type === 'done' || message.type === 'stopped' || message.type === 'error') {
          finish({ kind: 'message', message });
        } else {
          onMessage(message);
        }
      };
      const offDeath = this.onDeath((end) => finish(end));
      this.worker.on('message', handle);
      if (!this.alive) {
        finish({ kind: 'died', code: 'thread_crashed', message: 'the training thread is not running' });
        return;
      }
      try {
        this.worker.postMessage(start, transfer);
      } catch (err) {
        finish({ kind: 'died', code: 'thread_crashed', message: `cannot start the training thread: ${(err as Error).message}` });
      }
    });
  }
}

/**
 * A fixed-size pool of persistent `worker_threads` that train one job each. A thread that dies
 * (out of memory, crash) or is terminated (cancel grace, timeout) is replaced, so the pool is
 * back to its size after every job.
 */
export class ThreadPool {
  private readonly options: ThreadPoolOptions;
  private readonly threads = new Set<TrainingThread>();
  private readonly idle: TrainingThread[] = [];
  private readonly waiting: Array<{ resolve: (thread: TrainingThread) => void; reject: (err: Error) => void }> = [];
  private nextId = 1;
  private closed = false;

  constructor(options: ThreadPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('ThreadPool size must be a positive integer');
    this.options = options;
  }

  /** Starts every thread and waits until each is ready. */
  async start(): Promise<void> {
    const started: Promise<void>[] = [];
    for (let i = 0; i < this.options.size; i++) started.push(this.spawn());
    await Promise.all(started);
  }

  /** Threads in the pool (alive or starting). */
  get size(): number {
    return this.threads.size;
  }

  /** Threads running a job. */
  get busy(): number {
    let busy = 0;
    for (const thread of this.threads) if (thread.busy) busy++;
    return busy;
  }

  /**
   * Takes a ready thread, waiting for one when all are busy or starting.
   * @param timeoutMs - give up after this long (a thread that cannot be started again must not
   *   hold a job forever). @defaultValue 60000
   * @throws Error when the pool is closed or no thread became ready in time.
   */
  acquire(timeoutMs = 60_000): Promise<TrainingThread> {
    if (this.closed) return Promise.reject(new Error('the thread pool is closed'));
    const thread = this.idle.shift();
    if (thread) {
      thread.busy = true;
      return Promise.resolve(thread);
    }
    return new Promise((resolveThread, rejectThread) => {
      const waiter = {
        resolve: (ready: TrainingThread): void => {
          clearTimeout(timer);
          resolveThread(ready);
        },
        reject: (err: Error): void => {
          clearTimeout(timer);
          rejectThread(err);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        rejectThread(new Error(`no training thread became ready within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }

  /** Gives a thread back after a job; a dead one is replaced instead. */
  release(thread: TrainingThread): void {
    thread.busy = false;
    if (!thread.alive) {
      this.replace(thread);
      return;
    }
    this.offer(thread);
  }

  /** Terminates a thread (a loop that would not stop, a timeout) and starts a replacement. */
  async discard(thread: TrainingThread): Promise<void> {
    thread.busy = false;
    await thread.terminate();
    this.replace(thread);
  }

  /** Terminates every thread. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the thread pool is closed'));
    const all = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    await Promise.all(all.map((thread) => thread.terminate()));
  }

  private offer(thread: TrainingThread): void {
    if (this.closed || !thread.alive) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      thread.busy = true;
      waiter.resolve(thread);
    } else {
      this.idle.push(thread);
    }
  }

  private replace(thread: TrainingThread, delayMs = 0): void {
    if (!this.threads.delete(thread)) return;
    const index = this.idle.indexOf(thread);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.closed) return;
    const respawn = (): void => {
      this.spawn().catch((err: unknown) => {
        this.options.log.error({ err }, 'training thread could not be replaced');
      });
    };
    // A thread that cannot even start is retried after a pause, not in a tight loop.
    if (delayMs > 0) setTimeout(respawn, delayMs).unref();
    else respawn();
  }

  private async spawn(): Promise<void> {
    const thread = new TrainingThread(this.nextId++, this.options);
    this.threads.add(thread);
    let started = false;
    thread.onDeath((end) => {
      // An idle thread that dies (it should not) is replaced at once; a busy one when released;
      // one that dies while starting by the catch below.
      if (started && !thread.busy && this.threads.has(thread)) {
        if (end.code !== 'terminated') this.options.log.warn({ threadId: thread.id, reason: end.code }, 'idle training thread died');
        this.replace(thread);
      }
    });
    try {
      await thread.ready;
    } catch (err) {
      this.replace(thread, 1_000);
      throw err;
    }
    started = true;
    this.offer(thread);
  }
}
