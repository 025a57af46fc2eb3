import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LUA_SCRIPTS, type LuaScript } from '../../../src/store/lua/index.js';
import { createWebhookKeys } from '../../../src/webhooks/webhook-keys.js';
import { createStoreFixture } from './store-fixture.js';

const f = createStoreFixture('lua');

afterAll(() => f.close());

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every TypeScript file below `dir`. */
function listSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listSources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The hash tag of a key (the text between its first `{` and the next `}`), as Redis Cluster reads it. */
function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : null;
}

describe('the Lua scripts (LUA_SCRIPTS)', () => {
  it('declares each script once, with a distinct name and the one slot its keys live in', () => {
    const names = LUA_SCRIPTS.map((s) => s.name);

    expect(new Set(names).size).toBe(names.length);
    expect(LUA_SCRIPTS.every((s) => s.slot === 'job' || s.slot === 'tenant')).toBe(true);
  });

  it('keeps every Lua script of src/ and workers/ in src/store/lua/, and lists every script declared there', async () => {
    const outside = [...listSources(join(ROOT, 'src')), ...listSources(join(ROOT, 'workers'))]
      .map((file) => relative(ROOT, file).split('\\').join('/'))
      .filter((file) => !file.startsWith('src/store/lua/'))
      .filter((file) => /redis\.p?call\s*\(/.test(readFileSync(join(ROOT, file), 'utf8')));
    const declared: string[] = [];
    for (const file of listSources(join(ROOT, 'src/store/lua'))) {
      const exported = Object.values(await import(file) as Record<string, unknown>);
      declared.push(...exported.filter((value): value is LuaScript => typeof value === 'object' && value !== null && 'source' in value && 'slot' in value).map((s) => s.name));
    }

    expect(outside).toEqual([]);
    expect(new Set(declared)).toEqual(new Set(LUA_SCRIPTS.map((s) => s.name)));
  });

  it('compiles every script on Redis (SCRIPT LOAD)', async () => {
    const loaded = await Promise.all(LUA_SCRIPTS.map((s) => f.redis.script('LOAD', s.source)));

    expect(loaded.every((sha) => /^[0-9a-f]{40}$/.test(String(sha)))).toBe(true);
  });

  it('builds every key of a job under the job’s hash tag and every key of a tenant under the tenant’s, the webhooks’ too', () => {
    const webhookKeys = createWebhookKeys(f.prefix);
    const jobKeys = [
      ...f.keys.jobKeys('j1'), f.keys.jobRecord('j1'), f.keys.jobSpec('j1'), f.keys.jobData('j1'), f.keys.jobInitialWeights('j1'), f.keys.jobResult('j1'),
      f.keys.jobCheckpoint('j1'), f.keys.jobCurve('j1'), webhookKeys.jobEventSequence('j1'), webhookKeys.jobDeliveryLog('j1'), webhookKeys.jobEventsSent('j1'),
    ];
    const tenantKeys = [
      f.keys.tenantJobs('t'), f.keys.tenantSequence('t'), f.keys.tenantActive('t'), f.keys.tenantPending('t'), f.keys.tenantRunning('t'),
      f.keys.tenantIdempotency('t', 'd'), f.keys.tenantComputeDay('t', '2026-01-01'), f.keys.tenantStorageExpiry('t'), f.keys.tenantStorageBytes('t'),
      webhookKeys.tenantSecret('t'),
    ];

    expect(new Set(jobKeys.map(hashTag))).toEqual(new Set(['j1']));
    expect(new Set(tenantKeys.map(hashTag))).toEqual(new Set(['t']));
  });
});
