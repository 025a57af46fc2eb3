import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { xorSubmission } from '../../helpers/specs.js';

/**
 * A fresh install, as a new user or another service's integration test meets it: every setting
 * at its default (auth off) except where the test Redis is and a key prefix of its own. A
 * hyper-parameter sweep of 100 jobs POSTed back to back over real HTTP is taken (202 each) and
 * every job completes on a real worker (README "Authentication and tenants": no per-tenant limit
 * without auth).
 */
const SWEEP = 100;
/** How long the sweep may take to drain; a stuck job fails the test with every status listed. */
const DRAIN_MS = 120_000;

let config: Config;
let app: FastifyInstance;
let worker: WorkerHandle;
let baseUrl: string;
let redis: Redis;

beforeAll(async () => {
  const id = randomUUID().slice(0, 8);
  config = loadConfig({ REDIS_URL: inject('redisUrl'), KEY_PREFIX: `tys-${id}`, QUEUE_NAME: `sweep-${id}`, LOG_LEVEL: 'silent' });
  app = await buildApp({ config });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  worker = await startWorker({ config, log: createLogger(config) });
  redis = new Redis(config.REDIS_URL!);
});

afterAll(async () => {
  await app?.close();
  await worker?.close();
  if (redis) {
    for (const pattern of [`${config.KEY_PREFIX}:*`, `{${config.KEY_PREFIX}}:*`]) {
      const keys = await redis.keys(pattern);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  }
});

async function status(id: string): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/jobs/${id}`);
  return ((await res.json()) as { status: string }).status;
}

describe('a default install (auth off) and a 100-job sweep', () => {
  it('answers 202 to each of 100 jobs POSTed back to back, and completes every one', async () => {
    const ids: string[] = [];
    const codes: number[] = [];
    for (let i = 0; i < SWEEP; i++) {
      const base = xorSubmission() as { optimizer: object; training: object };
      const learningRate = 0.005 * (i + 1);
      const body = xorSubmission({
        name: `sweep lr=${learningRate.toFixed(3)}`,
        optimizer: { ...base.optimizer, learningRate },
        training: { ...base.training, epochs: 200, seed: i },
      });
      const res = await fetch(`${baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      codes.push(res.status);
      ids.push(((await res.json()) as { id: string }).id);
    }

    const statuses = new Map<string, string>(ids.map((id) => [id, 'queued']));
    const deadline = Date.now() + DRAIN_MS;
    const unfinished = (): string[] => ids.filter((id) => !['completed', 'failed', 'cancelled'].includes(statuses.get(id)!));
    while (unfinished().length > 0 && Date.now() < deadline) {
      for (const id of unfinished()) statuses.set(id, await status(id));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(codes).toEqual(Array.from({ length: SWEEP }, () => 202));
    expect(new Set(ids).size).toBe(SWEEP);
    expect([...statuses].filter(([, s]) => s !== 'completed')).toEqual([]);
  }, DRAIN_MS + 60_000);
});
