import { afterEach, describe, expect, it } from 'vitest';
import { enableWasmFeatures } from '../../src/wasm-features.js';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { createWorkerHarness, harnessEnv, mediumJob, referenceWeightsHash, sha256, type WorkerHarness } from '../integration/workers/harness.js';

const ROWS = 1000;
const JOBS = 6;

describe('worker process killed with kill -9 while jobs run (C1)', () => {
  let h: WorkerHarness | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
  });

  it('completes every job, each bit-identical to its uninterrupted reference, after a kill and a supervisor restart', async () => {
    enableWasmFeatures();
    const timings = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', MAX_STALLED_COUNT: '3', CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info' };
    h = await createWorkerHarness(timings);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...timings, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/)));
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push(await h.submit(mediumJob(80, 1000 + i, ROWS, 16)));

    // Kill, at a random moment once training is under way, a worker that is training something.
    await h.waitForStatus(ids[0], ['running']);
    await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 800)));
    let running: string[] = [];
    let owners: ServiceProcess[] = [];
    const deadline = Date.now() + 20_000;
    while (owners.length === 0) {
      if (Date.now() > deadline) throw new Error('no job was running long enough to be killed: make the jobs longer');
      running = (await Promise.all(ids.map((id) => h!.jobs.getJob(id)))).filter((r) => r!.status === 'running').map((r) => r!.id);
      owners = workers.filter((w) => running.some((id) => w.output().includes(`"jobId":"${id}","tenant":"default","attempt"`)));
      await new Promise((r) => setTimeout(r, 20));
    }
    const victim = owners[Math.floor(Math.random() * owners.length)];
    const runningAtKill = running.length;
    victim.signal('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    // The supervisor brings a replacement up at once.
    workers.push(startWorkerProcess(env));
    const records = await Promise.all(ids.map((id) => h!.waitForStatus(id, ['completed', 'failed', 'cancelled'], 90_000)));
    const recoveredMs = Date.now() - killedAt;

    expect(records.map((r) => r.status)).toEqual(Array(JOBS).fill('completed'));
    const referencesStarted = Date.now();
    for (const [i, id] of ids.entries()) {
      const spec = (await h.jobs.getSpec(id))!;
      const result = await h.jobs.getResult(id);
      expect(sha256(result!.weights), `job ${i}`).toBe(referenceWeightsHash(spec, ROWS));
    }
    console.info(`references: ${Date.now() - referencesStarted} ms`);
    const active = await h.queue.queue.getJobCounts('active', 'wait', 'delayed');
    expect(active).toEqual({ active: 0, wait: 0, delayed: 0 });
    const resumed = records.filter((r) => r.attempts > 1).length;
    expect(resumed).toBeGreaterThan(0);
    console.info(`${runningAtKill} jobs running at the kill; all ${JOBS} completed ${recoveredMs} ms after it; ${resumed} resumed on another attempt`);
  });

  it('fails a job that stalled more than MAX_STALLED_COUNT times as stalled, never leaving it stuck (C2)', async () => {
    const timings = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', MAX_STALLED_COUNT: '0', CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' };
    h = await createWorkerHarness(timings);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...timings, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env)];
    await workers[0].waitForOutput(/"worker started"/);
    const jobId = await h.submit(mediumJob(100, 5, ROWS, 16));
    await h.waitForStatus(jobId, ['running']);

    workers[0].signal('SIGKILL');
    await workers[0].exited;
    workers.push(startWorkerProcess(env));
    const record = await h.waitForStatus(jobId, ['failed', 'completed'], 30_000);

    expect(record.status).toBe('failed');
    expect(record.error).toMatchObject({ code: 'stalled', message: 'job stalled more than allowable limit' });
    expect(await (await h.queue.queue.getJob(jobId))!.getState()).toBe('failed');
  });
});
