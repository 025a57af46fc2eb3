import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { QuotaExceededError } from '../errors.js';
import { createActiveSlots } from './active-slots.js';
import { jobArtifact } from './tenant-usage.js';
import { createKeys, type Keys } from './keys.js';
import { MARK_PAUSED, REQUEST_PAUSE, RESUME_JOB } from './lua/job-scripts.js';
import { runScript, type LuaScript } from './lua/script.js';

/** What a pause request did: `paused` (was queued), `requested` (running: its worker stops it), `conflict`, `missing`. */
export type PauseOutcome = 'paused' | 'requested' | 'conflict' | 'missing';
/** What a resume did: `resumed` (paused → queued), `conflict` (not paused), `missing`. */
export type ResumeOutcome = 'resumed' | 'conflict' | 'missing';
/** A stop asked of a running job through its record. */
export type ControlRequest = 'cancel' | 'pause' | null;

/** Where a forked job started: its source and the source's epoch at the fork. */
export interface ForkOrigin {
  jobId: string;
  epoch: number;
}

/**
 * Pausing and resuming jobs, on the job's record (compare-and-set on its `status`, like every
 * status change) plus the tenant's active set and storage ledger. A paused job counts as
 * neither queued nor running, and expires like a finished one unless it is resumed.
 */
export interface JobControl {
  /** queued → `paused` at once; running → the `pauseRequested` flag (its worker pauses it). */
  requestPause(id: string): Promise<{ outcome: PauseOutcome; tenant: string }>;
  /** A worker's paused run: running → `paused` (clears the flag). @returns `false` when no longer running. */
  markPaused(id: string): Promise<boolean>;
  /**
   * paused → `queued` (keys kept again, back in the active set); the caller re-enqueues it.
   * @param maxActive the tenant's queued + running cap (`TENANT_MAX_QUEUED`; 0: none), taken
   *   like a submit takes it. @defaultValue 0
   * @throws QuotaExceededError at the cap: the job stays paused, untouched.
   */
  resume(id: string, maxActive?: number): Promise<{ outcome: ResumeOutcome; tenant: string }>;
  /** `cancel` when a cancel was requested (or the job is gone or cancelled), else `pause` when a pause was, else `null`. */
  pollControl(id: string): Promise<ControlRequest>;
  /** Records the fork origin of a new job (shown in its status). */
  setForkOrigin(id: string, origin: ForkOrigin): Promise<void>;
  /**
   * Copies a job's inline data to another job (a fork keeps its own copy, so it outlives its
   * source). DUMP/RESTORE: the two keys may live on different cluster slots.
   * @returns `false` when the source has no inline data (any more).
   */
  copyInlineData(fromId: string, toId: string): Promise<boolean>;
}

/**
 * The refusal at a tenant's queued + running cap (`TENANT_MAX_QUEUED`), for a submit, a fork or
 * a resume: 429 `quota_exceeded`, retry in 30 s.
 */
export function queuedCapError(max: number): QuotaExceededError {
  return new QuotaExceededError(`The tenant already has ${max} queued or running jobs, its limit; retry when one finishes.`, 30);
}

/** The job's keys as the pause and resume scripts take them: rec, spec, data, init, then the others. */
function ordered(keys: Keys, id: string): string[] {
  const first = [keys.jobRecord(id), keys.jobSpec(id), keys.jobData(id), keys.jobInitialWeights(id)];
  return [...first, ...keys.jobKeys(id).filter((key) => !first.includes(key))];
}

/**
 * Creates the pause/resume store.
 * @param options.config `KEY_PREFIX`; `JOB_TTL_SECONDS`: how long a paused job is kept.
 */
export function createJobControl(options: { redis: Redis; config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS'> }): JobControl {
  const { redis, config } = options;
  const keys = createKeys(config.KEY_PREFIX);
  const ttl = String(config.JOB_TTL_SECONDS);
  const slots = createActiveSlots({ redis, keys });

  function run(script: LuaScript, id: string, args: string[]): Promise<[string | number, string]> {
    return runScript(redis, script, ordered(keys, id), args);
  }

  /** The tenant's active set and storage ledger follow the job (both the tenant's keys: one MULTI). */
  async function leaveActive(tenant: string, id: string): Promise<void> {
    const expiresAtMs = Date.now() + config.JOB_TTL_SECONDS * 1000;
    await redis.multi().srem(keys.tenantActive(tenant), id).zadd(keys.tenantStorageExpiry(tenant), 'XX', expiresAtMs, jobArtifact(id)).exec();
  }

  return {
    async requestPause(id) {
      const [outcome, tenant] = await run(REQUEST_PAUSE, id, [new Date().toISOString(), ttl]);
      if (outcome === 'paused' && tenant) await leaveActive(tenant, id);
      // The worker running it hears at once (it also polls the flag: pub/sub can miss it).
      if (outcome === 'requested') await redis.publish(keys.cancelChannel, `pause:${id}`);
      return { outcome: outcome as PauseOutcome, tenant };
    },

    async markPaused(id) {
      const [done, tenant] = await run(MARK_PAUSED, id, [new Date().toISOString(), ttl]);
      if (done === 1 && tenant) await leaveActive(tenant, id);
      return done === 1;
    },

    async resume(id, maxActive = 0) {
      const [status, owner] = await redis.hmget(keys.jobRecord(id), 'status', 'tenant');
      if (status !== 'paused') return { outcome: status === null ? 'missing' : 'conflict', tenant: owner ?? '' };
      // The slot first, as a submit takes it: at the cap the job stays paused, untouched.
      if (owner && !(await slots.reserve(owner, id, maxActive))) throw queuedCapError(maxActive);
      const [outcome, tenant] = await run(RESUME_JOB, id, []);
      // Not resumed: cancelled, deleted or resumed meanwhile (the active set prunes finished and vanished jobs).
      if (outcome === 'resumed' && tenant) {
        await slots.confirm(tenant, id);
        await redis.zadd(keys.tenantStorageExpiry(tenant), 'XX', '+inf', jobArtifact(id));
      }
      return { outcome: outcome as ResumeOutcome, tenant };
    },

    async pollControl(id) {
      const [status, cancel, pause] = await redis.hmget(keys.jobRecord(id), 'status', 'cancelRequested', 'pauseRequested');
      if (status === null || status === 'cancelled' || cancel === '1') return 'cancel';
      return pause === '1' ? 'pause' : null;
    },

    async copyInlineData(fromId, toId) {
      const dump = await redis.dumpBuffer(keys.jobData(fromId));
      if (!dump) return false;
      await redis.restore(keys.jobData(toId), 0, dump, 'REPLACE');
      return true;
    },

    async setForkOrigin(id, origin) {
      await redis.hset(keys.jobRecord(id), 'forkedFrom', JSON.stringify({ jobId: origin.jobId, epoch: origin.epoch }));
    },
  };
}
