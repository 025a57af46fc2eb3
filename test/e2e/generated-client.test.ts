import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLIENT_TYPES_PATH, OPENAPI_PATH, renderClientTypes } from '../../openapi/generate.js';
import { REPO_ROOT, startAllInOne, type ServiceProcess } from '../helpers/processes.js';
import { runWalkthrough } from './generated-client/walkthrough.js';
import { deleteKeysWithPrefix } from '../helpers/build-app.js';

const WALKTHROUGH = 'test/e2e/generated-client/walkthrough.ts';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('the client generated from openapi/openapi.json (openapi-typescript + openapi-fetch)', () => {
  let service: ServiceProcess | undefined;
  const keyPrefix = `tyc-${randomUUID().slice(0, 8)}`;

  afterAll(async () => {
    await service?.stop();
    const redis = new Redis(inject('redisUrl'));
    await deleteKeysWithPrefix(redis, keyPrefix);
    await redis.quit();
  });

  it('is in step with the document (run `npm run openapi` after changing a route)', async () => {
    const document = readFileSync(OPENAPI_PATH, 'utf8');

    const types = await renderClientTypes(document);

    expect(types).toBe(readFileSync(CLIENT_TYPES_PATH, 'utf8'));
  });

  it('types the README walk-through under tsc --strict, with no cast', async () => {
    const source = readFileSync(new URL(`../../${WALKTHROUGH}`, import.meta.url), 'utf8');

    const run = await promisify(execFile)(process.execPath, [
      tsc, '--strict', '--noEmit', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--lib', 'ES2022', '--types', 'node', WALKTHROUGH,
    ], { cwd: REPO_ROOT }).catch((error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? String(error), code: error.code }));

    expect(run.stdout).toBe('');
    expect(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')).not.toMatch(/\bas\s+(?!const\b)[A-Za-z{[(]|(?<![\w$])<[A-Z][\w.]*>\s*[\w(]|!\./);
  }, 240_000);

  it('runs the README walk-through against a real server: submit XOR, poll, curve, result, predict', async () => {
    service = startAllInOne({
      REDIS_URL: inject('redisUrl'),
      KEY_PREFIX: keyPrefix,
      QUEUE_NAME: `q-${keyPrefix}`,
      PORT: '0',
      HOST: '127.0.0.1',
      WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
      TRAINYARD_API_KEYS: '',
      // A shared, busy 2-core machine: no overload shedding, so a stalled moment is not a 503
      // (shedding is tested on its own).
      MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    const ready = JSON.parse(await service.waitForOutput(/"trainyard is ready"/, 120_000)) as { url: string };

    const outcome = await runWalkthrough(ready.url, 120_000);

    expect(outcome.location).toBe(`/v1/jobs/${outcome.jobId}`);
    expect(outcome.status).toBe('completed');
    expect(outcome.curveEpochs.length).toBeGreaterThan(0);
    expect(outcome.curveEpochs.every((epoch) => epoch > 990)).toBe(true);
    expect(outcome.next).toBe(1000);
    expect(outcome.finalLoss).toBeLessThan(0.05);
    expect(outcome.layerShapes).toEqual([{ rows: 8, columns: 2 }, { rows: 1, columns: 8 }]);
    expect(outcome.outputs.map(([y]) => Math.round(y))).toEqual([0, 1, 1, 0]);
    expect(outcome.notFound).toEqual({ status: 404, code: 'not_found' });
  }, 240_000);
});
