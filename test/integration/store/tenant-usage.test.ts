import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createJobStore } from '../../../src/store/job-store.js';
import {
  createTenantUsage, datasetArtifact, jobArtifact, msUntilUtcMidnight, PENDING_ARTIFACT_MS, reserveStorageWithinQuota, utcDay, type TenantUsage,
} from '../../../src/store/tenant-usage.js';
import { QuotaExceededError } from '../../../src/errors.js';
import { xorJobSpec } from '../../helpers/specs.js';

const HOUR_MS = 3600 * 1000;
/** A fixed instant: 2030-05-17 23:30 UTC, half an hour before midnight. */
const T0 = Date.UTC(2030, 4, 17, 23, 30);

let redis: Redis;
let prefix: string;
let clock: number;
let usage: TenantUsage;

beforeEach(() => {
  redis = new Redis(inject('redisUrl'));
  prefix = `tyu-${randomUUID().slice(0, 8)}`;
  clock = T0;
  usage = createTenantUsage({ redis, config: { KEY_PREFIX: prefix }, now: () => clock });
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('tenant usage: compute', () => {
  it('adds training time to the UTC day it was spent in, splitting a run across midnight', async () => {
    await usage.addComputeTime('a', T0, T0 + 10_000);
    await usage.addComputeTime('a', T0 + 29 * 60_000, T0 + 31 * 60_000);
    await usage.addComputeTime('b', T0, T0 + 5_000);

    expect(await usage.computeSecondsOn('a', T0)).toBe(70);
    expect(await usage.computeSecondsOn('a', T0 + HOUR_MS)).toBe(60);
    expect(await usage.computeSecondsOn('b', T0)).toBe(5);
    expect(await usage.computeSecondsOn('c', T0)).toBe(0);
  });

  it('keeps each day counter under the tenant’s hash tag with a TTL of at most two days', async () => {
    await usage.addComputeTime('a', T0, T0 + 1_500);

    const key = usage.keys.tenantComputeDay('a', utcDay(T0));
    expect(key).toBe(`${prefix}:t:{a}:cpu:2030-05-17`);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(24 * 3600);
    expect(ttl).toBeLessThanOrEqual(2 * 24 * 3600);
  });

  it('adds nothing for an empty or backwards interval', async () => {
    await usage.addComputeTime('a', T0, T0);
    await usage.addComputeTime('a', T0, T0 - 1_000);

    expect(await usage.computeSecondsOn('a', T0)).toBe(0);
    expect(await redis.exists(usage.keys.tenantComputeDay('a', utcDay(T0)))).toBe(0);
  });

  it('counts the time to midnight UTC', () => {
    expect(msUntilUtcMidnight(T0)).toBe(30 * 60_000);
    expect(msUntilUtcMidnight(Date.UTC(2030, 4, 18))).toBe(24 * HOUR_MS);
  });
});

describe('tenant usage: storage', () => {
  it('reserves within the quota, refuses beyond it and records nothing on a refusal', async () => {
    const first = await usage.reserveStorage('a', datasetArtifact('d1'), 600, 1000);
    const second = await usage.reserveStorage('a', datasetArtifact('d2'), 500, 1000);
    const other = await usage.reserveStorage('b', datasetArtifact('d3'), 500, 1000);

    expect(first).toEqual({ ok: true, usedBytes: 600 });
    expect(second).toEqual({ ok: false, usedBytes: 600 });
    expect(other).toEqual({ ok: true, usedBytes: 500 });
    expect(await usage.storedBytes('a')).toBe(600);
    expect(await redis.hget(usage.keys.tenantStorageBytes('a'), datasetArtifact('d2'))).toBeNull();
  });

  it('counts an artifact once however often it is reserved, and records without a limit when the quota is 0', async () => {
    await usage.reserveStorage('a', jobArtifact('j1'), 300, 0);
    await usage.reserveStorage('a', jobArtifact('j1'), 300, 0);

    expect(await usage.storedBytes('a')).toBe(300);
  });

  it('gives the bytes back on release', async () => {
    await usage.reserveStorage('a', datasetArtifact('d1'), 900, 1000);
    await usage.confirmStorage('a', datasetArtifact('d1'));

    await usage.releaseStorage('a', datasetArtifact('d1'));
    await usage.releaseStorage('a', datasetArtifact('d1'));

    expect(await usage.storedBytes('a')).toBe(0);
    expect((await usage.reserveStorage('a', datasetArtifact('d2'), 900, 1000)).ok).toBe(true);
  });

  it('stops counting an artifact once its expiry has passed, without anyone deleting it', async () => {
    await usage.reserveStorage('a', jobArtifact('j1'), 800, 1000);
    await usage.confirmStorage('a', jobArtifact('j1'));
    await usage.expireStorage('a', jobArtifact('j1'), T0 + 7 * 24 * HOUR_MS);

    const before = await usage.reserveStorage('a', jobArtifact('j2'), 800, 1000);
    clock = T0 + 7 * 24 * HOUR_MS + 1;
    const after = await usage.reserveStorage('a', jobArtifact('j2'), 800, 1000);

    expect(before.ok).toBe(false);
    expect(after).toEqual({ ok: true, usedBytes: 800 });
    expect(await redis.zscore(usage.keys.tenantStorageExpiry('a'), jobArtifact('j1'))).toBeNull();
  });

  it('lets an unconfirmed reservation lapse (its writer died) but keeps a confirmed one', async () => {
    await usage.reserveStorage('a', datasetArtifact('pending'), 400, 0);
    await usage.reserveStorage('a', datasetArtifact('kept'), 100, 0);
    await usage.confirmStorage('a', datasetArtifact('kept'));

    clock = T0 + PENDING_ARTIFACT_MS + 1;

    expect(await usage.storedBytes('a')).toBe(100);
  });

  it('never overshoots the quota under concurrent reservations', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => usage.reserveStorage('a', datasetArtifact(`d${i}`), 100, 1000)));

    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(await usage.storedBytes('a')).toBe(1000);
  });

  it('reconciles kept artifacts whose keys are gone and finished jobs whose expiry was never recorded', async () => {
    const jobs = createJobStore({ redis, config: { KEY_PREFIX: prefix, JOB_TTL_SECONDS: 3600 }, usage });
    const live = randomUUID();
    const finished = randomUUID();
    for (const id of [live, finished]) await jobs.createJob({ id, tenant: 'a', spec: xorJobSpec(id), createdAt: new Date().toISOString() });
    await redis.expire(jobs.keys.jobRecord(finished), 600);
    for (const artifact of [jobArtifact(live), jobArtifact(finished), jobArtifact(randomUUID()), datasetArtifact(randomUUID())]) {
      await usage.reserveStorage('a', artifact, 250, 0);
      await usage.confirmStorage('a', artifact);
    }

    await usage.reconcileStorage('a');

    expect(await usage.storedBytes('a')).toBe(500);
    expect(await redis.zscore(usage.keys.tenantStorageExpiry('a'), jobArtifact(live))).toBe('inf');
    const expiry = Number(await redis.zscore(usage.keys.tenantStorageExpiry('a'), jobArtifact(finished)));
    expect(expiry).toBeGreaterThan(T0);
    expect(expiry).toBeLessThanOrEqual(T0 + 600_000);
  });

  it('throws quota_exceeded naming the storage quota, after reconciling leaked entries first', async () => {
    await usage.reserveStorage('a', datasetArtifact('vanished'), 900, 0);
    await usage.confirmStorage('a', datasetArtifact('vanished'));
    await usage.reserveStorage('a', datasetArtifact('big'), 900, 0);

    await reserveStorageWithinQuota(usage, 'a', datasetArtifact('fits-after-reconcile'), 100, 1000);
    const refused = reserveStorageWithinQuota(usage, 'a', datasetArtifact('too-big'), 200, 1000);

    await expect(refused).rejects.toBeInstanceOf(QuotaExceededError);
    await expect(refused).rejects.toMatchObject({ status: 429, code: 'quota_exceeded', detail: expect.stringMatching(/^Storage quota/) });
    expect(await usage.storedBytes('a')).toBe(1000);
  });
});
