import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobStore } from '../../../src/store/job-store.js';
import { createTenantUsage, datasetArtifact, jobArtifact, msUntilUtcMidnight } from '../../../src/store/tenant-usage.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

/** XOR inline data as float32 (12 numbers × 4 bytes) plus its 33 trained weights × 8 bytes. */
const XOR_JOB_BYTES = 12 * 4 + 33 * 8;
/** An uploaded XOR dataset: 12 numbers as float32. */
const XOR_DATASET_BYTES = 12 * 4;
const XOR_DATASET = JSON.stringify({ inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] });

let t: TestApp;
afterEach(async () => {
  await t.close();
});

function submit(body: unknown = xorSubmission()) {
  return t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body as object });
}

function upload(payload: string = XOR_DATASET, contentType = 'application/json') {
  return t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { 'content-type': contentType } });
}

async function usage() {
  return (await t.app.inject({ method: 'GET', url: '/v1/usage' })).json();
}

function expectQuotaProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, quota: RegExp) {
  expect(res.statusCode).toBe(429);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status: 429, code: 'quota_exceeded', type: '/problems/quota_exceeded' });
  expect(body.detail).toMatch(quota);
  return body;
}

async function keysOf(redis: Redis, pattern: string): Promise<string[]> {
  return redis.keys(pattern);
}

describe('compute budget (TENANT_COMPUTE_SECONDS_PER_DAY)', () => {
  it('answers 429 quota_exceeded with Retry-After to midnight UTC once today’s training time reached the budget', async () => {
    t = await buildTestApp({ TENANT_COMPUTE_SECONDS_PER_DAY: '60' });
    const tenantUsage = createTenantUsage({ redis: t.redis, config: t.config });
    const now = Date.now();
    await tenantUsage.addComputeTime('default', now - 59_000, now);
    const under = await submit();
    await tenantUsage.addComputeTime('default', now, now + 1_000);

    const before = Date.now();
    const over = await submit();
    const after = Date.now();

    expect(under.statusCode).toBe(202);
    const problem = expectQuotaProblem(over, /^Compute quota: .*60 s.*resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    expect(problem.detail).toMatch(/60 s of training time today/);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil(msUntilUtcMidnight(after) / 1000));
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(msUntilUtcMidnight(before) / 1000));
    expect((await t.app.inject({ method: 'GET', url: '/v1/jobs' })).json().items).toHaveLength(1);
  });

  it('counts each tenant on its own and only today’s usage', async () => {
    t = await buildTestApp({ TENANT_COMPUTE_SECONDS_PER_DAY: '60' });
    const tenantUsage = createTenantUsage({ redis: t.redis, config: t.config });
    const now = Date.now();
    await tenantUsage.addComputeTime('someone-else', now - 120_000, now);
    await tenantUsage.addComputeTime('default', now - 3 * 24 * 3600_000 - 120_000, now - 3 * 24 * 3600_000);

    expect((await submit()).statusCode).toBe(202);
  });

  it('admits any amount when the budget is 0 (unlimited)', async () => {
    t = await buildTestApp({ TENANT_COMPUTE_SECONDS_PER_DAY: '0' });
    const now = Date.now();
    await createTenantUsage({ redis: t.redis, config: t.config }).addComputeTime('default', now - 10 * 3600_000, now);

    expect((await submit()).statusCode).toBe(202);
    expect((await usage()).compute).toMatchObject({ limitSeconds: null });
  });

  it('still replays an idempotent submit made before the budget ran out', async () => {
    t = await buildTestApp({ TENANT_COMPUTE_SECONDS_PER_DAY: '60' });
    const first = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { 'idempotency-key': 'k1' } });
    const now = Date.now();
    await createTenantUsage({ redis: t.redis, config: t.config }).addComputeTime('default', now - 60_000, now);

    const replay = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { 'idempotency-key': 'k1' } });

    expect(replay.statusCode).toBe(202);
    expect(replay.json().id).toBe(first.json().id);
  });
});

