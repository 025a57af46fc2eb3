/**
 * WebAssembly SIMD kernel sets, compiled from `assembly/kernels.ts` by `npm run build:wasm`:
 *
 * - `wasm-simd` (priority 20): f32x4/f64x2 kernels with separate multiply and add (WebAssembly
 *   SIMD, in every Node ≥ 16). `auto` picks it: its results are the same bits on every CPU, so a
 *   job resumed on another machine still matches an uninterrupted run.
 * - `wasm-relaxed-simd` (priority 10): the same kernels with relaxed-SIMD fused multiply-add.
 *   Node 20 validates it only after `enableWasmFeatures()` (`src/wasm-features.ts`) set
 *   `--experimental-wasm-relaxed-simd`; entry points call that before the first `listKernels()`.
 *   Measured here it is no faster than `wasm-simd` (mnist-mlp 72–94k against 66–92k samples/s,
 *   alternating runs; the products are bound by loads, not by the multiply-add), and its fused
 *   or unfused rounding depends on the CPU, so it is chosen only by name (`ENGINE_KERNELS`).
 *
 * Importing this module registers both. Their factories throw (so `listKernels()` leaves them out
 * and `auto` falls back to `ts`) when the build output is missing, the host has no WebAssembly, or
 * the module does not validate; {@link wasmKernelStatus} says why. Importing never throws.
 *
 * Memory: each kernel set owns one instance with its own *shared* linear memory. Growing a shared
 * memory never detaches the buffers handed out before, so every view from {@link Kernels.allocate}
 * stays valid. Consequences: views are backed by a SharedArrayBuffer — `postMessage` would share,
 * not copy, them (send `view.slice()`); the memory lives until the kernel set is collected (an
 * untouched ArrayBuffer of the same size tells the GC about it); and each view carries its offset
 * under a symbol key, read instead of the slow `byteOffset` getter. The first 64 KiB hold the
 * module's constant tables; views start above them, 64-byte aligned.
 *
 * Determinism: no threads and fixed summation orders, so a kernel set gives bit-identical results
 * run after run on the same machine. (Relaxed FMA is fused wherever the CPU has FMA: results may
 * differ from `wasm-simd` and across CPU families, never between runs.)
 */
import { registerKernels } from '../registry.js';
import type { Activation, FloatArray, Kernels, Precision } from '../../types.js';
import { WASM_PAGE_BYTES, webAssembly, type WasmMemory, type WasmModule } from './webassembly-api.js';

/** The names the wasm kernel sets register under. */
export type WasmVariant = 'wasm-simd' | 'wasm-relaxed-simd';

/** Registry priorities: above `ts` (0); plain SIMD above relaxed (same speed, CPU-independent bits). */
export const WASM_KERNEL_PRIORITIES: Readonly<Record<WasmVariant, number>> = {
  'wasm-simd': 20,
  'wasm-relaxed-simd': 10,
};

interface GeneratedBytes {
  SOURCE_HASH: string;
  SIMD_WASM_BASE64: string;
  RELAXED_SIMD_WASM_BASE64: string;
}

let generated: GeneratedBytes | null = null;
let missingReason = '';
try {
  // @ts-ignore -- build output of `npm run build:wasm` (gitignored); absent on a fresh clone before it runs
  generated = (await import('./generated/kernel-bytes.js')) as GeneratedBytes;
} catch (err) {
  missingReason = `wasm kernels are not built (run \`npm run build:wasm\`): ${(err as Error).message}`;
}

/** Bytes below this address belong to the module's static data (AssemblyScript places it at 1024). */
const RESERVED_BYTES = WASM_PAGE_BYTES;
/** Every view starts on a cache line. */
const ALIGN_BYTES = 64;
/** The module's declared maximum: 65,536 pages = 4 GiB, all a 32-bit pointer reaches. */
const MAX_PAGES = 65536;

/** The activation codes of `assembly/kernels.ts`; −1 for an unknown name. */
function activationCode(activation: Activation): number {
  switch (activation) {
    case 'linear': return 0;
    case 'sigmoid': return 1;
    case 'tanh': return 2;
    case 'relu': return 3;
    case 'leaky_relu': return 4;
    case 'softmax': return 5;
    default: return -1;
  }
}

const compiled = new Map<WasmVariant, WasmModule>();

/**
 * Each view from `allocate` carries its byte offset under this key. V8 11 does not inline the
 * `byteOffset` getter (15–30 ns a call here, against ~1 ns for a property), and XOR-sized steps
 * pass ~35 arrays to kernels. A subarray gets it on its first kernel call.
 */
