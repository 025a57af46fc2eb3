import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
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
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const log = createLogger(config);
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  if (!config.REDIS_URL) log.warn('REDIS_URL is unset: using redis://127.0.0.1:6379 (`npm start` starts its own Redis instead)');
  const api = await startApi({ config, log });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'api shutting down');
    const timer = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
    api.close().then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'api shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
