import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createWatchHarness, type WatchHarness } from './harness.js';

describe('GET /dashboard', () => {
  let h: WatchHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('serves the page with a strict CSP, and its script, style and uPlot from the server itself', async () => {
    h = await createWatchHarness();

    const page = await h.app.inject({ method: 'GET', url: '/dashboard' });
    const assets = await Promise.all(
      ['/dashboard/dashboard.js', '/dashboard/dashboard.css', '/dashboard/vendor/uPlot.iife.min.js', '/dashboard/vendor/uPlot.min.css'].map((url) =>
        h!.app.inject({ method: 'GET', url })),
    );

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('/dashboard/vendor/uPlot.iife.min.js');
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(assets.map((asset) => asset.statusCode)).toEqual([200, 200, 200, 200]);
    expect(assets[0].headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(assets[2].body).toContain('uPlot');
  });

  it('answers 304 to a revalidation with the page’s ETag', async () => {
    h = await createWatchHarness();
    const page = await h.app.inject({ method: 'GET', url: '/dashboard' });

    const again = await h.app.inject({ method: 'GET', url: '/dashboard', headers: { 'if-none-match': page.headers.etag as string } });

    expect(again.statusCode).toBe(304);
  });
});

describe('/admin/queues', () => {
  let h: WatchHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('does not exist when TRAINYARD_ADMIN_KEY is unset', async () => {
    h = await createWatchHarness();

    const response = await h.app.inject({ method: 'GET', url: '/admin/queues' });

    expect(response.statusCode).toBe(404);
  });

  it('asks for the admin key, and serves the board and its API with it', async () => {
    h = await createWatchHarness({ TRAINYARD_ADMIN_KEY: ADMIN_KEY });
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`;

    const anonymous = await h.app.inject({ method: 'GET', url: '/admin/queues' });
    const wrong = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: 'Bearer not-the-admin-key' } });
    const board = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: basic } });
    const api = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${ADMIN_KEY}` } });

    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Basic realm="trainyard admin"');
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    expect(wrong.statusCode).toBe(401);
    expect(board.statusCode).toBe(200);
    expect(board.headers['content-type']).toContain('text/html');
    expect(api.statusCode).toBe(200);
    expect(JSON.stringify(api.json())).toContain('"training"');
  });
});