const POINTER = Symbol('wasmPointer');
type WithPointer = { [POINTER]?: number };

/** Stores `offset` under {@link POINTER}, non-enumerable so deep equality and copies ignore it. */
function tagPointer(view: FloatArray, offset: number): void {
  Object.defineProperty(view, POINTER, { value: offset, enumerable: false, writable: false, configurable: false });
}

/**
 * Whether `variant` can run here, and if not, why. Cheap after the first success (the compiled
 * module is kept); a failure is re-checked on every call, as flags may have been set since.
 */
export function wasmKernelStatus(variant: WasmVariant): { available: true } | { available: false; reason: string } {
  try {
    compileVariant(variant);
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}

function compileVariant(variant: WasmVariant): WasmModule {
  const cached = compiled.get(variant);
  if (cached) return cached;
  if (!webAssembly) throw new Error(`${variant}: this host has no WebAssembly`);
  if (!generated) throw new Error(`${variant}: ${missingReason}`);
  const bytes = decodeBase64(variant === 'wasm-simd' ? generated.SIMD_WASM_BASE64 : generated.RELAXED_SIMD_WASM_BASE64);
  if (!webAssembly.validate(bytes)) {
    throw new Error(variant === 'wasm-relaxed-simd'
      ? `${variant}: this runtime rejects relaxed SIMD (Node 20 needs enableWasmFeatures() before the kernels are listed)`
      : `${variant}: this runtime rejects WebAssembly SIMD`);
  }
  const module = new webAssembly.Module(bytes);
  compiled.set(variant, module);
  return module;
}

/**
 * A fresh `variant` kernel set for `precision`, with its own instance and memory.
 * @throws Error when the variant cannot run here ({@link wasmKernelStatus} gives the reason)
 */
export function createWasmKernels(variant: WasmVariant, precision: 'float32'): WasmKernels<Float32Array>;
export function createWasmKernels(variant: WasmVariant, precision: 'float64'): WasmKernels<Float64Array>;
export function createWasmKernels(variant: WasmVariant, precision: Precision): WasmKernels<FloatArray>;
export function createWasmKernels(variant: WasmVariant, precision: Precision): WasmKernels<FloatArray> {
  if (precision !== 'float32' && precision !== 'float64') throw new Error(`unknown precision ${String(precision)}`);
  return new WasmKernels(variant, precision, compileVariant(variant));
}

/** What another thread needs to run a kernel set's kernels on the same memory (structured-cloneable). */
export interface SharedWasmKernels {
  variant: WasmVariant;
  precision: Precision;
  module: WasmModule;
  memory: WasmMemory;
}

/**
 * A kernel set over the memory of another thread's set (see {@link WasmKernels.share}): its
 * kernels run on that set's arrays, located with {@link WasmKernels.viewAt}; it cannot allocate.
 */
export function attachWasmKernels(shared: SharedWasmKernels): WasmKernels<FloatArray> {
  return new WasmKernels(shared.variant, shared.precision, shared.module, shared.memory);
}

/** Pointer-level kernels (byte addresses into the set's memory), for work split across threads. */
export interface RawWasmKernels {
  matMul(a: number, b: number, c: number, m: number, k: number, n: number): void;
  matMulTransB(a: number, b: number, c: number, m: number, k: number, n: number): void;
  /** `Aᵀ·B` with A's rows `lda` elements apart, using `pack` ({@link WasmKernels.packBytes}) as scratch. */
  matMulTransASlice(a: number, lda: number, b: number, c: number, m: number, k: number, n: number, pack: number): void;
  biasActivation(z: number, bias: number, out: number, rows: number, cols: number, act: number): void;
  activationBackward(dz: number, z: number, a: number, length: number, act: number): void;
  /** `sumRows` with rows `ld` elements apart. */
  sumRowsSlice(m: number, ld: number, out: number, rows: number, cols: number): void;
  adamStep(
    theta: number, g: number, m: number, v: number, length: number,
    lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, bc1: number, bc2: number, gradScale: number,
  ): void;
}

export { activationCode };

type Product = (a: number, b: number, c: number, m: number, k: number, n: number) => void;
type BiasActivation = (z: number, bias: number, out: number, rows: number, cols: number, act: number) => void;
type ActivationBackward = (dz: number, z: number, a: number, length: number, act: number) => void;
type SumRows = (m: number, out: number, rows: number, cols: number) => void;
type AdamStep = (
  theta: number, g: number, m: number, v: number, length: number,
  lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, bc1: number, bc2: number, gradScale: number,
) => void;

/**
 * A wasm kernel set: each method passes its arrays' byte offsets to the exported kernel, so every
 * array must come from this set's {@link WasmKernels.allocate} (see {@link WasmKernels.at}).
 */
export class WasmKernels<A extends FloatArray> implements Kernels<A> {
  readonly name: WasmVariant;
  readonly precision: Precision;
  private readonly memory: WasmMemory;
  private readonly bytesPerElement: number;
  /** Untouched buffers as large as the views handed out, for the GC's accounting (see allocate). */
  private readonly gcBallast: ArrayBuffer[] = [];
  /** Next free byte; memory above it is untouched, hence zero. */
  private top = RESERVED_BYTES;
  private readonly mm: Product;
  private readonly mmTA: Product;
  private readonly mmTB: Product;
  private readonly biasAct: BiasActivation;
  private readonly actBack: ActivationBackward;
  private readonly sumR: SumRows;
  private readonly adam: AdamStep;
  private readonly module: WasmModule;
  /** Set for a set attached to another's memory: it must not allocate (the owner does). */
  private readonly attached: boolean;
  /** The kernels by byte address, for threads that split a product (src/engine/parallel/). */
  readonly raw: RawWasmKernels;
  /** Scratch bytes a thread passes to `raw.matMulTransASlice`. */
  readonly packBytes: number;

  constructor(variant: WasmVariant, precision: Precision, module: WasmModule, memory?: WasmMemory) {
    this.name = variant;
    this.precision = precision;
    this.bytesPerElement = precision === 'float32' ? 4 : 8;
    this.module = module;
    this.attached = memory !== undefined;
    const api = webAssembly!;
    this.memory = memory ?? new api.Memory({ initial: RESERVED_BYTES / WASM_PAGE_BYTES, maximum: MAX_PAGES, shared: true });
    const ex = new api.Instance(module, { env: { memory: this.memory } }).exports;
    const suffix = precision === 'float32' ? '_f32' : '_f64';
    this.mm = ex[`matMul${suffix}`] as Product;
    this.mmTA = ex[`matMulTransA${suffix}`] as Product;
    this.mmTB = ex[`matMulTransB${suffix}`] as Product;
    this.biasAct = ex[`biasActivation${suffix}`] as BiasActivation;
    this.actBack = ex[`activationBackward${suffix}`] as ActivationBackward;
    this.sumR = ex[`sumRows${suffix}`] as SumRows;
    this.adam = ex[`adamStep${suffix}`] as AdamStep;
    this.packBytes = (ex.packBytes as () => number)();
    this.raw = {
      matMul: this.mm,
      matMulTransB: this.mmTB,
      matMulTransASlice: ex[`matMulTransASlice${suffix}`] as RawWasmKernels['matMulTransASlice'],
      biasActivation: this.biasAct,
      activationBackward: this.actBack,
      sumRowsSlice: ex[`sumRowsSlice${suffix}`] as RawWasmKernels['sumRowsSlice'],
      adamStep: this.adam,
    };
  }

  /** This set's module and memory, for {@link attachWasmKernels} in another thread. */
  share(): SharedWasmKernels {
    return { variant: this.name, precision: this.precision, module: this.module, memory: this.memory };
  }

  /** A view of `length` numbers at byte address `pointer` (from {@link WasmKernels.pointerOf}). */
  viewAt(pointer: number, length: number): A {
    const View = (this.bytesPerElement === 4 ? Float32Array : Float64Array) as unknown as new (b: ArrayBufferLike, offset: number, length: number) => A;
    const view = new View(this.memory.buffer, pointer, length);
    tagPointer(view, pointer);
    return view;
  }

  /** An Int32Array over `length` int32s at byte address `pointer` (for Atomics between threads). */
  int32At(pointer: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, pointer, length);
  }

  /** The byte address of an array of this set (from `allocate`, `viewAt`, or a subarray of one). */
  pointerOf(x: A): number {
    return this.at(x);
  }

  /**
   * Bytes of linear memory this set holds (including its 64 KiB of tables). Shared wasm memory
   * is counted in neither `process.memoryUsage().arrayBuffers` nor `external`: add this instead.
   */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Zero-filled views, 64-byte aligned, in this set's memory; grows the memory at most once per
   * call. Views from earlier calls stay valid (the memory is shared, so growth never detaches).
   * @throws RangeError for a negative or fractional length, or past the 4 GiB a wasm32 memory holds
   */
  allocate(lengths: readonly number[]): A[] {
    if (this.attached) throw new Error(`${this.name}: a kernel set attached to another's memory cannot allocate`);
    const size = this.bytesPerElement;
    let end = this.top;
    for (const n of lengths) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`allocate: invalid length ${n}`);
      end += alignUp(n * size);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / WASM_PAGE_BYTES);
      if (have / WASM_PAGE_BYTES + pages > MAX_PAGES) {
        throw new RangeError(`allocate: ${end} bytes exceed the 4 GiB a ${this.name} kernel set can address`);
      }
      this.memory.grow(pages);
    }
    // V8 11 counts a shared memory in neither `external` nor `arrayBuffers`, so a dropped kernel
    // set gives the GC no reason to run and its memory stays resident (measured: 10 GB after 200
    // dropped 50 MB sets). An untouched ArrayBuffer as large as the views handed out costs no
    // resident memory (the allocator maps zero pages lazily) but is counted, so the GC frees both
    // in time, and `process.memoryUsage().arrayBuffers` reports what the ts kernels would use.
    if (end > this.top) this.gcBallast.push(new ArrayBuffer(end - this.top));
    // For a shared memory this is a new SharedArrayBuffer object after growth, over the same
    // bytes; views on the older objects keep working.
    const buffer = this.memory.buffer;
    const View = (size === 4 ? Float32Array : Float64Array) as unknown as new (b: ArrayBufferLike, offset: number, length: number) => A;
    const views: A[] = [];
    for (const n of lengths) {
      const view = new View(buffer, this.top, n);
      tagPointer(view, this.top);
      views.push(view);
      this.top += alignUp(n * size);
    }
    return views;
  }

  matMul(a: A, b: A, c: A, m: number, k: number, n: number): void {
    this.mm(this.at(a), this.at(b), this.at(c), m, k, n);
  }

  matMulTransA(a: A, b: A, c: A, m: number, k: number, n: number): void {
    this.mmTA(this.at(a), this.at(b), this.at(c), m, k, n);
  }

  matMulTransB(a: A, b: A, c: A, m: number, k: number, n: number): void {
    this.mmTB(this.at(a), this.at(b), this.at(c), m, k, n);
  }

  biasActivation(z: A, bias: A, out: A, rows: number, cols: number, activation: Activation): void {
    const code = activationCode(activation);
    if (code < 0) throw new Error(`unknown activation ${String(activation)}`);
    this.biasAct(this.at(z), this.at(bias), this.at(out), rows, cols, code);
  }

  activationBackward(dz: A, z: A, a: A, length: number, activation: Exclude<Activation, 'softmax'>): void {
    const code = activationCode(activation);
    // Softmax's gradient is fused into the cross-entropy loss; it has no element-wise derivative here.
    if (code < 0 || code === 5) throw new Error(`unknown activation ${String(activation)}`);
    this.actBack(this.at(dz), this.at(z), this.at(a), length, code);
  }

  sumRows(m: A, out: A, rows: number, cols: number): void {
    this.sumR(this.at(m), this.at(out), rows, cols);
  }

  adamStep(
    theta: A, g: A, m: A, v: A, length: number,
    lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, t: number, gradScale: number,
  ): void {
    // Bias corrections 1 − β1^t and 1 − β2^t, in f64 as the TypeScript kernels compute them.
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    this.adam(
      this.at(theta), this.at(g), this.at(m), this.at(v), length,
      lr, beta1, beta2, epsilon, weightDecay, bc1, bc2, gradScale,
    );
  }

  /**
   * `x.byteOffset` (cached on views from `allocate`), refusing arrays that cannot be this set's
   * (below its first view: a plain `new Float32Array(n)` has offset 0). Lengths and ownership are
   * not checked further: the `byteLength`/`buffer` getters cost 15–40 ns per array, too much for
   * XOR-sized products, and the engine sizes every buffer from the same shapes it passes here.
   */
  private at(x: A): number {
    const pointer = (x as WithPointer)[POINTER];
    if (pointer !== undefined) return pointer;
    const offset = x.byteOffset;
    if (offset < RESERVED_BYTES) throw new Error(`${this.name}: an array not allocated by this kernel set was passed to a kernel`);
    // A subarray (the engine's W and b views into θ): remember its offset too; they are long-lived.
    if (Object.isExtensible(x)) tagPointer(x, offset);
    return offset;
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;
}

/** Standard base64 (RFC 4648, with padding) to bytes; the engine has no Buffer or atob. */
function decodeBase64(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const value = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) value[alphabet.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0, acc = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | value[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

for (const variant of ['wasm-relaxed-simd', 'wasm-simd'] as const) {
  registerKernels(variant, (precision) => createWasmKernels(variant, precision), { priority: WASM_KERNEL_PRIORITIES[variant] });
}
