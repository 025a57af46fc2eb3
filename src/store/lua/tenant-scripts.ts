import { scriptsOn } from './script.js';

/**
 * Scripts on the keys of one tenant (hash tag `{<tenant>}`): the job index and the active
 * (queued + running) slots.
 */

const tenantScript = scriptsOn('tenant');

export const INDEX_JOB = tenantScript('indexJob',
  'KEYS: the tenant\'s sequence, jobs index (sorted by sequence). ARGV: job id. Returns the sequence number.',
  `local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
return seq`);

export const RESERVE_SLOT = tenantScript('reserveSlot',
  'KEYS: the tenant\'s active set, pending hash. ARGV: job id, max (0 = no cap), now (ms). Returns 1 when taken (or already held).',
  `if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if tonumber(ARGV[2]) > 0 and redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`);

export const CONFIRM_SLOT = tenantScript('confirmSlot',
  'KEYS: the tenant\'s active set, pending hash. ARGV: job id. The job\'s record exists now: it holds the slot until it finishes.',
  `redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`);

export const ACQUIRE_RUNNING_SLOT = tenantScript('acquireRunningSlot',
  'KEYS: the tenant\'s running-slot zset. ARGV: job id, cap (0 = none), now ms, lease expiry ms. ' +
    'Expired leases (their worker died) are dropped first; a job already holding a slot renews it.',
  `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  return 1
end
if tonumber(ARGV[2]) > 0 and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]) - tonumber(ARGV[3]), 1000) * 2)
return 1`);