describe('stored artifacts quota (TENANT_MAX_STORED_BYTES)', () => {
  it('counts a job’s inline data and trained weights, refuses a submit that would not fit, and frees them on DELETE', async () => {
    t = await buildTestApp({ TENANT_MAX_STORED_BYTES: String(2 * XOR_JOB_BYTES + 10) });

    const first = await submit();
    const second = await submit();
    const third = await submit();
    const afterRefusal = (await usage()).storage;
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${first.json().id}` });
    const fourth = await submit();

    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expectQuotaProblem(third, /^Storage quota/);
    expect(afterRefusal).toEqual({ usedBytes: 2 * XOR_JOB_BYTES, limitBytes: 2 * XOR_JOB_BYTES + 10 });
    expect(removed.statusCode).toBe(204);
    expect(fourth.statusCode).toBe(202);
    expect((await usage()).storage.usedBytes).toBe(2 * XOR_JOB_BYTES);
  });

  it('leaves no job, slot or ledger entry behind for a refused submit', async () => {
    t = await buildTestApp({ TENANT_MAX_STORED_BYTES: String(XOR_JOB_BYTES) });
    expect((await submit()).statusCode).toBe(202);
    const keysBefore = (await keysOf(t.redis, `${t.config.KEY_PREFIX}:*`)).sort();

    const refused = await submit();

    expectQuotaProblem(refused, /^Storage quota/);
    expect((await keysOf(t.redis, `${t.config.KEY_PREFIX}:*`)).sort()).toEqual(keysBefore);
    // The refused job's slot is given back without waiting for Redis's answer.
    await expect.poll(() => t.redis.scard(`${t.config.KEY_PREFIX}:t:{default}:active`)).toBe(1);
    expect(await t.redis.hlen(`${t.config.KEY_PREFIX}:t:{default}:store:bytes`)).toBe(2);
  });

  it('counts warm-start weights too', async () => {
    t = await buildTestApp({ TENANT_MAX_STORED_BYTES: '0' });
    const body = xorSubmission();
    (body.model as any).initialWeights = [{ W: Array.from({ length: 8 }, () => [0.1, -0.1]), b: new Array(8).fill(0) }, { W: [new Array(8).fill(0.5)], b: [0] }];

    expect((await submit(body)).statusCode).toBe(202);

    expect(await usage()).toMatchObject({ storage: { usedBytes: XOR_JOB_BYTES + 33 * 8, limitBytes: null } });
  });

  it('refuses an upload beyond the quota with no keys left behind, and admits it again after a DELETE', async () => {
    t = await buildTestApp({ TENANT_MAX_STORED_BYTES: String(XOR_DATASET_BYTES + 20) });
    const first = await upload();
    const keysBefore = (await keysOf(t.redis, `${t.config.KEY_PREFIX}:*`)).sort();

    const refused = await upload();
    const keysAfterRefusal = (await keysOf(t.redis, `${t.config.KEY_PREFIX}:*`)).sort();
    await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${first.json().id}` });
    const again = await upload('a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n', 'text/csv');

    expect(first.statusCode).toBe(201);
    expectQuotaProblem(refused, /^Storage quota/);
    expect(keysAfterRefusal).toEqual(keysBefore);
    expect(again.statusCode).toBe(201);
    expect((await usage()).storage.usedBytes).toBe(XOR_DATASET_BYTES);
  });

  it('refuses a partial fit atomically: concurrent uploads never overshoot the quota', async () => {
    t = await buildTestApp({ TENANT_MAX_STORED_BYTES: String(5 * XOR_DATASET_BYTES) });

    const results = await Promise.all(Array.from({ length: 12 }, () => upload()));

    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
    expect((await usage()).storage.usedBytes).toBe(5 * XOR_DATASET_BYTES);
    expect(await keysOf(t.redis, `${t.config.KEY_PREFIX}:ds:*`)).toHaveLength(5 * 3);
  });

  it('changes nothing for a bad upload', async () => {
    t = await buildTestApp();

    const bad = await upload('{"inputs": [[0, 0], [1]], "targets": [[0], [1]]}');

    expect(bad.statusCode).toBe(400);
    expect(await keysOf(t.redis, `${t.config.KEY_PREFIX}:*`)).toEqual([]);
  });

  it('keeps each tenant’s bytes apart', async () => {
    const KEY_A = 'tenant-a-key-0123456789abcdef';
    const KEY_B = 'tenant-b-key-0123456789abcdef';
    t = await buildTestApp({ TRAINYARD_API_KEYS: `a:${KEY_A},b:${KEY_B}`, TENANT_MAX_STORED_BYTES: String(XOR_DATASET_BYTES) });
    const as = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

    const a = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: XOR_DATASET, headers: as(KEY_A) });
    const b = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: XOR_DATASET, headers: as(KEY_B) });
    const aAgain = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: XOR_DATASET, headers: as(KEY_A) });

    expect([a.statusCode, b.statusCode, aAgain.statusCode]).toEqual([201, 201, 429]);
    const usageB = await t.app.inject({ method: 'GET', url: '/v1/usage', headers: { authorization: `Bearer ${KEY_B}` } });
    expect(usageB.json()).toMatchObject({ tenant: 'b', storage: { usedBytes: XOR_DATASET_BYTES } });
  });

  it('starts a finished job’s bytes expiring with its keys, so TTL expiry never leaks quota', async () => {
    t = await buildTestApp({ JOB_TTL_SECONDS: '3600' });
    const id = (await submit()).json().id;
    const ledger = `${t.config.KEY_PREFIX}:t:{default}:store:exp`;
    const whileQueued = await t.redis.zscore(ledger, jobArtifact(id));

    const before = Date.now();
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const after = Date.now();

    expect(whileQueued).toBe('inf');
    const expiresAt = Number(await t.redis.zscore(ledger, jobArtifact(id)));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 3600_000);
    const recordTtlMs = await t.redis.pttl(createJobStore({ redis: t.redis, config: t.config, usage: createTenantUsage({ redis: t.redis, config: t.config }) }).keys.jobRecord(id));
    expect(recordTtlMs).toBeGreaterThan(0);
    expect(recordTtlMs).toBeLessThanOrEqual(3600_000);
  });

  it('counts a dataset as kept until it is deleted', async () => {
    t = await buildTestApp();
    const id = (await upload()).json().id;

    expect(await t.redis.zscore(`${t.config.KEY_PREFIX}:t:{default}:store:exp`, datasetArtifact(id))).toBe('inf');
  });
});

