import { afterEach, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from '../helpers/processes.js';

function startFixture(mode: string): ServiceProcess {
  return startService(`lifecycle-${mode}`, 'test/e2e/fixtures/lifecycle-service.ts', { env: { LIFECYCLE_MODE: mode } });
}

/** The log messages, sorted: the order of lines across the process's async log writes is not part of the behaviour. */
function messages(service: ServiceProcess): string[] {
  return service.logLines().map((line) => String(line.msg)).sort();
}

function sorted(list: string[]): string[] {
  return [...list].sort();
}

describe('runUntilSignal and the fatal handlers (src/process-lifecycle.ts)', () => {
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop(2_000);
    service = undefined;
  });

  it('stops the service on SIGTERM and exits 0', async () => {
    service = startFixture('clean');
    await service.waitForOutput(/"service started"/);

    service.signal('SIGTERM');
    const exit = await service.exited;

    expect(exit.code).toBe(0);
    expect(messages(service)).toEqual(sorted(['starting', 'service started', 'shutting down', 'service stopped', 'stopped']));
  });

  it('exits 1 when the stop outlasts the grace period, after the forced-exit hook', async () => {
    service = startFixture('hang');
    await service.waitForOutput(/"service started"/);

    service.signal('SIGINT');
    const exit = await service.exited;

    expect(exit.code).toBe(1);
    expect(messages(service)).toEqual(sorted(['starting', 'service started', 'shutting down', 'shutdown grace period over; exiting', 'forced exit hook ran']));
  });

  it('stops a service that was still starting when the signal came, once it has started', async () => {
    service = startFixture('slow-start');
    await service.waitForOutput(/"starting"/);

    service.signal('SIGTERM');
    const exit = await service.exited;

    expect(exit.code).toBe(0);
    expect(messages(service)).toEqual(sorted(['starting', 'shutting down', 'service started', 'service stopped', 'stopped']));
  });

  it('logs an unhandled rejection at fatal and exits 1', async () => {
    service = startFixture('fatal');

    const exit = await service.exited;

    expect(exit.code).toBe(1);
    expect(service.logLines().find((line) => line.msg === 'unhandled rejection')).toMatchObject({ level: 60, err: { message: 'boom' } });
  });
});
