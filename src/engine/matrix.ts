/**
 * Helpers over flat, row-major typed arrays that are not kernels: reductions the trainer runs once
 * per batch or epoch, and exact little-endian byte codecs for weights and checkpoints.
 */
import type { FloatArray } from './types.js';

/** Whether this host stores typed arrays little-endian (then byte copies are the codec). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Σ a[i]² (for the global gradient norm ‖g‖₂ = sqrt(Σ g²)). */
export function sumOfSquares(a: FloatArray): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  return sum;
}

/** Index of the first NaN or ±Infinity in `a`, or −1 when every element is finite. */
export function firstNonFinite(a: FloatArray): number {
  for (let i = 0; i < a.length; i++) {
    // x − x is 0 for finite x and NaN for NaN and ±Infinity: one subtraction, no call.
    if (a[i] - a[i] !== 0) return i;
  }
  return -1;
}

function rawBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes `a`'s elements little-endian into `out` at byte `offset`; returns the offset after them. */
export function writeLittleEndian(out: Uint8Array, offset: number, a: FloatArray | Uint32Array): number {
  if (LITTLE_ENDIAN) {
    out.set(rawBytes(a), offset);
  } else {
    const view = new DataView(out.buffer, out.byteOffset + offset, a.byteLength);
    for (let i = 0; i < a.length; i++) {
      if (a instanceof Float64Array) view.setFloat64(i * 8, a[i], true);
      else if (a instanceof Float32Array) view.setFloat32(i * 4, a[i], true);
      else view.setUint32(i * 4, a[i], true);
    }
  }
  return offset + a.byteLength;
}

/**
 * Reads little-endian elements from `bytes` at byte `offset` into `a` (any alignment, any
 * byteOffset: Node Buffers from the shared pool included); returns the offset after them.
 */
export function readLittleEndian(bytes: Uint8Array, offset: number, a: FloatArray | Uint32Array): number {
  if (LITTLE_ENDIAN) {
    rawBytes(a).set(bytes.subarray(offset, offset + a.byteLength));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, a.byteLength);
    for (let i = 0; i < a.length; i++) {
      if (a instanceof Float64Array) a[i] = view.getFloat64(i * 8, true);
      else if (a instanceof Float32Array) a[i] = view.getFloat32(i * 4, true);
      else a[i] = view.getUint32(i * 4, true);
    }
  }
  return offset + a.byteLength;
}
