/**
 * The rendezvous of one training step's threads, over an Int32Array in the kernels' shared
 * memory. The leader (the trainer's thread) publishes a phase by bumping a generation counter;
 * each helper runs its share of the phase and counts itself done; the leader runs its own share,
 * then waits for every helper. A helper that throws records it, so the leader never waits for a
 * phase that will not finish; the leader then throws too.
 *
 * Waiting spins briefly on `Atomics.load` (a phase of a small network lasts microseconds, a
 * futex wake-up tens of them), then sleeps in `Atomics.wait`. No clocks: nothing here times out.
 */

/** Int32 slots of the control block. */
const GENERATION = 0;
const PHASE = 1;
const ROWS = 2;
const DONE = 3;
const FAILED = 4;
/** Float64 slots (Adam's step t and the gradient scale) start at this byte offset of the block. */
const PARAMS_BYTE = 32;

/** Bytes of the control block: 8 Int32 slots, then 2 Float64. */
export const CONTROL_BLOCK_BYTES = 64;

/** Phase code telling helpers to return. */
export const PHASE_EXIT = -1;

/** Spins before sleeping (about 5–20 µs). */
const SPINS = 4000;

/** A phase as the leader publishes it and helpers read it. */
export interface PhaseOrder {
  phase: number;
  rows: number;
  /** Adam's step t. */
  step: number;
  gradScale: number;
}

/** Both sides of the control block at `byteOffset` of the shared `buffer`. */
export class TeamSync {
  private readonly ints: Int32Array;
  private readonly floats: Float64Array;
  private seen = 0;

  constructor(buffer: ArrayBufferLike, byteOffset: number, private readonly helpers: number) {
    this.ints = new Int32Array(buffer, byteOffset, PARAMS_BYTE / 4);
    this.floats = new Float64Array(buffer, byteOffset + PARAMS_BYTE, 2);
  }

  /** Leader: publishes `order` to every helper. */
  publish(order: PhaseOrder): void {
    const ints = this.ints;
    ints[PHASE] = order.phase;
    ints[ROWS] = order.rows;
    this.floats[0] = order.step;
    this.floats[1] = order.gradScale;
    Atomics.store(ints, DONE, 0);
    // The generation bump is the release: everything written above is visible to a helper that sees it.
    Atomics.add(ints, GENERATION, 1);
    Atomics.notify(ints, GENERATION);
  }

  /**
   * Leader: waits until every helper finished the published phase.
   * @throws Error when a helper failed (its message is lost across threads; the helper reports it)
   */
  awaitHelpers(): void {
    const ints = this.ints;
    for (let spin = 0; ; spin++) {
      const done = Atomics.load(ints, DONE);
      if (done >= this.helpers) break;
      if (spin >= SPINS) Atomics.wait(ints, DONE, done);
    }
    if (Atomics.load(ints, FAILED) !== 0) throw new Error('a training helper thread failed');
  }

  /** Helper: waits for the next phase and returns it. */
  next(): PhaseOrder {
    const ints = this.ints;
    for (let spin = 0; ; spin++) {
      const generation = Atomics.load(ints, GENERATION);
      if (generation !== this.seen) {
        this.seen = generation;
        break;
      }
      if (spin >= SPINS) Atomics.wait(ints, GENERATION, generation);
    }
    return { phase: ints[PHASE], rows: ints[ROWS], step: this.floats[0], gradScale: this.floats[1] };
  }

  /** Helper: reports its share done (`failed` when it threw). */
  finish(failed: boolean): void {
    if (failed) Atomics.store(this.ints, FAILED, 1);
    Atomics.add(this.ints, DONE, 1);
    Atomics.notify(this.ints, DONE);
  }
}
