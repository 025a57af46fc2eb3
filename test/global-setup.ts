import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from '../src/embedded-redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis every integration test talks to: `REDIS_URL`, or a private redis-server. */
    redisUrl: string;
  }
}

let server: RedisServerHandle | undefined;
let dir: string | undefined;

/** Starts one private redis-server for the whole run (unless REDIS_URL is given). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.REDIS_URL;
  if (given) {
    project.provide('redisUrl', given);
    return async () => {};
  }
  dir = mkdtempSync(join(tmpdir(), 'trainyard-test-redis-'));
  server = await startRedisServer({ dir, extraArgs: ['--enable-debug-command', 'local'] });
  project.provide('redisUrl', server.url);
  return async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
