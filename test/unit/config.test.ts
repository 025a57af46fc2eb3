import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
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

  it('defaults the tenant quotas to 2 CPU-hours a day and 1 GiB stored (an uploaded MNIST and its model fit), and takes 0 as unlimited', () => {
    const defaults = loadConfig({});
    const unlimited = loadConfig({ TENANT_COMPUTE_SECONDS_PER_DAY: '0', TENANT_MAX_STORED_BYTES: '0' });

    expect(defaults.TENANT_COMPUTE_SECONDS_PER_DAY).toBe(7200);
    expect(defaults.TENANT_MAX_STORED_BYTES).toBe(1_073_741_824);
    // Issue 4: the defaults admit MNIST-scale work, uploaded: 60,000 × (784 + 10) float64 numbers
    // stored, plus a 784-256-128-10 model's trained weights.
    const mnistBytes = 60_000 * (784 + 10) * 8 + (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10) * 8;
    expect(defaults.TENANT_MAX_STORED_BYTES).toBeGreaterThan(mnistBytes);
    expect(unlimited.TENANT_COMPUTE_SECONDS_PER_DAY).toBe(0);
    expect(unlimited.TENANT_MAX_STORED_BYTES).toBe(0);
    expect(() => loadConfig({ TENANT_COMPUTE_SECONDS_PER_DAY: '-1' })).toThrow(/TENANT_COMPUTE_SECONDS_PER_DAY/);
    expect(() => loadConfig({ TENANT_MAX_STORED_BYTES: '1.5' })).toThrow(/TENANT_MAX_STORED_BYTES/);
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
});
