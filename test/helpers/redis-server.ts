import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisServerHandle, type RedisServerOptions } from '../../src/embedded-redis.js';

/**
 * Starts a redis-server of the test's own (so the test can kill, pause or restart it) in a fresh
 * temporary directory; `stop()` also removes the directory.
 */
export async function startTestRedis(
  options: Partial<RedisServerOptions> = {},
): Promise<RedisServerHandle> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'trainyard-redis-'));
  const server = await startRedisServer({ ...options, dir, extraArgs: ['--enable-debug-command', 'local', ...(options.extraArgs ?? [])] });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
