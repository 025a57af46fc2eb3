/**
 * The extra threads of one training thread's multi-threaded runs: started on first use, kept for
 * the next run (starting a thread and its kernels costs tens of milliseconds), ended with
 * {@link TrainingHelpers.terminate}. The trainer runs on the calling thread as member 0.
 */
import { Worker } from 'node:worker_threads';
import type { Trainer, TrainingCallbacks, TrainingOutcome } from '../src/engine/index.js';

/** Registers tsx in a new thread, then imports `workerData.entry` (development and tests). */
const TS_BOOTSTRAP = new URL('../src/threads/thread-bootstrap.mjs', import.meta.url);

function helperEntry(): { file: URL; workerData?: { entry: string } } {
  const own = new URL(import.meta.url);
  if (own.pathname.endsWith('.ts')) {
    return { file: TS_BOOTSTRAP, workerData: { entry: new URL('./training-helper-thread.ts', own).href } };
  }
  return { file: new URL('./training-helper-thread.js', own) };
}

interface HelperMessage { type: 'loaded' | 'ready' | 'closed'; member?: number; error?: string }

class Helper {
  readonly worker: Worker;
  readonly loaded: Promise<void>;
  private waiting: { type: string; resolve: (m: HelperMessage) => void } | null = null;
  dead: Error | null = null;

  constructor() {
    const entry = helperEntry();
    this.worker = new Worker(entry.file, entry.workerData ? { workerData: entry.workerData } : {});
    this.loaded = this.next('loaded').then(() => undefined);
    this.worker.on('message', (m: HelperMessage) => {
      if (this.waiting?.type === m.type) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(m);
      }
    });
    const fail = (err: Error): void => {
      this.dead = err;
      this.waiting?.resolve({ type: 'closed', error: err.message });
      this.waiting = null;
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`training helper thread exited (${code})`)));
  }

  next(type: HelperMessage['type']): Promise<HelperMessage> {
    return new Promise((resolve) => {
      if (this.dead) resolve({ type: 'closed', error: this.dead.message });
      else this.waiting = { type, resolve };
    });
  }
}

/** A set of helper threads, grown on demand. */
export class TrainingHelpers {
  private readonly helpers: Helper[] = [];
  private running: Promise<HelperMessage>[] = [];

  /**
   * Hands `trainer`'s team to `trainer.threads − 1` helpers and resolves once each is in its loop
   * (so the trainer's first step does not wait for a thread to start). No-op for one thread.
   * @throws Error when a helper cannot start
   */
  async attach(trainer: Trainer): Promise<void> {
    const descriptor = trainer.teamDescriptor;
    if (!descriptor) return;
    const needed = trainer.threads - 1;
    for (let i = this.helpers.length - 1; i >= 0; i--) if (this.helpers[i].dead) this.helpers.splice(i, 1);
    while (this.helpers.length < needed) this.helpers.push(new Helper());
    const team = this.helpers.slice(0, needed);
    await Promise.all(team.map((h) => h.loaded));
    const ready = team.map((h, i) => {
      const r = h.next('ready');
      h.worker.postMessage({ descriptor, member: i + 1 });
      return r;
    });
    const answers = await Promise.all(ready);
    // Each helper's `closed` comes after the trainer's close().
    this.running = team.map((h) => h.next('closed'));
    const failed = answers.find((a) => a.type !== 'ready');
    if (failed) throw new Error(`a training helper thread did not start: ${failed.error ?? 'unknown'}`);
  }

  /** Closes `trainer`'s team and waits for its helpers to return to their idle loop. */
  async detach(trainer: Trainer): Promise<void> {
    trainer.close();
    const closed = await Promise.all(this.running);
    this.running = [];
    const failed = closed.find((c) => c.error);
    if (failed) throw new Error(`a training helper thread failed: ${failed.error}`);
  }

  /** Runs `trainer` with its team attached, and detached after whatever happens. */
  async run(trainer: Trainer, callbacks?: TrainingCallbacks): Promise<TrainingOutcome> {
    await this.attach(trainer);
    try {
      return trainer.run(callbacks);
    } finally {
      await this.detach(trainer);
    }
  }

  /** Ends every helper thread. */
  async terminate(): Promise<void> {
    await Promise.all(this.helpers.splice(0).map((h) => h.worker.terminate()));
  }
}
