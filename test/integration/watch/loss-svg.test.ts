import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CurvePoint } from '../../../src/contract/job.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { findAll, parseXml, type XmlElement } from '../../unit/observability/xml.js';
import { createWatchHarness, KEY_A, KEY_B, type WatchHarness } from './harness.js';

function polylinePoints(svg: XmlElement, key: string): number {
  const line = findAll(svg, 'polyline').find((element) => element.attributes.class === `series-${key}`);
  return line ? line.attributes.points.split(' ').length : 0;
}

describe('GET /v1/jobs/{id}/loss.svg', () => {
  let h: WatchHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function jobWithCurve(harness: WatchHarness, options: { tenant?: string; name?: string; epochs?: number; valLoss?: boolean } = {}): Promise<string> {
    const id = randomUUID();
    const epochs = options.epochs ?? 40;
    const spec = { ...xorJobSpec(id, { epochs }), name: options.name ?? 'xor demo' };
    await harness.jobs.createJob({ id, tenant: options.tenant ?? 'default', spec, createdAt: new Date().toISOString() });
    await harness.jobs.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
    const points: CurvePoint[] = Array.from({ length: epochs }, (_, index) => ({
      epoch: index + 1,
      loss: 1 / (index + 1),
      ...(options.valLoss ? { valLoss: 1.5 / (index + 1) } : {}),
      elapsedMs: index,
    }));
    await harness.metrics.appendPoints(id, points);
    await harness.jobs.updateProgress(id, { epoch: epochs, loss: 1 / epochs });
    return id;
  }

  it('answers an SVG chart whose polylines have one point per stored epoch', async () => {
    h = await createWatchHarness();
    const id = await jobWithCurve(h, { valLoss: true });

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg` });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    const svg = parseXml(response.body);
    expect(svg.name).toBe('svg');
    expect(polylinePoints(svg, 'loss')).toBe(40);
    expect(polylinePoints(svg, 'valLoss')).toBe(40);
    expect(findAll(svg, 'title')[0].text).toBe('xor demo');
  });

  it('escapes a hostile job name', async () => {
    h = await createWatchHarness();
    const id = await jobWithCurve(h, { name: '</title><script>alert(1)</script>&' });

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg` });

    expect(response.body).not.toContain('<script>');
    expect(findAll(parseXml(response.body), 'title')[0].text).toBe('</title><script>alert(1)</script>&');
  });

  it('draws a log loss axis with ?log=y and rejects other values', async () => {
    h = await createWatchHarness();
    const id = await jobWithCurve(h);

    const log = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg?log=y` });
    const bad = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg?log=sideways` });

    expect(findAll(parseXml(log.body), 'text').some((text) => text.text === 'loss (log scale)')).toBe(true);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
  });

  it('downsamples to ?maxPoints keeping min and max per bucket', async () => {
    h = await createWatchHarness();
    const id = await jobWithCurve(h, { epochs: 900 });

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg?maxPoints=100` });

    const count = polylinePoints(parseXml(response.body), 'loss');
    expect(count).toBeLessThanOrEqual(100);
    expect(count).toBeGreaterThan(90);
  });

  it('sends an ETag and answers 304 to If-None-Match until the curve changes', async () => {
    h = await createWatchHarness();
    const id = await jobWithCurve(h);

    const first = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg` });
    const etag = first.headers.etag as string;
    const again = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg`, headers: { 'if-none-match': etag } });
    await h.metrics.appendPoints(id, [{ epoch: 41, loss: 0.01, elapsedMs: 41 }]);
    const changed = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg`, headers: { 'if-none-match': etag } });

    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('answers another tenant’s job with 404 problem+json', async () => {
    h = await createWatchHarness({ TRAINYARD_API_KEYS: `a:${KEY_A},b:${KEY_B}` });
    const id = await jobWithCurve(h, { tenant: 'a' });

    const own = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg`, headers: { authorization: `Bearer ${KEY_A}` } });
    const other = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/loss.svg`, headers: { authorization: `Bearer ${KEY_B}` } });

    expect(own.statusCode).toBe(200);
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json().code).toBe('not_found');
  });
});
