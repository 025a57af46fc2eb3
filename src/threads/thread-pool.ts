/**
 * The one `worker_threads` pool of trainyard: persistent threads, a ready handshake, death
 * detection (out of memory, crash, terminate) and replacement, so the pool is back to its size
 * after every task. The training pool (`workers/thread-pool.ts`) and the API's inference pool
 * (`src/inference/inference-pool.ts`) are this class with their own message protocol on top.
 *
 * Thread entries: compiled code (`node dist/…`) starts the `.js` entry directly; TypeScript run
 * through tsx or Vitest starts `thread-bootstrap.mjs`, which registers tsx in the thread first
 * (Node 20 ignores `--import tsx` in a Worker's `execArgv`). {@link siblingThreadEntry} picks
 * the entry of the caller's own kind.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Registers tsx in a new thread, then imports `workerData.entry` (development and tests only). */
const TS_BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

/**
 * The URL of the thread entry `name` next to the module at `callerUrl`: `name.js` when the caller
 * is compiled JavaScript, `name.ts` when it runs as TypeScript.
 */
export function siblingThreadEntry(callerUrl: string, name: string): URL {
  const extension = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, callerUrl);
}

/** Where the pool reports threads it lost or could not start (a pino logger fits). */
export interface ThreadPoolLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Options of {@link ThreadPool}. */
export interface ThreadPoolOptions {
  /** Names the pool in messages: `training` gives "the training thread crashed: …". */
  name: string;
  /** Number of persistent threads. */
  size: number;
  /** The thread entry (see {@link siblingThreadEntry}); a `.ts` entry is loaded through tsx. */
  entry: URL;
  /** V8 heap limits of each thread (typed arrays are outside them). */
  resourceLimits?: ResourceLimits;
  /**
   * Recognises the thread's "I have loaded" message. Without it, a thread is ready once it runs
   * (the `online` event).
   */
  isReadyMessage?: (message: unknown) => boolean;
  /** Milliseconds a new thread gets to become ready. @defaultValue 30000 */
  startTimeoutMs?: number;
  /** Threads do not keep the process alive (an idle API pool must not block exit). @defaultValue false */
  unref?: boolean;
  log?: ThreadPoolLog;
}

/** Why a thread is gone. */
export interface ThreadDeath {
  kind: 'died';
  code: 'out_of_memory' | 'thread_crashed' | 'terminated';
  message: string;
  /** The thread's uncaught error, when it had one. */
  error?: Error;
}

/** One persistent thread of a {@link ThreadPool}. */
export class PooledThread {
  readonly id: number;
  readonly worker: Worker;
  /** Resolves once the thread is ready; rejects when it died first or did not start in time. */
  readonly ready: Promise<void>;
  alive = true;
  busy = false;
  /** What the thread last worked on (e.g. the weights it has decoded), for affinity in {@link ThreadPool.acquire}. */
  tag: string | null = null;
  private readonly deathListeners = new Set<(death: ThreadDeath) => void>();
  private death: ThreadDeath | undefined;
  private terminatedOnPurpose = false;

