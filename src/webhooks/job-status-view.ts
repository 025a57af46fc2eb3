import type { Static } from '@sinclair/typebox';
import type { JobError, JobSpec, JobStatus } from '../contract/job.js';
import type { JobView } from '../contract/job-schema.js';

/** The job-record fields a status view is made of (the job store's `JobRecord` has them all). */
export interface JobRecordFields {
  id: string;
  tenant: string;
  name: string;
  status: JobStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  epochs: number;
  epoch: number;
  loss: number | null;
  valLoss: number | null;
  accuracy: number | null;
  seed: number;
  attempts: number;
  error: JobError | null;
  kernel: string | null;
  lastHeartbeatAt: string | null;
  samplesPerSecond: number | null;
  epochsPerSecond: number | null;
  cancelRequested: boolean;
}

/** What webhooks read of a job (the job store satisfies it). */
export interface JobReader {
  getJob(id: string): Promise<JobRecordFields | null>;
  getSpec(id: string): Promise<JobSpec | null>;
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function positive(value: number | null): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/**
 * A job's status view, the `data` of a delivery: the same shape and values as
 * `GET /v1/jobs/{id}` answers (`src/api/views.ts`, which the worker side may not import), taken
 * when the event happened (so `stalled` is always `false`: the event itself is a sign of life).
 */
export function toWebhookJobView(record: JobRecordFields): Static<typeof JobView> {
  const fraction = record.epochs > 0 ? Math.min(1, record.epoch / record.epochs) : 0;
  let etaSeconds: number | null = null;
  if (record.status === 'completed') etaSeconds = 0;
  else if (record.status === 'running' && positive(record.epochsPerSecond)) {
    etaSeconds = Math.round((Math.max(0, record.epochs - record.epoch) / record.epochsPerSecond) * 10) / 10;
  }
  const self = `/v1/jobs/${record.id}`;
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    progress: {
      epoch: record.epoch,
      epochs: record.epochs,
      fraction,
      samplesPerSecond: positive(record.samplesPerSecond) ? Math.round(record.samplesPerSecond) : null,
      etaSeconds,
    },
    latest: { epoch: record.epoch, loss: finite(record.loss), valLoss: finite(record.valLoss), accuracy: finite(record.accuracy) },
    seed: record.seed,
    attempts: record.attempts,
    error: record.error,
    kernel: record.kernel,
    lastHeartbeatAt: record.lastHeartbeatAt,
    samplesPerSecond: record.samplesPerSecond,
    epochsPerSecond: record.epochsPerSecond,
    cancelRequested: record.cancelRequested,
    stalled: false,
    links: { self, metrics: `${self}/metrics`, result: `${self}/result`, events: `${self}/events` },
  };
}
