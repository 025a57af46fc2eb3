import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
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

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

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

describe('openapi/openapi.json: JobSpec.data', () => {
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: 'https://trainyard.invalid/openapi.json', components: doc.components });
  const documented = ajv.compile({ $ref: 'https://trainyard.invalid/openapi.json#/components/schemas/JobSpec' });
  const inline = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] };

  it('states the exactly-one-of rule as a oneOf of the three sources', () => {
    expect(doc.components.schemas.JobData.oneOf).toEqual([
      { $ref: '#/components/schemas/InlineData' },
      { $ref: '#/components/schemas/DatasetData' },
      { $ref: '#/components/schemas/BuiltinData' },
    ]);
  });

  it.each([
    ['inline data', inline, true],
    ['a builtin', { builtin: 'xor' }, true],
    ['a datasetId', { datasetId: randomUUID() }, true],
    ['no source', {}, false],
    ['inputs without targets', { inputs: inline.inputs }, false],
    ['a builtin and a datasetId', { builtin: 'xor', datasetId: randomUUID() }, false],
    ['inline data and a builtin', { ...inline, builtin: 'xor' }, false],
  ])('agrees with the server on %s', async (_what, data, valid) => {
    const body = xorSubmission({ data });

    const res = await submit(body);

    expect(documented(body), JSON.stringify(documented.errors)).toBe(valid);
    // A valid datasetId that names no dataset is a 404, not a 400.
    if (valid) expect([202, 404]).toContain(res.statusCode);
    else expect(res.json()).toMatchObject({ status: 400, code: 'validation_failed' });
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
