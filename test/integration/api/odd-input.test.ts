import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
let jobId: string;
beforeAll(async () => {
  t = await buildTestApp({ TRAINYARD_API_KEYS: 'tenant-a:key-of-tenant-a-0123' });
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission(), headers: { authorization: 'Bearer key-of-tenant-a-0123' } });
  jobId = res.json().id;
});
afterAll(async () => {
  await t.close();
});

const AUTH = { authorization: 'Bearer key-of-tenant-a-0123' };

describe('odd input on the watch, dataset and predict routes', () => {
  it.each([
    ['GET', '/v1/jobs/:job/events?since=-1', {}, undefined, [400]],
    ['GET', '/v1/jobs/:job/events', { 'last-event-id': 'x'.repeat(100) }, undefined, [400]],
    ['GET', '/v1/jobs/:job/loss.svg?maxPoints=0', {}, undefined, [200]],
    ['GET', '/v1/jobs/:job/loss.svg?maxPoints=abc', {}, undefined, [400]],
    ['GET', '/v1/jobs/:job/loss.svg?log=x', {}, undefined, [400]],
    ['GET', '/v1/jobs/:long/loss.svg', {}, undefined, [400, 404]],
    ['GET', '/v1/datasets?cursor=:unknownCursor', {}, undefined, [200]],
    ['GET', '/v1/datasets?cursor=%00%ff', {}, undefined, [400]],
    ['GET', '/v1/datasets?limit=0', {}, undefined, [400]],
    ['GET', '/v1/datasets/..%2f..%2fetc', {}, undefined, [404]],
    ['POST', '/v1/jobs/:job/predict', { 'content-type': 'application/json' }, '{"inputs":[[0,0]]', [400]],
    ['POST', '/v1/jobs/:job/predict', { 'content-type': 'application/json' }, '{"inputs":[[0,0]]}', [409]],
    ['POST', '/v1/jobs/:job/predict', { 'content-type': 'text/csv' }, '0,0', [415]],
    ['POST', '/v1/jobs/:job/predict', { 'content-type': 'application/json' }, '{"inputs":[],"x":1}', [400]],
    ['POST', '/v1/datasets', { 'content-type': 'application/json' }, '', [400]],
    ['POST', '/v1/datasets', { 'content-type': 'application/json; charset=latin1' }, '{"inputs":[[1]],"targets":[[1]]}', [201, 400, 415]],
    ['GET', '/dashboard/..%2f..%2fpackage.json', {}, undefined, [404]],
    ['GET', '/dashboard/vendor/uPlot.esm.js', {}, undefined, [404]],
  ] as const)('%s %s answers 4xx problem+json (or its success), never 5xx', async (method, url, headers, payload, expected) => {
    const path = url
      .replace(':job', jobId)
      .replace(':long', 'x'.repeat(65))
      .replace(':unknownCursor', Buffer.from('000000000000001:00000000-0000-0000-0000-000000000000').toString('base64url'));
    const res = await t.app.inject({ method, url: path, headers: { ...AUTH, ...headers }, payload });

    expect(expected as readonly number[], `${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
    if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