  constructor(id: number, options: ThreadPoolOptions) {
    this.id = id;
    const typescript = options.entry.pathname.endsWith('.ts');
    // No --max-old-space-size (nor the parent's loader flags) in execArgv: it would override
    // resourceLimits.
    this.worker = new Worker(typescript ? TS_BOOTSTRAP : options.entry, {
      workerData: { entry: options.entry.href },
      execArgv: [],
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      stdout: false,
      stderr: false,
    });
    if (options.unref) this.worker.unref();
    this.ready = new Promise((resolveReady, rejectReady) => {
      const timer = setTimeout(() => rejectReady(new Error(`${options.name} thread did not start in time`)), options.startTimeoutMs ?? 30_000);
      const done = (): void => {
        clearTimeout(timer);
        resolveReady();
      };
      if (options.isReadyMessage) {
        const isReady = options.isReadyMessage;
        const onMessage = (message: unknown): void => {
          if (!isReady(message)) return;
          this.worker.off('message', onMessage);
          done();
        };
        this.worker.on('message', onMessage);
      } else {
        this.worker.once('online', done);
      }
      this.onDeath((death) => {
        clearTimeout(timer);
        rejectReady(new Error(`${options.name} thread died while starting: ${death.message}`));
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
      let death: ThreadDeath;
      if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        death = { kind: 'died', code: 'out_of_memory', message: `the ${options.name} thread ran out of memory`, error };
      } else if (this.terminatedOnPurpose) {
        death = { kind: 'died', code: 'terminated', message: `the ${options.name} thread was terminated` };
      } else {
        death = {
          kind: 'died',
          code: 'thread_crashed',
          message: error ? `the ${options.name} thread crashed: ${error.message}` : `the ${options.name} thread exited with code ${exitCode}`,
          ...(error ? { error } : {}),
        };
      }
      this.death = death;
      for (const listener of this.deathListeners) listener(death);
      this.deathListeners.clear();
    });
  }

  /** Calls `listener` once when the thread exits (at once if it already has). Returns an unsubscribe. */
  onDeath(listener: (death: ThreadDeath) => void): () => void {
    if (this.death) {
      listener(this.death);
      return () => false;
    }
    this.deathListeners.add(listener);
    return () => this.deathListeners.delete(listener);
  }

  /** Stops the thread now (its code need not cooperate). */
  async terminate(): Promise<void> {
    if (!this.alive) return;
    this.terminatedOnPurpose = true;
    await this.worker.terminate();
  }

  /**
   * Posts `message` (transferring `transfer`) and hands every message of the thread to
   * `onMessage` until it returns `true` (the answer that ends the exchange), then resolves with
   * that message; resolves with the thread's death if it dies first. Never rejects.
   */
  exchange<T>(message: unknown, onMessage: (reply: unknown) => reply is T, transfer: ArrayBuffer[] = []): Promise<{ kind: 'message'; message: T } | ThreadDeath> {
    return new Promise((resolveEnd) => {
      let settled = false;
      const finish = (end: { kind: 'message'; message: T } | ThreadDeath): void => {
        if (settled) return;
        settled = true;
        this.worker.off('message', handle);
        offDeath();
        resolveEnd(end);
      };
      let offDeath = (): unknown => undefined;
      const handle = (reply: unknown): void => {
        if (onMessage(reply)) finish({ kind: 'message', message: reply });
      };
      this.worker.on('message', handle);
      offDeath = this.onDeath(finish);
      if (settled) return;
      if (!this.alive) {
        finish({ kind: 'died', code: 'thread_crashed', message: 'the thread is not running' });
        return;
      }
      try {
        this.worker.postMessage(message, transfer);
      } catch (err) {
        finish({ kind: 'died', code: 'thread_crashed', message: `cannot post to the thread: ${(err as Error).message}` });
      }
    });
  }
}

interface Waiter<T> {
  prefer?: (thread: T) => boolean;
  resolve: (thread: T) => void;
  reject: (err: Error) => void;
}

/**
 * A fixed-size pool of persistent threads. A thread that dies (out of memory, crash) or is
 * discarded (cancel grace, timeout) is replaced, so the pool is back to its size after every task.
 * `T` lets a pool hand out a subclass with its own protocol methods.
 */
export class ThreadPool<T extends PooledThread = PooledThread> {
  protected readonly options: ThreadPoolOptions;
  private readonly createThread: (id: number, options: ThreadPoolOptions) => T;
  private readonly threads = new Set<T>();
  private readonly idle: T[] = [];
  private readonly waiting: Waiter<T>[] = [];
  private nextId = 1;
  private started = false;
  private closed = false;

  constructor(options: ThreadPoolOptions, createThread?: (id: number, options: ThreadPoolOptions) => T) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError(`${options.name} thread pool size must be a positive integer`);
    this.options = options;
    this.createThread = createThread ?? ((id, o) => new PooledThread(id, o) as T);
  }

