import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ TENANT_MAX_QUEUED: '5' });
});
afterEach(async () => {
  await t.close();
});

async function submit(body: unknown = xorSubmission(), headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/jobs', payload: body as object, headers });
}

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status, code, type: `/problems/${code}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/stack|node_modules|\/work\//);
  return body;
}

describe('POST /v1/jobs', () => {
  it('accepts the SPEC example with 202, Location and links', async () => {
    const res = await submit();

    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body).toMatchObject({ status: 'queued', seed: 42 });
    expect(res.headers.location).toBe(`/v1/jobs/${body.id}`);
    expect(body.links).toEqual({
      self: `/v1/jobs/${body.id}`, metrics: `/v1/jobs/${body.id}/metrics`, result: `/v1/jobs/${body.id}/result`, events: `/v1/jobs/${body.id}/events`,
    });
  });

  it('fills defaults and picks a seed when none is given', async () => {
    const res = await submit({ model: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] }, data: { builtin: 'xor' } });

    expect(res.statusCode).toBe(202);
    const seed = res.json().seed;
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    const spec = JSON.parse((await t.redis.get(`${t.config.KEY_PREFIX}:job:{${res.json().id}}:spec`))!);
    expect(spec.optimizer).toEqual({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
    expect(spec.training).toMatchObject({ epochs: 100, batchSize: 4, shuffle: true, seed, precision: 'float32' });
    expect(spec.data).toEqual({ kind: 'builtin', name: 'xor' });
  });

  it('never copies the data into BullMQ job data', async () => {
    const res = await submit();

    const id = res.json().id;
    const data = await t.redis.hget(`{${t.config.KEY_PREFIX}}:${t.config.QUEUE_NAME}:${id}`, 'data');
    expect(JSON.parse(data!)).toEqual({ jobId: id, tenant: 'default' });
  });

  it('lists every bad field by JSON Pointer', async () => {
    const body = xorSubmission();
    (body.model as any).layers[1] = { units: 0, activation: 'swish' };
    (body.optimizer as any).learningrate = 0.1;
    delete (body.model as any).inputSize;

    const res = await submit(body);

    const problem = expectProblem(res, 400, 'validation_failed');
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/model/layers/1/units', '/model/layers/1/activation', '/optimizer/learningrate', '/model/inputSize']));
  });

  it('rejects server-owned fields (mass assignment, B5) and stores nothing', async () => {
    const body = { ...xorSubmission(), status: 'completed', tenantId: 'other', weights: [], priority: 1, attemptsMade: 3, createdAt: '2020-01-01T00:00:00Z' };

    const res = await submit(body);

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/attemptsMade', '/createdAt', '/priority', '/status', '/tenantId', '/weights']);
    expect(await t.redis.keys(`${t.config.KEY_PREFIX}:job:*`)).toEqual([]);
  });

  it('does not coerce types in the body', async () => {
    const body = xorSubmission();
    (body.training as any).epochs = '500';

    const res = await submit(body);

    expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ path: '/training/epochs', message: 'must be integer' }]);
  });

  it('rejects semantic mistakes with their paths', async () => {
    const body = xorSubmission({ loss: 'cross_entropy' });
    (body.model as any).layers[0].activation = 'softmax';
    (body.optimizer as any).momentum = 0.9;

    const res = await submit(body);

    const paths = expectProblem(res, 400, 'validation_failed').errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/model/layers/0/activation', '/model/layers/1/activation', '/optimizer/momentum']));
  });

  it('rejects data that does not fit the model', async () => {
    const body = xorSubmission();
    (body.model as any).inputSize = 3;

    const res = await submit(body);

    expect(expectProblem(res, 400, 'validation_failed').errors[0].path).toBe('/model/inputSize');
  });

  it('rejects ragged rows and two data sources', async () => {
    const ragged = xorSubmission({ data: { inputs: [[0, 0], [1]], targets: [[0], [1]] } });
    const both = xorSubmission({ data: { builtin: 'xor', datasetId: randomUUID() } });

    expect(expectProblem(await submit(ragged), 400, 'validation_failed').errors[0].path).toBe('/data/inputs/1');
    expect(expectProblem(await submit(both), 400, 'validation_failed').errors[0].path).toBe('/data');
  });

  it('rejects non-finite numbers such as 1e309', async () => {
    const payload = JSON.stringify(xorSubmission()).replace('"learningRate":0.01', '"learningRate":1e309');

    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'content-type': 'application/json' } });

    expect(expectProblem(res, 400, 'validation_failed').errors[0].path).toBe('/optimizer/learningRate');
  });

  it('enforces the compute budget and the parameter limit', async () => {
    const work = xorSubmission();
    (work.training as any).epochs = 100_000;
    (work.model as any).layers = [{ units: 4096, activation: 'relu' }, { units: 4096, activation: 'relu' }, { units: 1, activation: 'sigmoid' }];
    const huge = xorSubmission();
    (huge.model as any).layers = [...Array(5).fill({ units: 4096, activation: 'relu' }), { units: 1, activation: 'sigmoid' }];

    const workProblem = expectProblem(await submit(work), 400, 'validation_failed');
    const hugeProblem = expectProblem(await submit(huge), 400, 'validation_failed');

    expect(workProblem.errors.map((e: { path: string }) => e.path)).toContain('/training/epochs');
    expect(hugeProblem.errors.some((e: { message: string }) => /parameters; the limit/.test(e.message))).toBe(true);
  });

  it('answers 415 to a non-JSON body and 413 beyond 4 MiB', async () => {
    const wrongType = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: 'name=x', headers: { 'content-type': 'text/plain' } });
    const big = await t.app.inject({
      method: 'POST', url: '/v1/jobs', payload: `{"name":"${'a'.repeat(4 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' },
    });

    expectProblem(wrongType, 415, 'unsupported_media_type');
    expectProblem(big, 413, 'payload_too_large');
  });

  it('answers 400 to malformed JSON without echoing the parser', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: '{"model": ', headers: { 'content-type': 'application/json' } });

    const problem = expectProblem(res, 400, 'validation_failed');
    expect(problem.detail).not.toMatch(/Unexpected|position/);
  });

  it('rejects prototype poisoning at any depth (B3)', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const spec = JSON.stringify(xorSubmission());
    const bodies = [
      spec.replace('{"name"', '{"__proto__":{"polluted":1},"name"'),
      spec.replace('"optimizer":{', '"optimizer":{"__proto__":{"polluted":1},'),
      spec.replace('"model":{', '"model":{"constructor":{"prototype":{"polluted":1}},'),
    ];

    for (const payload of bodies) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'content-type': 'application/json' } });
      expectProblem(res, 400, 'validation_failed');
    }

    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns the same job for the same Idempotency-Key and body, 409 for another body', async () => {
    const first = await submit(xorSubmission(), { 'idempotency-key': 'key-1' });
    const again = await submit(xorSubmission(), { 'idempotency-key': 'key-1' });
    const other = await submit(xorSubmission({ name: 'other' }), { 'idempotency-key': 'key-1' });
    const list = await t.app.inject({ method: 'GET', url: '/v1/jobs' });

    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expectProblem(other, 409, 'conflict');
    expect(list.json().items).toHaveLength(1);
  });

  it('creates one job for concurrent requests with the same Idempotency-Key', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => submit(xorSubmission(), { 'idempotency-key': 'race' })));

    expect(results.map((r) => r.statusCode)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
    expect((await t.app.inject({ method: 'GET', url: '/v1/jobs' })).json().items).toHaveLength(1);
  });

  it('rejects an Idempotency-Key over 128 characters', async () => {
    expectProblem(await submit(xorSubmission(), { 'idempotency-key': 'k'.repeat(129) }), 400, 'validation_failed');
  });

  it('answers 429 quota_exceeded beyond the tenant’s queued + running jobs', async () => {
    for (let i = 0; i < 5; i++) expect((await submit()).statusCode).toBe(202);

    const res = await submit();

    expectProblem(res, 429, 'quota_exceeded');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('never overshoots the quota under concurrent submits', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => submit()));

    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 202)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(15);
  });

  it('admits again once a job is cancelled', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await submit()).json().id);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${ids[0]}/cancel` });

    expect((await submit()).statusCode).toBe(202);
  });

  it('answers 404 for an unknown datasetId or fromJob', async () => {
    const dataset = await submit(xorSubmission({ data: { datasetId: randomUUID() } }));
    const from = xorSubmission();
    (from.model as any).fromJob = randomUUID();

    expectProblem(dataset, 404, 'not_found');
    expectProblem(await submit(from), 404, 'not_found');
  });

  it('answers 409 for fromJob while that job is queued', async () => {
    const source = (await submit()).json().id;
    const from = xorSubmission();
    (from.model as any).fromJob = source;

    expectProblem(await submit(from), 409, 'job_not_finished');
  });

  it('shape-checks initialWeights', async () => {
    const body = xorSubmission();
    (body.model as any).initialWeights = [{ W: [[1, 2]], b: [0] }, { W: [[1]], b: [0] }];

    const problem = expectProblem(await submit(body), 400, 'validation_failed');

    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['/model/initialWeights/0/W', '/model/initialWeights/0/b', '/model/initialWeights/1/W/0']);
  });

  it('stores well-shaped initialWeights as binary', async () => {
    const body = xorSubmission();
    const W1 = Array.from({ length: 8 }, (_, j) => [j, -j]);
    (body.model as any).initialWeights = [{ W: W1, b: new Array(8).fill(0.5) }, { W: [new Array(8).fill(1)], b: [0] }];

    const res = await submit(body);

    expect(res.statusCode).toBe(202);
    const bytes = await t.redis.getBuffer(`${t.config.KEY_PREFIX}:job:{${res.json().id}}:init`);
    expect(bytes!.length).toBe((8 * 2 + 8 + 8 + 1) * 8);
    expect(bytes!.readDoubleLE(8 * 3)).toBe(-1);
  });
});

describe('GET /v1/jobs/{id}', () => {
  it('answers the status with an ETag and 304 for If-None-Match', async () => {
    const id = (await submit()).json().id;

    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    const cached = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { 'if-none-match': res.headers.etag as string } });
    const stale = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { 'if-none-match': '"other"' } });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id, name: 'xor demo', status: 'queued', startedAt: null, finishedAt: null,
      progress: { epoch: 0, epochs: 500, fraction: 0 }, latest: { epoch: 0, loss: null, valLoss: null, accuracy: null },
      seed: 42, attempts: 0, error: null,
    });
    expect(res.headers.etag).toMatch(/^"/);
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(res.headers.etag);
    expect(stale.statusCode).toBe(200);
  });

  it('changes the ETag when the job changes', async () => {
    const id = (await submit()).json().id;
    const before = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });

    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const after = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { 'if-none-match': before.headers.etag as string } });

    expect(after.statusCode).toBe(200);
    expect(after.json().status).toBe('cancelled');
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: `/v1/jobs/${randomUUID()}` }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/jobs/1' }), 404, 'not_found');
  });

  it('echoes a valid x-request-id and replaces an invalid one', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { 'x-request-id': 'abcd-1234-efgh' } });
    const bad = await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { 'x-request-id': 'bad id <script>' } });

    expect(ok.headers['x-request-id']).toBe('abcd-1234-efgh');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /v1/jobs', () => {
  it('lists newest first with a cursor, a status filter and a capped limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit()).json().id);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${ids[0]}/cancel` });

    const page1 = (await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=2' })).json();
    const page2 = (await t.app.inject({ method: 'GET', url: `/v1/jobs?limit=2&cursor=${page1.nextCursor}` })).json();
    const cancelled = (await t.app.inject({ method: 'GET', url: '/v1/jobs?status=cancelled' })).json();
    const tooMany = await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=101' });
    const badStatus = await t.app.inject({ method: 'GET', url: '/v1/jobs?status=weird' });

    expect(page1.items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page2.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    expect(cancelled.items.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(expectProblem(tooMany, 400, 'validation_failed').errors[0].path).toBe('/querystring/limit');
    expectProblem(badStatus, 400, 'validation_failed');
    expect(expectProblem(await t.app.inject({ method: 'GET', url: '/v1/jobs?cursor=nonsense' }), 400, 'validation_failed').errors[0].path).toBe('/querystring/cursor');
  });

  it('defaults to 20 items', async () => {
    await t.close();
    t = await buildTestApp({ TENANT_MAX_QUEUED: '100' });
    for (let i = 0; i < 22; i++) await submit();

    const page = (await t.app.inject({ method: 'GET', url: '/v1/jobs' })).json();

    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toEqual(expect.any(String));
  });
});

