import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';

/** An app built for a test, its config, a plain Redis client and a teardown. */
export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** A separate client for arranging and asserting (not the app's fail-fast one). */
  redis: Redis;
  close(): Promise<void>;
}

/**
 * Builds the app against the test Redis with a unique key prefix and queue name (so test files
 * never see each other's keys), quiet logs and no rate limits unless `env` turns them on.
 * `close()` closes the app and deletes every key under the prefix.
 */
/** Deletes every key whose name contains `prefix` (a test's own key prefix), in SCAN pages. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const id = randomUUID().slice(0, 8);
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    KEY_PREFIX: `tyt-${id}`,
    QUEUE_NAME: `q-${id}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    // A shared 2-core box stalls the event loop now and then; overload shedding is tested on its own.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const app = await buildApp({ config });
  await app.ready();
  const redis = new Redis(config.REDIS_URL!);
  return {
    app,
    config,
    redis,
    async close() {
      await app.close();
      await deleteKeysWithPrefix(redis, config.KEY_PREFIX);
      await redis.quit();
    },
  };
}
