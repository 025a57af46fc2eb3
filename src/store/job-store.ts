import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { JobError, JobSpec, JobStatus } from '../contract/job.js';
import { NotFoundError } from '../errors.js';
import { createActiveSlots, type ActiveSlots } from './active-slots.js';
import { createIdempotencyKeys, type IdempotencyKeys, type IdempotencyReservation } from './idempotency-keys.js';
import { createJobIndex, type JobIndex, type JobPage, type ListOptions } from './job-index.js';
import type { JobRecord, ProgressUpdate } from './job-record.js';
import { createJobRecords, type CancelOutcome, type CompletedRun, type JobRecords, type NewJob, type StoredResult } from './job-records.js';
import { createKeys, type Keys } from './keys.js';
import { jobArtifact, type TenantUsage } from './tenant-usage.js';

export type { JobPage } from './job-index.js';
export type { JobRecord, ProgressUpdate } from './job-record.js';
export type { CancelOutcome, CompletedRun, InlineRows, NewJob, StoredResult } from './job-records.js';
export { jobStorageBytes } from './job-records.js';

/**
 * Jobs in Redis: the records of each job ({@link JobRecords}), the tenant's job index
 * ({@link JobIndex}), its active slots ({@link ActiveSlots}) and Idempotency-Keys
 * ({@link IdempotencyKeys}), composed so that every write to a job's keys keeps the tenant's
 * index, slots and storage ledger ({@link TenantUsage}) in step.
 */
export interface JobStore {
  readonly keys: Keys;
  readonly records: JobRecords;
  readonly index: JobIndex;
  readonly slots: ActiveSlots;
  readonly idempotency: IdempotencyKeys;
  readonly usage: TenantUsage;
  /** Creates the record (status `queued`) with its spec, initial weights and inline data, and indexes it for the tenant. */
  createJob(job: NewJob): Promise<JobRecord>;
  /** The record, or `null` when the job does not exist (or expired, or was deleted). */
  getJob(id: string): Promise<JobRecord | null>;
  /** The record of one of `tenant`'s jobs. @throws NotFoundError when missing or another tenant's. */
  getTenantJob(tenant: string, id: string): Promise<JobRecord>;
  /** The normalised spec, or `null`. */
  getSpec(id: string): Promise<JobSpec | null>;
  /** Initial weights (float64 LE) of a warm-started job, or `null`. */
  getInitialWeights(id: string): Promise<Uint8Array | null>;
  /**
   * Marks an attempt as running: `status = running`, `attempts = attempt`, `startedAt`,
   * heartbeat. Only from `queued` or `running` (a retry).
   * @returns `false` when the job is missing or terminal (cancelled meanwhile): do not train it.
   */
  markRunning(id: string, update: { attempt: number; startedAt: string }): Promise<boolean>;
  /**
   * Records the latest epoch and a heartbeat, only while `running`.
   * @returns `false` when the job is no longer running (finished, cancelled or deleted).
   */
  updateProgress(id: string, update: ProgressUpdate): Promise<boolean>;
  /**
   * Stores the result and marks the job `completed`, atomically and only if the job is not
   * terminal yet (and, with `run.attempt`, only for the current attempt): a stale worker cannot
   * overwrite, so there is exactly one result.
   * @returns `true` when this call completed the job.
   */
  completeJob(id: string, run: CompletedRun): Promise<boolean>;
  /** Marks the job `failed` with `error`, only if not terminal. @returns `true` when this call failed it. */
  failJob(id: string, error: JobError, options?: { finishedAt?: string }): Promise<boolean>;
  /** Marks the job `cancelled` (a worker whose loop stopped on a cancel), only if not terminal. */
  cancelJob(id: string, options?: { finishedAt?: string }): Promise<boolean>;
  /** The API's cancel: queued → cancelled at once; running → flag (the queue module publishes). */
  requestCancel(id: string): Promise<CancelOutcome>;
  /** `true` when a cancel was requested, or the job is already cancelled or gone. */
  isCancelRequested(id: string): Promise<boolean>;
  /** A completed job's result, or `null`. */
  getResult(id: string): Promise<StoredResult | null>;
  /** Removes every key of the job, its index entries and its bytes from the tenant's storage quota. @returns `false` when it did not exist. */
  deleteJob(id: string): Promise<boolean>;
  /** A page of the tenant's jobs, newest first, optionally filtered by status. @throws ValidationError for a malformed cursor. */
  listJobs(tenant: string, options: ListOptions): Promise<JobPage>;
  /** Jobs that reached each final status since the keys were created (Prometheus). */
  countFinishedJobs(): Promise<Record<string, number>>;
  /** Queued + running jobs of the tenant (drops index entries of jobs that finished or vanished). */
  countActiveJobs(tenant: string): Promise<number>;
  /** {@link ActiveSlots.reserve}. */
  reserveActiveSlot(tenant: string, id: string, max: number): Promise<boolean>;
  /** Gives back a slot taken by {@link reserveActiveSlot} for a job that was not created. */
  releaseActiveSlot(tenant: string, id: string): Promise<void>;
  /** {@link IdempotencyKeys.reserve}. */
  reserveIdempotencyKey(tenant: string, keyDigest: string, value: IdempotencyReservation, ttlSeconds: number): Promise<IdempotencyReservation | null>;
  /** Drops a reservation (when the submit failed after reserving). */
  releaseIdempotencyKey(tenant: string, keyDigest: string): Promise<void>;
}

