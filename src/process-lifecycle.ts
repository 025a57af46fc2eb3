/**
 * What every entry point (`src/main.ts`, `src/api/server.ts`, `workers/main.ts`) does around its
 * service: fatal-error handlers, and run until SIGINT/SIGTERM, then a graceful stop bounded by a
 * grace period.
 */
import type { Logger } from 'pino';

/** A started service: what {@link runUntilSignal} stops on a signal. */
export interface StoppableService {
  /** Graceful stop: stop taking work, finish or hand back what runs, release connections. */
  stop(): Promise<void>;
}

/** Options of {@link runUntilSignal}. */
export interface RunUntilSignalOptions {
  log: Logger;
  /** Milliseconds the graceful stop may take before the process exits with 1 anyway. */
  graceMs: number;
  /**
   * Starts the service. A signal that arrives while it starts is acted on when it has started
   * (or, if starting never ends, e.g. waiting for Redis, when the grace period is over).
   * @throws when the service cannot start: the caller reports it (one line) and exits.
   */
  start(): Promise<StoppableService>;
  /** Last-moment cleanup when the grace period runs out (e.g. signal a child process). */
  onForcedExit?: () => void;
}

/** The message as text, for a fatal log line (pino's serializer needs an Error; a rejection may not be one). */
function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Logs an unhandled rejection or uncaught exception at `fatal` and exits 1: the process is in an
 * unknown state, and a supervisor (or the operator) restarts it.
 */
export function installFatalHandlers(log: Logger): void {
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: toError(reason) }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}

/**
 * Starts a service and keeps it running until SIGINT or SIGTERM; then stops it and exits 0, or
 * exits 1 when the stop fails or outlasts `graceMs`. Further signals during the stop are ignored
 * (the grace timer bounds it).
 * @returns once the service has started (the process then lives on its event loop).
 * @throws what `start` throws; no signal handler is left installed then.
 */
export async function runUntilSignal(options: RunUntilSignalOptions): Promise<void> {
  const { log } = options;
  let service: StoppableService | undefined;
  let signalled: NodeJS.Signals | undefined;
  let stopping = false;

  const stop = (): void => {
    if (stopping || !service) return;
    stopping = true;
    service.stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err: toError(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = signal;
    log.info({ signal, graceMs: options.graceMs }, 'shutting down');
    setTimeout(() => {
      log.error({ graceMs: options.graceMs }, 'shutdown grace period over; exiting');
      options.onForcedExit?.();
      process.exit(1);
    }, options.graceMs).unref();
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    service = await options.start();
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  }
  // A signal received while starting: stop now that there is something to stop.
  if (signalled) stop();
}
