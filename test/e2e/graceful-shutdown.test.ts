import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { createWorkerHarness, harnessEnv, logLinesOf, mediumJob, type WorkerHarness } from '../integration/workers/harness.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('worker process receiving SIGTERM mid-training', () => {
  let h: WorkerHarness | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
  });

  it('checkpoints, hands the job back, exits 0 within the grace period, and the job resumes elsewhere losing no epochs (C4)', async () => {
    const timings = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', CHECKPOINT_INTERVAL_MS: '5000', SHUTDOWN_GRACE_MS: '10000', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' };
    h = await createWorkerHarness(timings);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...timings, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/)));
    const reference = await h.submit(mediumJob(80));
    const victim = await h.submit(mediumJob(80));
    const started = new RegExp(`"jobId":"${victim}".*"msg":"training started"`);
    const owner = await Promise.race(workers.map((w) => w.waitForOutput(started).then(() => w)));
    const other = workers.find((w) => w !== owner)!;
    while ((await h.jobs.getJob(victim))!.epoch < 15) await new Promise((r) => setTimeout(r, 20));

    const epochAtTerm = (await h.jobs.getJob(victim))!.epoch;
    const termAt = Date.now();
    owner.signal('SIGTERM');
    const exit = await owner.exited;
    const shutdownMs = Date.now() - termAt;
    const resumed = JSON.parse(await other.waitForOutput(started, 30_000)) as { resumeFromEpoch: number };
    const record = await h.waitForStatus(victim, ['completed', 'failed'], 60_000);
    await h.waitForStatus(reference, ['completed'], 60_000);

    expect(exit.code).toBe(0);
    expect(shutdownMs).toBeLessThan(10_000);
    expect(logLinesOf(owner.logLines(), victim, 'job handed back to the queue')).toHaveLength(1);
    // The periodic checkpoint interval (5 s) is longer than the run so far: the handback
    // checkpoint is what makes the resume lose nothing.
    expect(resumed.resumeFromEpoch).toBeGreaterThanOrEqual(epochAtTerm);
    expect(record.status).toBe('completed');
    const [victimResult, referenceResult] = await Promise.all([h.jobs.getResult(victim), h.jobs.getResult(reference)]);
    expect(sha256(victimResult!.weights)).toBe(sha256(referenceResult!.weights));
    expect(owner.logLines().filter((l) => (l.level as number) >= 50)).toEqual([]);
    console.info(`SIGTERM at epoch ${epochAtTerm}: exited 0 after ${shutdownMs} ms; resumed from epoch ${resumed.resumeFromEpoch}`);
  });
});
