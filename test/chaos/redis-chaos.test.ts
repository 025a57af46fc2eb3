/**
 * docs/reliability.md R1 at full size, run by `npm run test:chaos`: Redis SIGKILLed and restarted
 * (AOF everysec, same directory) while 20 jobs train on 2 worker processes. The fast variant
 * (one job, in-process worker) runs in `npm test` (test/integration/workers/redis-restart.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisServerHandle } from '../../src/embedded-redis.js';
import { enableWasmFeatures } from '../../src/wasm-features.js';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { createWorkerHarness, harnessEnv, mediumJob, referenceWeightsHash, sha256, type WorkerHarness } from '../integration/workers/harness.js';

const ROWS = 1000;
const JOBS = 20;
const TIMINGS = {
  LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', MAX_STALLED_COUNT: '3', CHECKPOINT_INTERVAL_MS: '200',
  WORKER_CONCURRENCY: '2', TENANT_MAX_RUNNING: '4', LOG_LEVEL: 'info',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis chaos', () => {
  let h: WorkerHarness | undefined;
  let redis: RedisServerHandle | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
    await redis?.stop();
    redis = undefined;
  });

  it('R1: Redis killed with kill -9 and restarted while 20 jobs train: every job acknowledged before completes bit-identically', async () => {
    enableWasmFeatures();
    redis = await startTestRedis();
    h = await createWorkerHarness({ ...TIMINGS, REDIS_URL: redis.url });
    const env = harnessEnv(h.config.KEY_PREFIX, { ...TIMINGS, REDIS_URL: redis.url, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/, 60_000)));

    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push(await h.submit(mediumJob(600, 9000 + i, ROWS, 16)));
    // Acknowledged ≥ 1 s before the kill (AOF everysec), and training under way.
    await sleep(1_000 + Math.random() * 2_000);
    const running = (await Promise.all(ids.map((id) => h!.jobs.getJob(id)))).filter((r) => r?.status === 'running').length;

    redis.signal('SIGKILL');
    await sleep(2_000);
    await redis.restart();
    const records = await Promise.all(ids.map((id) => h!.waitForStatus(id, ['completed', 'failed', 'cancelled'], 180_000)));

    expect(records.map((r) => r.status)).toEqual(Array(JOBS).fill('completed'));
    for (const id of ids) {
      expect(sha256((await h.jobs.getResult(id))!.weights), id).toBe(referenceWeightsHash((await h.jobs.getSpec(id))!, ROWS));
    }
    // The job record turns terminal just before BullMQ moves the job out of `active`: wait for it.
    await expect.poll(async () => h!.queue.queue.getJobCounts('active', 'wait', 'delayed'), { timeout: 10_000, interval: 100 })
      .toEqual({ active: 0, wait: 0, delayed: 0 });
    // The workers rode it out: no restart, no fatal log line.
    expect(workers.every((w) => w.child.exitCode === null)).toBe(true);
    expect(workers.flatMap((w) => w.logLines()).filter((line) => (line.level as number) >= 60)).toEqual([]);
    console.info(`R1: ${running} of ${JOBS} jobs running at the Redis kill; all ${JOBS} completed bit-identically after the restart`);
  });
});
