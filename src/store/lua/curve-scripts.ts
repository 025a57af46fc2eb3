import { scriptsOn } from './script.js';

/**
 * Scripts on a job's loss curve (hash tag `{<jobId>}`): one string per job, a 16-byte header
 * (`TYC1` and the base epoch as 12 ASCII digits), then fixed-width records (the layout is
 * metrics-store.ts's `CURVE_RECORD_BYTES`).
 */

const jobScript = scriptsOn('job');

// Each record goes to its epoch's own offset (SETRANGE), so writing an epoch twice replaces it.
export const WRITE_CURVE = jobScript('writeCurve',
  'KEYS: curve. ARGV: header of a new curve, record bytes, ttl seconds, most records, then epoch/record pairs.',
  `local key = KEYS[1]
local header = redis.call('GETRANGE', key, 0, 15)
if string.len(header) < 16 then
  header = ARGV[1]
  redis.call('SET', key, header)
end
local base = tonumber(string.sub(header, 5, 16))
local size = tonumber(ARGV[2])
local most = tonumber(ARGV[4])
for i = 5, #ARGV, 2 do
  local epoch = tonumber(ARGV[i])
  if epoch > base and epoch - base <= most then redis.call('SETRANGE', key, 16 + (epoch - base - 1) * size, ARGV[i + 1]) end
end
redis.call('EXPIRE', key, tonumber(ARGV[3]))
return 1`);

export const READ_CURVE = jobScript('readCurve',
  'KEYS: curve. ARGV: since, record bytes, most records. Returns {header, records, total length}.',
  `local key = KEYS[1]
local header = redis.call('GETRANGE', key, 0, 15)
if string.len(header) < 16 then return { '', '', 0 } end
local base = tonumber(string.sub(header, 5, 16))
local size = tonumber(ARGV[2])
local first = math.max(tonumber(ARGV[1]), base)
local total = redis.call('STRLEN', key)
local from = 16 + (first - base) * size
local to = math.min(total, from + tonumber(ARGV[3]) * size) - 1
if to < from then return { header, '', total } end
return { header, redis.call('GETRANGE', key, from, to), total }`);
