import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebhookEvent, JobWebhook } from './job-webhook.js';
import { jobWebhookOf } from './job-webhook.js';
import { toWebhookJobView, type JobReader } from './job-status-view.js';
import { createWebhookKeys, WEBHOOK_QUEUE_NAME } from './webhook-keys.js';

/** A job status change a webhook can be told about. */
export type JobEventType = WebhookEvent;

/** BullMQ job data of one delivery: everything needed to send it, fixed when the event happened. */
export interface WebhookDeliveryData {
  jobId: string;
  tenant: string;
  /** The event's place among the job's events (1, 2, …): deliveries keep this order. */
  seq: number;
  /** `job.started`, `job.progress`, `job.completed`, `job.failed`, `job.cancelled`. */
  type: string;
  /** `webhook-id`: the same for every attempt. */
  messageId: string;
  url: string;
  /** The JSON body, `{ type, timestamp, data }`, signed byte for byte. */
  body: string;
  /** When the event happened (ms since the epoch); retries stop `WEBHOOK_RETRY_SECONDS` later. */
  createdAtMs: number;
}

/** The BullMQ job id of a job's `seq`-th event (ids may not contain `:`). */
export function deliveryJobId(jobId: string, seq: number): string {
  return `${jobId}-${seq}`;
}

/** Name of every delivery job in the webhooks queue. */
export const DELIVERY_JOB_NAME = 'deliver';

/** Attempts of one delivery: unbounded in practice; the retry window (24 h) ends it. */
const DELIVERY_ATTEMPTS = 1_000_000;

/** `progress` events of one job are sent at most this often. */
export const PROGRESS_INTERVAL_MS = 1_000;

/** Where status changes are reported; the one entry point of every emitter (API and worker). */
export interface JobEvents {
  /**
   * Queues a delivery of `type` for the job when it has a webhook that asked for it. Returns at
   * once for jobs without one; `progress` is sent at most once a second per job. Events of one
   * job are queued in call order and delivered in that order. `started` and the final events
   * are queued once per job, so an emitter may repeat them safely (e.g. a worker that finds the
   * job already finished after a crash). Never throws (a webhook problem must not fail training
   * or a request): failures are logged.
   */
  emitJobEvent(jobId: string, type: JobEventType): Promise<void>;
}

/** A {@link JobEvents} with its queue. */
export interface JobEventEmitter extends JobEvents {
  /** The `webhooks` BullMQ queue (prefix `{KEY_PREFIX}`). */
  readonly queue: Queue<WebhookDeliveryData>;
  close(): Promise<void>;
}

/** Options of {@link createJobEvents}. */
export interface JobEventsOptions {
  /** A connection for the queue and the sequence counter (not closed by `close()`). */
  redis: Redis;
  config: { KEY_PREFIX: string; JOB_TTL_SECONDS: number; WEBHOOK_RETRY_SECONDS: number };
  log: Logger;
  /** Reads the job's record (for the status view) and spec (for its webhook). */
  jobs: JobReader;
}

/** The webhooks BullMQ queue on `redis`. */
export function createWebhookQueue(redis: Redis, config: { KEY_PREFIX: string; JOB_TTL_SECONDS: number }): Queue<WebhookDeliveryData> {
  const queue = new Queue<WebhookDeliveryData>(WEBHOOK_QUEUE_NAME, {
    connection: redis,
    prefix: createWebhookKeys(config.KEY_PREFIX).bullPrefix,
    defaultJobOptions: {
      attempts: DELIVERY_ATTEMPTS,
      backoff: { type: 'webhook' },
      // The delivery log is the record of attempts; BullMQ's copies only serve ordering.
      removeOnComplete: { age: config.JOB_TTL_SECONDS, count: 10_000 },
      removeOnFail: { age: config.JOB_TTL_SECONDS, count: 10_000 },
    },
  });
  queue.on('error', () => undefined);
  return queue;
}

