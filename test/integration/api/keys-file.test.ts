import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthenticate, type Authenticate } from '../../../src/api/plugins/auth.js';
import { loadConfig } from '../../../src/config.js';
import { buildTestApp } from '../../helpers/build-app.js';

let dir: string;
let file: string;
let authenticate: Authenticate | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-keys-'));
  file = join(dir, 'keys');
});
afterEach(() => {
  authenticate?.close?.();
  rmSync(dir, { recursive: true, force: true });
});

async function tenantOf(auth: Authenticate, key: string): Promise<string> {
  const request = { headers: { authorization: `Bearer ${key}` } } as unknown as FastifyRequest;
  await auth(request, undefined as never);
  return request.tenant;
}

describe('TRAINYARD_API_KEYS_FILE', () => {
  it('rejects a revoked key once the file changes (T3)', async () => {
    writeFileSync(file, '# keys\nteam-a:key-aaaaaaaaaaaa\nteam-b:key-bbbbbbbbbbbb\n');
    authenticate = createAuthenticate(loadConfig({ TRAINYARD_API_KEYS_FILE: file }), undefined, { pollMs: 20 });

    expect(await tenantOf(authenticate, 'key-bbbbbbbbbbbb')).toBe('team-b');
    writeFileSync(file, 'team-a:key-aaaaaaaaaaaa\n');
    await new Promise((resolve) => setTimeout(resolve, 200));

    await expect(tenantOf(authenticate, 'key-bbbbbbbbbbbb')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await tenantOf(authenticate, 'key-aaaaaaaaaaaa')).toBe('team-a');
  });

  it('keeps the last good keys when the file turns bad, and fails the start when it is bad at first', async () => {
    writeFileSync(file, 'team-a:key-aaaaaaaaaaaa');
    authenticate = createAuthenticate(loadConfig({ TRAINYARD_API_KEYS_FILE: file }), undefined, { pollMs: 20 });
    writeFileSync(file, 'no colon here');
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await tenantOf(authenticate, 'key-aaaaaaaaaaaa')).toBe('team-a');
    expect(() => createAuthenticate(loadConfig({ TRAINYARD_API_KEYS_FILE: file }))).toThrow(/entry 1 must be tenant:key/);
  });

  it('turns authentication on for the app', async () => {
    writeFileSync(file, 'team-a:key-aaaaaaaaaaaa');
    const t = await buildTestApp({ TRAINYARD_API_KEYS_FILE: file });
    try {
      expect((await t.app.inject({ method: 'GET', url: '/v1/jobs' })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/v1/jobs', headers: { authorization: 'Bearer key-aaaaaaaaaaaa' } })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
