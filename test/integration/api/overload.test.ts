import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

/** O6: while the event loop lags, work routes answer 503 with Retry-After; /healthz still answers. */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ MAX_EVENT_LOOP_DELAY_MS: '5' });
});
afterAll(async () => {
  await t.close();
});

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: stall the event loop
  }
}

describe('event-loop overload (O6)', () => {
  it('sheds /v1 requests with 503 unavailable and Retry-After, keeps /healthz', async () => {
    // Stall the loop in slices over more than one sampling interval of under-pressure (1 s).
    for (let i = 0; i < 12; i++) {
      busy(150);
      await new Promise((resolve) => setImmediate(resolve));
    }

    const shed = await t.app.inject({ method: 'GET', url: '/v1/jobs' });
    const live = await t.app.inject({ method: 'GET', url: '/healthz' });

    expect(shed.statusCode).toBe(503);
    expect(shed.json()).toMatchObject({ code: 'unavailable', status: 503 });
    expect(shed.headers['retry-after']).toBe('5');
    expect(live.statusCode).toBe(200);
  });
});
