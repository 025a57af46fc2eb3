/**
 * `npm start`: the all-in-one process. Uses `REDIS_URL`, or starts a private `redis-server`
 * (AOF, noeviction) with its data under `DATA_DIR`; then the API and a worker in this process.
 * SIGINT/SIGTERM stop the API (no new requests), hand running jobs back to the queue after a
 * checkpoint, and stop the private Redis last.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { startApi, type RunningApi } from './api/server.js';
import { loadConfig, type Config } from './config.js';
import { RedisServerStartError, startRedisServer, type RedisServerHandle } from './embedded-redis.js';
import { createLogger } from './logger.js';
import { installFatalHandlers, runUntilSignal, type StoppableService } from './process-lifecycle.js';
import { clusterNodesOf, createProbeConnection, isClusterConfig } from './queue/connection.js';
import { startWorkerService, type WorkerService } from '../workers/main.js';

/** Thrown for a problem the user fixes by hand; printed as one line, without a stack. */
class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** A Redis URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/**
 * Waits until the configured Redis (or a Cluster's seed nodes) answers PING, or throws a
 * one-line explanation after `timeoutMs`.
 */
async function assertRedisReachable(config: Config, timeoutMs: number): Promise<void> {
  const probe = createProbeConnection(config, timeoutMs);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const [where, variable] = isClusterConfig(config)
      ? ['the Redis Cluster of REDIS_CLUSTER_NODES', 'REDIS_CLUSTER_NODES']
      : [`Redis at REDIS_URL=${redactUrl(config.REDIS_URL ?? '')}`, 'REDIS_URL'];
    throw new StartupError(
      `cannot reach ${where} (${(err as Error).message}); start that Redis, or unset ${variable} so npm start runs its own redis-server`,
    );
  } finally {
    probe.disconnect();
  }
}

const PID_FILE = 'trainyard-redis.pid';

/**
 * A private redis-server left behind by an earlier `npm start` that was killed (its child keeps
 * running) would share the AOF directory with the new one: stop it first.
 */
async function stopOrphanRedis(dir: string, log: Logger): Promise<void> {
  const file = join(dir, PID_FILE);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running (or no /proc: nothing we can check safely)
  }
  if (!cmdline.includes('redis-server')) return;
  log.warn({ pid }, 'stopping the private redis-server of an earlier run');
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 50));
}

/** Uses REDIS_URL, or starts the private redis-server; returns the config to run with. */
async function prepareRedis(config: Config, log: Logger): Promise<{ config: Config; redisServer?: RedisServerHandle }> {
  const clusterNodes = clusterNodesOf(config);
  if (clusterNodes) {
    await assertRedisReachable(config, 5_000);
    log.info({ clusterNodes: clusterNodes.map((n) => `${n.host}:${n.port}`) }, 'using the Redis Cluster of REDIS_CLUSTER_NODES');
    return { config };
  }
  if (config.REDIS_URL) {
    await assertRedisReachable(config, 5_000);
    log.info({ redis: redactUrl(config.REDIS_URL) }, 'using the Redis of REDIS_URL');
    return { config };
  }
  const dir = resolve(config.DATA_DIR, 'redis');
  await stopOrphanRedis(dir, log);
  let redisServer: RedisServerHandle;
  try {
    // Its own process group: a terminal's Ctrl-C (sent to the whole foreground group) must not
    // stop Redis before the worker has checkpointed and handed back its jobs.
    redisServer = await startRedisServer({ dir, executable: config.REDIS_SERVER_BIN, detached: true });
  } catch (err) {
    if (err instanceof RedisServerStartError) throw new StartupError(err.message);
    throw err;
  }
  writeFileSync(join(dir, PID_FILE), `${redisServer.pid() ?? ''}\n`);
  log.info({ redis: redisServer.url, dir, redisPid: redisServer.pid() }, 'started a private redis-server (AOF on, noeviction); set REDIS_URL to use your own');
  return { config: Object.freeze({ ...config, REDIS_URL: redisServer.url }), redisServer };
}

/** Starts Redis (unless REDIS_URL), the API and the worker; stops them in the reverse order. */
async function startAllInOne(initial: Config, log: Logger, started: { redisServer?: RedisServerHandle }): Promise<StoppableService> {
  const { config, redisServer } = await prepareRedis(initial, log);
  started.redisServer = redisServer;
  let api: RunningApi | undefined;
  let worker: WorkerService | undefined;
  try {
    api = await startApi({ config, log });
    worker = await startWorkerService(config, log);
  } catch (err) {
    await api?.close().catch(() => undefined);
    await redisServer?.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new StartupError(`cannot listen on ${config.HOST}:${config.PORT} (${code}); set PORT (or HOST) to a free address`);
    }
    throw err;
  }
  log.info({ url: api.url, docs: `${api.url}/docs` }, 'trainyard is ready');
  const [runningApi, runningWorker] = [api, worker];
  return {
    // API first (no new submits), then the worker (its jobs checkpoint and go back to the queue),
    // then the private Redis (its AOF is flushed on SIGTERM).
    async stop() {
      await runningApi.close().catch((err: unknown) => log.error({ err }, 'API close failed'));
      await runningWorker.stop().catch((err: unknown) => log.error({ err }, 'worker close failed'));
      await redisServer?.stop();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  installFatalHandlers(log);
  const started: { redisServer?: RedisServerHandle } = {};
  await runUntilSignal({
    log,
    graceMs: config.SHUTDOWN_GRACE_MS,
    start: () => startAllInOne(config, log, started),
    // Out of time: do not leave the private Redis running without its parent.
    onForcedExit: () => started.redisServer?.signal('SIGTERM'),
  });
}

main().catch((err: unknown) => {
  // One actionable line: a missing redis-server, an unreachable REDIS_URL, a bad variable, a busy port.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`trainyard: ${message}\n`);
  process.exit(1);
});
