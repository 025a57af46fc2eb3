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
import { PooledThread, type ThreadPoolOptions } from './pooled-thread.js';

export { PooledThread, type ThreadDeath, type ThreadPoolLog, type ThreadPoolOptions } from './pooled-thread.js';

/**
 * The URL of the thread entry `name` next to the module at `callerUrl`: `name.js` when the caller
 * is compiled JavaScript, `name.ts` when it runs as TypeScript.
 */
export function siblingThreadEntry(callerUrl: string, name: string): URL {
  const extension = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, callerUrl);
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
