import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createKeys, type Keys } from '../../../src/store/keys.js';

/** A Redis client and a key prefix of its own for one store test file; `clean()` deletes the prefix's keys. */
export interface StoreFixture {
  redis: Redis;
  prefix: string;
  keys: Keys;
  clean(): Promise<void>;
  close(): Promise<void>;
}

export function createStoreFixture(name: string): StoreFixture {
  const prefix = `tytest-${name}-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(inject('redisUrl'));
  return {
    redis,
    prefix,
    keys: createKeys(prefix),
    async clean() {
      const found = await redis.keys(`${prefix}:*`);
      if (found.length > 0) await redis.del(...found);
    },
    async close() {
      await redis.quit();
    },
  };
}
