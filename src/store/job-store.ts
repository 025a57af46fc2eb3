import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { isTerminalStatus, type JobError, type JobSpec, type JobStatus, type ResultMetrics } from '../contract/job.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { createKeys, type Keys } from './keys.js';
import { createTenantUsage, jobArtifact } from './tenant-usage.js';

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
  specVersion: number;
}

/** A completed job's stored result. */
export interface StoredResult {
  /** Float64 little-endian weights (contract/weights.ts encoding). */
  weights: Uint8Array;
  metrics: ResultMetrics;
  kernel: string;
}

/** What {@link JobStore.createJob} stores. */
export interface NewJob {
  id: string;
  tenant: string;
  spec: JobSpec;
  createdAt: string;
  /** Initial weights (float64 LE encoding) for warm starts. */
  initialWeights?: Uint8Array | null;
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

/** Outcome of {@link JobStore.requestCancel}. */
export type CancelOutcome =
  /** It was queued: now `cancelled` (terminal). */
  | 'cancelled'
  /** It is running: the flag is set; the worker stops it at the next batch. */
  | 'requested'
  /** It already finished; nothing changed. */
  | 'finished'
  /** No such job. */
  | 'missing';

/** One page of a tenant's jobs, newest first. */
export interface JobPage {
  items: JobRecord[];
  nextCursor: string | null;
}

/** Job records, specs and results in Redis. Every write to a job's keys goes through here. */
export interface JobStore {
  readonly keys: Keys;
  /** Creates the record (status `queued`), the spec and the tenant indexes. */
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
   * terminal yet: a stale worker cannot overwrite, so there is exactly one result.
   * @param result.attempt when given, the write is also refused unless it equals the record's
   *   `attempts` (the current attempt), so an older attempt that lost its lock cannot win.
   * @returns `true` when this call completed the job.
   */
  completeJob(
    id: string,
    result: { weights: Uint8Array; metrics: ResultMetrics; kernel: string; attempt?: number; finishedAt?: string },
  ): Promise<boolean>;
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
  /**
   * Removes every key of the job, its index entries and its bytes from the tenant's storage
   * quota. @returns `false` when it did not exist.
   */
  deleteJob(id: string): Promise<boolean>;
  /** A page of the tenant's jobs, newest first, optionally filtered by status. @throws ValidationError for a malformed cursor. */
  listJobs(tenant: string, options: { limit: number; status?: JobStatus; cursor?: string | null }): Promise<JobPage>;
  /** Queued + running jobs of the tenant (drops index entries of jobs that finished or vanished). */
  countActiveJobs(tenant: string): Promise<number>;
  /**
   * Takes one of the tenant's `max` queued + running slots for `id`, atomically (concurrent
   * submits cannot overshoot the quota). Stale entries are pruned before giving up.
   * @returns `false` when the tenant already has `max` active jobs.
   */
  reserveActiveSlot(tenant: string, id: string, max: number): Promise<boolean>;
  /** Gives back a slot taken by {@link reserveActiveSlot} for a job that was not created. */
  releaseActiveSlot(tenant: string, id: string): Promise<void>;
  /**
   * Reserves an Idempotency-Key for `ttlSeconds`: stores `{ bodyDigest, jobId }` unless the key
   * is already held, in which case the earlier reservation is returned.
   */
  reserveIdempotencyKey(
    tenant: string,
    keyDigest: string,
    value: { bodyDigest: string; jobId: string },
    ttlSeconds: number,
  ): Promise<{ bodyDigest: string; jobId: string } | null>;
  /** Drops a reservation (when the submit failed after reserving). */
  releaseIdempotencyKey(tenant: string, keyDigest: string): Promise<void>;
}

const TERMINAL_LUA = "local s = redis.call('HGET', KEYS[1], 'status')\nif not s then return {0, ''} end\nif s == 'completed' or s == 'failed' or s == 'cancelled' then return {0, s} end";

// KEYS: rec, spec, init. ARGV: spec JSON, initial weights ('' = none), then the record's field/value pairs.
const CREATE_JOB_LUA = `redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SET', KEYS[2], ARGV[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
return 1`;

// KEYS: the tenant's sequence, jobs index (sorted by sequence), active set and pending
// reservations. ARGV: job id.
const INDEX_JOB_LUA = `local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return seq`;

// KEYS: rec, result, checkpoint (deleted atomically with the completion), then every key of the
// job (for expiry). ARGV: weights, metrics JSON, kernel, finishedAt, ttl seconds, epochsRun,
// attempt ('' = any).
const COMPLETE_LUA = `${TERMINAL_LUA}
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[7] then return {0, 'stale'} end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[2], 'weights', ARGV[1], 'metrics', ARGV[2], 'kernel', ARGV[3])
redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', ARGV[4], 'kernel', ARGV[3], 'epoch', ARGV[6], 'lastHeartbeatAt', ARGV[4])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {1, redis.call('HGET', KEYS[1], 'tenant')}`;

// KEYS: rec, then every key of the job. ARGV: status, finishedAt, ttl, error JSON ('' = none).
const FINISH_LUA = `${TERMINAL_LUA}
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finishedAt', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return {1, redis.call('HGET', KEYS[1], 'tenant')}`;

// KEYS: rec. ARGV: allowed statuses (comma-separated), then field/value pairs.
const SET_IF_STATUS_LUA = `local s = redis.call('HGET', KEYS[1], 'status')
if not s or not string.find(',' .. ARGV[1] .. ',', ',' .. s .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;

// KEYS: the tenant's active set. ARGV: job id, max.
// KEYS: the tenant's active set and pending hash. ARGV: job id, max, now (ms).
const RESERVE_SLOT_LUA = `if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if tonumber(ARGV[2]) > 0 and redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`;

/**
 * A reserved slot whose job record does not exist yet belongs to a submit in progress; it counts
 * as stale (a submit that died half-way) only after this long.
 */
const RESERVATION_GRACE_MS = 60_000;

// KEYS: rec, then every key of the job. ARGV: finishedAt, ttl.
const REQUEST_CANCEL_LUA = `local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {'missing', ''} end
if s == 'completed' or s == 'failed' or s == 'cancelled' then return {'finished', ''} end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
if s == 'running' then return {'requested', ''} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[1])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return {'cancelled', redis.call('HGET', KEYS[1], 'tenant')}`;

function num(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isNaN(n) && value !== 'NaN' ? null : n;
}

/** Turns a record hash into a {@link JobRecord}. */
function parseRecord(hash: Record<string, string>): JobRecord | null {
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
    loss: num(hash.loss),
    valLoss: num(hash.valLoss),
    accuracy: num(hash.accuracy),
    seed: Number(hash.seed),
    attempts: Number(hash.attempts ?? 0),
    error: hash.error ? (JSON.parse(hash.error) as JobError) : null,
    kernel: hash.kernel || null,
    lastHeartbeatAt: hash.lastHeartbeatAt || null,
    samplesPerSecond: num(hash.samplesPerSecond),
    epochsPerSecond: num(hash.epochsPerSecond),
    cancelRequested: hash.cancelRequested === '1',
    specVersion: Number(hash.specVersion ?? 1),
  };
}

/** Cursor: the zset score (per-tenant sequence) of the last item returned, opaque to clients. */
function encodeCursor(score: number): string {
  return Buffer.from(`s${score}`).toString('base64url');
}

function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^s(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * Creates the job store on an ioredis connection.
 * @param options.redis a connection (the API's fails fast; a worker's waits for Redis).
 * @param options.config `KEY_PREFIX` decides every key; `JOB_TTL_SECONDS` is how long a
 *   finished job and its artifacts are kept.
 */
export function createJobStore(options: {
  redis: Redis;
  /**
   * A second connection for reads (records, specs, results, lists). Redis blocks a client's
   * later commands behind a write held by `CLIENT PAUSE WRITE` (or a full memory), so the API
   * reads on its own connection to keep serving status polls meanwhile. @defaultValue `redis`
   */
  reader?: Redis;
  config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS'>;
}): JobStore {
  const { redis } = options;
  const reader = options.reader ?? redis;
  const keys = createKeys(options.config.KEY_PREFIX);
  const ttl = String(options.config.JOB_TTL_SECONDS);
  const usage = createTenantUsage({ redis, config: options.config });

  /**
   * After a job finished: it leaves the active set, and its stored bytes count until its keys
   * expire (the storage ledger's `ZADD XX`, see tenant-usage.ts). One round trip, as before the
   * ledger existed: both keys are the tenant's, so one slot.
   */
  async function dropFromActive(tenant: string | undefined, id: string): Promise<void> {
    if (!tenant) return;
    const expiresAtMs = Date.now() + options.config.JOB_TTL_SECONDS * 1000;
    await redis.multi().srem(keys.tenantActive(tenant), id).zadd(keys.tenantStorageExpiry(tenant), 'XX', expiresAtMs, jobArtifact(id)).exec();
  }

  async function finish(id: string, status: JobStatus, error: JobError | null, finishedAt: string): Promise<boolean> {
    const [done, tenant] = (await redis.eval(
      FINISH_LUA, keys.jobKeys(id).length, ...keys.jobKeys(id), status, finishedAt, ttl, error ? JSON.stringify(error) : '',
    )) as [number, string];
    if (done === 1) await dropFromActive(tenant, id);
    if (done === 1) await redis.hincrby(keys.jobsFinished, status, 1);
    return done === 1;
  }

  const store: JobStore = {
    keys,

    async createJob(job) {
      const { spec } = job;
      const record: Record<string, string | number> = {
        id: job.id,
        tenant: job.tenant,
        name: spec.name,
        status: 'queued',
        createdAt: job.createdAt,
        epochs: spec.training.epochs,
        epoch: 0,
        seed: spec.training.seed,
        attempts: 0,
        specVersion: spec.specVersion,
      };
      // Two scripts, one per hash slot (Redis Cluster safe), sent together: the job's keys, and
      // the tenant's index. (Scripts, not MULTI: one command each, and auto-pipelined.)
      const fields = Object.entries(record).flatMap(([k, v]) => [k, String(v)]);
      const jobKeys = [keys.jobRecord(job.id), keys.jobSpec(job.id), keys.jobInitialWeights(job.id)];
      const init = job.initialWeights ? Buffer.from(job.initialWeights.buffer, job.initialWeights.byteOffset, job.initialWeights.byteLength) : '';
      await Promise.all([
        redis.eval(CREATE_JOB_LUA, jobKeys.length, ...jobKeys, JSON.stringify(spec), init, ...fields),
        redis.eval(
          INDEX_JOB_LUA, 4,
          keys.tenantSequence(job.tenant), keys.tenantJobs(job.tenant), keys.tenantActive(job.tenant), keys.tenantPending(job.tenant),
          job.id,
        ),
      ]);
      return parseRecord(Object.fromEntries(Object.entries(record).map(([k, v]) => [k, String(v)])))!;
    },

    async getJob(id) {
      return parseRecord(await reader.hgetall(keys.jobRecord(id)));
    },

    async getTenantJob(tenant, id) {
      const record = await store.getJob(id);
      if (record === null || record.tenant !== tenant) throw new NotFoundError('No such job.');
      return record;
    },

    async getSpec(id) {
      const text = await reader.get(keys.jobSpec(id));
      return text === null ? null : (JSON.parse(text) as JobSpec);
    },

    async getInitialWeights(id) {
      const bytes = await redis.getBuffer(keys.jobInitialWeights(id));
      return bytes === null ? null : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },

    async markRunning(id, update) {
      const now = new Date().toISOString();
      const result = await redis.eval(
        SET_IF_STATUS_LUA, 1, keys.jobRecord(id), 'queued,running',
        'status', 'running', 'attempts', String(update.attempt), 'startedAt', update.startedAt, 'lastHeartbeatAt', now, 'error', '',
      );
      return result === 1;
    },

    async updateProgress(id, update) {
      const fields: string[] = ['epoch', String(update.epoch), 'loss', String(update.loss), 'lastHeartbeatAt', new Date().toISOString()];
      if (update.valLoss !== undefined) fields.push('valLoss', update.valLoss === null ? '' : String(update.valLoss));
      if (update.accuracy !== undefined) fields.push('accuracy', update.accuracy === null ? '' : String(update.accuracy));
      if (update.samplesPerSecond !== undefined) fields.push('samplesPerSecond', String(update.samplesPerSecond));
      if (update.epochsPerSecond !== undefined) fields.push('epochsPerSecond', String(update.epochsPerSecond));
      if (update.kernel !== undefined) fields.push('kernel', update.kernel);
      const result = await redis.eval(SET_IF_STATUS_LUA, 1, keys.jobRecord(id), 'running', ...fields);
      return result === 1;
    },

    async completeJob(id, result) {
      const first = [keys.jobRecord(id), keys.jobResult(id), keys.jobCheckpoint(id)];
      const ordered = [...first, ...keys.jobKeys(id).filter((k) => !first.includes(k))];
      const weights = Buffer.from(result.weights.buffer, result.weights.byteOffset, result.weights.byteLength);
      const [done, tenant] = (await redis.eval(
        COMPLETE_LUA, ordered.length, ...ordered,
        weights, JSON.stringify(result.metrics), result.kernel, result.finishedAt ?? new Date().toISOString(), ttl,
        String(result.metrics.epochsRun), result.attempt === undefined ? '' : String(result.attempt),
      )) as [number, string];
      if (done === 1) await dropFromActive(tenant, id);
      if (done === 1) await redis.hincrby(keys.jobsFinished, 'completed', 1);
      return done === 1;
    },

    async failJob(id, error, opts) {
      return finish(id, 'failed', error, opts?.finishedAt ?? new Date().toISOString());
    },

    async cancelJob(id, opts) {
      return finish(id, 'cancelled', null, opts?.finishedAt ?? new Date().toISOString());
    },

    async requestCancel(id) {
      const [outcome, tenant] = (await redis.eval(
        REQUEST_CANCEL_LUA, keys.jobKeys(id).length, ...keys.jobKeys(id), new Date().toISOString(), ttl,
      )) as [CancelOutcome, string];
      if (outcome === 'cancelled') await dropFromActive(tenant, id);
      if (outcome === 'cancelled') await redis.hincrby(keys.jobsFinished, 'cancelled', 1);
      return outcome;
    },

    async isCancelRequested(id) {
      const [status, flag] = await redis.hmget(keys.jobRecord(id), 'status', 'cancelRequested');
      return status === null || status === 'cancelled' || flag === '1';
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

    async deleteJob(id) {
      const tenant = await redis.hget(keys.jobRecord(id), 'tenant');
      const removed = await redis.del(...keys.jobKeys(id));
      if (tenant) {
        await redis.multi().zrem(keys.tenantJobs(tenant), id).srem(keys.tenantActive(tenant), id).exec();
        await usage.releaseStorage(tenant, jobArtifact(id));
      }
      return removed > 0 && tenant !== null;
    },

    async listJobs(tenant, { limit, status, cursor }) {
      let max: string = '+inf';
      if (cursor) {
        const score = decodeCursor(cursor);
        if (score === null) throw new ValidationError('The cursor is not valid.', [{ path: '/querystring/cursor', message: 'must be a nextCursor from an earlier page' }]);
        max = `(${score}`;
      }
      const items: JobRecord[] = [];
      // Bound the work of one request when a status filter skips many jobs: scan at most
      // this many index entries, then hand back a cursor to continue from.
      let budget = 1000;
      let lastScore: number | null = null;
      while (items.length < limit && budget > 0) {
        const batch = Math.min(budget, Math.max(limit * 2, 20));
        const entries = await reader.zrevrangebyscore(keys.tenantJobs(tenant), max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
        if (entries.length === 0) {
          lastScore = null;
          break;
        }
        budget -= entries.length / 2;
        // One command per record, not a pipeline: ioredis still writes them back to back, and on
        // Redis Cluster the records live in different slots, which a pipeline may not span.
        const ids: string[] = [];
        for (let i = 0; i < entries.length; i += 2) ids.push(entries[i]);
        const hashes = await Promise.all(ids.map((id) => reader.hgetall(keys.jobRecord(id))));
        const vanished: string[] = [];
        let reachedLimit = false;
        for (let i = 0; i < entries.length; i += 2) {
          const record = parseRecord(hashes[i / 2] ?? {});
          const score = Number(entries[i + 1]);
          lastScore = score;
          max = `(${score}`;
          if (record === null) vanished.push(entries[i]);
          else if (status === undefined || record.status === status) items.push(record);
          if (items.length === limit) {
            reachedLimit = true;
            break;
          }
        }
        // Jobs that expired (TTL) or were deleted leave their index entry: prune lazily.
        if (vanished.length > 0) void redis.zrem(keys.tenantJobs(tenant), ...vanished).catch(() => undefined);
        if (reachedLimit) break;
        if (entries.length / 2 < batch) {
          lastScore = null;
          break;
        }
      }
      if (lastScore !== null) {
        const more = await reader.zrevrangebyscore(keys.tenantJobs(tenant), `(${lastScore}`, '-inf', 'LIMIT', 0, 1);
        if (more.length === 0) lastScore = null;
      }
      return { items, nextCursor: lastScore === null ? null : encodeCursor(lastScore) };
    },

    async countActiveJobs(tenant) {
      const ids = await redis.smembers(keys.tenantActive(tenant));
      if (ids.length === 0) return 0;
      const [statuses, reservedAt] = await Promise.all([
        Promise.all(ids.map((id) => redis.hget(keys.jobRecord(id), 'status'))),
        redis.hmget(keys.tenantPending(tenant), ...ids),
      ]);
      const now = Date.now();
      const stale = ids.filter((_, i) => {
        const status = statuses[i];
        // No record yet: a submit still creating it, unless its reservation is old.
        if (status === null) return reservedAt[i] === null || now - Number(reservedAt[i]) > RESERVATION_GRACE_MS;
        return isTerminalStatus(status as JobStatus);
      });
      if (stale.length > 0) await redis.multi().srem(keys.tenantActive(tenant), ...stale).hdel(keys.tenantPending(tenant), ...stale).exec();
      return ids.length - stale.length;
    },

    async reserveActiveSlot(tenant, id, max) {
      const key = keys.tenantActive(tenant);
      const pending = keys.tenantPending(tenant);
      if ((await redis.eval(RESERVE_SLOT_LUA, 2, key, pending, id, String(max), String(Date.now()))) === 1) return true;
      // At the cap: entries of jobs that finished meanwhile may linger; prune, then try again.
      await store.countActiveJobs(tenant);
      return (await redis.eval(RESERVE_SLOT_LUA, 2, key, pending, id, String(max), String(Date.now()))) === 1;
    },

    async releaseActiveSlot(tenant, id) {
      await redis.multi().srem(keys.tenantActive(tenant), id).hdel(keys.tenantPending(tenant), id).exec();
    },

    async reserveIdempotencyKey(tenant, keyDigest, value, ttlSeconds) {
      const key = keys.tenantIdempotency(tenant, keyDigest);
      const set = await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds, 'NX');
      if (set === 'OK') return null;
      const existing = await redis.get(key);
      return existing === null ? null : (JSON.parse(existing) as { bodyDigest: string; jobId: string });
    },

    async releaseIdempotencyKey(tenant, keyDigest) {
      await redis.del(keys.tenantIdempotency(tenant, keyDigest));
    },
  };
  return store;
}
