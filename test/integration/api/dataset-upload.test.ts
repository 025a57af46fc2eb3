import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseJsonDataset } from '../../../src/api/dataset-upload.js';
import { DEFAULT_LIMITS } from '../../../src/contract/limits.js';
import { AppError } from '../../../src/errors.js';

const LIMIT_BYTES = 256 * 1024 * 1024;

/** A body of `chunks` pieces, counting how many were read. */
function chunked(pieces: Iterable<string>): { stream: Readable; read: () => number } {
  let read = 0;
  const stream = Readable.from((function* () {
    for (const piece of pieces) {
      read++;
      yield Buffer.from(piece);
    }
  })());
  return { stream, read: () => read };
}

async function problemOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('parseJsonDataset', () => {
  it('reads a document split at every byte, escapes and surrounding whitespace included', async () => {
    const text = ' {"\\u0069nputs" : [[1, -2.5e3], [0.1, 3]], "targets":[[1],[0]]}\n';

    const data = await parseJsonDataset(chunked([...text]).stream, LIMIT_BYTES, DEFAULT_LIMITS);

    expect({ samples: data.samples, inputSize: data.inputSize, outputSize: data.outputSize }).toEqual({ samples: 2, inputSize: 2, outputSize: 1 });
  });

  it('refuses a row longer than MAX_INPUT_SIZE while it streams in, without reading the rest', async () => {
    const pieces = function* () {
      yield '{"inputs":[[';
      for (let i = 0; i < 100_000; i++) yield '0.5,';
      yield '1]],"targets":[[1]]}';
    };
    const body = chunked(pieces());

    const error = await problemOf(parseJsonDataset(body.stream, LIMIT_BYTES, DEFAULT_LIMITS));

    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ path: '/inputs/0', message: `has more than ${DEFAULT_LIMITS.MAX_INPUT_SIZE} numbers` }]);
    expect(body.read()).toBeLessThan(DEFAULT_LIMITS.MAX_INPUT_SIZE + 100);
  });

  it('refuses a field name of a megabyte after its first 64 KiB, before it is read whole', async () => {
    const body = chunked((function* () {
      yield '{"';
      for (let i = 0; i < 10_000; i++) yield 'x'.repeat(100);
      yield '":1}';
    })());

    const error = await problemOf(parseJsonDataset(body.stream, LIMIT_BYTES, DEFAULT_LIMITS));

    expect(error.status).toBe(400);
    // 100-byte pieces: 64 KiB is 656 of the 10,000.
    expect(body.read()).toBeLessThan(700);
  });

  it.each([
    ['a nested row', '{"inputs":[[[1]]],"targets":[[1]]}', '/inputs/0'],
    ['an object row', '{"inputs":[{"a":1}],"targets":[[1]]}', '/inputs/0'],
    ['a number instead of rows', '{"inputs":5,"targets":[[1]]}', '/inputs'],
    ['null in a row', '{"inputs":[[null]],"targets":[[1]]}', '/inputs/0'],
  ])('names the bad value for %s', async (_label, text, path) => {
    const error = await problemOf(parseJsonDataset(chunked([text]).stream, LIMIT_BYTES, DEFAULT_LIMITS));

    expect(error.status).toBe(400);
    expect(error.errors?.[0].path).toBe(path);
  });

  it.each([
    ['a missing comma', '{"inputs":[[1 2]],"targets":[[1]]}'],
    ['a trailing comma', '{"inputs":[[1,]],"targets":[[1]]}'],
    ['a bare word', '{"inputs":[[1]],"targets":[[1]]} x'],
    ['an unterminated document', '{"inputs":[[1]],"targets":[[1]]'],
    ['a bad number', '{"inputs":[[01]],"targets":[[1]]}'],
    ['a missing colon', '{"inputs" [[1]],"targets":[[1]]}'],
    ['a missing comma between fields', '{"inputs":[[1]] "targets":[[1]]}'],
    ['a trailing comma in the object', '{"inputs":[[1]],"targets":[[1]],}'],
    ['a trailing comma after a row', '{"inputs":[[1],],"targets":[[1]]}'],
    ['a leading comma', '{,"inputs":[[1]],"targets":[[1]]}'],
    ['two documents', '{"inputs":[[1]],"targets":[[1]]}{}'],
    ['an unterminated string', '{"inputs":[[1]],"targets'],
  ])('answers 400 without the parser’s own words for %s', async (_label, text) => {
    const error = await problemOf(parseJsonDataset(chunked([text]).stream, LIMIT_BYTES, DEFAULT_LIMITS));

    expect(error.status).toBe(400);
    expect(error.detail).toMatch(/^The body is not a valid dataset document/);
  });
});
