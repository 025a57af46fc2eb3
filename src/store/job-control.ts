import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { jobArtifact } from './tenant-usage.js';
import { createKeys, type Keys } from './keys.js';

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
  /** paused → `queued` (keys kept again, back in the active set); the caller re-enqueues it. */
  resume(id: string): Promise<{ outcome: ResumeOutcome; tenant: string }>;
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

// KEYS: rec, then every other key of the job. ARGV: now (ISO), ttl seconds. Returns {outcome, tenant}.
const REQUEST_PAUSE = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {'missing', ''} end
local tenant = redis.call('HGET', KEYS[1], 'tenant') or ''
if s == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'paused', 'pausedAt', ARGV[1])
  for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
  return {'paused', tenant}
end
if s == 'running' and redis.call('HGET', KEYS[1], 'cancelRequested') ~= '1' then
  redis.call('HSET', KEYS[1], 'pauseRequested', '1')
  return {'requested', tenant}
end
return {'conflict', tenant}
`;

// KEYS: rec, then every other key of the job. ARGV: now (ISO), ttl seconds. Returns {done, tenant}.
const MARK_PAUSED = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {0, ''} end
redis.call('HSET', KEYS[1], 'status', 'paused', 'pausedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'pauseRequested')
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return {1, redis.call('HGET', KEYS[1], 'tenant') or ''}
`;

// KEYS: rec, spec, data, init (kept while queued), then the job's other keys (checkpoint, curve:
// their writers refresh their expiry). Returns {outcome, tenant}.
const RESUME = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {'missing', ''} end
local tenant = redis.call('HGET', KEYS[1], 'tenant') or ''
if s ~= 'paused' then return {'conflict', tenant} end
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('HDEL', KEYS[1], 'pauseRequested', 'pausedAt')
for i = 1, 4 do redis.call('PERSIST', KEYS[i]) end
return {'resumed', tenant}
`;

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

  async function run(script: string, id: string, args: string[]): Promise<[string | number, string]> {
    const jobKeys = ordered(keys, id);
    return (await redis.eval(script, jobKeys.length, ...jobKeys, ...args)) as [string | number, string];
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

    async resume(id) {
      const [outcome, tenant] = await run(RESUME, id, []);
      if (outcome === 'resumed' && tenant) {
        await redis.multi().sadd(keys.tenantActive(tenant), id).zadd(keys.tenantStorageExpiry(tenant), 'XX', '+inf', jobArtifact(id)).exec();
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
