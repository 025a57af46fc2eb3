import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** Paths pino blanks in every log line: credentials never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'headers.authorization',
  'authorization',
  'apiKey',
  'key',
];

/** Builds the root logger; everything else logs through it or a child of it. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_PRETTY'>): Logger {
  return pino({
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    ...(config.LOG_PRETTY ? { transport: { target: 'pino-pretty', options: { destination: 1 } } } : {}),
  });
}
