/**
 * The webhook delivery worker: a BullMQ Worker on the `webhooks` queue that POSTs each event,
 * signed with the tenant's secret(s), retries it with exponential backoff and jitter for
 * `WEBHOOK_RETRY_SECONDS`, and keeps each job's events in order. It runs inside every worker
 * process (`startWorker` starts it); `node --import tsx workers/webhook-delivery.ts` runs it alone.
 */
import { pathToFileURL } from 'node:url';
import { DelayedError, UnrecoverableError, Worker, type Job, type MinimalJob, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { installFatalHandlers, runUntilSignal } from '../src/process-lifecycle.js';
import { closeConnection, createWorkerConnection, RECONNECT_WAIT_MS, waitUntilReconnected } from '../src/queue/connection.js';
import { createJobStore } from '../src/store/job-store.js';
import { createTenantUsage } from '../src/store/tenant-usage.js';
import { createDeliveryLog, type DeliveryAttempt, type DeliveryLog } from '../src/webhooks/delivery-log.js';
import { createJobEvents, deliveryJobId, type JobEventEmitter, type WebhookDeliveryData } from '../src/webhooks/job-events.js';
import { postWebhook } from '../src/webhooks/post-webhook.js';
import type { ResolveAll } from '../src/webhooks/webhook-address.js';
import { createWebhookKeys, WEBHOOK_QUEUE_NAME } from '../src/webhooks/webhook-keys.js';
import { createWebhookMetrics, type WebhookMetrics } from '../src/webhooks/webhook-metrics.js';
import { createWebhookSecrets, signingSecretList, type WebhookSecrets } from '../src/webhooks/webhook-secrets.js';
import { webhookHeaders } from '../src/webhooks/webhook-signature.js';

/** Longest wait between two attempts of one delivery. */
export const MAX_BACKOFF_MS = 3600 * 1000;
/**
 * An event waiting for its predecessor is woken by the predecessor's end; this is only the
 * fallback re-check (e.g. when the process that delivered the predecessor died right after).
 */
const ORDER_RECHECK_MS = 5_000;


/** Options of {@link startWebhookDelivery}. */
export interface StartWebhookDeliveryOptions {
  config: Config;
  log: Logger;
  /** Registry of the process's `/metrics`; without one the metrics are not exposed. */
  registry?: Registry;
  /** Resolver of receiver host names. @defaultValue the system's (`dns.lookup`) */
  resolveAll?: ResolveAll;
}

/** A running delivery worker and the emitter of its process. */
export interface WebhookDeliveryHandle {
  /** Where this process reports job status changes (see {@link JobEventEmitter.emitJobEvent}). */
  readonly events: JobEventEmitter;
  readonly worker: Worker<WebhookDeliveryData>;
  /** Stops taking deliveries, lets those in flight end (each within `WEBHOOK_TIMEOUT_MS`), closes its connections. */
  close(): Promise<void>;
}

/**
 * Delay before retry `attemptsMade + 1`: `WEBHOOK_BACKOFF_MS · 2^(attemptsMade−1)`, capped at
 * one hour, with "equal jitter" (a uniformly random half of it added to the other half) so
 * receivers coming back up are not hit by every retry at once; never past the retry window.
 */
export function webhookBackoffMs(attemptsMade: number, config: Pick<Config, 'WEBHOOK_BACKOFF_MS' | 'WEBHOOK_RETRY_SECONDS'>, createdAtMs: number, nowMs = Date.now()): number {
  const exponential = Math.min(MAX_BACKOFF_MS, config.WEBHOOK_BACKOFF_MS * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  const windowLeft = createdAtMs + config.WEBHOOK_RETRY_SECONDS * 1000 - nowMs;
  return Math.max(0, Math.round(Math.min(jittered, windowLeft)));
}

function isSettled(state: string): boolean {
  // `unknown`: delivered or abandoned long ago and removed, or never queued (its emitter died).
  return state === 'completed' || state === 'failed' || state === 'unknown';
}

/** What the delivery processor uses. */
interface DeliveryProcessorDeps {
  config: Config;
  log: Logger;
  queue: Queue<WebhookDeliveryData>;
  secrets: WebhookSecrets;
  deliveries: DeliveryLog;
  metrics: WebhookMetrics;
  resolveAll?: ResolveAll;
}

/**
 * The BullMQ processor of one delivery: waits for the job's previous event, signs and POSTs it,
 * logs the attempt, and either returns (2xx), throws to be retried, or gives up after the window.
 */
function createDeliveryProcessor(deps: DeliveryProcessorDeps): (job: Job<WebhookDeliveryData>, token?: string) => Promise<string> {
  const { config, log, queue, secrets, deliveries, metrics } = deps;

  /** Whether the event before this one has been delivered or given up. */
  async function predecessorSettled(data: WebhookDeliveryData): Promise<boolean> {
    if (data.seq <= 1) return true;
    return isSettled(await queue.getJobState(deliveryJobId(data.jobId, data.seq - 1)));
  }

  async function deliver(job: Job<WebhookDeliveryData>, token?: string): Promise<string> {
    const data = job.data;
    if (!(await predecessorSettled(data))) {
      // In order per job: wait for the earlier event; its end promotes this one. Checking again
      // after the move closes the race with a predecessor that ended in between.
      await job.moveToDelayed(Date.now() + ORDER_RECHECK_MS, token);
      if (await predecessorSettled(data)) await job.promote().catch(() => undefined);
      throw new DelayedError();
    }
    const attempt = job.attemptsMade + 1;
    const started = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    const signing = signingSecretList(await secrets.getSecrets(data.tenant));
    const outcome = await postWebhook({
      url: data.url,
      body: data.body,
      headers: webhookHeaders(signing, { id: data.messageId, timestamp, body: data.body }),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      ...(deps.resolveAll ? { resolveAll: deps.resolveAll } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const windowOver = Date.now() >= data.createdAtMs + config.WEBHOOK_RETRY_SECONDS * 1000;
    const status = outcome.ok ? 'delivered' : windowOver ? 'given_up' : 'failed';
    const entry: DeliveryAttempt = {
      id: data.messageId,
      type: data.type,
      attempt,
      status,
      ...(outcome.responseStatus !== undefined ? { responseStatus: outcome.responseStatus } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      at: new Date().toISOString(),
    };
    await deliveries.record(data.jobId, entry);
    metrics.recordAttempt(outcome.ok ? 'delivered' : outcome.refused ? 'refused' : 'failed', seconds);
    const fields = { jobId: data.jobId, type: data.type, seq: data.seq, attempt, responseStatus: outcome.responseStatus };
    if (outcome.ok) {
      log.debug(fields, 'webhook delivered');
      return 'delivered';
    }
    if (windowOver) {
      metrics.recordAttempt('given_up', 0);
      log.warn({ ...fields, error: outcome.error }, 'webhook delivery given up: retry window over');
      throw new UnrecoverableError(`given up: ${outcome.error ?? 'failed'}`);
    }
    log.info({ ...fields, error: outcome.error }, 'webhook delivery failed; it will be retried');
    throw new Error(outcome.error ?? 'delivery failed');
  }

  return deliver;
}

/** Starts the delivery worker (its own Redis connections) and the emitter of this process. */
export async function startWebhookDelivery(options: StartWebhookDeliveryOptions): Promise<WebhookDeliveryHandle> {
  const { config } = options;
  const log = options.log.child({ role: 'webhooks' });
  const keys = createWebhookKeys(config.KEY_PREFIX);
  const storeConnection: Redis = createWorkerConnection(config, 'trainyard-webhooks-store');
  const bullConnection: Redis = createWorkerConnection(config, 'trainyard-webhooks-queue');
  for (const connection of [storeConnection, bullConnection]) {
    connection.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
  }
  const jobs = createJobStore({ redis: storeConnection, config, usage: createTenantUsage({ redis: storeConnection, config }) });
  const events = createJobEvents({ redis: storeConnection, config, log, jobs });
  const queue = events.queue;
  const secrets = createWebhookSecrets({ redis: storeConnection, config });
  const deliveries = createDeliveryLog({ redis: storeConnection, config });
  const metrics = createWebhookMetrics({
    ...(options.registry ? { registry: options.registry } : {}),
    queueCounts: () => queue.getJobCounts('waiting', 'active', 'delayed'),
  });

  const deliver = createDeliveryProcessor({
    config, log, queue, secrets, deliveries, metrics, ...(options.resolveAll ? { resolveAll: options.resolveAll } : {}),
  });

  const worker = new Worker<WebhookDeliveryData>(WEBHOOK_QUEUE_NAME, deliver, {
    connection: bullConnection,
    prefix: keys.bullPrefix,
    concurrency: config.WEBHOOK_CONCURRENCY,
    lockDuration: Math.max(config.LOCK_DURATION_MS, config.WEBHOOK_TIMEOUT_MS * 2),
    stalledInterval: config.STALLED_INTERVAL_MS,
    // A delivery stalls only when its process dies; it must never be dropped for that.
    maxStalledCount: 1_000_000,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob) =>
        webhookBackoffMs(attemptsMade, config, (job?.data as WebhookDeliveryData | undefined)?.createdAtMs ?? Date.now()),
    },
  });
  worker.on('error', (err) => log.warn({ err: err.message }, 'webhook worker error'));

  // The end of an event lets the next one of its job go at once.
  const wakeSuccessor = (job: Job<WebhookDeliveryData> | undefined): void => {
    if (!job) return;
    void (async () => {
      const next = await queue.getJob(deliveryJobId(job.data.jobId, job.data.seq + 1));
      if (next && (await next.isDelayed())) await next.promote();
    })().catch(() => undefined);
  };
  worker.on('completed', (job) => wakeSuccessor(job));
  worker.on('failed', (job, err) => {
    if (err?.name === 'UnrecoverableError') wakeSuccessor(job);
  });

  await worker.waitUntilReady();
  log.info({ concurrency: config.WEBHOOK_CONCURRENCY, queue: WEBHOOK_QUEUE_NAME }, 'webhook delivery started');

  let closing: Promise<void> | undefined;
  return {
    events,
    worker,
    close() {
      closing ??= (async () => {
        await waitUntilReconnected([storeConnection, bullConnection], RECONNECT_WAIT_MS);
        await worker.close();
        await events.close();
        await Promise.all([storeConnection, bullConnection].map((connection) => closeConnection(connection)));
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  installFatalHandlers(log);
  await runUntilSignal({
    log,
    graceMs: config.SHUTDOWN_GRACE_MS,
    start: async () => {
      const handle = await startWebhookDelivery({ config, log });
      return { stop: () => handle.close() };
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`trainyard webhooks: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
