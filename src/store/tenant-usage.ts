import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { QuotaExceededError } from '../errors.js';
import { createKeys, type Keys } from './keys.js';
import { runScript } from './lua/script.js';
import { ADD_COMPUTE, RELEASE_STORAGE, RESERVE_STORAGE, STORED_BYTES } from './lua/usage-scripts.js';

/**
 * Per-tenant usage behind two quotas (README "Authentication and tenants"):
 *
 * - **Compute**: training seconds (wall-clock time of the training threads) per UTC day, one
 *   float counter per tenant and day, added to by the workers (`INCRBYFLOAT`) and read at submit.
 * - **Storage**: a ledger of the tenant's stored artifacts: `ds:<datasetId>` (an uploaded
 *   dataset) and `job:<jobId>` (a job's inline data, initial weights and trained weights). A
 *   sorted set scores each artifact by the time its keys expire (`+inf` while they are kept), and
 *   a hash holds each artifact's bytes and their `total`. Every check first drops the artifacts
 *   whose time has passed, in the same script, so keys expiring by TTL never leak quota.
 */

const DAY_MS = 24 * 3600 * 1000;
/** Day counters outlive their day so that yesterday's usage can still be read. */
const COMPUTE_KEY_TTL_SECONDS = 2 * 24 * 3600;
/**
 * A reservation not yet confirmed (the upload or submit is still writing) lapses after this:
 * a process dying between the reservation and its confirmation cannot hold quota for ever.
 */
export const PENDING_ARTIFACT_MS = 10 * 60 * 1000;
/** At most this many kept artifacts are checked against their keys by one reconciliation. */
const RECONCILE_BATCH = 1000;

