import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { JobError, JobSpec, JobStatus, LayerWeights, ResultMetrics } from '../contract/job.js';
import { countParameters, encodeWeights } from '../contract/weights.js';
import { parseJobRecord, progressFields, type JobHyperparameters, type JobRecord, type ProgressUpdate } from './job-record.js';
import { checkpointMetaJson, type CheckpointFacts } from './checkpoint-store.js';
import type { Keys } from './keys.js';
import { COMPLETE_JOB, CREATE_JOB, FINISH_JOB, REQUEST_CANCEL, SET_IF_STATUS } from './lua/job-scripts.js';
import { runScript } from './lua/script.js';
import { concatChunks, encodedByteLength, encodeNumbers } from './number-buffer.js';

/** A job's inline training data as sent: one row of numbers per sample. */
export interface InlineRows {
  inputs: readonly (readonly number[])[];
  targets: readonly (readonly number[])[];
}

/** What {@link JobRecords.create} stores: domain values, encoded here. */
export interface NewJob {
  id: string;
  tenant: string;
  spec: JobSpec;
  createdAt: string;
  /** Warm-start weights (checked against the model's shape by the caller). */
  initialWeights?: readonly LayerWeights[] | null;
  /** Inline data (`spec.data.kind === 'inline'`), stored with the record, atomically. */
  inlineData?: InlineRows | null;
}

/** A completed job's stored result. */
export interface StoredResult {
  /** Float64 little-endian weights (contract/weights.ts encoding). */
  weights: Uint8Array;
  metrics: ResultMetrics;
  kernel: string;
}

/** What a worker hands in when a job completes. */
export interface CompletedRun {
  /** Float64 little-endian weights, as the engine encodes them. */
  weights: Uint8Array;
  metrics: ResultMetrics;
  kernel: string;
  /** When given, the write is refused unless it equals the record's `attempts` (an older attempt lost its lock). */
  attempt?: number;
  finishedAt?: string;
  /**
   * The trainer's final snapshot (weights, optimizer moments, position): it replaces the job's
   * checkpoints and expires with the result, so the completed job can be forked. Without it the
   * checkpoints are deleted.
   */
  checkpoint?: FinalSnapshot;
}

/** A snapshot and what its writer says about it (see {@link CheckpointFacts}). */
export interface FinalSnapshot extends CheckpointFacts {
  bytes: Uint8Array;
}

/** Outcome of {@link JobRecords.requestCancel}. */
export type CancelOutcome =
  /** It was queued: now `cancelled` (terminal). */
  | 'cancelled'
  /** It is running: the flag is set; the worker stops it at the next batch. */
  | 'requested'
  /** It already finished; nothing changed. */
  | 'finished'
  /** No such job. */
  | 'missing';

/** A status change and the tenant it belongs to (`''` when it did not happen). */
export interface Transition<T = boolean> {
  outcome: T;
  tenant: string;
}

/**
 * One job's keys (`…:job:{<id>}:*`: record, spec, initial weights, inline data, result):
 * every write is a compare-and-set on the record's status, in one script on the job's slot.
 * Tenant indexes, slots and quotas are not touched here (see job-store.ts, which composes them).
 */
export interface JobRecords {
  create(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  getSpec(id: string): Promise<JobSpec | null>;
  getInitialWeights(id: string): Promise<Uint8Array | null>;
  getResult(id: string): Promise<StoredResult | null>;
  markRunning(id: string, update: { attempt: number; startedAt: string }): Promise<boolean>;
  updateProgress(id: string, update: ProgressUpdate): Promise<boolean>;
  complete(id: string, run: CompletedRun): Promise<Transition>;
  finish(id: string, status: 'failed' | 'cancelled', error: JobError | null, finishedAt: string): Promise<Transition>;
  requestCancel(id: string): Promise<Transition<CancelOutcome>>;
  isCancelRequested(id: string): Promise<boolean>;
  /** Deletes every key of the job. @returns its tenant, or `null` when it had no record. */
  remove(id: string): Promise<{ removed: boolean; tenant: string | null }>;
}

function rowsToNumbers(rows: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const row of rows) for (const value of row) out.push(value);
  return out;
}

/**
 * Bytes a job stores for its tenant's storage quota: its inline data as encoded (float32 when
 * exact), its initial weights and its trained weights (8 bytes a parameter, known from the
 * model's shape, so the result always fits the quota reserved at submit).
 */
export function jobStorageBytes(job: Pick<NewJob, 'spec' | 'initialWeights' | 'inlineData'>): number {
  const weightBytes = 8 * countParameters(job.spec.model.inputSize, job.spec.model.layers);
  const data = job.inlineData ? encodedByteLength(rowsToNumbers(job.inlineData.inputs)) + encodedByteLength(rowsToNumbers(job.inlineData.targets)) : 0;
  return data + (job.initialWeights ? weightBytes : 0) + weightBytes;
}

