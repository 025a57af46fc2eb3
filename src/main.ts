/**
 * `npm start`: the all-in-one process. Uses `REDIS_URL`, or starts a private `redis-server`
 * (AOF, noeviction) with its data under `DATA_DIR`; then the API and a worker in this process.
 * SIGINT/SIGTERM stop the API (no new requests), hand running jobs back to the queue after a
 * checkpoint, and stop the private Redis last.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { startApi, type RunningApi } from './api/server.js';
import { loadConfig, type Config } from './config.js';
import { RedisServerStartError, startRedisServer, type RedisServerHandle } from './embedded-redis.js';
import { createLogger } from './logger.js';
import { startWorkerMetricsServer, type WorkerMetricsServer } from './observability/worker-metrics.js';
import { installFatalHandlers, startWorker, type WorkerHandle } from '../workers/main.js';

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

/** Waits until `url` answers PING, or throws a one-line explanation after `timeoutMs`. */
async function assertRedisReachable(url: string, timeoutMs: number): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new StartupError(
      `cannot reach Redis at REDIS_URL=${redactUrl(url)} (${(err as Error).message}); start that Redis, or unset REDIS_URL so npm start runs its own redis-server`,
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

async function main(): Promise<void> {
  let config: Config = loadConfig();
  const log = createLogger(config);
  installFatalHandlers(log);

  let redisServer: RedisServerHandle | undefined;
  if (config.REDIS_URL) {
    await assertRedisReachable(config.REDIS_URL, 5_000);
    log.info({ redis: redactUrl(config.REDIS_URL) }, 'using the Redis of REDIS_URL');
  } else {
    const dir = resolve(config.DATA_DIR, 'redis');
    await stopOrphanRedis(dir, log);
    try {
      redisServer = await startRedisServer({ dir, executable: config.REDIS_SERVER_BIN, detached: true });
    } catch (err) {
      if (err instanceof RedisServerStartError) throw new StartupError(err.message);
      throw err;
    }
    writeFileSync(join(dir, PID_FILE), `${redisServer.pid() ?? ''}\n`);
    log.info({ redis: redisServer.url, dir, redisPid: redisServer.pid() }, 'started a private redis-server (AOF on, noeviction); set REDIS_URL to use your own');
    config = Object.freeze({ ...config, REDIS_URL: redisServer.url });
  }

  let api: RunningApi | undefined;
  let worker: WorkerHandle | undefined;
  let workerMetrics: WorkerMetricsServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        log.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown grace period over; exiting');
        redisServer?.signal('SIGTERM');
        process.exit(1);
      }, config.SHUTDOWN_GRACE_MS + 2_000);
      force.unref();
      // API first (no new submits), then the worker (its jobs checkpoint and go back to the
      // queue), then the private Redis (its AOF is flushed on SIGTERM).
      await api?.close().catch((err: unknown) => log.error({ err }, 'API close failed'));
      await worker?.close().catch((err: unknown) => log.error({ err }, 'worker close failed'));
      await workerMetrics?.close().catch(() => undefined);
      await redisServer?.stop();
      log.info('stopped');
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void stop(signal).then(() => process.exit(0));
    });
  }

  try {
    api = await startApi({ config, log });
    // METRICS_PORT: the worker's own /metrics (busy threads, epochs and samples trained, jobs by
    // outcome), as `npm run worker` serves it.
    if (config.METRICS_PORT > 0) {
      workerMetrics = await startWorkerMetricsServer({ port: config.METRICS_PORT, host: config.HOST, concurrency: config.WORKER_CONCURRENCY, busyThreads: () => worker?.pool.busy ?? 0 });
      log.info({ url: workerMetrics.url }, 'worker metrics listening');
    }
    worker = await startWorker({ config, log, ...(workerMetrics ? { telemetry: workerMetrics } : {}) });
  } catch (err) {
    await api?.close().catch(() => undefined);
    await workerMetrics?.close().catch(() => undefined);
    await redisServer?.stop();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new StartupError(`cannot listen on ${config.HOST}:${config.PORT} (${code}); set PORT (or HOST) to a free address`);
    }
    throw err;
  }
  log.info({ url: api.url, docs: `${api.url}/docs` }, 'trainyard is ready');
}

main().catch((err: unknown) => {
  // One actionable line: a missing redis-server, an unreachable REDIS_URL, a bad variable, a busy port.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`trainyard: ${message}\n`);
  process.exit(1);
});
