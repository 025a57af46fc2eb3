import { TERMINAL_STATUSES } from '../../contract/job.js';
import { defineScript } from './script.js';

/**
 * Scripts on the keys of one job (hash tag `{<jobId>}`): create, move between statuses,
 * complete, finish and cancel. Every status change is a compare-and-set on the record's
 * `status`, so a stale worker or a second cancel changes nothing.
 */

/** Lua: `true` for the terminal statuses of contract/job.ts (the one list of them). */
const IS_TERMINAL = `local function is_terminal(s)
  ${TERMINAL_STATUSES.map((status) => `if s == '${status}' then return true end`).join('\n  ')}
  return false
end`;

/** Lua prologue: returns `{0, ''}` for a missing record and `{0, status}` for a terminal one. */
const RETURN_IF_TERMINAL = `${IS_TERMINAL}
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {0, ''} end
if is_terminal(s) then return {0, s} end`;

export const CREATE_JOB = defineScript({
  name: 'createJob',
  slot: 'job',
  signature: 'KEYS: rec, spec, init, data. ARGV: spec JSON, initial weights (\'\' = none), data field count (0 = none), data field/value pairs, then the record\'s field/value pairs.',
  source: `local dataFields = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if dataFields > 0 then redis.call('HSET', KEYS[4], unpack(ARGV, 4, 3 + dataFields)) end
redis.call('HSET', KEYS[1], unpack(ARGV, 4 + dataFields))
return 1`,
});

export const SET_IF_STATUS = defineScript({
  name: 'setIfStatus',
  slot: 'job',
  signature: 'KEYS: rec. ARGV: allowed statuses (comma-separated), then field/value pairs.',
  source: `local s = redis.call('HGET', KEYS[1], 'status')
if not s or not string.find(',' .. ARGV[1] .. ',', ',' .. s .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`,
});

export const COMPLETE_JOB = defineScript({
  name: 'completeJob',
  slot: 'job',
  signature: 'KEYS: rec, result, checkpoint (deleted with the completion), then every other key of the job (for expiry). ' +
    'ARGV: weights, metrics JSON, kernel, finishedAt, ttl seconds, epochsRun, attempt (\'\' = any). Returns {done, tenant}.',
  source: `${RETURN_IF_TERMINAL}
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[7] then return {0, 'stale'} end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[2], 'weights', ARGV[1], 'metrics', ARGV[2], 'kernel', ARGV[3])
redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', ARGV[4], 'kernel', ARGV[3], 'epoch', ARGV[6], 'lastHeartbeatAt', ARGV[4])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {1, redis.call('HGET', KEYS[1], 'tenant')}`,
});

export const FINISH_JOB = defineScript({
  name: 'finishJob',
  slot: 'job',
  signature: 'KEYS: rec, then every key of the job. ARGV: status, finishedAt, ttl, error JSON (\'\' = none). Returns {done, tenant}.',
  source: `${RETURN_IF_TERMINAL}
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'finishedAt', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return {1, redis.call('HGET', KEYS[1], 'tenant')}`,
});

export const REQUEST_CANCEL = defineScript({
  name: 'requestCancel',
  slot: 'job',
  signature: 'KEYS: rec, then every key of the job. ARGV: finishedAt, ttl. Returns {outcome, tenant}.',
  source: `${IS_TERMINAL}
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {'missing', ''} end
if is_terminal(s) then return {'finished', ''} end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
if s == 'running' then return {'requested', ''} end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finishedAt', ARGV[1])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return {'cancelled', redis.call('HGET', KEYS[1], 'tenant')}`,
});
