import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { xorSubmission } from '../../helpers/specs.js';

/**
 * A fresh install, as a new user or another service's integration test meets it: every setting
 * at its default except where the test Redis is and a key prefix of its own. A hyper-parameter
 * sweep of 100 jobs POSTed back to back over real HTTP is taken (202 each) and every job
 * completes on a real worker: without auth there is no per-tenant limit, and with auth the
 * per-tenant defaults admit the same sweep (README "Authentication and tenants").
 */
const SWEEP = 100;
/** How long the sweep may take to drain; a stuck job fails the test with every status listed. */
const DRAIN_MS = 120_000;
const KEY = 'sweep-key-0123456789abcdef';

interface Service {
  config: Config;
  baseUrl: string;
  close(): Promise<void>;
}

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** The API on a free port and a worker in this process, both with `env` over the defaults. */
async function startService(env: Record<string, string>): Promise<Service> {
  const id = randomUUID().slice(0, 8);
  const config = loadConfig({ REDIS_URL: inject('redisUrl'), KEY_PREFIX: `tys-${id}`, QUEUE_NAME: `sweep-${id}`, LOG_LEVEL: 'silent', ...env });
  const app: FastifyInstance = await buildApp({ config });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const worker: WorkerHandle = await startWorker({ config, log: createLogger(config) });
  return {
    config,
    baseUrl,
    async close() {
      await app.close();
      await worker.close();
      const redis = new Redis(config.REDIS_URL!);
      for (const pattern of [`${config.KEY_PREFIX}:*`, `{${config.KEY_PREFIX}}:*`]) {
        const keys = await redis.keys(pattern);
        if (keys.length > 0) await redis.del(...keys);
      }
      await redis.quit();
    },
  };
}

/** POSTs the sweep back to back, then polls the job list until every job has finished. */
async function runSweep(baseUrl: string, headers: Record<string, string>): Promise<{ codes: number[]; ids: string[]; statuses: Map<string, string> }> {
  const codes: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < SWEEP; i++) {
    const base = xorSubmission() as { optimizer: object; training: object };
    const learningRate = 0.005 * (i + 1);
    const body = xorSubmission({
      name: `sweep lr=${learningRate.toFixed(3)}`,
      optimizer: { ...base.optimizer, learningRate },
      training: { ...base.training, epochs: 200, seed: i },
    });
    const res = await fetch(`${baseUrl}/v1/jobs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    codes.push(res.status);
    ids.push(((await res.json()) as { id: string }).id);
  }

  const statuses = new Map<string, string>(ids.map((id) => [id, 'queued']));
  const deadline = Date.now() + DRAIN_MS;
  const finished = (s: string): boolean => ['completed', 'failed', 'cancelled'].includes(s);
  while (![...statuses.values()].every(finished) && Date.now() < deadline) {
    const page = (await (await fetch(`${baseUrl}/v1/jobs?limit=100`, { headers })).json()) as { items: { id: string; status: string }[] };
    for (const item of page.items) if (statuses.has(item.id)) statuses.set(item.id, item.status);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { codes, ids, statuses };
}

describe('a default install and a 100-job sweep', () => {
  it('answers 202 to each of 100 jobs POSTed back to back, and completes every one (auth off)', async () => {
    service = await startService({});

    const { codes, ids, statuses } = await runSweep(service.baseUrl, {});

    expect(service.config.authEnabled).toBe(false);
    expect(codes).toEqual(Array.from({ length: SWEEP }, () => 202));
    expect(new Set(ids).size).toBe(SWEEP);
    expect([...statuses].filter(([, s]) => s !== 'completed')).toEqual([]);
  }, DRAIN_MS + 60_000);

  it('admits and completes the same sweep for a tenant with the per-tenant defaults of auth on', async () => {
    service = await startService({ TRAINYARD_API_KEYS: `team:${KEY}` });

    const { codes, statuses } = await runSweep(service.baseUrl, { authorization: `Bearer ${KEY}` });

    expect(service.config).toMatchObject({ authEnabled: true, TENANT_MAX_QUEUED: 1000, TENANT_SUBMITS_PER_MINUTE: 600, TENANT_MAX_RUNNING: 4 });
    expect(codes).toEqual(Array.from({ length: SWEEP }, () => 202));
    expect([...statuses].filter(([, s]) => s !== 'completed')).toEqual([]);
  }, DRAIN_MS + 60_000);
});
