import { scriptsOn } from './script.js';

/**
 * Scripts on a tenant's webhook signing secret (hash tag `{<tenant>}`; the key is
 * webhooks/webhook-keys.ts's `tenantSecret`): a hash of `current`, `previous` and
 * `previousUntil` (ms). Both reply with those three fields, in that order.
 */

const tenantScript = scriptsOn('tenant');

export const GET_WEBHOOK_SECRETS = tenantScript('getWebhookSecrets',
  'KEYS: the tenant\'s secret hash. ARGV: a new secret, now (ms). Creates `current` when missing.',
  `redis.call('HSETNX', KEYS[1], 'current', ARGV[1])
return redis.call('HMGET', KEYS[1], 'current', 'previous', 'previousUntil')`);

export const ROTATE_WEBHOOK_SECRET = tenantScript('rotateWebhookSecret',
  'KEYS: the tenant\'s secret hash. ARGV: the new secret, now (ms), overlap (ms). The old `current` becomes `previous` until now + overlap.',
  `local old = redis.call('HGET', KEYS[1], 'current')
if old then
  redis.call('HSET', KEYS[1], 'previous', old, 'previousUntil', tostring(tonumber(ARGV[2]) + tonumber(ARGV[3])))
else
  redis.call('HDEL', KEYS[1], 'previous', 'previousUntil')
end
redis.call('HSET', KEYS[1], 'current', ARGV[1])
return redis.call('HMGET', KEYS[1], 'current', 'previous', 'previousUntil')`);
