import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { installFatalHandlers, runUntilSignal } from '../process-lifecycle.js';
import { isClusterConfig } from '../queue/connection.js';
import { buildApp } from './app.js';

/** A listening API. */
export interface RunningApi {
  app: FastifyInstance;
  /** `http://host:port` actually bound (PORT 0 picks a free port). */
  url: string;
  /** Stops accepting, finishes in-flight requests, releases Redis and the inference threads. */
  close(): Promise<void>;
}

/**
 * Builds the app and listens on `HOST`:`PORT`. Used by `src/main.ts` (all-in-one) and by
 * `npm run api`.
 */
export async function startApi(options: { config: Config; log?: Logger; redis?: Redis }): Promise<RunningApi> {
  const log = options.log ?? createLogger(options.config);
  const app = await buildApp({ config: options.config, log, redis: options.redis });
  const url = await app.listen({ host: options.config.HOST, port: options.config.PORT });
  log.info({ url }, 'api listening');
  return { app, url, close: () => app.close() };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config);
  installFatalHandlers(log);
  if (!config.REDIS_URL && !isClusterConfig(config)) log.warn('REDIS_URL is unset: using redis://127.0.0.1:6379 (`npm start` starts its own Redis instead)');
  await runUntilSignal({
    log,
    graceMs: config.SHUTDOWN_GRACE_MS,
    start: async () => {
      const api = await startApi({ config, log });
      return { stop: () => api.close() };
    },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    // One actionable line: a ConfigError names every bad variable; a busy port names the address.
    process.stderr.write(`trainyard api: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
