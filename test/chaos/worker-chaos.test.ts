/**
 * Slow crash scenarios (docs/reliability.md C1 at full size, C2), run by `npm run test:chaos` with
 * shortened lock timings. The fast variants run in `npm test` (test/e2e/crash-recovery.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { enableWasmFeatures } from '../../src/wasm-features.js';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { createWorkerHarness, harnessEnv, mediumJob, referenceWeightsHash, sha256, type WorkerHarness } from '../integration/workers/harness.js';

const ROWS = 1000;
const TIMINGS = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', MAX_STALLED_COUNT: '3', CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '2', TENANT_MAX_RUNNING: '4', LOG_LEVEL: 'info' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker chaos', () => {
  let h: WorkerHarness | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
  });

  async function setUp(): Promise<Record<string, string>> {
    enableWasmFeatures();
    h = await createWorkerHarness(TIMINGS);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...TIMINGS, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/, 60_000)));
    return env;
  }

  async function checkDrained(ids: string[]): Promise<void> {
    // The job record turns terminal just before BullMQ moves the job out of `active`: wait for it.
    await expect.poll(async () => h!.queue.queue.getJobCounts('active', 'wait', 'delayed'), { timeout: 10_000, interval: 100 })
      .toEqual({ active: 0, wait: 0, delayed: 0 });
    for (const id of ids) {
      const record = (await h!.jobs.getJob(id))!;
      if (record.status === 'completed') {
        expect(sha256((await h!.jobs.getResult(id))!.weights), id).toBe(referenceWeightsHash((await h!.jobs.getSpec(id))!, ROWS));
      } else {
        expect(record.error?.code, id).toBe('stalled');
      }
    }
    const fatal = workers.flatMap((w) => w.logLines()).filter((line) => (line.level as number) >= 60);
    expect(fatal).toEqual([]);
  }

  it('C1: 20 jobs, one worker killed at a random moment and restarted: all complete bit-identically', async () => {
    const env = await setUp();
    const ids: string[] = [];
    // Long enough that the 4 training slots are still busy at the kill (20 jobs take ≈ 15–20 s).
    for (let i = 0; i < 20; i++) ids.push(await h!.submit(mediumJob(1200, 5000 + i, ROWS, 16)));

    await sleep(1_000 + Math.random() * 4_000);
    const victim = workers[Math.floor(Math.random() * workers.length)];
    const before = workers.filter((w) => w !== victim).map((w) => w.logLines().length);
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await victim.exited;
    workers.push(startWorkerProcess(env));
    const records = await Promise.all(ids.map((id) => h!.waitForStatus(id, ['completed', 'failed', 'cancelled'], 180_000)));

    expect(records.map((r) => r.status)).toEqual(Array(20).fill('completed'));
    await checkDrained(ids);
    // The jobs the victim was training at the kill (started there, finished after the kill)
    // were each started again by another worker after the kill; those past their first
    // checkpoint resumed from it ('training started' with resumeFromEpoch > 0).
    const finishedAfterKill = new Set(records.filter((r) => Date.parse(r.finishedAt!) > killedAt).map((r) => r.id));
    const interrupted = [...new Set(victim.logLines().filter((l) => l.msg === 'training started').map((l) => l.jobId as string))]
      .filter((id) => finishedAfterKill.has(id));
    const survivors = workers.filter((w) => w !== victim);
    const restarts = survivors.flatMap((w, i) => w.logLines().slice(before[i] ?? 0)).filter((l) => l.msg === 'training started');
    const restarted = new Set(restarts.map((l) => l.jobId));
    const resumedFrom = restarts.filter((l) => interrupted.includes(l.jobId as string) && (l.resumeFromEpoch as number) > 0).map((l) => l.resumeFromEpoch);
    console.info(`C1: ${interrupted.length} jobs interrupted by the kill, all taken over; resumed from checkpoint epochs [${resumedFrom.join(', ')}]`);
    expect(interrupted.length).toBeGreaterThan(0);
    expect(interrupted.filter((id) => !restarted.has(id))).toEqual([]);
  });

  it('C2: a worker killed every 1–4 s for 30 s: every job completes bit-identically or fails as stalled, none stuck', async () => {
    const env = await setUp();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await h!.submit(mediumJob(60, 7000 + i, ROWS, 16)));

    let kills = 0;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      await sleep(1_000 + Math.random() * 3_000);
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      const victim = live[Math.floor(Math.random() * live.length)];
      victim.signal('SIGKILL');
      await victim.exited;
      kills++;
      workers.push(startWorkerProcess(env));
    }
    const records = await Promise.all(ids.map((id) => h!.waitForStatus(id, ['completed', 'failed', 'cancelled'], 240_000)));

    await checkDrained(ids);
    const completed = records.filter((r) => r.status === 'completed').length;
    console.info(`C2: ${kills} kills; ${completed} of 30 completed, ${30 - completed} failed as stalled`);
  });
});
