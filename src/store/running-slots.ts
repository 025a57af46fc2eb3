import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createKeys } from './keys.js';
import { runScript } from './lua/script.js';
import { ACQUIRE_RUNNING_SLOT } from './lua/tenant-scripts.js';

/**
 * The per-tenant running cap (`TENANT_MAX_RUNNING`): a sorted set per tenant of the job ids
 * holding a slot, scored by their lease expiry (epoch ms). A worker renews its leases while the
 * job runs and releases them in `finally`; a worker killed with `kill -9` cannot release, so its
 * lease simply runs out and the slot frees itself (a bare counter would leak it forever).
 */
export interface RunningSlots {
  /**
   * Takes a slot for `jobId` (or renews the one it holds) when the tenant holds fewer than
   * `cap` live leases (`0`: no cap, the slot is still recorded). Returns `false` when the
   * tenant is at its cap.
   */
  acquire(tenant: string, jobId: string, cap: number): Promise<boolean>;
  /** Extends the lease of a slot still held (a lapsed one is not taken back: the next acquire does that). */
  renew(tenant: string, jobId: string): Promise<void>;
  /** Frees the slot (no-op when not held). */
  release(tenant: string, jobId: string): Promise<void>;
  /** Job ids holding a live lease. */
  holders(tenant: string): Promise<string[]>;
}

/** Options of {@link createRunningSlots}. */
export interface RunningSlotsOptions {
  redis: Redis;
  config: Pick<Config, 'KEY_PREFIX'>;
  /** How long a lease lasts without renewal (ms); about the BullMQ lock duration. */
  leaseMs: number;
}

/** Creates the per-tenant running-slot registry. */
export function createRunningSlots(options: RunningSlotsOptions): RunningSlots {
  const { redis, leaseMs } = options;
  const keys = createKeys(options.config.KEY_PREFIX);
  return {
    async acquire(tenant, jobId, cap) {
      const now = Date.now();
      const got = await runScript<number>(redis, ACQUIRE_RUNNING_SLOT, [keys.tenantRunning(tenant)], [jobId, String(cap), String(now), String(now + leaseMs)]);
      return got === 1;
    },

    async renew(tenant, jobId) {
      const now = Date.now();
      const key = keys.tenantRunning(tenant);
      // XX: only a lease still held is extended; the cap was checked when it was taken.
      await redis.multi().zadd(key, 'XX', now + leaseMs, jobId).pexpire(key, leaseMs * 2).exec();
    },

    async release(tenant, jobId) {
      await redis.zrem(keys.tenantRunning(tenant), jobId);
    },

    async holders(tenant) {
      return redis.zrangebyscore(keys.tenantRunning(tenant), `(${Date.now()}`, '+inf');
    },
  };
}
