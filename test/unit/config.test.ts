import { describe, expect, it } from 'vitest';
import { loadConfig, parseTenantKeys } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/contract/limits.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('applies the defaults when nothing is set', () => {
    const config = loadConfig({});

    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.authEnabled).toBe(false);
    expect(config.JOB_BODY_LIMIT_BYTES).toBe(4 * 1024 * 1024);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses numbers, booleans and API keys', () => {
    const config = loadConfig({ PORT: '8080', LOG_PRETTY: 'true', TRAINYARD_API_KEYS: 'a:key-aaaaaaaa, b:key-bbbbbbbb' });

    expect(config.PORT).toBe(8080);
    expect(config.LOG_PRETTY).toBe(true);
    expect(config.apiKeys).toEqual([
      { tenant: 'a', key: 'key-aaaaaaaa' },
      { tenant: 'b', key: 'key-bbbbbbbb' },
    ]);
    expect(config.authEnabled).toBe(true);
  });

  it('sets no per-tenant rate limit, queued or running cap or compute budget when auth is off', () => {
    const config = loadConfig({});

    expect(config.authEnabled).toBe(false);
    expect(config.TENANT_MAX_RUNNING).toBe(0);
    expect(config.TENANT_MAX_QUEUED).toBe(0);
    expect(config.TENANT_SUBMITS_PER_MINUTE).toBe(0);
    expect(config.TENANT_REQUESTS_PER_MINUTE).toBe(0);
    expect(config.TENANT_COMPUTE_SECONDS_PER_DAY).toBe(0);
    expect(config.TENANT_MAX_STORED_BYTES).toBe(1_073_741_824);
  });

  it('applies the per-tenant defaults when auth is on, from TRAINYARD_API_KEYS or from TRAINYARD_API_KEYS_FILE alone', () => {
    for (const env of [{ TRAINYARD_API_KEYS: 'a:key-aaaaaaaa' }, { TRAINYARD_API_KEYS_FILE: '/etc/trainyard/keys' }]) {
      const config = loadConfig(env);

      expect(config.authEnabled).toBe(true);
      expect(config.TENANT_MAX_RUNNING).toBe(4);
      expect(config.TENANT_MAX_QUEUED).toBe(1000);
      expect(config.TENANT_SUBMITS_PER_MINUTE).toBe(600);
      expect(config.TENANT_REQUESTS_PER_MINUTE).toBe(6000);
      expect(config.TENANT_COMPUTE_SECONDS_PER_DAY).toBe(24 * 3600);
      expect(config.TENANT_MAX_STORED_BYTES).toBe(1_073_741_824);
    }
  });

  it('takes an operator’s per-tenant limits over the defaults, with or without auth, and 0 as unlimited', () => {
    const off = loadConfig({ TENANT_MAX_QUEUED: '20', TENANT_SUBMITS_PER_MINUTE: '10', TENANT_COMPUTE_SECONDS_PER_DAY: '7200' });
    const on = loadConfig({ TRAINYARD_API_KEYS: 'a:key-aaaaaaaa', TENANT_MAX_RUNNING: '0', TENANT_MAX_STORED_BYTES: '0' });

    expect(off).toMatchObject({ TENANT_MAX_QUEUED: 20, TENANT_SUBMITS_PER_MINUTE: 10, TENANT_COMPUTE_SECONDS_PER_DAY: 7200, TENANT_MAX_RUNNING: 0 });
    expect(on).toMatchObject({ TENANT_MAX_RUNNING: 0, TENANT_MAX_STORED_BYTES: 0, TENANT_MAX_QUEUED: 1000 });
    expect(() => loadConfig({ TENANT_COMPUTE_SECONDS_PER_DAY: '-1' })).toThrow(/TENANT_COMPUTE_SECONDS_PER_DAY/);
    expect(() => loadConfig({ TENANT_MAX_STORED_BYTES: '1.5' })).toThrow(/TENANT_MAX_STORED_BYTES/);
  });

  it('admits MNIST-scale work with the default storage quota: an uploaded 60,000 × 794 dataset and its model', () => {
    const config = loadConfig({});
    const mnistBytes = 60_000 * (784 + 10) * 8 + (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10) * 8;

    expect(config.TENANT_MAX_STORED_BYTES).toBeGreaterThan(mnistBytes);
  });

  it('takes the job limits’ defaults from the contract, so the two cannot differ', () => {
    const config = loadConfig({});

    for (const [name, value] of Object.entries(DEFAULT_LIMITS)) expect(config[name as keyof typeof DEFAULT_LIMITS]).toBe(value);
  });

  it('names every bad variable at once and never echoes a key', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', WORKER_CONCURRENCY: '0', TRAINYARD_API_KEYS: 'nocolonsecret' });
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/WORKER_CONCURRENCY/);
    expect(problems).toMatch(/TRAINYARD_API_KEYS/);
    expect(problems).not.toMatch(/nocolonsecret/);
  });

  it('parses tenant:key lists from the variable and from a keys file with one parser', () => {
    const fromEnv = parseTenantKeys('a:key-aaaa#aaaa, b:key-bbbbbbbb', 'TRAINYARD_API_KEYS');
    const fromFile = parseTenantKeys('# team keys\na:key-aaaaaaaa # ops\n\nbad-entry-secret\n', 'TRAINYARD_API_KEYS_FILE');

    expect(fromEnv).toEqual({ entries: [{ tenant: 'a', key: 'key-aaaa#aaaa' }, { tenant: 'b', key: 'key-bbbbbbbb' }], problems: [] });
    expect(fromFile.entries).toEqual([{ tenant: 'a', key: 'key-aaaaaaaa' }]);
    expect(fromFile.problems).toEqual(['TRAINYARD_API_KEYS_FILE entry 2 must be tenant:key with a tenant of [A-Za-z0-9_.-]{1,64}']);
  });
});
