import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

/**
 * B1: property-based fuzzing of POST /v1/jobs through inject — 10,000 bodies in all. Every
 * answer is one of 202, 400, 413, 415, 429; never a 5xx; never a stack, a file path or a
 * library message in the body. A failure prints fast-check's seed and shrunk counterexample.
 */

const ALLOWED = new Set([202, 400, 413, 415, 429]);
let t: TestApp;
let statuses: Map<number, number>;

beforeAll(async () => {
  t = await buildTestApp({ TENANT_MAX_QUEUED: '50' });
  statuses = new Map();
});
afterAll(async () => {
  await t.close();
});

async function post(payload: string, contentType = 'application/json'): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'content-type': contentType } });
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  expect(ALLOWED.has(res.statusCode), `${res.statusCode} ${res.body}`).toBe(true);
  expect(res.body).not.toMatch(/"stack"|at [\w.<>]+ \(|node_modules|\/work\/|\.ts:\d+|Unexpected token|SyntaxError|secure-json-parse/i);
  if (res.statusCode >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

/** A path into the valid XOR spec and a random JSON value to put there (or `undefined` to delete). */
const mutation = fc.record({
  path: fc.array(fc.oneof(fc.constantFrom('name', 'model', 'layers', 'inputSize', 'units', 'activation', 'optimizer', 'training', 'data', 'inputs', 'targets', 'epochs', 'seed', 'learningRate', 'initialWeights', 'fromJob', '__proto__', 'constructor', 'prototype'), fc.nat(5)), { minLength: 1, maxLength: 4 }),
  value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined), fc.constantFrom(1e308, -1, 0, 0.5, 2 ** 32, 4097, 100_001, 'softmax', null, [], {})),
});

function mutate(spec: Record<string, unknown>, path: (string | number)[], value: unknown): string {
  // Own properties only, created with defineProperty: a "__proto__" step must create a literal
  // key (as a JSON body would carry it), never walk into Object.prototype.
  const define = (target: object, key: string | number, v: unknown): void => {
    Object.defineProperty(target, key, { value: v, enumerable: true, configurable: true, writable: true });
  };
  let node: any = spec;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    if (node === null || typeof node !== 'object') break;
    if (!Object.hasOwn(node, key)) define(node, key, {});
    node = Object.getOwnPropertyDescriptor(node, key)!.value;
  }
  const last = path[path.length - 1];
  if (node !== null && typeof node === 'object') {
    if (value === undefined) delete node[last];
    // A copy: fast-check hands the same `{}` / `[]` constant to several mutations, and placing one
    // inside itself would make the body cyclic (JSON.stringify throws in the test, not the server).
    else define(node, last, structuredClone(value));
  }
  return JSON.stringify(spec);
}

describe('POST /v1/jobs fuzzing (B1)', () => {
  it('answers any JSON value with 400 or 202', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), async (value) => post(JSON.stringify(value) ?? 'null')), { numRuns: 3000 });
  });

  it('answers arbitrary text with 400 or 415, never 5xx', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.anything({ maxDepth: 3 }).map((v) => {
        try {
          return JSON.stringify(v) ?? 'undefined';
        } catch {
          return String(v);
        }
      }),
    );
    await fc.assert(fc.asyncProperty(text, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), post), { numRuns: 2000 });
  });

  it('answers mutated valid specs with 202, 400 or 429', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let body = '';
        const spec = xorSubmission() as Record<string, unknown>;
        for (const m of mutations) body = mutate(spec, m.path, m.value);
        await post(body);
      }),
      { numRuns: 5000 },
    );
    expect([...statuses.keys()].every((s) => ALLOWED.has(s))).toBe(true);
  });

  it('covered both sides: accepted and rejected bodies', () => {
    expect(statuses.get(202) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(1000);
  });

  it('leaves Object.prototype untouched', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('POST /v1/jobs size and shape attacks (B4)', () => {
  async function timedPost(payload: string | Buffer, contentType = 'application/json') {
    const start = process.cpuUsage();
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: { 'content-type': contentType } });
    const cpu = process.cpuUsage(start);
    return { res, cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  it('answers JSON nested 100,000 deep with 400, cheaply', async () => {
    const deep = `{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;

    const { res, cpuMs } = await timedPost(deep);

    expect(res.statusCode).toBe(400);
    expect(cpuMs).toBeLessThan(200);
  });

  it('answers 10^6 numbers under the body limit with 400', async () => {
    const numbers = `{"model":{"inputSize":2,"layers":[{"units":1,"activation":"sigmoid"}]},"data":{"inputs":[[${new Array(1_000_000).fill(0).join(',')}]],"targets":[[0]]}}`;

    const { res } = await timedPost(numbers);

    expect(res.statusCode).toBe(400);
  });

  it('answers invalid UTF-8 with 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);

    const { res } = await timedPost(bytes);

    expect(res.statusCode).toBe(400);
  });

  it('answers a wrong content type with 415', async () => {
    const { res } = await timedPost('<job/>', 'application/xml');

    expect(res.statusCode).toBe(415);
  });
});

