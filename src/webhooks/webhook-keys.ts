/**
 * Redis keys of webhooks, in the layout of `src/store/keys.ts` (same prefix, same hash tags: a
 * job's keys share `{<jobId>}`, a tenant's `{<tenant>}`, BullMQ's prefix is `{<prefix>}`):
 * - `ty:job:{<jobId>}:wh:seq`  string  the job's last event sequence number (delivery order)
 * - `ty:job:{<jobId>}:wh:log`  list    the job's delivery attempts, oldest first (JSON each)
 * - `ty:job:{<jobId>}:wh:sent` hash   once-only events already queued (`started`, `completed`, `failed`, `cancelled`) → sequence
 * - `ty:t:{<tenant>}:whsecret` hash    the tenant's signing secret: `current`, `previous`, `previousUntil` (ms)
 * - BullMQ queue `webhooks` under `{ty}`: one job per event to deliver.
 */
export interface WebhookKeys {
  /** BullMQ's `prefix` option, the same as the training queue's. */
  readonly bullPrefix: string;
  jobEventSequence(jobId: string): string;
  jobDeliveryLog(jobId: string): string;
  jobEventsSent(jobId: string): string;
  tenantSecret(tenant: string): string;
}

/** BullMQ queue name of webhook deliveries. */
export const WEBHOOK_QUEUE_NAME = 'webhooks';

/** Builds the webhook keys for `KEY_PREFIX`. */
export function createWebhookKeys(prefix: string): WebhookKeys {
  return Object.freeze({
    bullPrefix: `{${prefix}}`,
    jobEventSequence: (jobId: string) => `${prefix}:job:{${jobId}}:wh:seq`,
    jobDeliveryLog: (jobId: string) => `${prefix}:job:{${jobId}}:wh:log`,
    jobEventsSent: (jobId: string) => `${prefix}:job:{${jobId}}:wh:sent`,
    tenantSecret: (tenant: string) => `${prefix}:t:{${tenant}}:whsecret`,
  });
}
