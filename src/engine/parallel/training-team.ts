/**
 * One training step on several threads sharing a WebAssembly kernel set's memory. The batch's
 * work is split so that every number is computed by exactly one thread, with the same operations
 * in the same order as on one thread, so the weights are bit-identical whatever the thread count:
 *
 * - forward and the δ back-propagation run on row slices of the batch (rows are independent);
 * - the loss and the output layer's δ run on the leader alone, over the whole batch, in row order;
 * - each layer's `dW` and `db` run on slices of its units: every thread sums its rows of `dW`
 *   over the whole batch (one sequential sum per element, as on one thread), so no partial
 *   gradients are ever added together;
 * - the optimizer runs on slices of the flat parameter vector (element-wise).
 *
 * The leader is member 0; helpers 1…n−1 run {@link runTrainingHelper} in their own threads.
 */
import { attachWasmKernels, type RawWasmKernels, type SharedWasmKernels } from '../kernels/wasm/index.js';
import type { OptimizerOptions } from '../types.js';
import { PHASE_EXIT, TeamSync, type PhaseOrder } from './team-sync.js';

/** Phases of a step (see the module comment). */
export const PHASE_FORWARD = 1;
export const PHASE_BACKWARD = 2;
export const PHASE_GRADIENTS = 3;
export const PHASE_OPTIMIZE = 4;
/** {@link PHASE_GRADIENTS}, then Adam on the same slices (no clipping: no global norm to wait for). */
export const PHASE_GRADIENTS_AND_STEP = 5;

/** One layer's buffers by byte address, and its sizes. */
export interface LayerPointers {
  inSize: number;
  units: number;
  /** Activation code of assembly/kernels.ts. */
  act: number;
  W: number; b: number; dW: number; db: number; z: number; a: number; dz: number;
}

/** Everything a thread needs to run its share of a step: structured-cloneable. */
export interface TeamLayout {
  /** Threads in the team, the leader included. */
  members: number;
  bytesPerNumber: number;
  /** Byte address of the control block (team-sync.ts). */
  control: number;
  /** Each member's product scratch. */
  pack: number[];
  x: number;
  theta: number;
  grad: number;
  /** Optimizer state: Adam m, v; SGD u. */
  slots: number[];
  paramCount: number;
  layers: LayerPointers[];
  optimizer: OptimizerOptions;
}

/** `[start, end)` of member `i`'s share of `n` items, shares rounded up to a multiple of `align`. */
export function shareOf(n: number, members: number, i: number, align: number): [number, number] {
  const chunk = Math.ceil(n / members / align) * align;
  const start = Math.min(n, i * chunk);
  return [start, Math.min(n, start + chunk)];
}

/** Rows per share of the batch: the wasm products' register tiles are 4 rows tall. */
const ROW_ALIGN = 4;
/** Parameters per share of the optimizer step: whole vectors, cache-line multiples. */
const PARAM_ALIGN = 16;

/** Runs member `member`'s share of one phase with `raw` kernels on the layout's memory. */
export function runShare(raw: RawWasmKernels, layout: TeamLayout, member: number, order: PhaseOrder): void {
  const { members, bytesPerNumber: bpn, layers } = layout;
  const rows = order.rows;
  if (order.phase === PHASE_FORWARD || order.phase === PHASE_BACKWARD) {
    const [r0, r1] = shareOf(rows, members, member, ROW_ALIGN);
    const n = r1 - r0;
    if (n <= 0) return;
    if (order.phase === PHASE_FORWARD) {
      // z = a_prev·Wᵀ + b, a = act(z) on rows r0…r1 of every layer
      let input = layout.x, inSize = layers[0].inSize;
      for (const l of layers) {
        const o = r0 * l.units * bpn;
        raw.matMulTransB(input + r0 * inSize * bpn, l.W, l.z + o, n, l.inSize, l.units);
        raw.biasActivation(l.z + o, l.b, l.a + o, n, l.units, l.act);
        input = l.a;
        inSize = l.units;
      }
    } else {
      // δ^(l−1) = (δ^l·W^l) ⊙ act'(z^(l−1)) on rows r0…r1, from the output layer down
      for (let i = layers.length - 1; i > 0; i--) {
        const l = layers[i], prev = layers[i - 1];
        const o = r0 * prev.units * bpn;
        raw.matMul(l.dz + r0 * l.units * bpn, l.W, prev.dz + o, n, l.units, l.inSize);
        raw.activationBackward(prev.dz + o, prev.z + o, prev.a + o, n * prev.units, prev.act);
      }
    }
    return;
  }
  if (order.phase === PHASE_GRADIENTS || order.phase === PHASE_GRADIENTS_AND_STEP) {
    // ∂C/∂W[j][k] = Σ_r δ[r][j]·a_prev[r][k] and ∂C/∂b[j] = Σ_r δ[r][j] for units j0…j1
    const pack = layout.pack[member];
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      const [j0, j1] = shareOf(l.units, members, member, ROW_ALIGN);
      if (j1 <= j0) continue;
      const input = i === 0 ? layout.x : layers[i - 1].a;
      raw.matMulTransASlice(l.dz + j0 * bpn, l.units, input, l.dW + j0 * l.inSize * bpn, j1 - j0, rows, l.inSize, pack);
      raw.sumRowsSlice(l.dz + j0 * bpn, l.units, l.db + j0 * bpn, rows, j1 - j0);
      if (order.phase === PHASE_GRADIENTS_AND_STEP) {
        // W rows j0…j1 and b[j0…j1] are contiguous in θ: Adam on exactly the gradients just computed
        adamRange(raw, layout, (l.W - layout.theta) / bpn + j0 * l.inSize, (j1 - j0) * l.inSize, order);
        adamRange(raw, layout, (l.b - layout.theta) / bpn + j0, j1 - j0, order);
      }
    }
    return;
  }
  if (order.phase === PHASE_OPTIMIZE) optimizeShare(raw, layout, member, order);
}

