import { scriptsOn } from './script.js';

/**
 * Scripts on one tenant's usage keys (hash tag `{<tenant>}`): the daily compute counters and
 * the stored-artifacts ledger (an expiry-scored zset and a bytes hash with a `total`).
 */

const tenantScript = scriptsOn('tenant');

// One script rather than a MULTI: a single command is simply resent when the connection drops mid-way.
export const ADD_COMPUTE = tenantScript('addCompute',
  'KEYS: day counters. ARGV: seconds to add to each, then their TTL.',
  `for i = 1, #KEYS do
  redis.call('INCRBYFLOAT', KEYS[i], ARGV[i])
  redis.call('EXPIRE', KEYS[i], ARGV[#ARGV])
end
return 1`);

/** Lua prologue (KEYS: expiry zset, bytes hash; ARGV[1]: now ms): drops expired artifacts, leaves the total in `total`. */
const PRUNE = `local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for i = 1, #gone do
  local b = redis.call('HGET', KEYS[2], gone[i])
  if b then
    redis.call('HINCRBY', KEYS[2], 'total', -tonumber(b))
    redis.call('HDEL', KEYS[2], gone[i])
  end
end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) end
local total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
`;

export const RESERVE_STORAGE = tenantScript('reserveStorage',
  'KEYS: expiry zset, bytes hash. ARGV: now ms, artifact, bytes, max bytes (0: none), pending-until ms. Returns {ok, total}.',
  `${PRUNE}
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {1, total} end
local bytes = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
if max > 0 and total + bytes > max then return {0, total} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[2], 'total', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
return {1, total + bytes}`);

export const STORED_BYTES = tenantScript('storedBytes',
  'KEYS: expiry zset, bytes hash. ARGV: now ms. Returns the total after pruning.',
  `${PRUNE}
return total`);

export const RELEASE_STORAGE = tenantScript('releaseStorage',
  'KEYS: expiry zset, bytes hash. ARGV: artifact.',
  `local b = redis.call('HGET', KEYS[2], ARGV[1])
if not b then return 0 end
redis.call('HINCRBY', KEYS[2], 'total', -tonumber(b))
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`);
