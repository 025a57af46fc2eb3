import type { Static } from '@sinclair/typebox';
import type { JobView } from '../contract/job-schema.js';
import type { JobRecord } from './job-record.js';
import { computeLiveStatus } from './live-status.js';

/** The links of a job. */
export function jobLinks(id: string): { self: string; metrics: string; result: string; events: string } {
  const self = `/v1/jobs/${id}`;
  return { self, metrics: `${self}/metrics`, result: `${self}/result`, events: `${self}/events` };
}

function finite(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

/**
 * A job record as GET /v1/jobs/{id} answers it.
 * @param stalledHeartbeatMs `STALLED_HEARTBEAT_MS`: a running job silent for longer is `stalled`.
 */
export function toJobView(record: JobRecord, stalledHeartbeatMs: number): Static<typeof JobView> {
  const fraction = record.epochs > 0 ? Math.min(1, record.epoch / record.epochs) : 0;
  const live = computeLiveStatus(record, { stalledHeartbeatMs });
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    progress: { epoch: record.epoch, epochs: record.epochs, fraction, samplesPerSecond: live.samplesPerSecond, etaSeconds: live.etaSeconds },
    latest: { epoch: record.epoch, loss: finite(record.loss), valLoss: finite(record.valLoss), accuracy: finite(record.accuracy) },
    seed: record.seed,
    attempts: record.attempts,
    error: record.error,
    kernel: record.kernel,
    lastHeartbeatAt: record.lastHeartbeatAt,
    samplesPerSecond: record.samplesPerSecond,
    epochsPerSecond: record.epochsPerSecond,
    cancelRequested: record.cancelRequested,
    stalled: live.stalled,
    forkedFrom: record.forkedFrom,
    hyperparameters: record.hyperparameters,
    links: jobLinks(record.id),
  };
}