/** The optimizer step on member `member`'s slice of θ (element-wise: any slicing gives the same bits). */
function optimizeShare(raw: RawWasmKernels, layout: TeamLayout, member: number, order: PhaseOrder): void {
  const [s, e] = shareOf(layout.paramCount, layout.members, member, PARAM_ALIGN);
  if (e > s) adamRange(raw, layout, s, e - s, order);
}

/** Adam step `order.step` on θ[start … start+length), scaled by `order.gradScale`. */
function adamRange(raw: RawWasmKernels, layout: TeamLayout, start: number, length: number, order: PhaseOrder): void {
  const opt = layout.optimizer;
  if (opt.type !== 'adam') throw new Error('the multi-threaded step runs Adam only');
  const o = start * layout.bytesPerNumber;
  // Bias corrections 1 − β1^t and 1 − β2^t, in f64, exactly as WasmKernels.adamStep computes them.
  const bc1 = 1 - Math.pow(opt.beta1, order.step);
  const bc2 = 1 - Math.pow(opt.beta2, order.step);
  raw.adamStep(
    layout.theta + o, layout.grad + o, layout.slots[0] + o, layout.slots[1] + o, length,
    opt.learningRate, opt.beta1, opt.beta2, opt.epsilon, opt.weightDecay, bc1, bc2, order.gradScale,
  );
}

/** The leader's side: publishes each phase, runs its own share, waits for the helpers. */
export class TrainingTeam {
  private readonly sync: TeamSync;

  constructor(private readonly raw: RawWasmKernels, readonly layout: TeamLayout, buffer: ArrayBufferLike) {
    this.sync = new TeamSync(buffer, layout.control, layout.members - 1);
  }

  /** Runs one phase on every member; returns when all are done. @throws Error when a helper failed */
  run(phase: number, rows: number, step = 0, gradScale = 1): void {
    const order = { phase, rows, step, gradScale };
    this.sync.publish(order);
    let failure: unknown = null;
    try {
      runShare(this.raw, this.layout, 0, order);
    } catch (err) {
      failure = err;
    }
    // Always wait: helpers are still reading the buffers the leader's caller may reuse.
    this.sync.awaitHelpers();
    if (failure) throw failure;
  }

  /** Tells the helpers to return from {@link runTrainingHelper}. */
  close(): void {
    this.sync.publish({ phase: PHASE_EXIT, rows: 0, step: 0, gradScale: 1 });
  }
}

/**
 * A helper thread's loop: runs its share of every phase the leader publishes until the leader
 * closes the team. Blocks its thread (Atomics.wait) between phases.
 */
export function runTrainingHelper(raw: RawWasmKernels, layout: TeamLayout, buffer: ArrayBufferLike, member: number): void {
  if (!Number.isInteger(member) || member < 1 || member >= layout.members) throw new RangeError(`helper member ${member} out of range`);
  const sync = new TeamSync(buffer, layout.control, layout.members - 1);
  for (;;) {
    const order = sync.next();
    if (order.phase === PHASE_EXIT) return;
    let failed = false;
    try {
      runShare(raw, layout, member, order);
    } catch {
      failed = true;
    }
    sync.finish(failed);
  }
}

/** What a helper thread receives (structured-cloneable: postMessage it to the thread). */
export interface TeamDescriptor {
  kernels: SharedWasmKernels;
  layout: TeamLayout;
}

/**
 * A helper thread's whole life: attaches to the leader's kernel memory and runs its share of
 * every phase until the leader's trainer is closed. Call from the helper thread; blocks it.
 * @throws RangeError for a member index outside 1…members−1
 */
export function runTeamHelper(descriptor: TeamDescriptor, member: number): void {
  const kernels = attachWasmKernels(descriptor.kernels);
  runTrainingHelper(kernels.raw, descriptor.layout, descriptor.kernels.memory.buffer, member);
}
