import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

/** What the connection factories need from the configuration. */
export type ConnectionConfig = Pick<Config, 'REDIS_URL' | 'REDIS_COMMAND_TIMEOUT_MS'>;

/** The Redis URL used when `REDIS_URL` is unset (only `npm start` replaces it with its own server). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Reconnect forever with a capped exponential delay: 50 ms, 100 ms … 2 s.
 * Returning a number (never `null`) keeps ioredis reconnecting after Redis restarts.
 */
function reconnectForever(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2_000);
}

function urlOf(config: ConnectionConfig): string {
  return config.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/**
 * A connection for the API (BullMQ producer and store reads/writes). It fails fast while Redis
 * is unreachable: no offline queue, one retry per request and a command timeout, so a request
 * gets a 503 at once instead of hanging. It still reconnects in the background.
 */
export function createProducerConnection(config: ConnectionConfig, name = 'trainyard-api'): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectForever,
    // Commands issued in the same tick (concurrent requests) go out in one write and come back
    // in one read: under load a status poll no longer costs a socket write of its own.
    enableAutoPipelining: true,
  };
  return new Redis(urlOf(config), options);
}

/**
 * A connection for a worker role (the BullMQ Worker, the worker's store writes, the cancel
 * subscriber). Commands wait for Redis instead of failing (`maxRetriesPerRequest: null`, offline
 * queue on), which BullMQ requires for its blocking commands, and it reconnects forever, so a
 * worker survives a Redis restart without a process restart.
 */
export function createWorkerConnection(config: ConnectionConfig, name = 'trainyard-worker'): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: reconnectForever,
  };
  return new Redis(urlOf(config), options);
}

/**
 * Closes a connection: `QUIT` when it is up (pending replies are delivered), else disconnects
 * at once so shutdown never waits for an unreachable Redis.
 */
export async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}
