import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { CancelOutcome, JobStore } from '../store/job-store.js';
import type { TrainingJobData } from './training-job-data.js';

export type { TrainingJobData } from './training-job-data.js';

/** BullMQ job name of every training job. */
export const TRAINING_JOB_NAME = 'train';

/** Waiting, active, delayed, completed and failed counts of the BullMQ queue. */
export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized', number>;

/** The API's side of the training queue. */
export interface TrainingQueue {
  /** The BullMQ queue (name `QUEUE_NAME`, prefix {@link Keys.bullPrefix}, e.g. `{ty}`). */
  readonly queue: Queue<TrainingJobData>;
  /**
   * Adds the job to BullMQ with our UUID as its id; retries and retention from config.
   * @param options.holdMs - keep it delayed this long (no worker takes it) unless
   *   {@link releaseTrainingJob} releases it first: the submit waits for replicas in between.
   */
  enqueueTrainingJob(data: TrainingJobData, options?: { holdMs?: number }): Promise<void>;
  /** Makes a job enqueued with `holdMs` available to workers now (no-op when it already is). */
  releaseTrainingJob(jobId: string): Promise<void>;
  /**
   * Cancels a job: queued → `cancelled` at once (and removed from BullMQ); running → the flag
   * is set and the job id is published on `keys.cancelChannel` so the worker running it stops
   * at its next batch.
   */
  cancelTrainingJob(jobId: string): Promise<CancelOutcome>;
  /** Removes the BullMQ job when it is not locked by a worker (best effort). */
  removeTrainingJob(jobId: string): Promise<void>;
  /** Job counts of the queue. */
  getQueueCounts(): Promise<QueueCounts>;
  /** Closes the queue (not the connection it was given). */
  close(): Promise<void>;
}

/**
 * Creates the producer side of the training queue.
 * @param options.connection the API's producer connection: `enableOfflineQueue: false` and a
 *   command timeout, so a Redis outage fails fast (503) instead of queueing commands.
 * @param options.jobStore the job store on the same Redis (cancels change the job record).
 */
export function createTrainingQueue(options: {
  connection: Redis;
  config: Pick<Config, 'QUEUE_NAME' | 'JOB_ATTEMPTS' | 'JOB_BACKOFF_MS' | 'JOB_TTL_SECONDS'>;
  jobStore: JobStore;
}): TrainingQueue {
  const { connection, config, jobStore } = options;
  const keys = jobStore.keys;
  const queue = new Queue<TrainingJobData>(config.QUEUE_NAME, {
    connection,
    prefix: keys.bullPrefix,
    defaultJobOptions: {
      attempts: config.JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS, jitter: 0.5 },
      // Our own record is the source of truth; BullMQ's copies only need to outlive a retry.
      removeOnComplete: { age: config.JOB_TTL_SECONDS, count: 10_000 },
      removeOnFail: { age: config.JOB_TTL_SECONDS, count: 10_000 },
    },
  });
  // Errors surface on the awaited calls; the event only needs a listener so it never throws.
  queue.on('error', () => undefined);

  async function removeTrainingJob(jobId: string): Promise<void> {
    const job = await queue.getJob(jobId);
    if (!job) return;
    // A locked (running) job cannot be removed; its worker finishes or stops it.
    await job.remove().catch(() => undefined);
  }

  return {
    queue,

    async enqueueTrainingJob(data, options = {}) {
      await queue.add(TRAINING_JOB_NAME, data, { jobId: data.jobId, ...(options.holdMs ? { delay: options.holdMs } : {}) });
    },

    async releaseTrainingJob(jobId) {
      const job = await queue.getJob(jobId);
      // promote() refuses a job that is no longer delayed (its hold ran out): nothing to do then.
      await job?.promote().catch(() => undefined);
    },

    async cancelTrainingJob(jobId) {
      const outcome = await jobStore.requestCancel(jobId);
      if (outcome === 'requested') await connection.publish(keys.cancelChannel, jobId);
      if (outcome === 'cancelled') await removeTrainingJob(jobId);
      return outcome;
    },

    removeTrainingJob,

    async getQueueCounts() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      return counts as QueueCounts;
    },

    async close() {
      await queue.close();
    },
  };
}
