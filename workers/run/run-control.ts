import { CONTROL_BYTES, CONTROL_CANCEL, CONTROL_HANDBACK, CONTROL_INDEX, CONTROL_RUN } from '../thread-messages.js';
import type { ActiveRun } from '../run-registry.js';
import type { ControlState } from './settle-run.js';

/** Timings of a {@link RunControl}, in milliseconds. */
export interface RunControlOptions {
  /** How long a cancelled (or abandoned) loop may take to stop before its thread is terminated. */
  cancelGraceMs: number;
  /** How long a loop asked to hand back (shutdown) or pause may take before it is terminated. */
  stopGraceMs: number;
}

/**
 * The control of one run: the shared control word the thread's `shouldStop()` reads between
 * batches, what was asked of the run (cancel, hand back, pause, abandon, timeout), and the
 * timers that terminate a thread that does not stop in time. It is the {@link ActiveRun} the
 * worker's registry talks to.
 */
export class RunControl implements ActiveRun {
  /** Passed to the thread in its start message. */
  readonly buffer = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly word = new Int32Array(this.buffer);
  private readonly state: ControlState = { cancelled: false, timedOut: false, handingBack: false, pausing: false, abandoned: false };
  private terminateTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private terminate: () => void = () => undefined;

  constructor(private readonly options: RunControlOptions) {}

  /** What was asked of the run so far (a copy). */
  get snapshot(): ControlState {
    return { ...this.state };
  }

  /** `true` once the lock was lost: the run must write nothing more. */
  get abandoned(): boolean {
    return this.state.abandoned;
  }

  /** `true` once the run was cancelled. */
  get cancelled(): boolean {
    return this.state.cancelled;
  }

  /**
   * Binds the run to its thread: `terminate` ends the thread, and the wall-clock limit starts
   * (`timeoutMs` from now the thread is terminated and the run counts as timed out).
   */
  attach(terminate: () => void, timeoutMs: number): void {
    this.terminate = terminate;
    this.timeoutTimer = setTimeout(() => {
      this.state.timedOut = true;
      terminate();
    }, timeoutMs);
  }

  /** Stops every timer (the thread has ended). */
  dispose(): void {
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.terminateTimer);
  }

  cancel(): void {
    if (this.state.cancelled) return;
    this.state.cancelled = true;
    Atomics.store(this.word, CONTROL_INDEX, CONTROL_CANCEL);
    this.terminateLater(this.options.cancelGraceMs);
  }

  handBack(): void {
    if (this.state.handingBack || this.state.cancelled || this.state.abandoned) return;
    this.state.handingBack = true;
    this.askForCheckpointStop();
  }

  /** The job was paused: checkpoint at the next batch and give the thread back. */
  pause(): void {
    if (this.state.pausing || this.state.cancelled || this.state.abandoned) return;
    this.state.pausing = true;
    this.askForCheckpointStop();
  }

  abandon(): void {
    if (this.state.abandoned) return;
    this.state.abandoned = true;
    Atomics.store(this.word, CONTROL_INDEX, CONTROL_CANCEL);
    this.terminateLater(this.options.cancelGraceMs);
  }

  private askForCheckpointStop(): void {
    // Only from RUN: a cancel already in the word stays a cancel.
    Atomics.compareExchange(this.word, CONTROL_INDEX, CONTROL_RUN, CONTROL_HANDBACK);
    // A loop that will not stop in time is terminated; the job goes on from its last checkpoint.
    this.terminateLater(this.options.stopGraceMs);
  }

  private terminateLater(ms: number): void {
    if (this.terminateTimer) return;
    this.terminateTimer = setTimeout(() => this.terminate(), ms);
  }
}
