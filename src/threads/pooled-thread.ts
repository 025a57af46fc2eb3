/**
 * One persistent thread of a {@link ThreadPool} (`thread-pool.ts`): starts its entry (through
 * the tsx bootstrap when it is TypeScript), waits for it to be ready, tells why it died, and
 * exchanges messages with it.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Registers tsx in a new thread, then imports `workerData.entry` (development and tests only). */
const TS_BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);

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

