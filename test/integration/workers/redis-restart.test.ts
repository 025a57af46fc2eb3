import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, type RedisServerHandle } from '../../../src/embedded-redis.js';
import { startTestRedis } from '../../helpers/redis-server.js';
import { createWorkerHarness, mediumJob, sha256, type WorkerHarness } from './harness.js';

// Each test's own Redis and worker harness, closed after it.
let h: WorkerHarness | undefined;
let redis: RedisServerHandle | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  await redis?.stop();
  redis = undefined;
});

describe('Redis killed and restarted under a running job (R1)', () => {
  it('finishes the job without a worker restart, with the weights of an uninterrupted run', async () => {
    redis = await startTestRedis();
    h = await createWorkerHarness({ REDIS_URL: redis.url, CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '1' });
    await h.startWorker();
    const reference = await h.submit(mediumJob(60, 7));
    await h.waitForStatus(reference, ['completed'], 60_000);
    const victim = await h.submit(mediumJob(60, 7));
    while (((await h.jobs.getJob(victim))?.epoch ?? 0) < 10) await new Promise((r) => setTimeout(r, 20));
    // AOF everysec: let the submit and a checkpoint reach the disk first.
    await new Promise((r) => setTimeout(r, 1_100));

    redis.signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.restart();
    const record = await h.waitForStatus(victim, ['completed', 'failed'], 60_000);

    expect(record.status).toBe('completed');
    const [victimResult, referenceResult] = await Promise.all([h.jobs.getResult(victim), h.jobs.getResult(reference)]);
    expect(sha256(victimResult!.weights)).toBe(sha256(referenceResult!.weights));
  });
});

describe('a Redis that may evict keys (R9)', () => {
  it('is refused by the worker with the setting to fix', async () => {
    redis = await startTestRedis({ extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    h = await createWorkerHarness({ REDIS_URL: redis.url });

    const starting = h.startWorker();

    await expect(starting).rejects.toThrow(/maxmemory-policy is "allkeys-lru"; trainyard needs "noeviction"/);
  });
});

describe('a worker started before Redis (R3)', () => {
  it('waits for Redis, then processes jobs within seconds of Redis starting', async () => {
    const port = await findFreePort();
    h = await createWorkerHarness({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const starting = h.startWorker();
    await new Promise((r) => setTimeout(r, 1_500));

    redis = await startTestRedis({ port });
    const redisUpAt = Date.now();
    await starting;
    let jobId: string | undefined;
    while (!jobId) {
      // The test's fail-fast producer may still be reconnecting.
      jobId = await h.submit().catch(() => undefined);
      if (!jobId) await new Promise((r) => setTimeout(r, 100));
    }
    const record = await h.waitForStatus(jobId, ['completed', 'failed']);

    expect(record.status).toBe('completed');
    expect(Date.now() - redisUpAt).toBeLessThan(5_000);
  });
});

describe('a worker stopped while its connections wait to reconnect to a restarted Redis', () => {
  it('closes without waiting for them to reconnect', async () => {
    redis = await startTestRedis();
    h = await createWorkerHarness({ REDIS_URL: redis.url });
    const worker = await h.startWorker();
    redis.signal('SIGKILL');
    // Enough failed attempts that the next reconnect is the longest backoff away.
    await new Promise((r) => setTimeout(r, 3_000));
    await redis.restart();

    await worker.close();
  }, 20_000);
});
