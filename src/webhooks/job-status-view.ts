import type { Static } from '@sinclair/typebox';
import type { JobSpec } from '../contract/job.js';
import type { JobView } from '../contract/job-schema.js';
import type { JobRecord } from '../store/job-record.js';
import { toJobView } from '../store/job-view.js';

/** What webhooks read of a job (the job store satisfies it). */
export interface JobReader {
  getJob(id: string): Promise<JobRecord | null>;
  getSpec(id: string): Promise<JobSpec | null>;
}

/**
 * A job's status view, the `data` of a delivery: exactly what `GET /v1/jobs/{id}` answers, taken
 * when the event happened (so `stalled` is always `false`: the event itself is a sign of life).
 */
export function toWebhookJobView(record: JobRecord): Static<typeof JobView> {
  return toJobView(record, Number.POSITIVE_INFINITY);
}