  /**
   * Starts every thread and waits until each is ready (once; later calls wait for nothing).
   * @throws Error when a thread could not start (it is retried in the background).
   */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    const started: Promise<void>[] = [];
    for (let i = 0; i < this.options.size; i++) started.push(this.spawn());
    await Promise.all(started);
  }

  /** Threads in the pool (alive or starting). */
  get size(): number {
    return this.threads.size;
  }

  /** Threads running a task. */
  get busy(): number {
    let busy = 0;
    for (const thread of this.threads) if (thread.busy) busy++;
    return busy;
  }

  /**
   * Takes a ready thread (one that `prefer` accepts when any is idle), waiting for one when all
   * are busy or starting. Starts the pool if nobody has.
   * @param options.timeoutMs - give up after this long (a thread that cannot be started again
   *   must not hold a task forever); `Infinity` waits forever. @defaultValue 60000
   * @throws Error when the pool is closed or no thread became ready in time.
   */
  acquire(options: { timeoutMs?: number; prefer?: (thread: T) => boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`the ${this.options.name} thread pool is closed`));
    if (!this.started) void this.start().catch(() => undefined);
    const index = options.prefer ? Math.max(0, this.idle.findIndex(options.prefer)) : 0;
    const thread = this.idle.length > 0 ? this.idle.splice(index, 1)[0] : undefined;
    if (thread) {
      thread.busy = true;
      return Promise.resolve(thread);
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolveThread, rejectThread) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter<T> = {
        ...(options.prefer ? { prefer: options.prefer } : {}),
        resolve: (ready) => {
          clearTimeout(timer);
          resolveThread(ready);
        },
        reject: (err) => {
          clearTimeout(timer);
          rejectThread(err);
        },
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          rejectThread(new Error(`no ${this.options.name} thread became ready within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiting.push(waiter);
    });
  }

  /** Gives a thread back after a task; a dead one is replaced instead. */
  release(thread: T): void {
    thread.busy = false;
    if (!thread.alive) {
      this.replace(thread);
      return;
    }
    this.offer(thread);
  }

  /** Terminates a thread (a loop that would not stop, a timeout) and starts a replacement. */
  async discard(thread: T): Promise<void> {
    thread.busy = false;
    await thread.terminate();
    this.replace(thread);
  }

  /** Terminates every thread; waiting `acquire` calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`the ${this.options.name} thread pool is closed`));
    const all = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    await Promise.all(all.map((thread) => thread.terminate()));
  }

  private offer(thread: T): void {
    if (this.closed || !thread.alive || !this.threads.has(thread)) return;
    // The first waiter that prefers this thread, else the longest waiting one.
    let at = this.waiting.findIndex((w) => w.prefer?.(thread) === true);
    if (at < 0) at = 0;
    const waiter = this.waiting.splice(at, 1)[0];
    if (waiter) {
      thread.busy = true;
      waiter.resolve(thread);
    } else {
      this.idle.push(thread);
    }
  }

  private replace(thread: T, delayMs = 0): void {
    if (!this.threads.delete(thread)) return;
    const index = this.idle.indexOf(thread);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.closed) return;
    const respawn = (): void => {
      this.spawn().catch((err: unknown) => {
        this.options.log?.error({ err }, `${this.options.name} thread could not be replaced`);
      });
    };
    // A thread that cannot even start is retried after a pause, not in a tight loop.
    if (delayMs > 0) setTimeout(respawn, delayMs).unref();
    else respawn();
  }

  private async spawn(): Promise<void> {
    if (this.closed) return;
    const thread = this.createThread(this.nextId++, this.options);
    this.threads.add(thread);
    let ready = false;
    thread.onDeath((death) => {
      // An idle thread that dies (it should not) is replaced at once; a busy one when released;
      // one that dies while starting by the catch below.
      if (ready && !thread.busy && this.threads.has(thread)) {
        if (death.code !== 'terminated') this.options.log?.warn({ threadId: thread.id, reason: death.code }, `idle ${this.options.name} thread died`);
        this.replace(thread);
      }
    });
    try {
      await thread.ready;
    } catch (err) {
      this.replace(thread, 1_000);
      throw err;
    }
    ready = true;
    this.offer(thread);
  }
}