describe('GET /v1/usage', () => {
  /** 1.5 s of training inside today's UTC day, whenever the test runs. */
  function todaysRun(): [number, number] {
    const startOfDay = Date.now() - (Date.now() % (24 * 3600_000));
    return [startOfDay + 1_000, startOfDay + 2_500];
  }

  it('reports exactly the compute recorded today and the stored bytes, with no limit but storage when auth is off', async () => {
    t = await buildTestApp();
    await createTenantUsage({ redis: t.redis, config: t.config }).addComputeTime('default', ...todaysRun());
    await upload();

    const body = await usage();

    expect(body.tenant).toBe('default');
    expect(body.compute).toMatchObject({ usedSeconds: 1.5, limitSeconds: null });
    expect(body.compute.resetsAt).toMatch(/T00:00:00\.000Z$/);
    expect(body.storage).toEqual({ usedBytes: XOR_DATASET_BYTES, limitBytes: 1024 * 1024 * 1024 });
  });

  it('reports the per-tenant defaults of an install with auth on: 24 CPU-hours a day and 1 GiB', async () => {
    const KEY = 'tenant-a-key-0123456789abcdef';
    t = await buildTestApp({ TRAINYARD_API_KEYS: `a:${KEY}` });
    await createTenantUsage({ redis: t.redis, config: t.config }).addComputeTime('a', ...todaysRun());

    const body = (await t.app.inject({ method: 'GET', url: '/v1/usage', headers: { authorization: `Bearer ${KEY}` } })).json();

    expect(body).toMatchObject({ tenant: 'a', compute: { usedSeconds: 1.5, limitSeconds: 24 * 3600 }, storage: { usedBytes: 0, limitBytes: 1024 * 1024 * 1024 } });
  });
});
