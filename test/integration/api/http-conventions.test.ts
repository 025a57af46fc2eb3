import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('HTTP conventions', () => {
  it('redirects GET / to the dashboard', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'GET', url: '/' });

    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/dashboard');
  });

  it('ends JSON and problem+json bodies with a newline', async () => {
    t = await buildTestApp();

    const answers = await Promise.all(['/healthz', '/v1/jobs', '/v1/jobs/no-such-job', '/no-such-route', '/openapi.json'].map((url) => t!.app.inject({ method: 'GET', url })));

    for (const res of answers) {
      expect(res.headers['content-type'], res.raw.req.url).toMatch(/^application\/(problem\+)?json/);
      expect(res.body.endsWith('}\n'), res.raw.req.url).toBe(true);
      expect(() => JSON.parse(res.body)).not.toThrow();
    }
  });

  it('tags GET /v1/jobs/{id} with the hash of the exact bytes sent, and revalidates it', async () => {
    t = await buildTestApp();
    const id = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id;

    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    const again = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { 'if-none-match': `W/${res.headers.etag as string}` } });

    expect(res.body.endsWith('\n')).toBe(true);
    expect(res.headers.etag).toBe(`"${createHash('sha256').update(res.rawPayload).digest('base64url').slice(0, 27)}"`);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers 401 with a Bearer challenge', async () => {
    t = await buildTestApp({ TRAINYARD_API_KEYS: 'tenant-a:key-of-tenant-a-0123' });

    const missing = await t.app.inject({ method: 'GET', url: '/v1/jobs' });
    const wrong = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { authorization: 'Bearer not-a-key-0000' } });

    for (const res of [missing, wrong]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="trainyard"');
      expect(res.json().code).toBe('unauthorized');
    }
  });

  it('names the limit in bytes and the setting that raises it in every 413', async () => {
    t = await buildTestApp({ JOB_BODY_LIMIT_BYTES: '2048', DATASET_BODY_LIMIT_BYTES: '4096', BODY_LIMIT_BYTES: '1024' });
    const big = (bytes: number) => JSON.stringify({ inputs: [Array.from({ length: bytes / 2 }, () => 1)], targets: [[1]] });
    const json = { 'content-type': 'application/json' };

    const submit = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: big(4000), headers: json });
    const predict = await t.app.inject({ method: 'POST', url: '/v1/jobs/any/predict', payload: big(4000), headers: json });
    const upload = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: big(8000), headers: json });
    const streamed = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: big(8000), headers: { ...json, 'transfer-encoding': 'chunked' } });
    const other = await t.app.inject({ method: 'POST', url: '/v1/jobs/any/cancel', payload: big(4000), headers: json });

    const details = [submit, predict, upload, streamed, other].map((res) => {
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('payload_too_large');
      return res.json().detail as string;
    });
    expect(details[0]).toMatch(/at most 2048 bytes .*JOB_BODY_LIMIT_BYTES/);
    expect(details[1]).toMatch(/at most 2048 bytes .*JOB_BODY_LIMIT_BYTES/);
    expect(details[2]).toMatch(/at most 4096 bytes .*DATASET_BODY_LIMIT_BYTES/);
    expect(details[3]).toMatch(/at most 4096 bytes .*DATASET_BODY_LIMIT_BYTES/);
    expect(details[4]).toMatch(/at most 1024 bytes .*BODY_LIMIT_BYTES/);
  });
});
