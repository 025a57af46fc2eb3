import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { createTrainingQueue, type TrainingQueue } from '../../../src/queue/training-queue.js';
import { createJobStore, type JobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { xorJobSpec } from '../../helpers/specs.js';

let redis: Redis;
let config: Config;
let store: JobStore;
let queue: TrainingQueue;

beforeEach(() => {
  const id = randomUUID().slice(0, 8);
  config = loadConfig({ KEY_PREFIX: `tytq-${id}`, QUEUE_NAME: `q-${id}`, JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '1234' });
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  store = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
  queue = createTrainingQueue({ connection: redis, config, jobStore: store });
});

afterEach(async () => {
  await queue.queue.obliterate({ force: true });
  await queue.close();
  const keys = await redis.keys(`*${config.KEY_PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function newJob(): Promise<string> {
  const id = randomUUID();
  await store.createJob({ id, tenant: 't', spec: xorJobSpec(id), createdAt: new Date().toISOString() });
  return id;
}

describe('TrainingQueue', () => {
  it('enqueues under our UUID with ids only, retries and bounded retention from config', async () => {
    const id = await newJob();

    await queue.enqueueTrainingJob({ jobId: id, tenant: 't' });

    const job = await queue.queue.getJob(id);
    expect(job?.id).toBe(id);
    expect(job?.data).toEqual({ jobId: id, tenant: 't' });
    expect(job?.opts).toMatchObject({
      attempts: 4,
      backoff: { type: 'exponential', delay: 1234 },
      removeOnComplete: { age: config.JOB_TTL_SECONDS, count: 10_000 },
      removeOnFail: { age: config.JOB_TTL_SECONDS, count: 10_000 },
    });
    expect(await redis.exists(`{${config.KEY_PREFIX}}:${config.QUEUE_NAME}:${id}`)).toBe(1);
    expect((await queue.getQueueCounts()).waiting).toBe(1);
  });

  it('cancels a queued job at once and removes it from BullMQ', async () => {
    const id = await newJob();
    await queue.enqueueTrainingJob({ jobId: id, tenant: 't' });

    expect(await queue.cancelTrainingJob(id)).toBe('cancelled');

    expect(await queue.queue.getJob(id)).toBeUndefined();
    expect((await store.getJob(id))?.status).toBe('cancelled');
    expect(await queue.cancelTrainingJob(id)).toBe('finished');
  });

  it('publishes the id of a running job on the cancel channel', async () => {
    const id = await newJob();
    await store.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
    const subscriber = redis.duplicate();
    const received = new Promise<string>((resolve) => subscriber.on('message', (_c, message) => resolve(message)));
    await subscriber.subscribe(store.keys.cancelChannel);

    expect(await queue.cancelTrainingJob(id)).toBe('requested');

    expect(await received).toBe(id);
    expect(await store.isCancelRequested(id)).toBe(true);
    await subscriber.quit();
  });
});
