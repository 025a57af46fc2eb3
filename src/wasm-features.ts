/**
 * WebAssembly features the engine's wasm kernels use. Relaxed SIMD (fused multiply-add) ships
 * behind `--experimental-wasm-relaxed-simd` on Node 20 (V8 11.3); newer Nodes have it on.
 * Entry points — the API and worker processes, training and inference threads, benches, the test
 * setup — call {@link enableWasmFeatures} before anything lists or creates kernels.
 */
import { setFlagsFromString } from 'node:v8';

/** What this runtime validates. */
export interface WasmFeatures {
  /** WebAssembly fixed-width SIMD (v128). */
  simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd` …). */
  relaxedSimd: boolean;
}

// (module (func (param v128 v128 v128) (result v128)
//   local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

// (module (func (param v128 v128) (result v128) local.get 0 local.get 1 f32x4.add))
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xe4, 0x01, 0x0b,
]);

/** What this runtime validates now, without changing anything. */
export function detectWasmFeatures(): WasmFeatures {
  const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  if (!wasm) return { simd: false, relaxedSimd: false };
  return { simd: wasm.validate(SIMD_PROBE), relaxedSimd: wasm.validate(RELAXED_SIMD_PROBE) };
}

/**
 * V8 flags for Node 20 (V8 11.3), set only where relaxed SIMD is still behind its flag:
 * - `--experimental-wasm-relaxed-simd`: the FMA kernels.
 * - `--no-wasm-generic-wrapper`: V8 11 calls wasm exports through a generic JS-to-wasm wrapper
 *   that optimised JavaScript cannot inline; per-signature wrappers cut a kernel call's overhead
 *   enough that XOR-sized training (≈15 tiny kernel calls per step) ran 3–4× faster here
 *   (4.4 → 1.1 µs per epoch). Newer V8s tier their wrappers up by themselves.
 * - `--no-liftoff`: compile wasm with the optimising compiler from the first call. With the
 *   baseline compiler first, tiny kernels (XOR) take thousands of calls to tier up, so a short
 *   job or the first kernel set of a process ran 2–4× slower. The kernels compile in ~2 ms.
 */
const NODE20_WASM_FLAGS = ['--experimental-wasm-relaxed-simd', '--no-wasm-generic-wrapper', '--no-liftoff'];

/**
 * Turns on relaxed SIMD (and fast wasm calls) where the runtime has them behind flags, and
 * reports what is available. V8 flags are per process, so calling it in the main thread also
 * covers worker threads (and calling it again in a thread is harmless). Idempotent; call it
 * before any wasm compile — entry points do, first thing.
 */
export function enableWasmFeatures(): WasmFeatures {
  const before = detectWasmFeatures();
  if (before.relaxedSimd || !before.simd) return before;
  try {
    for (const flag of NODE20_WASM_FLAGS) setFlagsFromString(flag);
  } catch {
    // An embedder without V8 flags: keep plain SIMD.
  }
  return detectWasmFeatures();
}
