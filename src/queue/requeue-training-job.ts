import type { Queue } from 'bullmq';
import { UnavailableError } from '../errors.js';
import type { TrainingJobData } from './training-job-data.js';
import { TRAINING_JOB_NAME } from './training-queue.js';

/** How long a requeue waits for the job's previous BullMQ run to end (a worker finishing a pause). */
const ACTIVE_WAIT_MS = 5_000;
const POLL_MS = 50;

/**
 * Queues a training job again under its own id (a resumed job): BullMQ keeps one job per id, so
 * the previous one (completed, failed) is removed first; one still active — its worker is just
 * pausing it — is waited for. A job already waiting or delayed is left as it is.
 * @throws UnavailableError when the previous run is still active after 5 s
 */
export async function requeueTrainingJob(queue: Queue<TrainingJobData>, data: TrainingJobData): Promise<void> {
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (;;) {
    const previous = await queue.getJob(data.jobId);
    if (!previous) {
      await queue.add(TRAINING_JOB_NAME, data, { jobId: data.jobId });
      return;
    }
    const state = await previous.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') return;
    if (state !== 'active') {
      await previous.remove();
      continue;
    }
    if (Date.now() > deadline) throw new UnavailableError('The job is still being paused by its worker; try again in a moment.');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
