import type { JobError, JobStatus } from '../contract/job.js';

/** A job's main hyper-parameters: layer sizes input first (`"784-128-10"`), learning rate, batch size. */
export interface JobHyperparameters {
  layers: string;
  learningRate: number;
  batchSize: number;
}

/** A job's record (the `…:rec` hash), as the API and workers read it. */
export interface JobRecord {
  /** Public UUIDv4; also the BullMQ job id. */
  id: string;
  tenant: string;
  name: string;
  status: JobStatus;
  /** ISO 8601 times; null until they happen. */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Epochs asked for. */
  epochs: number;
  /** Last epoch reported (0 before the first). */
  epoch: number;
  loss: number | null;
  valLoss: number | null;
  accuracy: number | null;
  seed: number;
  /** Attempts started (BullMQ `attemptsMade + 1` of the latest). */
  attempts: number;
  error: JobError | null;
  /** Engine kernel set that trained it (e.g. `wasm-simd`). */
  kernel: string | null;
  lastHeartbeatAt: string | null;
  samplesPerSecond: number | null;
  epochsPerSecond: number | null;
  /** `true` once a cancel was requested for a running job. */
  cancelRequested: boolean;
  /** `true` once a pause was requested for a running job. */
  pauseRequested: boolean;
  /** The job and epoch a forked job started from; `null` for a job that is not a fork. */
  forkedFrom: { jobId: string; epoch: number } | null;
  /** The main hyper-parameters (layer sizes, learning rate, batch size); `null` on records written before they were kept. */
  hyperparameters: JobHyperparameters | null;
  specVersion: number;
}

/** Progress a running job reports; absent fields are left unchanged. */
export interface ProgressUpdate {
  epoch: number;
  loss: number;
  valLoss?: number | null;
  accuracy?: number | null;
  samplesPerSecond?: number;
  epochsPerSecond?: number;
  kernel?: string;
}

/** A stored number field: `''` or absent is `null`; `NaN` is kept (a diverged loss). */
function parseNumber(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isNaN(n) && value !== 'NaN' ? null : n;
}

/** Turns a record hash into a {@link JobRecord}; `null` for an empty hash (no such job). */
export function parseJobRecord(hash: Record<string, string>): JobRecord | null {
  if (!hash.id) return null;
  return {
    id: hash.id,
    tenant: hash.tenant,
    name: hash.name ?? '',
    status: hash.status as JobStatus,
    createdAt: hash.createdAt,
    startedAt: hash.startedAt || null,
    finishedAt: hash.finishedAt || null,
    epochs: Number(hash.epochs),
    epoch: Number(hash.epoch ?? 0),
    loss: parseNumber(hash.loss),
    valLoss: parseNumber(hash.valLoss),
    accuracy: parseNumber(hash.accuracy),
    seed: Number(hash.seed),
    attempts: Number(hash.attempts ?? 0),
    error: hash.error ? (JSON.parse(hash.error) as JobError) : null,
    kernel: hash.kernel || null,
    lastHeartbeatAt: hash.lastHeartbeatAt || null,
    samplesPerSecond: parseNumber(hash.samplesPerSecond),
    epochsPerSecond: parseNumber(hash.epochsPerSecond),
    cancelRequested: hash.cancelRequested === '1',
    pauseRequested: hash.pauseRequested === '1',
    forkedFrom: hash.forkedFrom ? (JSON.parse(hash.forkedFrom) as { jobId: string; epoch: number }) : null,
    hyperparameters: hash.hyper ? (JSON.parse(hash.hyper) as JobHyperparameters) : null,
    specVersion: Number(hash.specVersion ?? 1),
  };
}

/** The record fields a progress update writes (with a heartbeat at `now`). */
export function progressFields(update: ProgressUpdate, now: string): string[] {
  const fields: string[] = ['epoch', String(update.epoch), 'loss', String(update.loss), 'lastHeartbeatAt', now];
  if (update.valLoss !== undefined) fields.push('valLoss', update.valLoss === null ? '' : String(update.valLoss));
  if (update.accuracy !== undefined) fields.push('accuracy', update.accuracy === null ? '' : String(update.accuracy));
  if (update.samplesPerSecond !== undefined) fields.push('samplesPerSecond', String(update.samplesPerSecond));
  if (update.epochsPerSecond !== undefined) fields.push('epochsPerSecond', String(update.epochsPerSecond));
  if (update.kernel !== undefined) fields.push('kernel', update.kernel);
  return fields;
}
