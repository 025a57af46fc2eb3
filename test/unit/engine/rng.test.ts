import { describe, expect, it } from 'vitest';
import { Rng, shuffleInPlace } from '../../../src/engine/rng.js';

describe('Rng', () => {
  it('repeats its stream for a seed, differs across seeds and streams, and restores its state', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43), d = new Rng(42, 1);
    const draws = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());

    const first = draws(a);
    const state = a.getState();
    const next = draws(a);
    const restored = new Rng(0);
    restored.setState(state);

    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
    expect(draws(d)).not.toEqual(first);
    expect(draws(restored)).toEqual(next);
  });

  it('draws uniform floats in [0, 1) and unbiased integers below n', () => {
    const r = new Rng(1);
    const counts = new Array(6).fill(0);
    let sum = 0;

    for (let i = 0; i < 60_000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      counts[r.nextBelow(6)]++;
    }

    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(400);
  });

  it('shuffles with Fisher–Yates into a permutation, reproducibly', () => {
    const order = Uint32Array.from({ length: 50 }, (_, i) => i);
    const again = order.slice();

    shuffleInPlace(order, 50, new Rng(9, 1));
    shuffleInPlace(again, 50, new Rng(9, 1));

    expect(Array.from(order)).toEqual(Array.from(again));
    expect(Array.from(order).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(order)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
