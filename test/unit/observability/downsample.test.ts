import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../../src/api/observability/downsample.js';

function curve(length: number, loss: (epoch: number) => number, valLoss?: (epoch: number) => number) {
  return Array.from({ length }, (_, index) => {
    const epoch = index + 1;
    return valLoss ? { epoch, loss: loss(epoch), valLoss: valLoss(epoch) } : { epoch, loss: loss(epoch) };
  });
}

describe('downsampleMinMax', () => {
  it('returns a copy of a curve that is already short enough', () => {
    const points = curve(10, (epoch) => 1 / epoch);

    const kept = downsampleMinMax(points, 10);

    expect(kept).toEqual(points);
    expect(kept).not.toBe(points);
  });

  it('keeps at most maxPoints points, the first and the last among them, in epoch order', () => {
    const points = curve(10_000, (epoch) => Math.sin(epoch / 50) + 2);

    const kept = downsampleMinMax(points, 1000);

    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept.length).toBeGreaterThan(900);
    expect(kept[0].epoch).toBe(1);
    expect(kept[kept.length - 1].epoch).toBe(10_000);
    for (let index = 1; index < kept.length; index += 1) expect(kept[index].epoch).toBeGreaterThan(kept[index - 1].epoch);
  });

  it('keeps a one-epoch spike and a one-epoch dip that an average would flatten', () => {
    const points = curve(5000, (epoch) => (epoch === 2345 ? 9 : epoch === 4321 ? 0.001 : 1));

    const kept = downsampleMinMax(points, 100);

    expect(kept.map((point) => point.epoch)).toContain(2345);
    expect(kept.map((point) => point.epoch)).toContain(4321);
    expect(Math.max(...kept.map((point) => point.loss))).toBe(9);
    expect(Math.min(...kept.map((point) => point.loss))).toBe(0.001);
  });

  it('keeps each bucket’s minimum and maximum of the validation loss too', () => {
    const points = curve(3000, () => 1, (epoch) => (epoch === 1500 ? 7 : 0.5));

    const kept = downsampleMinMax(points, 50);

    expect(kept.length).toBeLessThanOrEqual(50);
    expect(kept.some((point) => point.valLoss === 7)).toBe(true);
  });

  it('keeps the extremes of every bucket of a noisy curve', () => {
    const points = curve(2000, (epoch) => ((epoch * 7919) % 101) / 100);
    const maxPoints = 202;

    const kept = downsampleMinMax(points, maxPoints, ['loss']);

    const buckets = Math.floor((maxPoints - 2) / 2);
    const interior = points.length - 2;
    const epochs = new Set(kept.map((point) => point.epoch));
    for (let bucket = 0; bucket < buckets; bucket += 1) {
      const slice = points.slice(1 + Math.floor((bucket * interior) / buckets), 1 + Math.floor(((bucket + 1) * interior) / buckets));
      const values = slice.map((point) => point.loss);
      const keptValues = slice.filter((point) => epochs.has(point.epoch)).map((point) => point.loss);
      expect(Math.min(...keptValues)).toBe(Math.min(...values));
      expect(Math.max(...keptValues)).toBe(Math.max(...values));
    }
  });

  it('ignores non-finite values when choosing extremes', () => {
    const points = curve(1000, (epoch) => (epoch % 10 === 0 ? Number.NaN : epoch));

    const kept = downsampleMinMax(points, 20, ['loss']);

    expect(kept.length).toBeLessThanOrEqual(20);
    expect(kept.slice(1, -1).every((point) => Number.isFinite(point.loss))).toBe(true);
  });
});
