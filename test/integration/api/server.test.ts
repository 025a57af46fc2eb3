import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startApi } from '../../../src/api/server.js';
import { loadConfig } from '../../../src/config.js';

describe('startApi', () => {
  it('listens with a non-zero request timeout, answers over HTTP and closes', async () => {
    const config = loadConfig({
      REDIS_URL: inject('redisUrl'), PORT: '0', LOG_LEVEL: 'silent', KEY_PREFIX: `tyt-srv-${randomUUID().slice(0, 6)}`, MAX_EVENT_LOOP_DELAY_MS: '0',
    });

    const api = await startApi({ config });
    try {
      const health = await fetch(`${api.url}/healthz`);
      const missing = await fetch(`${api.url}/v1/jobs/${randomUUID()}`, { headers: { 'x-request-id': 'trace-0123456789' } });

      expect(api.app.server.requestTimeout).toBe(30_000);
      expect(api.app.initialConfig.onProtoPoisoning).toBe('error');
      expect(api.app.initialConfig.onConstructorPoisoning).toBe('error');
      expect(health.status).toBe(200);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(missing.headers.get('x-request-id')).toBe('trace-0123456789');
    } finally {
      await api.close();
    }
    await expect(fetch(`${api.url}/healthz`)).rejects.toThrow();
  });
});