/** Options of {@link createJobStore}. */
export interface JobStoreOptions {
  /** A connection (the API's fails fast; a worker's waits for Redis). */
  redis: Redis;
  /**
   * A second connection for reads (records, specs, results, lists). Redis blocks a client's
   * later commands behind a write held by `CLIENT PAUSE WRITE` (or a full memory), so the API
   * reads on its own connection to keep serving status polls meanwhile. @defaultValue `redis`
   */
  reader?: Redis;
  /** `KEY_PREFIX` decides every key; `JOB_TTL_SECONDS` is how long a finished job and its artifacts are kept. */
  config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS'>;
  /**
   * The tenants' usage store, shared with the other stores of the process: a finished job's
   * bytes start expiring in its storage ledger, a deleted job's leave it.
   */
  usage: TenantUsage;
}

/** The parts a job store composes. */
type JobStoreParts = Pick<JobStore, 'keys' | 'records' | 'index' | 'slots' | 'idempotency' | 'usage'>;

/** The writes that end a job: each keeps the tenant's active set, storage ledger and counters in step. */
function createLifecycle(redis: Redis, parts: JobStoreParts, ttlSeconds: number): Pick<JobStore, 'completeJob' | 'failJob' | 'cancelJob' | 'requestCancel' | 'deleteJob'> {
  const { keys, records, index, slots, usage } = parts;

  /**
   * After a job finished: it leaves the tenant's active set and its stored bytes count until its
   * keys expire (the ledger's `ZADD XX`, see tenant-usage.ts), in one MULTI (both keys are the
   * tenant's, one slot); then the finished-jobs counter (counted even for a record without a tenant).
   */
  async function afterFinish(tenant: string, id: string, status: JobStatus): Promise<void> {
    if (tenant) {
      const expiresAtMs = Date.now() + ttlSeconds * 1000;
      await redis.multi().srem(keys.tenantActive(tenant), id).zadd(keys.tenantStorageExpiry(tenant), 'XX', expiresAtMs, jobArtifact(id)).exec();
    }
    await redis.hincrby(keys.jobsFinished, status, 1);
  }

  async function finish(id: string, status: 'failed' | 'cancelled', error: JobError | null, finishedAt = new Date().toISOString()): Promise<boolean> {
    const { outcome, tenant } = await records.finish(id, status, error, finishedAt);
    if (outcome) await afterFinish(tenant, id, status);
    return outcome;
  }

  return {
    async completeJob(id, run) {
      const { outcome, tenant } = await records.complete(id, run);
      if (outcome) await afterFinish(tenant, id, 'completed');
      return outcome;
    },
    failJob: (id, error, opts) => finish(id, 'failed', error, opts?.finishedAt),
    cancelJob: (id, opts) => finish(id, 'cancelled', null, opts?.finishedAt),
    async requestCancel(id) {
      const { outcome, tenant } = await records.requestCancel(id);
      if (outcome === 'cancelled') await afterFinish(tenant, id, 'cancelled');
      return outcome;
    },
    async deleteJob(id) {
      const { removed, tenant } = await records.remove(id);
      if (tenant) {
        await Promise.all([index.remove(tenant, id), slots.release(tenant, id)]);
        await usage.releaseStorage(tenant, jobArtifact(id));
      }
      return removed;
    },
  };
}

/** Creates the job store on an ioredis connection (see {@link JobStoreOptions}). */
export function createJobStore(options: JobStoreOptions): JobStore {
  const { redis } = options;
  const reader = options.reader ?? redis;
  const keys = createKeys(options.config.KEY_PREFIX);
  const parts: JobStoreParts = {
    keys,
    records: createJobRecords({ redis, reader, keys, config: options.config }),
    index: createJobIndex({ redis, reader, keys }),
    slots: createActiveSlots({ redis, keys }),
    idempotency: createIdempotencyKeys({ redis, keys }),
    usage: options.usage,
  };
  const { records, index, slots, idempotency } = parts;

  return {
    ...parts,
    ...createLifecycle(redis, parts, options.config.JOB_TTL_SECONDS),

    async createJob(job) {
      // Three commands sent together, each on one slot (Redis Cluster safe): the job's keys,
      // the tenant's index and the tenant's slot.
      const [record] = await Promise.all([records.create(job), index.add(job.tenant, job.id), slots.confirm(job.tenant, job.id)]);
      return record;
    },
    getJob: (id) => records.get(id),
    async getTenantJob(tenant, id) {
      const record = await records.get(id);
      if (record === null || record.tenant !== tenant) throw new NotFoundError('No such job.');
      return record;
    },
    getSpec: (id) => records.getSpec(id),
    getInitialWeights: (id) => records.getInitialWeights(id),
    markRunning: (id, update) => records.markRunning(id, update),
    updateProgress: (id, update) => records.updateProgress(id, update),
    isCancelRequested: (id) => records.isCancelRequested(id),
    getResult: (id) => records.getResult(id),
    listJobs: (tenant, listOptions) => index.list(tenant, listOptions),
    async countFinishedJobs() {
      const hash = await reader.hgetall(keys.jobsFinished);
      return Object.fromEntries(Object.entries(hash).map(([status, count]) => [status, Number(count)]));
    },
    countActiveJobs: (tenant) => slots.count(tenant),
    reserveActiveSlot: (tenant, id, max) => slots.reserve(tenant, id, max),
    releaseActiveSlot: (tenant, id) => slots.release(tenant, id),
    reserveIdempotencyKey: (tenant, keyDigest, value, ttlSeconds) => idempotency.reserve(tenant, keyDigest, value, ttlSeconds),
    releaseIdempotencyKey: (tenant, keyDigest) => idempotency.release(tenant, keyDigest),
  };
}
