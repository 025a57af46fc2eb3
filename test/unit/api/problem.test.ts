import { describe, expect, it } from 'vitest';
import { isRedisUnavailable, toProblem } from '../../../src/api/problem.js';

describe('isRedisUnavailable', () => {
  it.each([
    'CLUSTERDOWN The cluster is down',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    "Cluster isn't ready and enableOfflineQueue options is false",
    'Failed to refresh slots cache.',
    'None of startup nodes is available',
    'MOVED 3999 127.0.0.1:6381',
    'ASK 3999 127.0.0.1:6381',
    'Connection is closed.',
    'OOM command not allowed when used memory > \'maxmemory\'.',
  ])('takes "%s" for an unavailable Redis (503, not 500)', (message) => {
    const error = new Error(message);

    expect(isRedisUnavailable(error)).toBe(true);
    expect(toProblem(error, 'req-1')).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('leaves other errors to the 500 path, with no detail of theirs', () => {
    const problem = toProblem(new Error('ERR wrong number of arguments'), 'req-2');

    expect(problem).toMatchObject({ status: 500, code: 'internal' });
    expect(problem.detail).not.toContain('ERR');
  });

  it('names the body limit and its setting in a 413', () => {
    const error = Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });

    expect(toProblem(error, 'req-3', { bytes: 4096, setting: 'JOB_BODY_LIMIT_BYTES' }).detail).toBe(
      'The request body is larger than this route accepts: at most 4096 bytes (the server setting JOB_BODY_LIMIT_BYTES raises it).',
    );
  });
});
