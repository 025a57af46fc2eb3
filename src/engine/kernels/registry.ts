/**
 * The kernel registry. It lives in its own module, with no imports of any kernel set, so kernel
 * modules (the TypeScript ones, `wasm/index.ts`) can register themselves at import time without
 * an import cycle: `import { registerKernels } from '../registry.js'` from `kernels/wasm/`.
 */
import type { Kernels, Precision } from '../types.js';

/** Builds a kernel set for one precision; may throw when the host cannot run it (no SIMD…). */
export type KernelFactory = (precision: Precision) => Kernels;

interface Entry {
  name: string;
  factory: KernelFactory;
  priority: number;
  order: number;
  /** Set once a float32 set was built here; failures are probed again (host flags may change). */
  usable?: true;
}

const entries = new Map<string, Entry>();
let registered = 0;

/**
 * Registers (or replaces) a kernel set under `name`. Higher `priority` means faster: `auto` and
 * {@link listKernels} prefer it. @defaultValue priority 0
 */
export function registerKernels(name: string, factory: KernelFactory, opts?: { priority: number }): void {
  if (!name || name === 'auto') throw new Error(`invalid kernel name ${JSON.stringify(name)}`);
  entries.set(name, { name, factory, priority: opts?.priority ?? 0, order: registered++ });
}

function sorted(): Entry[] {
  return [...entries.values()].sort((x, y) => y.priority - x.priority || x.order - y.order);
}

/**
 * Names usable with {@link createKernels}, fastest first. A set whose factory throws on this host
 * (for example relaxed SIMD on an older CPU) is left out.
 */
export function listKernels(): string[] {
  const names: string[] = [];
  for (const e of sorted()) {
    if (!e.usable) {
      try {
        e.factory('float32');
        e.usable = true;
      } catch {
        // Not usable on this host (now); `auto` skips it too.
        continue;
      }
    }
    names.push(e.name);
  }
  return names;
}

/**
 * Creates the kernel set `choice` for `precision`; `auto` picks the fastest that works here.
 * @throws Error for an unknown name, or when the named set cannot run on this host.
 */
export function createKernels(choice: string, precision: Precision): Kernels {
  if (precision !== 'float32' && precision !== 'float64') throw new Error(`unknown precision ${String(precision)}`);
  if (choice === 'auto') {
    let lastError: unknown;
    for (const e of sorted()) {
      try {
        const k = e.factory(precision);
        if (k.precision === precision) return k;
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no kernel set works for ${precision}: ${String(lastError)}`);
  }
  const entry = entries.get(choice);
  if (!entry) throw new Error(`unknown kernel set ${JSON.stringify(choice)} (known: ${[...entries.keys()].join(', ')})`);
  const k = entry.factory(precision);
  if (k.precision !== precision) throw new Error(`kernel set ${choice} has no ${precision} kernels`);
  return k;
}