/** The UTC day of `ms` as `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milliseconds from `ms` to the next UTC midnight (when the compute budget resets); > 0. */
export function msUntilUtcMidnight(ms: number): number {
  return DAY_MS - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The ledger id of a job's stored artifacts. */
export function jobArtifact(jobId: string): string {
  return `job:${jobId}`;
}

/** The ledger id of an uploaded dataset. */
export function datasetArtifact(datasetId: string): string {
  return `ds:${datasetId}`;
}

/** Outcome of {@link TenantUsage.reserveStorage}. */
export interface StorageReservation {
  /** `false` when the artifact would take the tenant past its quota (nothing was recorded). */
  ok: boolean;
  /** The tenant's stored bytes after the call. */
  usedBytes: number;
}

/** Per-tenant compute and storage usage in Redis (see the module comment). */
export interface TenantUsage {
  readonly keys: Keys;
  /**
   * Adds a training run's wall-clock time to the tenant's compute usage, split across UTC days
   * when the run crossed midnight.
   * @param startedAtMs,endedAtMs epoch milliseconds; nothing is added when `endedAtMs ≤ startedAtMs`.
   */
  addComputeTime(tenant: string, startedAtMs: number, endedAtMs: number): Promise<void>;
  /** Training seconds the tenant used on the UTC day of `atMs` (default: now). */
  computeSecondsOn(tenant: string, atMs?: number): Promise<number>;
  /**
   * Records `artifact` of `bytes` for the tenant, atomically, unless that would take its stored
   * bytes past `maxBytes` (0: no limit). The entry is pending: it lapses after
   * {@link PENDING_ARTIFACT_MS} unless {@link confirmStorage} is called. Reserving an artifact
   * already recorded changes nothing and succeeds.
   */
  reserveStorage(tenant: string, artifact: string, bytes: number, maxBytes: number): Promise<StorageReservation>;
  /** Marks a reserved artifact as stored for good (until it is released or given an expiry). */
  confirmStorage(tenant: string, artifact: string): Promise<void>;
  /** Sets the time (epoch ms) an artifact's keys expire; it stops counting then. No-op when not recorded. */
  expireStorage(tenant: string, artifact: string, expiresAtMs: number): Promise<void>;
  /** Removes an artifact from the ledger (its keys were deleted). No-op when not recorded. */
  releaseStorage(tenant: string, artifact: string): Promise<void>;
  /** The tenant's stored bytes now (expired artifacts dropped first). */
  storedBytes(tenant: string): Promise<number>;
  /**
   * Repairs the ledger after a process died between two of its steps: kept artifacts whose keys
   * are gone are released, and finished jobs whose expiry was never recorded get it. Reads one
   * key per kept artifact (at most {@link RECONCILE_BATCH}), so it runs only when a quota refuses.
   */
  reconcileStorage(tenant: string): Promise<void>;
}

/**
 * Creates the usage store on an ioredis connection.
 * @param options.config `KEY_PREFIX` decides every key.
 * @param options.now the clock (epoch ms); tests pass their own. @defaultValue `Date.now`
 */
export function createTenantUsage(options: {
  redis: Redis;
  /** A connection for plain reads (see the job store's `reader`). @defaultValue `redis` */
  reader?: Redis;
  config: Pick<Config, 'KEY_PREFIX'>;
  now?: () => number;
}): TenantUsage {
  const { redis } = options;
  const reader = options.reader ?? redis;
  const now = options.now ?? Date.now;
  const keys = createKeys(options.config.KEY_PREFIX);
  const ledger = (tenant: string): [string, string] => [keys.tenantStorageExpiry(tenant), keys.tenantStorageBytes(tenant)];

  const usage: TenantUsage = {
    keys,

    async addComputeTime(tenant, startedAtMs, endedAtMs) {
      if (!(endedAtMs > startedAtMs)) return;
      const dayKeys: string[] = [];
      const seconds: string[] = [];
      for (let from = startedAtMs; from < endedAtMs;) {
        const to = Math.min(endedAtMs, from + msUntilUtcMidnight(from));
        dayKeys.push(keys.tenantComputeDay(tenant, utcDay(from)));
        seconds.push(String((to - from) / 1000));
        from = to;
      }
      await runScript(redis, ADD_COMPUTE, dayKeys, [...seconds, String(COMPUTE_KEY_TTL_SECONDS)]);
    },

    async computeSecondsOn(tenant, atMs = now()) {
      const value = await reader.get(keys.tenantComputeDay(tenant, utcDay(atMs)));
      return value === null ? 0 : Number(value);
    },

    async reserveStorage(tenant, artifact, bytes, maxBytes) {
      const t = now();
      const [ok, used] = await runScript<[number, number]>(redis, RESERVE_STORAGE, ledger(tenant), [
        String(t), artifact, String(Math.max(0, Math.ceil(bytes))), String(maxBytes), String(t + PENDING_ARTIFACT_MS),
      ]);
      return { ok: ok === 1, usedBytes: used };
    },

    async confirmStorage(tenant, artifact) {
      await redis.zadd(keys.tenantStorageExpiry(tenant), 'XX', '+inf', artifact);
    },

    async expireStorage(tenant, artifact, expiresAtMs) {
      await redis.zadd(keys.tenantStorageExpiry(tenant), 'XX', expiresAtMs, artifact);
    },

    async releaseStorage(tenant, artifact) {
      await runScript(redis, RELEASE_STORAGE, ledger(tenant), [artifact]);
    },

    async storedBytes(tenant) {
      return Number(await runScript(redis, STORED_BYTES, ledger(tenant), [String(now())]));
    },

    async reconcileStorage(tenant) {
      const kept = await redis.zrangebyscore(keys.tenantStorageExpiry(tenant), '+inf', '+inf', 'LIMIT', 0, RECONCILE_BATCH);
      await Promise.all(kept.map(async (artifact) => {
        const colon = artifact.indexOf(':');
        const kind = artifact.slice(0, colon);
        const id = artifact.slice(colon + 1);
        if (kind === 'ds') {
          if ((await redis.exists(keys.dataset(id))) === 0) await usage.releaseStorage(tenant, artifact);
        } else if (kind === 'job') {
          const ttlMs = await redis.pttl(keys.jobRecord(id));
          if (ttlMs === -2) await usage.releaseStorage(tenant, artifact);
          else if (ttlMs >= 0) await usage.expireStorage(tenant, artifact, now() + ttlMs);
        }
      }));
    },
  };
  return usage;
}

function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * Reserves an artifact within the tenant's storage quota; when it does not fit, repairs the
 * ledger ({@link TenantUsage.reconcileStorage}) and tries once more.
 * @param maxBytes `TENANT_MAX_STORED_BYTES` (0: no limit, the artifact is still recorded).
 * @throws QuotaExceededError (429 `quota_exceeded`) when it still does not fit.
 */
export async function reserveStorageWithinQuota(
  usage: TenantUsage, tenant: string, artifact: string, bytes: number, maxBytes: number,
): Promise<void> {
  let reservation = await usage.reserveStorage(tenant, artifact, bytes, maxBytes);
  if (!reservation.ok) {
    await usage.reconcileStorage(tenant);
    reservation = await usage.reserveStorage(tenant, artifact, bytes, maxBytes);
  }
  if (!reservation.ok) {
    throw new QuotaExceededError(
      `Storage quota: this needs ${mebibytes(bytes)}, and the tenant already stores ${mebibytes(reservation.usedBytes)} of its ` +
      `${mebibytes(maxBytes)} (uploaded datasets; jobs' inline data and weights). Delete datasets or jobs, or wait for finished jobs to expire.`,
    );
  }
}
