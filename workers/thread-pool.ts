/**
 * The worker's training threads: the shared {@link GenericThreadPool} with the training protocol
 * of `thread-messages.ts` on top (a `ready` handshake, then one `start` per job, relayed
 * `progress`/`checkpoint` messages and one `done`/`stopped`/`error` at the end).
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import { PooledThread, ThreadPool as GenericThreadPool, type ThreadDeath, type ThreadPoolOptions as GenericOptions } from '../src/threads/thread-pool.js';
import { isThreadMessage, type StartMessage, type ThreadMessage } from './thread-messages.js';

/** Options of {@link ThreadPool}. */
export interface ThreadPoolOptions {
  /** Number of persistent threads. */
  size: number;
  /** The thread entry: `siblingThreadEntry(import.meta.url, 'training-thread')`. */
  entry: URL;
  /** V8 heap limits of each thread (typed arrays are outside them; admission bounds those). */
  resourceLimits: ResourceLimits;
  log: Logger;
  /** Milliseconds a new thread gets to load and say `ready`. @defaultValue 30000 */
  startTimeoutMs?: number;
}

/** How a run on a thread ended, as seen by the parent. */
export type RunEnd = { kind: 'message'; message: Extract<ThreadMessage, { type: 'done' | 'stopped' | 'error' }> } | ThreadDeath;

type FinalMessage = Extract<ThreadMessage, { type: 'done' | 'stopped' | 'error' }>;

/** One persistent training thread. */
export class TrainingThread extends PooledThread {
  /**
   * Starts a job on this thread and relays its `progress` and `checkpoint` messages to
   * `onMessage`. Resolves with the run's end: the thread's `done`/`stopped`/`error`, or its death
   * (out of memory, crash, terminate()). Never rejects.
   */
  run(start: StartMessage, onMessage: (message: ThreadMessage) => void, transfer: ArrayBuffer[] = []): Promise<RunEnd> {
    const isFinal = (message: unknown): message is FinalMessage => {
      if (!isThreadMessage(message) || ('jobId' in message && message.jobId !== start.jobId)) return false;
      if (message.type === 'done' || message.type === 'stopped' || message.type === 'error') return true;
      onMessage(message);
      return false;
    };
    return this.exchange(start, isFinal, transfer);
  }
}

/**
 * A fixed-size pool of persistent training threads, one job each. A thread that dies (out of
 * memory, crash) or is terminated (cancel grace, timeout) is replaced.
 */
export class ThreadPool extends GenericThreadPool<TrainingThread> {
  constructor(options: ThreadPoolOptions) {
    const generic: GenericOptions = {
      name: 'training',
      size: options.size,
      entry: options.entry,
      resourceLimits: options.resourceLimits,
      isReadyMessage: (message) => isThreadMessage(message) && message.type === 'ready',
      log: options.log,
      ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    };
    super(generic, (id, o) => new TrainingThread(id, o));
  }
}
