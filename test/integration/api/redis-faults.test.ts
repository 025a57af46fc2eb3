import { pino } from 'pino';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { loadConfig } from '../../../src/config.js';
import type { RedisServerHandle } from '../../../src/embedded-redis.js';
import { startTestRedis } from '../../helpers/redis-server.js';
import { xorSubmission } from '../../helpers/specs.js';

let server: RedisServerHandle | undefined;
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
  await server?.stop();
  server = undefined;
});

async function appOnOwnRedis(extraArgs: string[] = []) {
  server = await startTestRedis({ extraArgs: ['--maxmemory-policy', 'noeviction', ...extraArgs] });
  const config = loadConfig({
    REDIS_URL: server.url, LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', MAX_EVENT_LOOP_DELAY_MS: '0', REDIS_COMMAND_TIMEOUT_MS: '1000', TENANT_MAX_QUEUED: '1000',
  });
  const app = await buildApp({ config, log: pino({ level: process.env.DEBUG_LOG ? 'error' : 'silent' }) });
  await app.ready();
  const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  close = async () => {
    await app.close();
    admin.disconnect();
  };
  return { app, admin };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

describe('Redis faults', () => {
  it('answers 503 unavailable at once while Redis is down, and recovers', async () => {
    const { app } = await appOnOwnRedis();
    const id = (await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id;

    server!.signal('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [post, postMs] = await timed(() => app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() }));
    const get = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    const live = await app.inject({ method: 'GET', url: '/healthz' });

    expect(post.statusCode).toBe(503);
    expect(post.json()).toMatchObject({ code: 'unavailable', status: 503 });
    expect(post.headers['retry-after']).toBe('1');
    expect(postMs).toBeLessThan(1500);
    expect(get.statusCode).toBe(503);
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.ok).toBe(false);
    expect(live.statusCode).toBe(200);

    await server!.restart();
    const deadline = Date.now() + 10_000;
    let again = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    while (again.statusCode === 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    }
    expect(again.statusCode).toBe(200);
  });

  it('answers a submit with 503 within the command timeout while writes are paused, and still serves reads', async () => {
    const { app, admin } = await appOnOwnRedis();
    const id = (await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id;

    await admin.client('PAUSE', 3000, 'WRITE');
    const [post, postMs] = await timed(() => app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() }));
    const [get, getMs] = await timed(() => app.inject({ method: 'GET', url: `/v1/jobs/${id}` }));

    expect(post.statusCode).toBe(503);
    expect(postMs).toBeLessThan(2000);
    expect(get.statusCode).toBe(200);
    expect(getMs).toBeLessThan(500);
  });

  it('answers 503 when Redis memory is full, evicts nothing and recovers (R8)', async () => {
    const { app, admin } = await appOnOwnRedis();
    const first = (await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id;
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
    await admin.config('SET', 'maxmemory', String(used + 64 * 1024));

    const statuses: number[] = [];
    for (let i = 0; i < 200 && !statuses.includes(503); i++) {
      statuses.push((await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ name: 'x'.repeat(100) }) })).statusCode);
    }
    const full = await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });
    const read = await app.inject({ method: 'GET', url: `/v1/jobs/${first}` });
    const evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))![1]);
    await admin.config('SET', 'maxmemory', '0');
    const after = await app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });

    expect(statuses.every((s) => s === 202 || s === 503 || s === 429), statuses.join(',')).toBe(true);
    expect(full.statusCode).toBe(503);
    expect(full.json().code).toBe('unavailable');
    expect(read.statusCode).toBe(200);
    expect(evicted).toBe(0);
    expect(after.statusCode).toBe(202);
  });

  it('is not ready on a Redis that may evict keys, and names the setting (R9)', async () => {
    const { app } = await appOnOwnRedis(['--maxmemory-policy', 'allkeys-lru']);

    const ready = await app.inject({ method: 'GET', url: '/readyz' });

    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.maxmemoryPolicy).toEqual({ ok: false, detail: expect.stringMatching(/allkeys-lru.*noeviction/) });
  });
});
