import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('POST /v1/datasets with REDIS_WAIT_REPLICAS', () => {
  it('answers 503 and keeps nothing when the replicas do not confirm the upload', async () => {
    // The test Redis has no replica: WAIT 1 can never be satisfied.
    t = await buildTestApp({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '50' });
    const payload = JSON.stringify({ inputs: [[0], [1]], targets: [[1], [0]] });

    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { 'content-type': 'application/json' } });
    const list = (await t.app.inject({ method: 'GET', url: '/v1/datasets' })).json();
    const keys = await t.redis.keys(`*${t.config.KEY_PREFIX}*:ds:*`);
    const usage = (await t.app.inject({ method: 'GET', url: '/v1/usage' })).json();

    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('unavailable');
    expect(list.items).toEqual([]);
    expect(keys).toEqual([]);
    expect(usage.storage.usedBytes).toBe(0);
  });

  it('stores the upload as usual when no replica is asked for', async () => {
    t = await buildTestApp({ REDIS_WAIT_REPLICAS: '0' });
    const payload = JSON.stringify({ inputs: [[0], [1]], targets: [[1], [0]] });

    const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { 'content-type': 'application/json' } });

    expect(res.statusCode).toBe(201);
  });
});
