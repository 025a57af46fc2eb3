import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

describe('GET /v1/jobs/{id}/events and /v1/jobs/{id}/loss.svg inside /v1', () => {
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('applies the per-tenant request rate limit to them when it is configured', async () => {
    t = await buildTestApp({ RATE_LIMIT_ENABLED: 'true', TENANT_REQUESTS_PER_MINUTE: '2' });

    const svg = await t.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job/loss.svg' });
    const events = await t.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job/events' });
    const third = await t.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job/loss.svg' });
    const fourth = await t.app.inject({ method: 'GET', url: '/v1/jobs/no-such-job/events' });

    expect([svg.statusCode, events.statusCode]).toEqual([404, 404]);
    expect(third.statusCode).toBe(429);
    expect(third.json().code).toBe('rate_limited');
    expect(third.headers['retry-after']).toBeDefined();
    expect(fourth.statusCode).toBe(429);
  });

  it('asks for the API key with a Bearer challenge when auth is on', async () => {
    t = await buildTestApp({ TRAINYARD_API_KEYS: 'tenant-a:key-of-tenant-a-0123' });

    const svg = await t.app.inject({ method: 'GET', url: '/v1/jobs/any/loss.svg' });
    const events = await t.app.inject({ method: 'GET', url: '/v1/jobs/any/events', headers: { authorization: 'Bearer wrong-key-000000' } });

    expect([svg.statusCode, events.statusCode]).toEqual([401, 401]);
    expect(svg.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(events.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(svg.headers['content-type']).toContain('application/problem+json');
  });
});
