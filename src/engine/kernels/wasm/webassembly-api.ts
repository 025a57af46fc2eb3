/**
 * The little of the WebAssembly JS API the wasm kernels use, typed here because the project's
 * `lib` (ES2022, no DOM) does not declare `WebAssembly`. `undefined` on a host without it.
 */

/** A compiled module. */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

/** A linear memory; `buffer` is a SharedArrayBuffer when created with `shared: true`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages; returns the previous size in pages. @throws RangeError past the maximum */
  grow(deltaPages: number): number;
}

/** An instance: its exports by name. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** The `WebAssembly` namespace, as far as the kernels need it. */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The host's `WebAssembly`, or `undefined` where there is none. */
export const webAssembly: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** WebAssembly's page size in bytes. */
export const WASM_PAGE_BYTES = 65536;
