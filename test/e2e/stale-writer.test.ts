import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { createWorkerHarness, harnessEnv, logLinesOf, mediumJob, type WorkerHarness } from '../integration/workers/harness.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('worker paused past its lock (SIGSTOP, then SIGCONT)', () => {
  let h: WorkerHarness | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    for (const w of workers) w.signal('SIGCONT');
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
  });

  it('lets another worker take the job over and never overwrites its result (C3)', async () => {
    const timings = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' };
    h = await createWorkerHarness(timings);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...timings, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/)));
    const reference = await h.submit(mediumJob(80));
    await h.waitForStatus(reference, ['completed'], 60_000);

    const victim = await h.submit(mediumJob(80));
    const started = new RegExp(`"jobId":"${victim}".*"msg":"training started"`);
    const owner = await Promise.race(workers.map((w) => w.waitForOutput(started).then(() => w)));
    const other = workers.find((w) => w !== owner)!;
    while (((await h.checkpoints.latestMeta(victim))?.epoch ?? 0) < 10) await new Promise((r) => setTimeout(r, 25));
    owner.signal('SIGSTOP');
    await other.waitForOutput(started, 30_000);
    owner.signal('SIGCONT');
    const record = await h.waitForStatus(victim, ['completed', 'failed'], 60_000);
    await owner.waitForOutput(/job lock lost|completion refused/, 10_000);
    // The completing worker logs after the record turned completed.
    await other.waitForOutput(new RegExp(`"jobId":"${victim}".*"msg":"job completed"`), 10_000);

    expect(record.status).toBe('completed');
    expect(record.attempts).toBe(2);
    expect(owner.child.exitCode).toBeNull();
    const completions = workers.flatMap((w) => logLinesOf(w.logLines(), victim, 'job completed'));
    expect(completions).toHaveLength(1);
    const [victimResult, referenceResult] = await Promise.all([h.jobs.getResult(victim), h.jobs.getResult(reference)]);
    expect(sha256(victimResult!.weights)).toBe(sha256(referenceResult!.weights));
    expect(workers.flatMap((w) => w.logLines()).filter((l) => l.level === 60)).toHaveLength(0);
  });
});
