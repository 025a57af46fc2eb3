import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectWasmFeatures, enableWasmFeatures } from '../../../../src/wasm-features.js';

describe('enableWasmFeatures', () => {
  it('makes relaxed SIMD available and is idempotent', () => {
    const first = enableWasmFeatures();
    const second = enableWasmFeatures();

    expect(first).toEqual({ simd: true, relaxedSimd: true });
    expect(second).toEqual(first);
    expect(detectWasmFeatures()).toEqual(first);
  });

  it('works inside a worker thread, for the whole process', () => {
    const fixture = fileURLToPath(new URL('./fixtures/relaxed-simd-in-worker.ts', import.meta.url));

    const stdout = execFileSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 30_000 });
    const report = JSON.parse(stdout.trim().split('\n').pop()!);

    expect(report.fromWorker).toEqual({
      features: { simd: true, relaxedSimd: true },
      kernel: 'wasm-relaxed-simd',
      // [1 2; 3 4]·[5 6; 7 8]
      product: [19, 22, 43, 50],
    });
    expect(report.after.relaxedSimd).toBe(true);
  });
});
