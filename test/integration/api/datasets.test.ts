import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatasetStore } from '../../../src/store/dataset-store.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ DATASET_BODY_LIMIT_BYTES: String(64 * 1024) });
});
afterEach(async () => {
  await t.close();
});

function upload(payload: string, contentType: string, query = '') {
  return t.app.inject({ method: 'POST', url: `/v1/datasets${query}`, payload, headers: { 'content-type': contentType } });
}

describe('POST /v1/datasets', () => {
  it('stores a JSON dataset and answers 201 with its shape', async () => {
    const res = await upload(JSON.stringify({ inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] }), 'application/json');

    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ samples: 4, inputSize: 2, outputSize: 1, bytes: 12 * 4 });
    expect(res.headers.location).toBe(`/v1/datasets/${res.json().id}`);
  });

  it('parses JSON numbers exactly: signs, exponents, whitespace', async () => {
    const res = await upload('{\n  "targets" : [ [ 1 ] , [0] ],\n  "inputs": [[-1.5e-3, 2E+2, 0.1], [ -0 ,1e308, 123456789.125 ]]\n}\n', 'application/json');

    expect(res.statusCode).toBe(201);
    const arrays = await createDatasetStore({ redis: t.redis, config: t.config }).loadDatasetArrays({ kind: 'dataset', datasetId: res.json().id, tenant: 'default' });
    expect(Array.from(arrays.inputs)).toEqual([-1.5e-3, 200, 0.1, -0, 1e308, 123456789.125]);
    expect(Array.from(arrays.targets)).toEqual([1, 0]);
  });

  it('stores a CSV dataset with targetColumns, exactly', async () => {
    const csv = 'x1,x2,y1,y2\n0.1,2,1,0\n3,-4.5e-3,0,1\n';

    const res = await upload(csv, 'text/csv; charset=utf-8', '?targetColumns=2');

    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ samples: 2, inputSize: 2, outputSize: 2 });
    const arrays = await createDatasetStore({ redis: t.redis, config: t.config }).loadDatasetArrays({ kind: 'dataset', datasetId: res.json().id, tenant: 'default' });
    expect(Array.from(arrays.inputs)).toEqual([0.1, 2, 3, -4.5e-3]);
    expect(Array.from(arrays.targets)).toEqual([1, 0, 0, 1]);
  });

  it('is usable by a job and reported by GET, then removed by DELETE', async () => {
    const id = (await upload('a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n', 'text/csv')).json().id;

    const job = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ data: { datasetId: id } }) });
    const meta = await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` });
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}` });
    const gone = await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` });

    expect(job.statusCode).toBe(202);
    expect(meta.json()).toMatchObject({ id, samples: 4, inputSize: 2, outputSize: 1 });
    expect(removed.statusCode).toBe(204);
    expect(gone.statusCode).toBe(404);
  });

  it('rejects a job whose model does not fit the dataset', async () => {
    const id = (await upload('a,b,c,y\n0,0,0,0\n', 'text/csv')).json().id;

    const job = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ data: { datasetId: id } }) });

    expect(job.statusCode).toBe(400);
    expect(job.json().errors[0].path).toBe('/model/inputSize');
  });

  it.each([
    ['ragged rows', '{"inputs":[[1,2],[3]],"targets":[[1],[2]]}', '/inputs/1'],
    ['an extra field', '{"inputs":[[1]],"targets":[[1]],"weights":[]}', '/weights'],
    ['a missing field', '{"inputs":[[1]]}', '/targets'],
    ['a string value', '{"inputs":[["1"]],"targets":[[1]]}', '/inputs/0'],
    ['a row count mismatch', '{"inputs":[[1],[2]],"targets":[[1]]}', '/targets'],
  ])('answers 400 for JSON with %s', async (_label, payload, path) => {
    const res = await upload(payload, 'application/json');

    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors[0].path).toBe(path);
  });

  it.each([
    ['broken JSON', '{"inputs":[[1,]],"targets":[[1]]}'],
    ['a trailing document', '{"inputs":[[1]],"targets":[[1]]} {}'],
    ['a non-finite number', '{"inputs":[[1e999]],"targets":[[1]]}'],
    ['__proto__', '{"__proto__":{"x":1},"inputs":[[1]],"targets":[[1]]}'],
  ])('answers 400 for %s', async (_label, payload) => {
    const res = await upload(payload, 'application/json');

    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it('answers 400 for CSV with a non-numeric cell or ragged rows', async () => {
    const text = await upload('a,y\n1,x\n', 'text/csv');
    const ragged = await upload('a,b,y\n1,2,3\n1,2\n', 'text/csv');

    expect(text.statusCode).toBe(400);
    expect(text.json().errors[0].path).toBe('/rows/2/columns/2');
    expect(ragged.statusCode).toBe(400);
  });

  it('answers 413 beyond the upload limit and 415 for other media types', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${i},${i},1`).join('\n');

    const big = await upload(`a,b,y\n${rows}\n`, 'text/csv');
    const xml = await upload('<x/>', 'application/xml');

    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('payload_too_large');
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('unsupported_media_type');
  });
});
