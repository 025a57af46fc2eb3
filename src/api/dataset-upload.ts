import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse';
import { checkDatasetLimits } from '../contract/check-job.js';
import type { JobLimits } from '../contract/limits.js';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import type { EncodedDataset } from '../store/dataset-store.js';
import { NumberBuffer } from '../store/number-buffer.js';

/**
 * Streaming parsers of dataset uploads (POST /v1/datasets). Neither holds the body nor a tree
 * of JS arrays: numbers go straight into compact {@link NumberBuffer}s, so a 256 MiB upload
 * costs about its float32 size, not several copies.
 */

/** Counts bytes through a request stream and fails with 413 beyond `limitBytes`. */
async function* limitedChunks(stream: Readable, limitBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > limitBytes) {
      stream.destroy();
      throw new PayloadTooLargeError(`The dataset is larger than ${limitBytes} bytes.`);
    }
    yield buffer;
  }
}

class Matrix {
  readonly numbers = new NumberBuffer();
  rows = 0;
  width = -1;
  private current = 0;

  constructor(readonly field: 'inputs' | 'targets', private readonly maxRows: number, private readonly maxWidth: number) {}

  startRow(): void {
    this.current = 0;
    if (this.rows >= this.maxRows) throw new ValidationError('Too many rows.', [{ path: `/${this.field}`, message: `has more than ${this.maxRows} rows` }]);
  }

  push(value: number): void {
    if (!Number.isFinite(value)) {
      throw new ValidationError('Every value must be a finite number.', [{ path: `/${this.field}/${this.rows}/${this.current}`, message: 'must be a finite number' }]);
    }
    this.current++;
    if (this.current > this.maxWidth) {
      throw new ValidationError('A row is too long.', [{ path: `/${this.field}/${this.rows}`, message: `has more than ${this.maxWidth} numbers` }]);
    }
    this.numbers.push(value);
  }

  endRow(): void {
    if (this.current === 0) throw new ValidationError('Empty row.', [{ path: `/${this.field}/${this.rows}`, message: 'must not be empty' }]);
    if (this.width === -1) this.width = this.current;
    else if (this.current !== this.width) {
      throw new ValidationError('Rows differ in length.', [
        { path: `/${this.field}/${this.rows}`, message: `must have ${this.width} numbers like row 0, has ${this.current}` },
      ]);
    }
    this.rows++;
  }
}

function finishDataset(inputs: Matrix, targets: Matrix, limits: JobLimits): EncodedDataset {
  if (inputs.rows === 0) throw new ValidationError('No samples.', [{ path: '/inputs', message: 'must have at least one row' }]);
  if (targets.rows !== inputs.rows) {
    throw new ValidationError('inputs and targets differ in rows.', [{ path: '/targets', message: `must have ${inputs.rows} rows like inputs, has ${targets.rows}` }]);
  }
  const shape = { samples: inputs.rows, inputSize: inputs.width, outputSize: targets.width };
  const problems = checkDatasetLimits(shape, limits, '');
  if (problems.length > 0) throw new ValidationError('The dataset exceeds a limit.', problems);
  return { ...shape, inputs: inputs.numbers.finish(), targets: targets.numbers.finish() };
}

const NUMBER_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function syntaxError(message: string): ValidationError {
  return new ValidationError(`The body is not a valid dataset document: ${message}.`);
}

/**
 * Parses `{"inputs": [[…], …], "targets": [[…], …]}` from a stream, byte by byte (a small state
 * machine: only this shape is accepted, any other field is a 400).
 */
