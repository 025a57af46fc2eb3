import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** What an Idempotency-Key stands for: the digest of the body it came with and the job it created. */
export interface IdempotencyReservation {
  bodyDigest: string;
  jobId: string;
}

/**
 * Idempotency-Key reservations (`…:t:{<tenant>}:idem:<sha256 of the key>`): the first submit
 * with a key holds it for its TTL; later ones get the earlier reservation back.
 */
export interface IdempotencyKeys {
  /**
   * Reserves `keyDigest` for `ttlSeconds` unless it is already held.
   * @returns `null` when this call reserved it, else the earlier reservation.
   */
  reserve(tenant: string, keyDigest: string, value: IdempotencyReservation, ttlSeconds: number): Promise<IdempotencyReservation | null>;
  /** Drops a reservation (the submit failed after reserving, or its job is gone). */
  release(tenant: string, keyDigest: string): Promise<void>;
}

/** Creates the Idempotency-Key store. */
export function createIdempotencyKeys(options: { redis: Redis; keys: Keys }): IdempotencyKeys {
  const { redis, keys } = options;
  return {
    async reserve(tenant, keyDigest, value, ttlSeconds) {
      const key = keys.tenantIdempotency(tenant, keyDigest);
      const set = await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds, 'NX');
      if (set === 'OK') return null;
      const existing = await redis.get(key);
      return existing === null ? null : (JSON.parse(existing) as IdempotencyReservation);
    },

    async release(tenant, keyDigest) {
      await redis.del(keys.tenantIdempotency(tenant, keyDigest));
    },
  };
}
