import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';
import { parseSse } from './harness.js';

describe('GET /v1/jobs/{id}/events (through buildApp)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await buildTestApp({ HANDLER_TIMEOUT_MS: '500' });
  });

  afterEach(async () => {
    await t.close();
  });

  it('outlives HANDLER_TIMEOUT_MS and ends with the status when the job is cancelled', async () => {
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const id = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id as string;
    const response = await fetch(`${url}/v1/jobs/${id}/events`);
    const body = response.text();

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const cancel = await fetch(`${url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    const { events } = parseSse(await body);

    expect(cancel.status).toBe(200);
    expect(events.map((event) => (event.data as { status: string }).status)).toEqual(['queued', 'cancelled']);
  });
});
