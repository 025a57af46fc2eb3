import { TERMINAL_STATUSES } from '../../contract/job.js';
import { scriptsOn } from './script.js';

/**
 * Scripts on the keys of one job (hash tag `{<jobId>}`): create, move between statuses
 * (complete, finish, cancel, pause, resume) and save checkpoints. Every status change is a
 * compare-and-set on the record's `status`, so a stale worker or a second cancel changes nothing.
 * KEYS[1] is the job's record in every script but {@link SAVE_CHECKPOINT}.
 */

/**
 * Lua helpers of the job scripts:
 * - `is_terminal(s)`: the terminal statuses of contract/job.ts (the one list of them);
 * - `status()`, `tenant()`: the record's fields (`tenant()` is `''` when missing);
 * - `park(st, at_field, at, ttl)`: a finished or paused job: sets `status` and the time field,
 *   lets every key in KEYS expire in `ttl` seconds and returns the tenant;
 * - `write_checkpoint(key, slot, bytes, meta, step)`: the checkpoint hash's layout, one snapshot
 *   per slot (`a`, `b`) with its meta and step, and `cur` naming the newest.
 */
const JOB_LIB = `local function is_terminal(s)
  ${TERMINAL_STATUSES.map((status) => `if s == '${status}' then return true end`).join('\n  ')}
  return false
end
local function status() return redis.call('HGET', KEYS[1], 'status') end
local function tenant() return redis.call('HGET', KEYS[1], 'tenant') or '' end
local function park(st, at_field, at, ttl)
  redis.call('HSET', KEYS[1], 'status', st, at_field, at)
  for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ttl) end
  return tenant()
end
local function write_checkpoint(key, slot, bytes, meta, step)
  redis.call('HSET', key, slot, bytes, slot .. 'Meta', meta, slot .. 'Step', step, 'cur', slot)
end`;

const jobScript = scriptsOn('job', JOB_LIB);

/** Lua prologue: returns `{0, ''}` for a missing record and `{0, status}` for a terminal one. */
const RETURN_IF_TERMINAL = `local s = status()
if not s then return {0, ''} end
if is_terminal(s) then return {0, s} end`;

export const CREATE_JOB = jobScript('createJob',
  'KEYS: rec, spec, init, data. ARGV: spec JSON, initial weights (\'\' = none), data field count (0 = none), data field/value pairs, then the record\'s field/value pairs.',
  `local dataFields = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[1])
if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2]) end
if dataFields > 0 then redis.call('HSET', KEYS[4], unpack(ARGV, 4, 3 + dataFields)) end
redis.call('HSET', KEYS[1], unpack(ARGV, 4 + dataFields))
return 1`);

export const SET_IF_STATUS = jobScript('setIfStatus',
  'KEYS: rec. ARGV: allowed statuses (comma-separated), then field/value pairs.',
  `local s = status()
if not s or not string.find(',' .. ARGV[1] .. ',', ',' .. s .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`);

export const COMPLETE_JOB = jobScript('completeJob',
  'KEYS: rec, result, checkpoint (replaced by the final snapshot, or deleted), then every other key of the job (for expiry). ' +
    'ARGV: weights, metrics JSON, kernel, finishedAt, ttl seconds, epochsRun, attempt (\'\' = any), ' +
    'final snapshot (\'\' = none), its meta JSON, its step. Returns {done, tenant}.',
  `${RETURN_IF_TERMINAL}
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[7] then return {0, 'stale'} end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[2], 'weights', ARGV[1], 'metrics', ARGV[2], 'kernel', ARGV[3])
if ARGV[8] ~= '' then write_checkpoint(KEYS[3], 'a', ARGV[8], ARGV[9], ARGV[10]) end
redis.call('HSET', KEYS[1], 'kernel', ARGV[3], 'epoch', ARGV[6], 'lastHeartbeatAt', ARGV[4])
return {1, park('completed', 'finishedAt', ARGV[4], ARGV[5])}`);

export const FINISH_JOB = jobScript('finishJob',
  'KEYS: rec, then every key of the job. ARGV: status, finishedAt, ttl, error JSON (\'\' = none). Returns {done, tenant}.',
  `${RETURN_IF_TERMINAL}
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[4]) end
return {1, park(ARGV[1], 'finishedAt', ARGV[2], ARGV[3])}`);

export const REQUEST_CANCEL = jobScript('requestCancel',
  'KEYS: rec, then every key of the job. ARGV: finishedAt, ttl. Returns {outcome, tenant}.',
  `local s = status()
if not s then return {'missing', ''} end
if is_terminal(s) then return {'finished', ''} end
redis.call('HSET', KEYS[1], 'cancelRequested', '1')
if s == 'running' then return {'requested', ''} end
return {'cancelled', park('cancelled', 'finishedAt', ARGV[1], ARGV[2])}`);

export const REQUEST_PAUSE = jobScript('requestPause',
  'KEYS: rec, then every other key of the job. ARGV: now (ISO), ttl seconds. Returns {outcome, tenant}: ' +
    'queued → `paused` at once, running → `requested` (the flag its worker reads), else `conflict`.',
  `local s = status()
if not s then return {'missing', ''} end
if s == 'queued' then return {'paused', park('paused', 'pausedAt', ARGV[1], ARGV[2])} end
if s ~= 'running' or redis.call('HGET', KEYS[1], 'cancelRequested') == '1' then return {'conflict', tenant()} end
redis.call('HSET', KEYS[1], 'pauseRequested', '1')
return {'requested', tenant()}`);

export const MARK_PAUSED = jobScript('markPaused',
  'KEYS: rec, then every other key of the job. ARGV: now (ISO), ttl seconds. Returns {done, tenant}.',
  `if status() ~= 'running' then return {0, ''} end
redis.call('HDEL', KEYS[1], 'pauseRequested')
return {1, park('paused', 'pausedAt', ARGV[1], ARGV[2])}`);

export const RESUME_JOB = jobScript('resumeJob',
  'KEYS: rec, spec, data, init (kept while queued), then the job\'s other keys (checkpoint, curve: their writers ' +
    'refresh their expiry). Returns {outcome, tenant}: `resumed`, `conflict` (not paused) or `missing`.',
  `local s = status()
if not s then return {'missing', ''} end
if s ~= 'paused' then return {'conflict', tenant()} end
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('HDEL', KEYS[1], 'pauseRequested', 'pausedAt')
for i = 1, 4 do redis.call('PERSIST', KEYS[i]) end
return {'resumed', tenant()}`);

// Writes into the slot that is not current, then flips `cur`: the previous checkpoint stays
// intact until the next write, and nothing large is copied inside Redis.
export const SAVE_CHECKPOINT = jobScript('saveCheckpoint',
  'KEYS: checkpoint hash. ARGV: bytes, meta JSON, step, ttl seconds. Returns 1 when written, 0 when the hash holds the same or a later step.',
  `local cur = redis.call('HGET', KEYS[1], 'cur')
if cur and tonumber(ARGV[3]) <= tonumber(redis.call('HGET', KEYS[1], cur .. 'Step') or '-1') then return 0 end
write_checkpoint(KEYS[1], cur == 'a' and 'b' or 'a', ARGV[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1`);
