import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH, renderOpenApi } from '../../../openapi/generate.js';
import { hoistNamedSchemas } from '../../../src/api/plugins/swagger.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, any>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

let t: TestApp;
let committed: string;
let document: Json;

/** Every operation of the document with its method and path. */
function operations(doc: Json): { method: string; path: string; operation: Json }[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({ method, path, operation: operation as Json })));
}

beforeAll(async () => {
  t = await buildTestApp();
  committed = readFileSync(OPENAPI_PATH, 'utf8');
  document = JSON.parse(committed) as Json;
});
afterAll(async () => {
  await t.close();
});

describe('GET /openapi.json', () => {
  it('serves exactly the committed openapi/openapi.json (run `npm run openapi` after changing a route)', async () => {
    const served = await t.app.inject({ method: 'GET', url: '/openapi.json' });

    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual(document);
  });

  it('is what `npm run openapi` generates from the routes now (the committed file is not stale)', async () => {
    const generated = await renderOpenApi();

    expect(generated).toBe(committed);
  });

  it('documents every path of the README', async () => {
    const paths = Object.keys(document.paths as Json);

    expect(paths).toEqual(expect.arrayContaining([
      '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/metrics', '/v1/jobs/{id}/result', '/v1/jobs/{id}/cancel',
      '/v1/jobs/{id}/predict', '/v1/jobs/{id}/events', '/v1/jobs/{id}/loss.svg', '/v1/datasets', '/v1/datasets/{id}',
      '/v1/usage', '/healthz', '/readyz',
    ]));
  });

  it('serves the UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('openapi/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document for @apidevtools/swagger-parser', async () => {
    const validated = await SwaggerParser.validate(structuredClone(document) as never);

    expect(document.openapi).toBe('3.1.0');
    expect(validated.info.title).toBe('trainyard');
  });

  it('has no error under Redocly’s recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });

    const problems = await lintFromString({ source: committed, absoluteRef: OPENAPI_PATH.pathname, config });

    const errors = problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`);
    expect(errors).toEqual([]);
    // The only warnings allowed: the health probes have no 4xx answer, the root's redirect no 2xx.
    const warnings = problems.filter((problem) => problem.severity === 'warn').map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}`);
    expect(warnings.filter((warning) => !/^operation-[24]xx-response at #\/paths\/~1(healthz|readyz)?\/get\/responses$/.test(warning))).toEqual([]);
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations(document).map(({ operation }) => operation.operationId as string | undefined);

    expect(ids.filter((id) => typeof id !== 'string')).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining([
      'submitJob', 'listJobs', 'getJob', 'getJobMetrics', 'getJobResult', 'cancelJob', 'deleteJob', 'predict',
      'getJobEvents', 'getLossSvg', 'uploadDataset', 'getDataset', 'deleteDataset', 'getUsage', 'health', 'ready',
    ]));
  });

  it('names the shared schemas once in components and references them everywhere', () => {
    const schemas = document.components.schemas as Json;
    const text = JSON.stringify(document.paths);

    expect(Object.keys(schemas)).toEqual(expect.arrayContaining([
      'JobSpec', 'Job', 'JobAccepted', 'JobList', 'CurvePage', 'CurvePoint', 'Result', 'Prediction', 'PredictRequest',
      'Dataset', 'DatasetUpload', 'Problem', 'Usage',
    ]));
    // No named schema is inlined in an operation.
    expect(text).not.toMatch(/"title":/);
    expect(text.match(/"\$ref":"#\/components\/schemas\/Problem"/g)?.length).toBeGreaterThan(40);
    const submit = document.paths['/v1/jobs'].post;
    expect(submit.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/JobSpec' });
    expect(document.paths['/v1/jobs/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Job' });
  });

  it('describes every error as application/problem+json and no response as "Default Response"', () => {
    for (const { method, path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const where = `${method} ${path} ${status}`;
        expect(response.description, where).not.toBe('Default Response');
        expect(response.description, where).toMatch(/\w/);
        // /readyz answers its readiness document with 503 when not ready: a probe's answer, not an error.
        if (Number(status) >= 400 && path !== '/readyz') expect(Object.keys(response.content ?? {}), where).toEqual(['application/problem+json']);
      }
    }
  });

  it('declares Location, ETag, Retry-After and WWW-Authenticate where the API sends them, and a bodiless 304', () => {
    const paths = document.paths as Json;

    expect(paths['/v1/jobs'].post.responses['202'].headers).toHaveProperty('Location');
    expect(paths['/v1/datasets'].post.responses['201'].headers).toHaveProperty('Location');
    expect(paths['/v1/jobs/{id}'].get.responses['200'].headers).toHaveProperty('ETag');
    expect(paths['/v1/jobs/{id}'].get.responses['304']).not.toHaveProperty('content');
    expect(paths['/v1/jobs/{id}/result'].get.responses['304']).not.toHaveProperty('content');
    for (const { operation } of operations(document).filter(({ path }) => path.startsWith('/v1/'))) {
      expect(operation.responses['401'].headers).toHaveProperty('WWW-Authenticate');
      expect(operation.responses['429'].headers).toHaveProperty('Retry-After');
      expect(operation.responses['503'].headers).toHaveProperty('Retry-After');
    }
  });

  it('describes the text bodies: CSV uploads, the SVG chart and the event stream', () => {
    const paths = document.paths as Json;

    expect(Object.keys(paths['/v1/datasets'].post.requestBody.content)).toEqual(['application/json', 'text/csv']);
    expect(paths['/v1/datasets'].post.requestBody.content['text/csv'].schema.type).toBe('string');
    expect(Object.keys(paths['/v1/jobs/{id}/loss.svg'].get.responses['200'].content)).toEqual(['image/svg+xml']);
    expect(Object.keys(paths['/v1/jobs/{id}/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('describes what the API answers: bodies match their documented schemas and content types', async () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'https://trainyard.invalid/openapi.json', components: document.components });
    const check = (schema: string, body: unknown) => {
      const validate = ajv.compile({ $ref: `https://trainyard.invalid/openapi.json#/components/schemas/${schema}` });
      expect(validate(body), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };

    const submitted = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });
    const id = submitted.json().id as string;
    const job = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    const list = await t.app.inject({ method: 'GET', url: '/v1/jobs' });
    const curve = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics` });
    const notFinished = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` });
    const invalid = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { model: {} } });
    const usage = await t.app.inject({ method: 'GET', url: '/v1/usage' });

    expect(submitted.statusCode).toBe(202);
    expect(submitted.headers.location).toBe(`/v1/jobs/${id}`);
    check('JobAccepted', submitted.json());
    expect(job.headers.etag).toMatch(/^"/);
    check('Job', job.json());
    check('JobList', list.json());
    check('CurvePage', curve.json());
    check('Usage', usage.json());
    for (const problem of [notFinished, invalid]) {
      expect(problem.headers['content-type']).toMatch(/^application\/problem\+json/);
      check('Problem', problem.json());
    }
  });

  it('uses only OpenAPI 3.1 schema keywords (no nullable, no boolean exclusiveMinimum)', () => {
    const text = JSON.stringify(document);

    expect(text).not.toContain('"nullable"');
    expect(text).not.toMatch(/"exclusive(Minimum|Maximum)":(true|false)/);
  });
});

describe('hoistNamedSchemas', () => {
  const doc = (schema: Json) => ({ openapi: '3.1.0', paths: { '/a': { get: { responses: { 200: { content: { 'application/json': { schema } } } } } } } });

  it('moves titled schemas to components, innermost first, and references them', () => {
    const inner = { title: 'Inner', type: 'object', properties: { n: { type: 'integer' } } };
    const outer = { title: 'Outer', type: 'object', properties: { a: inner, b: { type: 'array', items: inner } } };

    const out = hoistNamedSchemas(doc(outer));

    expect((out.paths as Json)['/a'].get.responses[200].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Outer' });
    expect((out.components as Json).schemas).toEqual({
      Inner: inner,
      Outer: { ...outer, properties: { a: { $ref: '#/components/schemas/Inner' }, b: { type: 'array', items: { $ref: '#/components/schemas/Inner' } } } },
    });
  });

  it('throws when two different schemas share a title', () => {
    const schema = { type: 'object', properties: { a: { title: 'Same', type: 'string' }, b: { title: 'Same', type: 'integer' } } };

    expect(() => hoistNamedSchemas(doc(schema))).toThrow(/two different schemas are named Same/);
  });
});
