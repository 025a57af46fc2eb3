import { describe, expect, it } from 'vitest';
import { irisRowOrder, loadBuiltinDataset } from '../../../src/store/builtin-datasets.js';

function classOf(targets: Float64Array, row: number): number {
  return [0, 1, 2].find((k) => targets[row * 3 + k] === 1)!;
}

describe('builtin iris', () => {
  it('is stored in one fixed shuffled order, every row once', () => {
    const order = irisRowOrder(150);

    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(order).toEqual(irisRowOrder(150));
    expect(order.slice(0, 10)).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('has all three classes in the last 10 % of rows, which validationSplit 0.1 validates on', () => {
    const iris = loadBuiltinDataset('iris');

    const lastClasses = new Set(Array.from({ length: 15 }, (_, i) => classOf(iris.targets, 135 + i)));
    const counts = [0, 0, 0];
    for (let row = 0; row < 150; row++) counts[classOf(iris.targets, row)]++;

    expect(lastClasses).toEqual(new Set([0, 1, 2]));
    expect(counts).toEqual([50, 50, 50]);
  });
});