export async function parseJsonDataset(stream: Readable, limitBytes: number, limits: JobLimits): Promise<EncodedDataset> {
  const inputs = new Matrix('inputs', limits.MAX_SAMPLES, limits.MAX_INPUT_SIZE);
  const targets = new Matrix('targets', limits.MAX_SAMPLES, limits.MAX_OUTPUT_SIZE);
  // States: 0 before '{'; 1 expect key or '}'; 2 in key; 3 expect ':'; 4 expect outer '[';
  // 5 expect row '[' or ']' (outer); 6 in row: expect number or ']'; 7 after number: ',' or ']';
  // 8 after row: ',' or ']'; 9 after value: ',' or '}'; 10 done; 11 expect key after ',';
  // 12 in row after ',': expect a number; 13 in row after a number and spaces: ',' or ']'.
  let state = 0;
  let key = '';
  let numberText = '';
  let matrix: Matrix | null = null;
  const seen = new Set<string>();

  const flushNumber = (): void => {
    if (!NUMBER_PATTERN.test(numberText)) throw syntaxError(`bad number "${numberText.slice(0, 32)}"`);
    matrix!.push(Number(numberText));
    numberText = '';
  };

  for await (const chunk of limitedChunks(stream, limitBytes)) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      const isSpace = c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
      if (state === 2) {
        if (c === 0x22) {
          if (key !== 'inputs' && key !== 'targets') {
            throw new ValidationError('The request is invalid; see errors.', [{ path: `/${key.slice(0, 64)}`, message: 'is not an allowed field' }]);
          }
          if (seen.has(key)) throw syntaxError(`duplicate field "${key}"`);
          seen.add(key);
          matrix = key === 'inputs' ? inputs : targets;
          state = 3;
        } else if (c === 0x5c || key.length > 64) throw syntaxError('unexpected field name');
        else key += String.fromCharCode(c);
        continue;
      }
      if (state === 6 || state === 7 || state === 12 || state === 13) {
        const numberChar = (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
        if (numberChar) {
          if (state === 13) throw syntaxError('missing ","');
          numberText += String.fromCharCode(c);
          if (numberText.length > 64) throw syntaxError('number too long');
          state = 7;
        } else if (isSpace) {
          if (state === 7) {
            flushNumber();
            state = 13;
          }
        } else if (c === 0x2c) {
          if (state === 7) flushNumber();
          else if (state !== 13) throw syntaxError('unexpected ","');
          state = 12;
        } else if (c === 0x5d) {
          if (state === 7) flushNumber();
          else if (state === 12) throw syntaxError('trailing ","');
          matrix!.endRow();
          state = 8;
        } else {
          throw new ValidationError('The request is invalid; see errors.', [
            { path: `/${matrix!.field}/${matrix!.rows}`, message: 'must be an array of numbers' },
          ]);
        }
        continue;
      }
      if (isSpace) continue;
      switch (state) {
        case 0:
          if (c !== 0x7b) throw syntaxError('expected an object');
          state = 1;
          break;
        case 1:
        case 11:
          if (c === 0x22) {
            key = '';
            state = 2;
          } else if (c === 0x7d && state === 1) state = 10;
          else throw syntaxError('expected a field name');
          break;
        case 3:
          if (c !== 0x3a) throw syntaxError('expected ":"');
          state = 4;
          break;
        case 4:
          if (c !== 0x5b) {
            throw new ValidationError('The request is invalid; see errors.', [{ path: `/${matrix!.field}`, message: 'must be an array of rows' }]);
          }
          state = 5;
          break;
        case 5:
          if (c === 0x5b) {
            matrix!.startRow();
            state = 6;
          } else if (c === 0x5d) state = 9;
          else throw new ValidationError('The request is invalid; see errors.', [{ path: `/${matrix!.field}/${matrix!.rows}`, message: 'must be an array of numbers' }]);
          break;
        case 8:
          if (c === 0x2c) state = 5;
          else if (c === 0x5d) state = 9;
          else throw syntaxError('expected "," or "]" after a row');
          break;
        case 9:
          if (c === 0x2c) state = 11;
          else if (c === 0x7d) state = 10;
          else throw syntaxError('expected "," or "}"');
          break;
        case 10:
          throw syntaxError('unexpected content after the document');
        default:
          throw syntaxError('unexpected character');
      }
    }
  }
  if (state !== 10) throw syntaxError('the document ended early');
  for (const field of ['inputs', 'targets']) {
    if (!seen.has(field)) throw new ValidationError('The request is invalid; see errors.', [{ path: `/${field}`, message: 'is required' }]);
  }
  return finishDataset(inputs, targets, limits);
}

/**
 * Parses a CSV upload: a header row, then one sample per row; the last `targetColumns` columns
 * are targets, the others inputs. Every cell must be a finite number.
 */
export async function parseCsvDataset(stream: Readable, limitBytes: number, targetColumns: number, limits: JobLimits): Promise<EncodedDataset> {
  const inputs = new Matrix('inputs', limits.MAX_SAMPLES, limits.MAX_INPUT_SIZE);
  const targets = new Matrix('targets', limits.MAX_SAMPLES, limits.MAX_OUTPUT_SIZE);
  // No `trim` (a third slower): Number() ignores surrounding spaces; blank cells are checked below.
  const parser = parseCsv({ from_line: 2, skip_empty_lines: true, max_record_size: 1 << 20 });
  let total = 0;
  let tooLarge = false;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > limitBytes) {
        tooLarge = true;
        done(new PayloadTooLargeError(`The dataset is larger than ${limitBytes} bytes.`));
        return;
      }
      done(null, chunk);
    },
  });
  const feeding = pipeline(stream, counter, parser).catch(() => undefined);
  let line = 1;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      if (record.length <= targetColumns) {
        throw new ValidationError('Too few columns.', [{ path: `/rows/${line}`, message: `has ${record.length} columns; targetColumns is ${targetColumns} and at least one input is needed` }]);
      }
      const split = record.length - targetColumns;
      inputs.startRow();
      targets.startRow();
      for (let c = 0; c < record.length; c++) {
        const cell = record[c];
        const value = cell.length === 0 || cell.trim().length === 0 ? Number.NaN : Number(cell);
        if (!Number.isFinite(value)) {
          throw new ValidationError('Every cell must be a finite number.', [{ path: `/rows/${line}/columns/${c + 1}`, message: 'must be a finite number' }]);
        }
        if (c < split) inputs.push(value);
        else targets.push(value);
      }
      inputs.endRow();
      targets.endRow();
    }
  } catch (error) {
    stream.destroy();
    if (tooLarge) throw new PayloadTooLargeError(`The dataset is larger than ${limitBytes} bytes.`);
    if (error instanceof ValidationError || error instanceof PayloadTooLargeError) throw error;
    throw new ValidationError('The body is not valid CSV (a header row, then rows of numbers with the same number of columns).');
  } finally {
    await feeding;
  }
  if (tooLarge) throw new PayloadTooLargeError(`The dataset is larger than ${limitBytes} bytes.`);
  return finishDataset(inputs, targets, limits);
}