/** How many webhooks are remembered per process (jobs without one too). */
const WEBHOOK_CACHE_SIZE = 10_000;

/**
 * Creates the emitter of job events: reads the job's webhook (cached per job), builds the
 * payload `{ type: "job.<event>", timestamp, data: <status view> }` now, gives it the job's next
 * sequence number and adds it to the `webhooks` queue, where the delivery worker picks it up.
 */
export function createJobEvents(options: JobEventsOptions): JobEventEmitter {
  const { redis, config, jobs } = options;
  const log = options.log.child({ component: 'webhooks' });
  const keys = createWebhookKeys(config.KEY_PREFIX);
  const queue = createWebhookQueue(redis, config);
  const webhooks = new Map<string, JobWebhook | null>();
  const lastProgressAt = new Map<string, number>();
  // One chain per job: its events get their sequence numbers and queue entries in call order.
  const chains = new Map<string, Promise<void>>();

  async function webhookOf(jobId: string): Promise<JobWebhook | null> {
    if (webhooks.has(jobId)) return webhooks.get(jobId)!;
    const webhook = jobWebhookOf(await jobs.getSpec(jobId));
    if (webhooks.size >= WEBHOOK_CACHE_SIZE) webhooks.clear();
    webhooks.set(jobId, webhook);
    return webhook;
  }

  async function emit(jobId: string, type: JobEventType): Promise<void> {
    const webhook = await webhookOf(jobId);
    if (!webhook || !webhook.events.includes(type)) return;
    // `progress` repeats, and so may `paused` (pause, resume, pause); the others happen once.
    const once = type !== 'progress' && type !== 'paused';
    const sentKey = keys.jobEventsSent(jobId);
    if (once && (await redis.hexists(sentKey, type))) return;
    const record = await jobs.getJob(jobId);
    if (record === null) return;
    const now = Date.now();
    const seqKey = keys.jobEventSequence(jobId);
    const ttlSeconds = config.JOB_TTL_SECONDS + config.WEBHOOK_RETRY_SECONDS;
    const [[, seq]] = (await redis.multi().incr(seqKey).expire(seqKey, ttlSeconds).exec()) as [[null, number], unknown];
    const eventType = `job.${type}`;
    const data: WebhookDeliveryData = {
      jobId,
      tenant: record.tenant,
      seq,
      type: eventType,
      messageId: `msg_${randomUUID().replace(/-/g, '')}`,
      url: webhook.url,
      body: JSON.stringify({ type: eventType, timestamp: new Date(now).toISOString(), data: toWebhookJobView(record) }),
      createdAtMs: now,
    };
    await queue.add(DELIVERY_JOB_NAME, data, { jobId: deliveryJobId(jobId, seq) });
    // Marked after it is queued: a crash in between repeats it (at least once), never loses it.
    if (once) await redis.multi().hset(sentKey, type, String(seq)).expire(sentKey, ttlSeconds).exec();
    log.debug({ jobId, type: eventType, seq }, 'webhook event queued');
  }

  return {
    queue,
    emitJobEvent(jobId, type) {
      if (type === 'progress') {
        const now = Date.now();
        if (now - (lastProgressAt.get(jobId) ?? 0) < PROGRESS_INTERVAL_MS) return Promise.resolve();
        lastProgressAt.set(jobId, now);
      }
      const terminal = type === 'completed' || type === 'failed' || type === 'cancelled';
      const previous = chains.get(jobId) ?? Promise.resolve();
      const next = previous.then(() => emit(jobId, type)).catch((err: unknown) => {
        log.warn({ jobId, type, err: { message: (err as Error)?.message } }, 'could not queue a webhook event');
      }).finally(() => {
        if (chains.get(jobId) === next) chains.delete(jobId);
        if (terminal) {
          webhooks.delete(jobId);
          lastProgressAt.delete(jobId);
        }
      });
      chains.set(jobId, next);
      return next;
    },
    async close() {
      await Promise.allSettled([...chains.values()]);
      await queue.close();
    },
  };
}
