import { describe, expect, it } from 'vitest';
import { DatasetCache } from '../../../workers/run/dataset-cache.js';

/** A dataset of `rows` rows of 2 inputs and 1 target (24 bytes a row), filled with `value`. */
function arrays(rows: number, value: number) {
  return { samples: rows, inputSize: 2, outputSize: 1, inputs: new Float64Array(rows * 2).fill(value), targets: new Float64Array(rows).fill(value) };
}

describe('DatasetCache', () => {
  it('returns shared copies and the same copies on a hit', () => {
    const cache = new DatasetCache(1_000);

    const stored = cache.set('a', arrays(4, 1));

    expect(stored.inputs.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(stored.inputs)).toEqual(new Array(8).fill(1));
    expect(cache.get('a')).toBe(stored);
    expect(cache.size).toBe(96);
  });

  it('drops the least recently used datasets past its bytes', () => {
    const cache = new DatasetCache(240);
    cache.set('a', arrays(4, 1));
    cache.set('b', arrays(4, 2));
    cache.get('a');

    cache.set('c', arrays(4, 3));

    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(192);
  });

  it('never keeps a dataset larger than the whole cache', () => {
    const cache = new DatasetCache(50);
    const big = arrays(4, 1);

    expect(cache.set('a', big)).toBe(big);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
