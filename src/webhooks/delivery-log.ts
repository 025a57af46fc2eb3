import type { Redis } from 'ioredis';
import { createWebhookKeys } from './webhook-keys.js';

/**
 * Status of one delivery attempt: `delivered` (2xx), `failed` (non-2xx, timeout, network error
 * or a refused address; it will be retried) or `given_up` (failed, and the retry window is over).
 */
export type DeliveryAttemptStatus = 'delivered' | 'failed' | 'given_up';

/** One attempt, as `GET /v1/jobs/{id}/webhook-deliveries` lists it. */
export interface DeliveryAttempt {
  /** The message id (`webhook-id`), the same for every attempt of one event. */
  id: string;
  /** `job.started`, `job.progress`, `job.completed`, `job.failed`, `job.cancelled`. */
  type: string;
  /** 1 for the first attempt of the message. */
  attempt: number;
  status: DeliveryAttemptStatus;
  /** The receiver's HTTP status, when it answered. */
  responseStatus?: number;
  /** Why the attempt failed (timeout, refused address, connection error, non-2xx). */
  error?: string;
  /** When the attempt ended (ISO 8601). */
  at: string;
}

/** Attempts kept per job (oldest dropped first). */
export const MAX_LOGGED_ATTEMPTS = 1000;

/** The attempts of each job's webhook deliveries, oldest first. */
export interface DeliveryLog {
  record(jobId: string, attempt: DeliveryAttempt): Promise<void>;
  list(jobId: string): Promise<DeliveryAttempt[]>;
}

/**
 * Creates the delivery log on `redis`. A job's log expires `ttlSeconds` after its last attempt
 * (a finished job's own keys expire after `JOB_TTL_SECONDS`).
 */
export function createDeliveryLog(options: { redis: Redis; config: { KEY_PREFIX: string; JOB_TTL_SECONDS: number } }): DeliveryLog {
  const { redis, config } = options;
  const keys = createWebhookKeys(config.KEY_PREFIX);
  return {
    async record(jobId, attempt) {
      const key = keys.jobDeliveryLog(jobId);
      await redis.multi().rpush(key, JSON.stringify(attempt)).ltrim(key, -MAX_LOGGED_ATTEMPTS, -1).expire(key, config.JOB_TTL_SECONDS).exec();
    },
    async list(jobId) {
      const entries = await redis.lrange(keys.jobDeliveryLog(jobId), 0, -1);
      return entries.map((entry) => JSON.parse(entry) as DeliveryAttempt);
    },
  };
}
