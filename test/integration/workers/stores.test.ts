import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { createCheckpointStore, type CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { createKeys } from '../../../src/store/keys.js';
import { createMetricsStore, curveStride, isCurveEpoch, type MetricsStore } from '../../../src/store/metrics-store.js';
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

  it('keeps at most MAX_CURVE_POINTS points, dropping the oldest', async () => {
    await metrics.appendPoints('j1', Array.from({ length: 25 }, (_, i) => ({ epoch: i + 1, loss: 1, elapsedMs: 0 })));

    const page = await metrics.readCurve('j1', 0);

    expect(page.points).toHaveLength(10);
    expect(page.points[0].epoch).toBe(16);
    expect(await redis.ttl(createKeys(prefix).jobCurve('j1'))).toBeGreaterThan(3000);
  });

  it('thins any number of epochs to the cap with the same kept epochs on every run', () => {
    const epochs = 100_000;
    const stride = curveStride(epochs, 1000);

    const kept = Array.from({ length: epochs }, (_, i) => i + 1).filter((e) => isCurveEpoch(e, epochs, stride));

    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept[0]).toBe(1);
    expect(kept.at(-1)).toBe(epochs);
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
