import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { createCheckpointStore, type CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { createKeys } from '../../../src/store/keys.js';
import { createMetricsStore, CURVE_RECORD_BYTES, type MetricsStore, type StoredCurvePoint } from '../../../src/store/metrics-store.js';
import { createRunningSlots, type RunningSlots } from '../../../src/store/running-slots.js';

let redis: Redis;
let prefix: string;

beforeEach(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `ts${randomUUID().slice(0, 8)}`;
});

afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const config = () => ({ KEY_PREFIX: prefix, JOB_TTL_SECONDS: 3600, MAX_CURVE_POINTS: 10 });

describe('MetricsStore', () => {
  let metrics: MetricsStore;
  beforeEach(() => {
    metrics = createMetricsStore({ redis, config: config() });
  });

  it('replaces re-written epochs instead of duplicating them (a resumed run)', async () => {
    await metrics.appendPoints('j1', [1, 2, 3].map((epoch) => ({ epoch, loss: epoch / 10, elapsedMs: epoch })));

    await metrics.appendPoints('j1', [2, 3, 4].map((epoch) => ({ epoch, loss: epoch / 10, elapsedMs: 100 + epoch })));
    const page = await metrics.readCurve('j1', 0);

    expect(page.points.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(page.points[1]).toEqual({ epoch: 2, loss: 0.2, elapsedMs: 102 });
    expect(page.next).toBe(4);
  });

  it('answers points after `since`, and `next` = since when there are none', async () => {
    await metrics.appendPoints('j1', [1, 2, 3].map((epoch) => ({ epoch, loss: 1, elapsedMs: 0 })));

    const after2 = await metrics.readCurve('j1', 2);
    const after3 = await metrics.readCurve('j1', 3);

    expect(after2).toEqual({ points: [{ epoch: 3, loss: 1, elapsedMs: 0 }], next: 3 });
    expect(after3).toEqual({ points: [], next: 3 });
  });

  it('pages by MAX_CURVE_POINTS by default and reads to the end with a larger limit', async () => {
    await metrics.appendPoints('j1', Array.from({ length: 25 }, (_, i) => ({ epoch: i + 1, loss: 1, elapsedMs: 0 })));

    const first = await metrics.readCurve('j1', 0);
    const second = await metrics.readCurve('j1', first.next);
    const all = await metrics.readCurve('j1', 0, Number.POSITIVE_INFINITY);

    expect(first.points.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.next).toBe(10);
    expect(second.points[0].epoch).toBe(11);
    expect(all.points).toHaveLength(25);
    expect(all.next).toBe(25);
    expect(await redis.ttl(createKeys(prefix).jobCurve('j1'))).toBeGreaterThan(3000);
  });

  it('keeps every one of 100,000 epochs in fixed-width records, paged by byte range', async () => {
    const epochs = 100_000;
    for (let from = 0; from < epochs; from += 10_000) {
      await metrics.appendPoints('j1', Array.from({ length: 10_000 }, (_, i) => ({ epoch: from + i + 1, loss: 1 / (from + i + 1), elapsedMs: from + i })));
    }

    const bytes = await redis.strlen(createKeys(prefix).jobCurve('j1'));
    const page = await metrics.readCurve('j1', 54_321, 3);
    const tail = await metrics.readCurve('j1', 0, Number.POSITIVE_INFINITY);

    expect(bytes).toBe(16 + epochs * CURVE_RECORD_BYTES);
    expect(page).toEqual({
      points: [54_322, 54_323, 54_324].map((epoch) => ({ epoch, loss: 1 / epoch, elapsedMs: epoch - 1 })),
      next: 54_324,
    });
    expect(tail.points).toHaveLength(epochs);
    expect(tail.points.every((p, i) => p.epoch === i + 1)).toBe(true);
    expect(await metrics.countPoints('j1')).toBe(epochs);
  });

  it('round-trips every field, leaves absent ones absent and keeps the diverged marker explicit', async () => {
    const points: StoredCurvePoint[] = [
      { epoch: 1, loss: 0.5, valLoss: 0.6, accuracy: 0.25, valAccuracy: 0, elapsedMs: 12.5 },
      { epoch: 2, loss: 0.4, accuracy: 1, elapsedMs: 20 },
      { epoch: 3, diverged: true, elapsedMs: 31 },
    ];

    await metrics.appendPoints('j1', points);
    const page = await metrics.readCurve('j1', 0);

    expect(page.points).toEqual(points);
    expect(page.points[1]).not.toHaveProperty('valLoss');
    expect(page.points[2]).not.toHaveProperty('loss');
  });

  it('starts a curve after a base epoch: points from there on, `since` before it reads from it', async () => {
    await metrics.startCurve('fork', 30);
    await metrics.appendPoints('fork', [29, 30, 31, 32].map((epoch) => ({ epoch, loss: epoch, elapsedMs: 0 })));

    const page = await metrics.readCurve('fork', 0);
    const later = await metrics.readCurve('fork', 31);

    expect(page.points.map((p) => p.epoch)).toEqual([31, 32]);
    expect(later.points.map((p) => p.epoch)).toEqual([32]);
    expect(await redis.strlen(createKeys(prefix).jobCurve('fork'))).toBe(16 + 2 * CURVE_RECORD_BYTES);
  });

  it('skips epochs never written and moves `next` past a page of them', async () => {
    await metrics.appendPoints('j1', [{ epoch: 1, loss: 1, elapsedMs: 0 }, { epoch: 25, loss: 2, elapsedMs: 0 }]);

    const first = await metrics.readCurve('j1', 0, 10);
    const gap = await metrics.readCurve('j1', first.next, 10);
    const last = await metrics.readCurve('j1', gap.next, 10);

    expect(first).toEqual({ points: [{ epoch: 1, loss: 1, elapsedMs: 0 }], next: 1 });
    expect(gap).toEqual({ points: [], next: 11 });
    expect((await metrics.readCurve('j1', 11, 100)).points.map((p) => p.epoch)).toEqual([25]);
    expect(last).toEqual({ points: [], next: 21 });
  });

  it('reads and extends a curve stored as a sorted set by an earlier version, rewriting it once', async () => {
    const key = createKeys(prefix).jobCurve('old');
    await redis.zadd(key, 1, JSON.stringify({ epoch: 1, loss: 0.9, elapsedMs: 5 }), 2, JSON.stringify({ epoch: 2, loss: 0.8, elapsedMs: 9 }));

    const before = await metrics.readCurve('old', 0);
    await metrics.appendPoints('old', [{ epoch: 3, loss: 0.7, elapsedMs: 12 }]);
    const after = await metrics.readCurve('old', 0);

    expect(before.points.map((p) => p.epoch)).toEqual([1, 2]);
    expect(after.points).toEqual([
      { epoch: 1, loss: 0.9, elapsedMs: 5 }, { epoch: 2, loss: 0.8, elapsedMs: 9 }, { epoch: 3, loss: 0.7, elapsedMs: 12 },
    ]);
    expect(await redis.type(key)).toBe('string');
  });

  it('answers an empty page for a job without a curve', async () => {
    expect(await metrics.readCurve('none', 5)).toEqual({ points: [], next: 5 });
  });
});

describe('CheckpointStore', () => {
  let checkpoints: CheckpointStore;
  beforeEach(() => {
    checkpoints = createCheckpointStore({ redis, config: config() });
  });

  const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('loads the newest checkpoint byte for byte, including from a pooled Buffer view', async () => {
    const pooled = Buffer.from([9, 0, 1, 2, 3, 255]).subarray(1);

    await checkpoints.save('j1', pooled, { epoch: 1, batch: 0, step: 10, elapsedMs: 5 });
    const loaded = await checkpoints.loadLatest('j1');

    expect(Buffer.compare(loaded!.bytes, Buffer.from([0, 1, 2, 3, 255]))).toBe(0);
    expect(loaded!.meta).toMatchObject({ epoch: 1, batch: 0, step: 10, elapsedMs: 5, bytes: 5 });
  });

  it('never moves backwards: an older step is refused (a stale writer)', async () => {
    await checkpoints.save('j1', bytes(8, 2), { epoch: 2, batch: 0, step: 20, elapsedMs: 0 });

    const written = await checkpoints.save('j1', bytes(8, 1), { epoch: 1, batch: 0, step: 10, elapsedMs: 0 });

    expect(written).toBe(false);
    expect((await checkpoints.loadLatest('j1'))!.meta.step).toBe(20);
  });

  it('keeps the previous checkpoint and falls back to it when the newest is damaged', async () => {
    await checkpoints.save('j1', bytes(8, 1), { epoch: 1, batch: 0, step: 10, elapsedMs: 0 });
    await checkpoints.save('j1', bytes(8, 2), { epoch: 2, batch: 0, step: 20, elapsedMs: 0 });
    await checkpoints.save('j1', bytes(8, 3), { epoch: 3, batch: 0, step: 30, elapsedMs: 0 });
    const key = createKeys(prefix).jobCheckpoint('j1');
    const cur = await redis.hget(key, 'cur');

    await redis.hset(key, cur!, Buffer.from(bytes(8, 7)));
    const loaded = await checkpoints.loadLatest('j1');

    expect(loaded!.meta.step).toBe(20);
    expect(loaded!.bytes[0]).toBe(2);
    expect(await redis.hlen(key)).toBe(7);
  });
});

describe('RunningSlots', () => {
  let slots: RunningSlots;
  beforeEach(() => {
    slots = createRunningSlots({ redis, config: config(), leaseMs: 300 });
  });

  it('admits up to the cap, is idempotent per job, and frees a slot on release', async () => {
    expect(await slots.acquire('t', 'a', 2)).toBe(true);
    expect(await slots.acquire('t', 'a', 2)).toBe(true);
    expect(await slots.acquire('t', 'b', 2)).toBe(true);
    expect(await slots.acquire('t', 'c', 2)).toBe(false);
    expect(await slots.acquire('other', 'c', 2)).toBe(true);

    await slots.release('t', 'a');

    expect(await slots.acquire('t', 'c', 2)).toBe(true);
    expect((await slots.holders('t')).sort()).toEqual(['b', 'c']);
  });

  it('frees the slot of a worker that died (its lease runs out), not of one that renews', async () => {
    await slots.acquire('t', 'dead', 2);
    await slots.acquire('t', 'alive', 2);

    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await slots.renew('t', 'alive');
    }

    expect(await slots.acquire('t', 'new', 2)).toBe(true);
    expect((await slots.holders('t')).sort()).toEqual(['alive', 'new']);
  });
});