/** The inline data hash's field/value pairs (read back by the dataset store). */
function inlineDataFields(rows: InlineRows): (string | Buffer)[] {
  const inputs = encodeNumbers(rowsToNumbers(rows.inputs));
  const targets = encodeNumbers(rowsToNumbers(rows.targets));
  return [
    'samples', String(rows.inputs.length),
    'inputSize', String(rows.inputs[0]?.length ?? 0),
    'outputSize', String(rows.targets[0]?.length ?? 0),
    'inputsDtype', inputs.dtype, 'targetsDtype', targets.dtype,
    'inputs', concatChunks(inputs), 'targets', concatChunks(targets),
  ];
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The main hyper-parameters of a spec, kept on the record for job lists (the dashboard sorts by them). */
function hyperparametersOf(spec: JobSpec): JobHyperparameters {
  const layers = [spec.model.inputSize, ...spec.model.layers.map((layer) => layer.units)].join('-');
  return { layers, learningRate: spec.optimizer.learningRate, batchSize: spec.training.batchSize };
}

/** Writes a new job's keys (record `queued`, spec, initial weights, inline data) in one script on the job's slot. */
async function writeNewJob(redis: Redis, keys: Keys, job: NewJob): Promise<JobRecord> {
  const { spec } = job;
  const record: Record<string, string> = {
    id: job.id, tenant: job.tenant, name: spec.name, status: 'queued', createdAt: job.createdAt,
    epochs: String(spec.training.epochs), epoch: '0', seed: String(spec.training.seed), attempts: '0', specVersion: String(spec.specVersion),
    hyper: JSON.stringify(hyperparametersOf(spec)),
  };
  const data = job.inlineData ? inlineDataFields(job.inlineData) : [];
  const init = job.initialWeights ? asBuffer(encodeWeights(job.initialWeights)) : '';
  await runScript(redis, CREATE_JOB, [keys.jobRecord(job.id), keys.jobSpec(job.id), keys.jobInitialWeights(job.id), keys.jobData(job.id)], [
    JSON.stringify(spec), init, String(data.length), ...data, ...Object.entries(record).flat(),
  ]);
  return parseJobRecord(record)!;
}

/** Creates the job records store (see {@link createJobStore} for the connections). */
export function createJobRecords(options: { redis: Redis; reader: Redis; keys: Keys; config: Pick<Config, 'JOB_TTL_SECONDS'> }): JobRecords {
  const { redis, reader, keys } = options;
  const ttl = String(options.config.JOB_TTL_SECONDS);

  return {
    create: (job) => writeNewJob(redis, keys, job),

    async get(id) {
      return parseJobRecord(await reader.hgetall(keys.jobRecord(id)));
    },

    async getSpec(id) {
      const text = await reader.get(keys.jobSpec(id));
      return text === null ? null : (JSON.parse(text) as JobSpec);
    },

    async getInitialWeights(id) {
      const bytes = await redis.getBuffer(keys.jobInitialWeights(id));
      return bytes === null ? null : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },

    async getResult(id) {
      const [weights, metrics, kernel] = await reader.hmgetBuffer(keys.jobResult(id), 'weights', 'metrics', 'kernel');
      if (weights === null || metrics === null) return null;
      return {
        weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
        metrics: JSON.parse(metrics.toString()) as ResultMetrics,
        kernel: kernel?.toString() ?? '',
      };
    },

    async markRunning(id, update) {
      const fields = ['status', 'running', 'attempts', String(update.attempt), 'startedAt', update.startedAt, 'lastHeartbeatAt', new Date().toISOString(), 'error', ''];
      return (await runScript<number>(redis, SET_IF_STATUS, [keys.jobRecord(id)], ['queued,running', ...fields])) === 1;
    },

    async updateProgress(id, update) {
      const fields = progressFields(update, new Date().toISOString());
      return (await runScript<number>(redis, SET_IF_STATUS, [keys.jobRecord(id)], ['running', ...fields])) === 1;
    },

    async complete(id, run) {
      const first = [keys.jobRecord(id), keys.jobResult(id), keys.jobCheckpoint(id)];
      const ordered = [...first, ...keys.jobKeys(id).filter((k) => !first.includes(k))];
      const { checkpoint } = run;
      const final = checkpoint ? [asBuffer(checkpoint.bytes), checkpointMetaJson(checkpoint.bytes, checkpoint), String(checkpoint.step)] : ['', '', ''];
      const [done, tenant] = await runScript<[number, string]>(redis, COMPLETE_JOB, ordered, [
        asBuffer(run.weights), JSON.stringify(run.metrics), run.kernel, run.finishedAt ?? new Date().toISOString(), ttl,
        String(run.metrics.epochsRun), run.attempt === undefined ? '' : String(run.attempt), ...final,
      ]);
      return { outcome: done === 1, tenant: done === 1 ? tenant : '' };
    },

    async finish(id, status: JobStatus, error, finishedAt) {
      const [done, tenant] = await runScript<[number, string]>(redis, FINISH_JOB, keys.jobKeys(id), [status, finishedAt, ttl, error ? JSON.stringify(error) : '']);
      return { outcome: done === 1, tenant: done === 1 ? tenant : '' };
    },

    async requestCancel(id) {
      const [outcome, tenant] = await runScript<[CancelOutcome, string]>(redis, REQUEST_CANCEL, keys.jobKeys(id), [new Date().toISOString(), ttl]);
      return { outcome, tenant };
    },

    async isCancelRequested(id) {
      const [status, flag] = await redis.hmget(keys.jobRecord(id), 'status', 'cancelRequested');
      return status === null || status === 'cancelled' || flag === '1';
    },

    async remove(id) {
      const tenant = await redis.hget(keys.jobRecord(id), 'tenant');
      const removed = await redis.del(...keys.jobKeys(id));
      return { removed: removed > 0 && tenant !== null, tenant };
    },
  };
}
