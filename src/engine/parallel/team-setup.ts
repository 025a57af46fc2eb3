/**
 * Wiring a trainer's buffers into a {@link TrainingTeam}: how many threads a run can use, the
 * extra buffers they need (control block, one product scratch per thread), and the layout of
 * byte addresses the helpers receive.
 */
import type { DenseLayer } from '../dense-layer.js';
import { activationCode, type RawWasmKernels, type SharedWasmKernels } from '../kernels/wasm/index.js';
import type { FloatArray, Kernels, OptimizerOptions } from '../types.js';
import { CONTROL_BLOCK_BYTES } from './team-sync.js';
import { TrainingTeam, type TeamDescriptor, type TeamLayout } from './training-team.js';

/** What a kernel set must offer to split a step across threads: WebAssembly kernels on shared memory. */
interface ShareableKernels {
  readonly raw: RawWasmKernels;
  readonly packBytes: number;
  share(): SharedWasmKernels;
  pointerOf(x: FloatArray): number;
}

function isShareable(kernels: Kernels): kernels is Kernels & ShareableKernels {
  const k = kernels as Partial<ShareableKernels>;
  return typeof k.share === 'function' && typeof k.pointerOf === 'function' && k.raw !== undefined;
}

/**
 * Threads a run will use for `requested`: 1 unless the kernels are WebAssembly (shared memory)
 * and the optimizer is Adam (the one with a sliced multi-threaded step).
 */
export function teamMembers(kernels: Kernels, requested: number | undefined, optimizer: OptimizerOptions): number {
  if (!requested || requested <= 1 || !isShareable(kernels) || optimizer.type !== 'adam') return 1;
  return Math.floor(requested);
}

/** Lengths (in numbers) of the team's extra buffers, to append to the trainer's one allocation. */
export function teamBufferLengths(kernels: Kernels, members: number): number[] {
  if (members <= 1 || !isShareable(kernels)) return [];
  const bpn = kernels.precision === 'float64' ? 8 : 4;
  return [CONTROL_BLOCK_BYTES / bpn, ...Array.from({ length: members }, () => Math.ceil(kernels.packBytes / bpn))];
}

/** The trainer's buffers a team works on. */
export interface TeamBuffers {
  x: FloatArray;
  theta: FloatArray;
  grad: FloatArray;
  slots: readonly FloatArray[];
  layers: readonly DenseLayer[];
  /** The views allocated for {@link teamBufferLengths}, in that order. */
  extra: FloatArray[];
}

/** A leader's team and the descriptor its helpers need. */
export interface Team {
  team: TrainingTeam;
  descriptor: TeamDescriptor;
}

/** Builds the team over `buffers` for `members` threads (≥ 2, from {@link teamMembers}). */
export function createTeam(kernels: Kernels, members: number, buffers: TeamBuffers, optimizer: OptimizerOptions): Team {
  if (!isShareable(kernels)) throw new Error(`kernel set ${kernels.name} cannot be shared between threads`);
  const at = (x: FloatArray): number => kernels.pointerOf(x);
  const [control, ...packs] = buffers.extra;
  const layout: TeamLayout = {
    members,
    bytesPerNumber: kernels.precision === 'float64' ? 8 : 4,
    control: at(control),
    pack: packs.map(at),
    x: at(buffers.x),
    theta: at(buffers.theta),
    grad: at(buffers.grad),
    slots: buffers.slots.map(at),
    paramCount: buffers.theta.length,
    layers: buffers.layers.map((l) => ({
      inSize: l.inSize, units: l.units, act: activationCode(l.activation),
      W: at(l.W), b: at(l.b), dW: at(l.dW), db: at(l.db), z: at(l.z), a: at(l.a), dz: at(l.dz),
    })),
    optimizer,
  };
  const shared = kernels.share();
  return { team: new TrainingTeam(kernels.raw, layout, shared.memory.buffer), descriptor: { kernels: shared, layout } };
}
