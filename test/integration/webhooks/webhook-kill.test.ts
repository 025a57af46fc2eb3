import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createDeliveryLog } from '../../../src/webhooks/delivery-log.js';
import { createJobEvents } from '../../../src/webhooks/job-events.js';
import { startService, type ServiceProcess } from '../../helpers/processes.js';
import { createJobWithWebhook, openStore, startReceiver, webhookTestConfig, type Receiver } from './webhook-harness.js';

const processes: ServiceProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const child of processes.splice(0)) await child.stop(2_000);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('webhook delivery across a kill -9 of its worker process', () => {
  it.each([
    ['the worker process (npm run worker)', 'workers/main.ts'],
    ['a delivery-only process', 'workers/webhook-delivery.ts'],
  ])('delivers every event at least once and in order per job after %s is killed in the middle of retries', async (_name, entry) => {
    const env = {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '200',
      WEBHOOK_TIMEOUT_MS: '1000',
      LOCK_DURATION_MS: '1000',
      STALLED_INTERVAL_MS: '500',
    };
    const config = webhookTestConfig(env);
    const store = openStore(config);
    cleanups.push(() => store.cleanup());
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    // Down until the kill: every attempt of the first process fails, so it dies in the middle of retries.
    let receiverUp = false;
    receiver.respond = () => (receiverUp ? 204 : 503);
    const childEnv = { ...env, REDIS_URL: config.REDIS_URL!, KEY_PREFIX: config.KEY_PREFIX, QUEUE_NAME: config.QUEUE_NAME, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '1' };
    const first = startService('webhooks-1', entry, { env: childEnv });
    processes.push(first);
    await first.waitForOutput(/webhook delivery started/);
    // The API side: the events are queued from this process, as an API would.
    const events = createJobEvents({ redis: store.redis, config, log: createLogger(config), jobs: store.jobs });
    cleanups.push(() => events.close());
    const jobA = await createJobWithWebhook(store.jobs, receiver.url, ['started', 'progress', 'completed']);
    const jobB = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobA, 'started');
    await events.emitJobEvent(jobA, 'progress');
    await events.emitJobEvent(jobA, 'completed');
    await receiver.waitFor((requests) => requests.length >= 2);
    first.signal('SIGKILL');
    const killed = await first.exited;
    const failedBeforeKill = receiver.requests.length;
    receiverUp = true;
    // Emitted while no delivery worker runs at all.
    await events.emitJobEvent(jobB, 'started');
    await events.emitJobEvent(jobB, 'completed');
    const second = startService('webhooks-2', entry, { env: childEnv });
    processes.push(second);
    await receiver.waitFor(() => receiver.delivered().length >= 5, 60_000);

    expect(killed.signal).toBe('SIGKILL');
    expect(failedBeforeKill).toBeGreaterThanOrEqual(2);
    expect(receiver.requests.slice(0, failedBeforeKill).every((r) => r.answered === 503)).toBe(true);
    const firstSuccess = (jobId: string): string[] => {
      const seen = new Set<string>();
      const types: string[] = [];
      for (const request of receiver.delivered()) {
        const payload = JSON.parse(request.body) as { type: string; data: { id: string } };
        const id = String(request.headers['webhook-id']);
        if (payload.data.id !== jobId || seen.has(id)) continue;
        seen.add(id);
        types.push(payload.type);
      }
      return types;
    };
    expect(firstSuccess(jobA)).toEqual(['job.started', 'job.progress', 'job.completed']);
    expect(firstSuccess(jobB)).toEqual(['job.started', 'job.completed']);
    // The receiver answers before the worker logs the attempt: wait for the log to catch up.
    const log = createDeliveryLog({ redis: store.redis, config });
    const firstDelivered = (items: Array<{ id: string; type: string; status: string }>): string[] =>
      [...new Map(items.filter((i) => i.status === 'delivered').map((i) => [i.id, i.type])).values()];
    let attempts = await log.list(jobA);
    for (let i = 0; i < 300 && firstDelivered(attempts).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      attempts = await log.list(jobA);
    }
    expect(attempts.filter((a) => a.status === 'failed').length).toBeGreaterThanOrEqual(1);
    expect(firstDelivered(attempts)).toEqual(['job.started', 'job.progress', 'job.completed']);
  });
});
