import type { Redis } from 'ioredis';
import { isTerminalStatus } from '../contract/job.js';
import type { Keys } from './keys.js';
import { runScript } from './lua/script.js';
import { CONFIRM_SLOT, RESERVE_SLOT } from './lua/tenant-scripts.js';

/**
 * The per-tenant queued + running cap (`TENANT_MAX_QUEUED`): a set of the tenant's active job
 * ids (`…:t:{<tenant>}:active`) and, for slots reserved by a submit still creating its job, the
 * reservation time (`…:t:{<tenant>}:pending`). A job leaves the set when it finishes; entries of
 * jobs that finished or vanished without leaving are pruned when the cap is reached.
 */
export interface ActiveSlots {
  /**
   * Takes one of the tenant's `max` slots for `id`, atomically (concurrent submits cannot
   * overshoot the cap); `max` 0 is no cap (the slot is still recorded). Stale entries are
   * pruned before giving up.
   * @returns `false` when the tenant already has `max` active jobs.
   */
  reserve(tenant: string, id: string, max: number): Promise<boolean>;
  /** The job's record exists: the slot is no longer a pending reservation (taken if it was not). */
  confirm(tenant: string, id: string): Promise<void>;
  /** Gives a slot back (the job was not created, was deleted or finished). */
  release(tenant: string, id: string): Promise<void>;
  /** Queued + running jobs of the tenant, after pruning stale entries. */
  count(tenant: string): Promise<number>;
}

/**
 * A reserved slot whose job record does not exist yet belongs to a submit in progress; it counts
 * as stale (a submit that died half-way) only after this long.
 */
export const RESERVATION_GRACE_MS = 60_000;

/** Creates the active-slot registry; statuses are read from the job records on `redis`. */
export function createActiveSlots(options: { redis: Redis; keys: Keys; now?: () => number }): ActiveSlots {
  const { redis, keys } = options;
  const now = options.now ?? Date.now;
  const slotKeys = (tenant: string): string[] => [keys.tenantActive(tenant), keys.tenantPending(tenant)];

  const slots: ActiveSlots = {
    async reserve(tenant, id, max) {
      const attempt = async (): Promise<boolean> => (await runScript<number>(redis, RESERVE_SLOT, slotKeys(tenant), [id, String(max), String(now())])) === 1;
      if (await attempt()) return true;
      // At the cap: entries of jobs that finished meanwhile may linger; prune, then try again.
      await slots.count(tenant);
      return attempt();
    },

    async confirm(tenant, id) {
      await runScript(redis, CONFIRM_SLOT, slotKeys(tenant), [id]);
    },

    async release(tenant, id) {
      await redis.multi().srem(keys.tenantActive(tenant), id).hdel(keys.tenantPending(tenant), id).exec();
    },

    async count(tenant) {
      const ids = await redis.smembers(keys.tenantActive(tenant));
      if (ids.length === 0) return 0;
      const [statuses, reservedAt] = await Promise.all([
        Promise.all(ids.map((id) => redis.hget(keys.jobRecord(id), 'status'))),
        redis.hmget(keys.tenantPending(tenant), ...ids),
      ]);
      const t = now();
      const stale = ids.filter((_, i) => {
        const status = statuses[i];
        // No record yet: a submit still creating it, unless its reservation is old.
        if (status === null) return reservedAt[i] === null || t - Number(reservedAt[i]) > RESERVATION_GRACE_MS;
        return isTerminalStatus(status);
      });
      if (stale.length > 0) await redis.multi().srem(keys.tenantActive(tenant), ...stale).hdel(keys.tenantPending(tenant), ...stale).exec();
      return ids.length - stale.length;
    },
  };
  return slots;
}
