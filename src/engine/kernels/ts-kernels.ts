/** The TypeScript kernel sets, one monomorphic class per precision. */
import type { Kernels, Precision } from '../types.js';
import { TsKernels32 } from './ts-kernels-f32.js';
import { TsKernels64 } from './ts-kernels-f64.js';

/** A fresh TypeScript kernel set for `precision` (cheap: the kernels keep no state). */
export function createTsKernels(precision: Precision): Kernels {
  return precision === 'float64' ? new TsKernels64() : new TsKernels32();
}

export { TsKernels32, TsKernels64 };