describe('GET /v1/jobs/{id}/metrics', () => {
  it('answers an empty curve for a queued job', async () => {
    const id = (await submit()).json().id;

    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics?since=0` });

    expect(res.json()).toEqual({ jobId: id, status: 'queued', points: [], next: 0 });
  });

  it('answers points after since, oldest first', async () => {
    const id = (await submit()).json().id;
    const key = `${t.config.KEY_PREFIX}:job:{${id}}:curve`;
    for (const epoch of [1, 2, 3]) await t.redis.zadd(key, epoch, JSON.stringify({ epoch, loss: 1 / epoch, elapsedMs: epoch * 10 }));

    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics?since=1` });

    expect(res.json()).toMatchObject({ points: [{ epoch: 2, loss: 0.5, elapsedMs: 20 }, { epoch: 3, elapsedMs: 30 }], next: 3 });
  });

  it('rejects a negative since', async () => {
    const id = (await submit()).json().id;

    expectProblem(await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics?since=-1` }), 400, 'validation_failed');
  });
});

describe('GET /v1/jobs/{id}/result', () => {
  it('answers 409 job_not_finished while queued and job_failed once cancelled', async () => {
    const id = (await submit()).json().id;

    expectProblem(await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` }), 409, 'job_not_finished');
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    expectProblem(await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` }), 409, 'job_failed');
  });

  it('answers the weights of a completed job in the contract’s shape', async () => {
    const id = (await submit()).json().id;
    const params = 2 * 8 + 8 + 8 + 1;
    const weights = new Float64Array(params).map((_, i) => i);
    const { createJobStore } = await import('../../../src/store/job-store.js');
    const { createTenantUsage } = await import('../../../src/store/tenant-usage.js');
    const store = createJobStore({ redis: t.redis, config: t.config, usage: createTenantUsage({ redis: t.redis, config: t.config }) });
    await store.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
    await store.completeJob(id, { weights: new Uint8Array(weights.buffer), metrics: { finalLoss: 0.01, epochsRun: 500, stoppedEarly: false, durationMs: 10 }, kernel: 'ts' });

    const res = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result` });

    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model).toEqual({ inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] });
    expect(body.weights[0].W[1]).toEqual([2, 3]);
    expect(body.weights[0].b).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    expect(body.weights[1].W).toEqual([[24, 25, 26, 27, 28, 29, 30, 31]]);
    expect(body.weights[1].b).toEqual([32]);
    expect(body.metrics).toEqual({ finalLoss: 0.01, epochsRun: 500, stoppedEarly: false, durationMs: 10 });
    expect(body.seed).toBe(42);
    const again = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/result`, headers: { 'if-none-match': res.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });
});

describe('POST /v1/jobs/{id}/cancel', () => {
  it('cancels a queued job at once, then answers 409', async () => {
    const id = (await submit()).json().id;

    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const again = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'cancelled' });
    expect(res.json().finishedAt).toEqual(expect.any(String));
    expectProblem(again, 409, 'conflict');
    expect(await t.redis.exists(`{${t.config.KEY_PREFIX}}:${t.config.QUEUE_NAME}:${id}`)).toBe(0);
  });

  it('flags a running job and publishes the cancel', async () => {
    const id = (await submit()).json().id;
    const { createJobStore } = await import('../../../src/store/job-store.js');
    const { createTenantUsage } = await import('../../../src/store/tenant-usage.js');
    await createJobStore({ redis: t.redis, config: t.config, usage: createTenantUsage({ redis: t.redis, config: t.config }) }).markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
    const subscriber = t.redis.duplicate();
    const received = new Promise<string>((resolve) => subscriber.on('message', (_channel, message) => resolve(message)));
    await subscriber.subscribe(`${t.config.KEY_PREFIX}:cancel`);

    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await received).toBe(id);
    await subscriber.quit();
  });
});

describe('DELETE /v1/jobs/{id}', () => {
  it('removes every key of the job, then answers 404', async () => {
    const id = (await submit()).json().id;

    const res = await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` });

    expect(res.statusCode).toBe(204);
    expect(await t.redis.keys(`${t.config.KEY_PREFIX}:job:{${id}}:*`)).toEqual([]);
    expectProblem(await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'DELETE', url: `/v1/jobs/${id}` }), 404, 'not_found');
  });
});

