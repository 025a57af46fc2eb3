import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { loadConfig } from '../../../src/config.js';
import { createJobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

const KEY_A = 'tenant-a-key-0123456789abcdef';
const KEY_B = 'tenant-b-key-0123456789abcdef';
const A = { authorization: `Bearer ${KEY_A}` };
const B = { authorization: `Bearer ${KEY_B}` };

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ TRAINYARD_API_KEYS: `a:${KEY_A},b:${KEY_B}`, TENANT_MAX_QUEUED: '50' });
});
afterAll(async () => {
  await t.close();
});

describe('authentication (T3)', () => {
  const attempts: [string, Record<string, string>][] = [
    ['no header', {}],
    ['a malformed header', { authorization: KEY_A }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a wrong key of the same length', { authorization: `Bearer ${KEY_A.replace(/.$/, 'x')}` }],
    ['a wrong key of another length', { authorization: 'Bearer short-key' }],
    ['another scheme', { authorization: `Basic ${KEY_A}` }],
  ];

  it.each(attempts)('answers 401 with one uniform body for %s', async (_label, headers) => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/jobs', headers });

    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toEqual({
      type: '/problems/unauthorized', title: 'Unauthorized', status: 401, code: 'unauthorized',
      detail: 'A valid API key is required: send Authorization: Bearer <key>.',
    });
  });

  it('lets a valid key through and leaves health endpoints open', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: A })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('never logs key material', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const config = loadConfig({
      REDIS_URL: t.config.REDIS_URL, KEY_PREFIX: `tyt-log-${randomUUID().slice(0, 6)}`, RATE_LIMIT_ENABLED: 'false', MAX_EVENT_LOOP_DELAY_MS: '0',
      TRAINYARD_API_KEYS: `a:${KEY_A}`, LOG_LEVEL: 'trace',
    });
    const app = await buildApp({ config, log: pino({ level: 'trace', redact: ['req.headers.authorization'] }, sink) });

    await app.inject({ method: 'GET', url: '/v1/jobs', headers: A });
    await app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer wrong-key-123456' } });
    await app.close();

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(KEY_A);
    expect(lines.join('\n')).not.toContain('wrong-key-123456');
  });
});

describe('tenant isolation (T1)', () => {
  it('answers 404 to tenant B for every endpoint on tenant A’s ids, exactly as for a missing id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ name: `a ${i}` }), headers: A });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
    const store = createJobStore({ redis: t.redis, config: t.config, usage: createTenantUsage({ redis: t.redis, config: t.config }) });
    await store.markRunning(ids[1], { attempt: 1, startedAt: new Date().toISOString() });
    await store.completeJob(ids[1], { weights: new Uint8Array(33 * 8), metrics: { finalLoss: 0, epochsRun: 1, stoppedEarly: false, durationMs: 1 }, kernel: 'ts' });
    const upload = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { inputs: [[0, 0], [1, 1]], targets: [[0], [1]] }, headers: A });
    const datasetId = upload.json().id;
    const before = await Promise.all(ids.map((id) => t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: A }).then((r) => r.body)));
    const missing = randomUUID();
    const calls = (id: string) => [
      { method: 'GET', url: `/v1/jobs/${id}` },
      { method: 'GET', url: `/v1/jobs/${id}/metrics` },
      { method: 'GET', url: `/v1/jobs/${id}/result` },
      { method: 'GET', url: `/v1/jobs/${id}/loss.svg` },
      { method: 'GET', url: `/v1/jobs/${id}/events` },
      { method: 'POST', url: `/v1/jobs/${id}/cancel` },
      { method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: [[0, 1]] } },
      { method: 'DELETE', url: `/v1/jobs/${id}` },
    ] as const;

    const bodies = new Set<string>();
    for (const id of [...ids, missing]) {
      for (const call of calls(id)) {
        const res = await t.app.inject({ ...call, headers: B } as never);
        expect(res.statusCode, `${call.method} ${call.url}`).toBe(404);
        bodies.add(res.body);
      }
    }
    const fromJob = xorSubmission();
    (fromJob.model as any).fromJob = ids[1];
    const warm = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: fromJob, headers: B });
    const dataset = await t.app.inject({ method: 'GET', url: `/v1/datasets/${datasetId}`, headers: B });
    const datasetDelete = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${datasetId}`, headers: B });
    const useDataset = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ data: { datasetId } }), headers: B });
    const listB = await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=100', headers: B });
    const after = await Promise.all(ids.map((id) => t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: A }).then((r) => r.body)));

    expect(bodies.size).toBe(1);
    expect([warm.statusCode, dataset.statusCode, datasetDelete.statusCode, useDataset.statusCode]).toEqual([404, 404, 404, 404]);
    expect(listB.json().items).toEqual([]);
    expect(after).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: `/v1/datasets/${datasetId}`, headers: A })).statusCode).toBe(200);
  });

  it('scopes Idempotency-Keys per tenant', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { ...A, 'idempotency-key': 'shared' } });
    const b = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { ...B, 'idempotency-key': 'shared' } });

    expect(b.statusCode).toBe(202);
    expect(b.json().id).not.toBe(a.json().id);
  });
});

describe('rate limits', () => {
  it('answers 429 rate_limited with Retry-After beyond the tenant’s submits per minute, per tenant', async () => {
    const limited = await buildTestApp({ RATE_LIMIT_ENABLED: 'true', TENANT_SUBMITS_PER_MINUTE: '2', TRAINYARD_API_KEYS: `a:${KEY_A},b:${KEY_B}` });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: A })).statusCode);
      const third = await limited.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: A });
      const otherTenant = await limited.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: B });
      const reads = await limited.app.inject({ method: 'GET', url: '/v1/jobs', headers: A });

      expect(statuses).toEqual([202, 202, 429]);
      expect(third.json()).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect(otherTenant.statusCode).toBe(202);
      expect(reads.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('auth off', () => {
  it('treats every request as tenant default', async () => {
    const open = await buildTestApp();
    try {
      const res = await open.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });
      const stored = await open.redis.hget(`${open.config.KEY_PREFIX}:job:{${res.json().id}}:rec`, 'tenant');

      expect(res.statusCode).toBe(202);
      expect(stored).toBe('default');
    } finally {
      await open.close();
    }
  });
});
