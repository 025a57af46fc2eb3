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

/**
 * Builds the root logger; everything else logs through it or a child of it. Lines go to stdout
 * without blocking the event loop (sonic-boom, `sync: false`: a line is written as soon as the
 * previous write is done, lines logged meanwhile are joined into one write); pino flushes what is
 * pending when the process exits. A blocking write per line was 16 % of the API's CPU on
 * GET /v1/jobs/{id} (`npm run bench:api -- --profile-api`).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_PRETTY'>): Logger {
  const options = {
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
  };
  if (config.LOG_PRETTY) return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 1 } } });
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