describe('POST /v1/jobs/{id}/predict', () => {
  it('answers 409 before the job completes and 400 for bad inputs', async () => {
    const id = (await submit()).json().id;

    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: [[0, 1]] } }), 409, 'job_not_finished');
    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: 'x' } }), 400, 'validation_failed');
  });

  it('runs the stored weights in the inference pool', async () => {
    const id = (await submit()).json().id;
    const { createJobStore } = await import('../../../src/store/job-store.js');
    const { createTenantUsage } = await import('../../../src/store/tenant-usage.js');
    const store = createJobStore({ redis: t.redis, config: t.config, usage: createTenantUsage({ redis: t.redis, config: t.config }) });
    // All-zero weights: the sigmoid output is 0.5 for every input.
    await store.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
    await store.completeJob(id, { weights: new Uint8Array(33 * 8), metrics: { finalLoss: 0.25, epochsRun: 1, stoppedEarly: false, durationMs: 1 }, kernel: 'ts' });

    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: [[0, 1], [1, 1]] } });
    const wrongWidth = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict`, payload: { inputs: [[0, 1], [1]] } });

    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ outputs: [[0.5], [0.5]] });
    expect(expectProblem(wrongWidth, 400, 'validation_failed').errors[0].path).toBe('/inputs/1');
  });
});

describe('errors', () => {
  it('answers unknown routes with problem+json 404', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/v2/nothing' }), 404, 'not_found');
  });

  it('answers 413 beyond 64 KiB on other routes', async () => {
    const id = (await submit()).json().id;
    const inputs = Array.from({ length: 10_000 }, () => [0.123456, 0.654321]);

    expectProblem(await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, payload: { inputs } }), 413, 'payload_too_large');
  });
});

describe('inference pool', () => {
  it('fails a forward pass that exceeds its time with a timeout, and keeps serving', async () => {
    const { createInferencePool } = await import('../../../src/inference/inference-pool.js');
    const pool = createInferencePool({ threads: 1, timeoutMs: 1 });
    const network = { inputSize: 256, layers: [{ units: 4096, activation: 'relu' as const }, { units: 4096, activation: 'relu' as const }, { units: 1, activation: 'sigmoid' as const }] };
    const params = 256 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 + 1;

    const slow = pool.predict('big', network, new Uint8Array(params * 8), new Float64Array(256 * 64), 64);

    await expect(slow).rejects.toMatchObject({ code: 'timeout' });
    await pool.close();
  });
});
