import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { createWorkerHarness, harnessEnv, mediumJob, type WorkerHarness } from '../integration/workers/harness.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('worker killed with kill -9 mid-training', () => {
  let h: WorkerHarness | undefined;
  let workers: ServiceProcess[] = [];

  afterEach(async () => {
    await stopAll(workers);
    workers = [];
    await h?.close();
    h = undefined;
  });

  it('resumes the job on the other worker from its last checkpoint, with bit-identical weights', async () => {
    // Shortened lock timings, so the stalled job is handed out again within ~3 s of the kill.
    const timings = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '500', CHECKPOINT_INTERVAL_MS: '200', WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' };
    h = await createWorkerHarness(timings);
    const env = harnessEnv(h.config.KEY_PREFIX, { ...timings, ENABLE_TEST_HOOKS: 'false' });
    workers = [startWorkerProcess(env), startWorkerProcess(env)];
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/)));
    const spec = mediumJob(100);
    // The reference and the victim run side by side, one on each worker.
    const reference = await h.submit(spec);
    const victim = await h.submit(spec);
    const victimStart = new RegExp(`"jobId":"${victim}".*"msg":"training started"`);
    const owner = await Promise.race(workers.map((w) => w.waitForOutput(victimStart).then(() => w)));
    const survivor = workers.find((w) => w !== owner)!;
    let checkpointEpoch = 0;
    while (checkpointEpoch < 20) {
      checkpointEpoch = (await h.checkpoints.latestMeta(victim))?.epoch ?? 0;
      await new Promise((r) => setTimeout(r, 25));
    }
    owner.signal('SIGKILL');
    await owner.exited;
    const killedAt = Date.now();
    // What the killed worker left: its last checkpoint (the record's epoch lags by a flush).
    const lastCheckpoint = (await h.checkpoints.latestMeta(victim))!;
    const epochAtKill = (await h.jobs.getJob(victim))!.epoch;
    const resumedLine = await survivor.waitForOutput(victimStart, 30_000);
    const record = await h.waitForStatus(victim, ['completed', 'failed'], 60_000);
    const referenceRecord = await h.waitForStatus(reference, ['completed', 'failed'], 60_000);

    expect(referenceRecord.status).toBe('completed');
    expect(record.status).toBe('completed');
    expect(record.attempts).toBe(2);
    const resumedFrom = JSON.parse(resumedLine) as { resumeFromEpoch: number };
    expect(resumedFrom.resumeFromEpoch).toBeGreaterThanOrEqual(checkpointEpoch);
    expect(resumedFrom.resumeFromEpoch).toBe(lastCheckpoint.epoch);
    const [victimResult, referenceResult] = await Promise.all([h.jobs.getResult(victim), h.jobs.getResult(reference)]);
    expect(sha256(victimResult!.weights)).toBe(sha256(referenceResult!.weights));
    const losses = async (id: string) => (await h!.metrics.readCurve(id, 0)).points.map((p) => ('loss' in p ? p.loss : NaN));
    expect(await losses(victim)).toEqual(await losses(reference));
    // Informational: how long the job was without a worker.
    console.info(`resumed from epoch ${resumedFrom.resumeFromEpoch} (last reported epoch at the kill: ${epochAtKill}); completed ${Date.now() - killedAt} ms after the kill`);
  });
});
