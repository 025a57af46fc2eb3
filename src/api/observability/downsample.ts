/**
 * Min/max bucket downsampling of a curve, so that a long loss curve can be drawn or sent with a
 * bounded number of points while its spikes survive (an average would flatten them).
 */

/** Fields of a point that the downsampler compares; a missing or non-finite value is ignored. */
export type SeriesKey = 'loss' | 'valLoss';

/** The default series: training loss and, when present, validation loss. */
export const DEFAULT_SERIES_KEYS: readonly SeriesKey[] = ['loss', 'valLoss'];

/** The smallest `maxPoints` honoured; below it the result may have up to this many points. */
export const MIN_MAX_POINTS = 4;

type Point = { epoch: number } & Partial<Record<SeriesKey, number | null | undefined>>;

function valueOf(point: Point, key: SeriesKey): number | undefined {
  const value = point[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Reduces `points` (oldest first) to at most `maxPoints` points, keeping the first and the last
 * point and, in each of the equal-width buckets in between, the points holding the minimum and
 * the maximum of every series in `keys` (in their original order, without duplicates).
 * With `k` series present, a bucket keeps up to `2k` points, so there are `⌊(maxPoints − 2) / 2k⌋`
 * buckets. Points are returned as they are (same objects), never interpolated.
 *
 * @param points the curve, oldest first; not modified.
 * @param maxPoints the most points to return; values below {@link MIN_MAX_POINTS} count as it.
 * @param keys the series whose extremes must survive. @defaultValue `['loss', 'valLoss']`
 * @returns a new array; a copy of `points` when it is already short enough.
 */
export function downsampleMinMax<P extends Point>(
  points: readonly P[],
  maxPoints: number,
  keys: readonly SeriesKey[] = DEFAULT_SERIES_KEYS,
): P[] {
  const limit = Math.max(MIN_MAX_POINTS, Math.floor(maxPoints));
  if (points.length <= limit) return points.slice();

  const present = keys.filter((key) => points.some((point) => valueOf(point, key) !== undefined));
  const perBucket = 2 * Math.max(1, present.length);
  const buckets = Math.max(1, Math.floor((limit - 2) / perBucket));
  const first = 1;
  const interior = points.length - 2;
  const kept: number[] = [0];

  for (let bucket = 0; bucket < buckets; bucket += 1) {
    const start = first + Math.floor((bucket * interior) / buckets);
    const end = first + Math.floor(((bucket + 1) * interior) / buckets);
    if (end <= start) continue;
    const chosen = new Set<number>();
    for (const key of present) {
      let minIndex = -1;
      let maxIndex = -1;
      for (let index = start; index < end; index += 1) {
        const value = valueOf(points[index], key);
        if (value === undefined) continue;
        if (minIndex < 0 || value < (valueOf(points[minIndex], key) as number)) minIndex = index;
        if (maxIndex < 0 || value > (valueOf(points[maxIndex], key) as number)) maxIndex = index;
      }
      if (minIndex >= 0) chosen.add(minIndex);
      if (maxIndex >= 0) chosen.add(maxIndex);
    }
    // A bucket with no finite value at all still shows that epochs exist there.
    if (chosen.size === 0) chosen.add(start);
    kept.push(...[...chosen].sort((a, b) => a - b));
  }

  kept.push(points.length - 1);
  return kept.map((index) => points[index]);
}
