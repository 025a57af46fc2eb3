import { describe, expect, it } from 'vitest';
import { checkJobWebhook, withJobWebhook } from '../../../src/webhooks/job-webhook.js';
import { classifyAddress, createGuardedLookup, WebhookAddressRefusedError } from '../../../src/webhooks/webhook-address.js';
import type { JobSpec } from '../../../src/contract/job.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
  ])('refuses %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('lets public %s through', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });
});

describe('checkJobWebhook', () => {
  const strict = { WEBHOOK_ALLOW_PRIVATE: false };
  const lax = { WEBHOOK_ALLOW_PRIVATE: true };

  it('accepts an https URL with a public host name or address', () => {
    expect(checkJobWebhook({ url: 'https://hooks.example.com/trainyard' }, strict)).toEqual([]);
    expect(checkJobWebhook({ url: 'https://93.184.216.34:8443/x' }, strict)).toEqual([]);
  });

  it.each([
    'https://127.0.0.1/', 'https://2130706433/', 'https://0x7f.1/', 'https://[::1]/', 'https://10.0.0.8/', 'https://192.168.0.1/',
    'https://[fd00::1]/', 'https://169.254.10.10/', 'https://[fe80::1]/', 'https://100.64.1.1/', 'https://224.0.0.251/',
    'https://169.254.169.254/latest/meta-data/', 'https://[::ffff:127.0.0.1]/', 'https://localhost:8080/', 'https://api.localhost/',
    'https://metadata.google.internal/',
  ])('refuses %s at /webhook/url', (url) => {
    const problems = checkJobWebhook({ url }, strict);

    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('/webhook/url');
    expect(problems[0].message).toMatch(/must not point at a (loopback|private|link-local|cgnat|multicast|metadata|unspecified) address/);
  });

  it('refuses http:// unless WEBHOOK_ALLOW_PRIVATE=true, which also lets private addresses through', () => {
    expect(checkJobWebhook({ url: 'http://hooks.example.com/' }, strict)[0].message).toBe('must be an https:// URL');
    expect(checkJobWebhook({ url: 'http://127.0.0.1:9000/' }, lax)).toEqual([]);
  });

  it('refuses other schemes, credentials and non-URLs', () => {
    expect(checkJobWebhook({ url: 'ftp://example.com/' }, lax)[0].message).toMatch(/https/);
    expect(checkJobWebhook({ url: 'https://user:pw@example.com/' }, strict)[0].message).toMatch(/credentials/);
    expect(checkJobWebhook({ url: 'not a url' }, strict)[0].message).toBe('must be an absolute URL');
  });
});

describe('withJobWebhook', () => {
  it('defaults the events to every one but progress', () => {
    const spec = withJobWebhook({ name: 'x' } as unknown as JobSpec, { url: 'https://example.com/' });

    expect(spec.webhook).toEqual({ url: 'https://example.com/', events: ['started', 'paused', 'completed', 'failed', 'cancelled'] });
  });
});

describe('createGuardedLookup', () => {
  const lookupWith = (addresses: string[], allowPrivate = false) =>
    createGuardedLookup({ allowPrivate, resolveAll: async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })) });
  const call = (lookup: ReturnType<typeof lookupWith>, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => lookup('hooks.example.com', { all }, (err, address) => resolve({ err, address })));

  it('fails when any resolved address is refused, naming the name and the address', async () => {
    const { err } = await call(lookupWith(['93.184.216.34', '10.0.0.5']), true);

    expect(err).toBeInstanceOf(WebhookAddressRefusedError);
    expect(err?.message).toMatch(/hooks\.example\.com resolves to 10\.0\.0\.5, a private address/);
  });

  it('hands back exactly the checked addresses', async () => {
    expect((await call(lookupWith(['93.184.216.34', '2606:4700::1111']), true)).address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ]);
    expect((await call(lookupWith(['93.184.216.34']), false)).address).toBe('93.184.216.34');
    expect((await call(lookupWith(['127.0.0.1'], true), false)).address).toBe('127.0.0.1');
  });
});
