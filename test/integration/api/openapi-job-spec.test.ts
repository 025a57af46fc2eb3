import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../../../openapi/generate.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

function submit(body: unknown) {
  return t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body as object });
}

describe('POST /v1/jobs: the job name', () => {
  it.each([
    'dataset json #1',
    'lr=0.01, bs=32',
    'réseau XOR — essai n°2',
    '学習ジョブ 🚀',
    'a'.repeat(200),
    '🚀'.repeat(200),
  ])('accepts %j (any text of at most 200 characters)', async (name) => {
    const res = await submit(xorSubmission({ name }));

    expect(res.statusCode).toBe(202);
    const job = await t.app.inject({ method: 'GET', url: `/v1/jobs/${res.json().id}` });
    expect(job.json().name).toBe(name);
  });

  it.each([
    ['a newline', 'line\nbreak'],
    ['a NUL', 'nul\u0000'],
    ['a tab', 'tab\there'],
    ['DEL', 'del\u007f'],
    ['a C1 control', 'c1\u0085'],
    ['201 characters', 'a'.repeat(201)],
  ])('refuses a name with %s with 400 validation_failed at /name', async (_what, name) => {
    const res = await submit(xorSubmission({ name }));

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: '/name' }] });
  });
});

describe('openapi/openapi.json: JobSpec', () => {
  it('documents the name rule', () => {
    const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));

    const name = doc.components.schemas.JobSpec.properties.name;

    expect(name).toMatchObject({ type: 'string', maxLength: 200 });
    expect(new RegExp(name.pattern, 'u').test('lr=0.01, bs=32')).toBe(true);
    expect(new RegExp(name.pattern, 'u').test('tab\there')).toBe(false);
  });
});
