import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeWeights } from '../../../src/contract/weights.js';
import { createCheckpointStore } from '../../../src/store/checkpoint-store.js';
import { createDatasetStore } from '../../../src/store/dataset-store.js';
import { createJobRecords, jobStorageBytes, type NewJob } from '../../../src/store/job-records.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { createStoreFixture } from './store-fixture.js';

const f = createStoreFixture('records');
const records = createJobRecords({ redis: f.redis, reader: f.redis, keys: f.keys, config: { JOB_TTL_SECONDS: 3600 } });
const weights = new Uint8Array(new Float64Array([1, 2, 3]).buffer);
const metrics = { finalLoss: 0.1, epochsRun: 5, stoppedEarly: false, durationMs: 12 };
const XOR_ROWS = { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] };
const WARM_START = [{ W: Array.from({ length: 8 }, (_, j) => [j / 10, -j / 10]), b: new Array(8).fill(0.5) }, { W: [new Array(8).fill(0.25)], b: [0.125] }];

afterEach(() => f.clean());
afterAll(() => f.close());

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  const id = randomUUID();
  return { id, tenant: 'a', spec: xorJobSpec(id), createdAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

describe('JobRecords', () => {
  it('creates a queued record with its spec, and touches no tenant key', async () => {
    const job = newJob();

    const created = await records.create(job);

    expect(created).toMatchObject({ id: job.id, tenant: 'a', status: 'queued', epoch: 0, attempts: 0, seed: 42, error: null });
    expect(await records.get(job.id)).toEqual(created);
    expect(await records.getSpec(job.id)).toEqual(job.spec);
    expect(await records.getInitialWeights(job.id)).toBeNull();
    expect((await f.redis.keys(`${f.prefix}:*`)).every((key) => key.includes(`{${job.id}}`))).toBe(true);
  });

  it('stores inline rows and warm-start weights as given, encoded next to the record', async () => {
    const job = newJob({ inlineData: XOR_ROWS, initialWeights: WARM_START });

    await records.create(job);

    const arrays = await createDatasetStore({ redis: f.redis, config: { KEY_PREFIX: f.prefix } }).loadDatasetArrays({ kind: 'inline', jobId: job.id });
    expect(arrays).toMatchObject({ samples: 4, inputSize: 2, outputSize: 1 });
    expect(Array.from(arrays.inputs)).toEqual(XOR_ROWS.inputs.flat());
    expect(Array.from(arrays.targets)).toEqual(XOR_ROWS.targets.flat());
    const init = await records.getInitialWeights(job.id);
    expect(decodeWeights(init!, 2, job.spec.model.layers)).toEqual(WARM_START);
  });

  it('counts a job’s stored bytes: inline inputs and targets each as float32 when exact, initial and trained weights at 8 bytes a parameter', () => {
    const job = newJob();

    expect(jobStorageBytes(job)).toBe(33 * 8);
    expect(jobStorageBytes({ ...job, inlineData: XOR_ROWS })).toBe(12 * 4 + 33 * 8);
    expect(jobStorageBytes({ ...job, inlineData: { inputs: [[0.1, 0]], targets: [[1]] } })).toBe(2 * 8 + 1 * 4 + 33 * 8);
    expect(jobStorageBytes({ ...job, initialWeights: WARM_START })).toBe(2 * 33 * 8);
  });

  it('moves queued → running → completed once, and refuses progress after the end', async () => {
    const job = newJob();
    await records.create(job);

    expect(await records.updateProgress(job.id, { epoch: 1, loss: 1 })).toBe(false);
    expect(await records.markRunning(job.id, { attempt: 1, startedAt: '2026-01-01T00:00:01.000Z' })).toBe(true);
    expect(await records.updateProgress(job.id, { epoch: 3, loss: 0.25, valLoss: null, kernel: 'ts' })).toBe(true);
    const first = await records.complete(job.id, { weights, metrics, kernel: 'ts' });
    const second = await records.complete(job.id, { weights: new Uint8Array(8), metrics, kernel: 'stale' });

    expect(first).toEqual({ outcome: true, tenant: 'a' });
    expect(second).toEqual({ outcome: false, tenant: '' });
    expect(await records.get(job.id)).toMatchObject({ status: 'completed', epoch: 5, loss: 0.25, valLoss: null, kernel: 'ts', attempts: 1 });
    expect((await records.getResult(job.id))?.metrics).toEqual(metrics);
    expect(await records.updateProgress(job.id, { epoch: 9, loss: 1 })).toBe(false);
    expect(await f.redis.ttl(f.keys.jobRecord(job.id))).toBeGreaterThan(0);
  });

  it('replaces the checkpoints with the final snapshot at completion, which a stale save cannot overwrite, or deletes them without one', async () => {
    const kept = newJob();
    const dropped = newJob();
    await Promise.all([records.create(kept), records.create(dropped)]);
    const checkpoints = createCheckpointStore({ redis: f.redis, config: { KEY_PREFIX: f.prefix, JOB_TTL_SECONDS: 3600 } });
    const periodic = new Uint8Array([1, 2, 3]);
    for (const job of [kept, dropped]) {
      await checkpoints.save(job.id, periodic, { epoch: 2, batch: 0, step: 8, elapsedMs: 20 });
      await checkpoints.save(job.id, periodic, { epoch: 3, batch: 0, step: 12, elapsedMs: 30 });
    }
    const final = { bytes: new Uint8Array([9, 8, 7, 6]), epoch: 5, batch: 0, step: 20, elapsedMs: 50, kernel: 'ts' };

    await records.complete(kept.id, { weights, metrics, kernel: 'ts', checkpoint: final });
    await records.complete(dropped.id, { weights, metrics, kernel: 'ts' });
    const staleSave = await checkpoints.save(kept.id, periodic, { epoch: 4, batch: 0, step: 16, elapsedMs: 40 });
    const loaded = await checkpoints.loadLatest(kept.id);

    expect(staleSave).toBe(false);
    expect(Array.from(loaded!.bytes)).toEqual([9, 8, 7, 6]);
    expect(loaded!.meta).toMatchObject({ epoch: 5, batch: 0, step: 20, elapsedMs: 50, kernel: 'ts', bytes: 4 });
    expect((await f.redis.hkeys(f.keys.jobCheckpoint(kept.id))).sort()).toEqual(['a', 'aMeta', 'aStep', 'cur']);
    expect(await f.redis.ttl(f.keys.jobCheckpoint(kept.id))).toBeGreaterThan(0);
    expect(await f.redis.exists(f.keys.jobCheckpoint(dropped.id))).toBe(0);
  });

  it('refuses a completion from an older attempt', async () => {
    const job = newJob();
    await records.create(job);
    await records.markRunning(job.id, { attempt: 2, startedAt: '2026-01-01T00:00:01.000Z' });

    expect(await records.complete(job.id, { weights, metrics, kernel: 'ts', attempt: 1 })).toEqual({ outcome: false, tenant: '' });
    expect((await records.get(job.id))?.status).toBe('running');
  });

  it('finishes a job once, as failed with its error or as cancelled', async () => {
    const failed = newJob();
    const cancelled = newJob();
    await Promise.all([records.create(failed), records.create(cancelled)]);

    const fail = await records.finish(failed.id, 'failed', { code: 'diverged', message: 'loss became NaN', epoch: 7 }, '2026-01-01T00:01:00.000Z');
    const again = await records.finish(failed.id, 'cancelled', null, '2026-01-01T00:02:00.000Z');
    const cancel = await records.finish(cancelled.id, 'cancelled', null, '2026-01-01T00:03:00.000Z');

    expect([fail, again, cancel]).toEqual([{ outcome: true, tenant: 'a' }, { outcome: false, tenant: '' }, { outcome: true, tenant: 'a' }]);
    expect(await records.get(failed.id)).toMatchObject({ status: 'failed', finishedAt: '2026-01-01T00:01:00.000Z', error: { code: 'diverged', epoch: 7 } });
    expect(await records.get(cancelled.id)).toMatchObject({ status: 'cancelled', error: null });
  });

  it('cancels a queued job at once, flags a running one, and leaves finished and missing ones alone', async () => {
    const queued = newJob();
    const running = newJob();
    await Promise.all([records.create(queued), records.create(running)]);
    await records.markRunning(running.id, { attempt: 1, startedAt: '2026-01-01T00:00:01.000Z' });

    const outcomes = [
      await records.requestCancel(queued.id), await records.requestCancel(running.id),
      await records.requestCancel(queued.id), await records.requestCancel(randomUUID()),
    ];

    expect(outcomes).toEqual([{ outcome: 'cancelled', tenant: 'a' }, { outcome: 'requested', tenant: '' }, { outcome: 'finished', tenant: '' }, { outcome: 'missing', tenant: '' }]);
    expect(await records.isCancelRequested(running.id)).toBe(true);
    expect(await records.isCancelRequested(randomUUID())).toBe(true);
    expect(await records.markRunning(queued.id, { attempt: 1, startedAt: '2026-01-01T00:00:01.000Z' })).toBe(false);
  });

  it('removes every key of a job and names its tenant', async () => {
    const job = newJob({ inlineData: XOR_ROWS });
    await records.create(job);

    const removed = await records.remove(job.id);
    const again = await records.remove(job.id);

    expect(removed).toEqual({ removed: true, tenant: 'a' });
    expect(again).toEqual({ removed: false, tenant: null });
    expect(await f.redis.keys(`${f.prefix}:*`)).toEqual([]);
  });
});
