/**
 * Kernel sets and their registry. Importing this module registers the TypeScript kernels as
 * `ts` (priority 0); faster sets register themselves with a higher priority.
 */
import { registerKernels } from './registry.js';
import { createTsKernels } from './ts-kernels.js';
// The WebAssembly SIMD sets register themselves (higher priorities) and never throw on import.
import './wasm/index.js';

registerKernels('ts', createTsKernels, { priority: 0 });

export { createKernels, listKernels, registerKernels, type KernelFactory } from './registry.js';
export { createTsKernels } from './ts-kernels.js';
