import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse';
import { Tokenizer, TokenType } from '@streamparser/json';
import { checkDatasetLimits } from '../contract/check-job.js';
import type { JobLimits } from '../contract/limits.js';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import type { EncodedDataset } from '../store/dataset-store.js';
import { bodyTooLargeDetail } from './problem.js';
import { NumberBuffer } from '../store/number-buffer.js';

/**
 * Streaming parsers of dataset uploads (POST /v1/datasets). Neither holds the body nor a tree
 * of JS arrays: numbers go straight into compact {@link NumberBuffer}s, so a 256 MiB upload
 * costs about its float32 size, not several copies.
 */

/** 413 naming the upload limit and its setting. */
export function datasetTooLarge(limitBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(bodyTooLargeDetail({ bytes: limitBytes, setting: 'DATASET_BODY_LIMIT_BYTES' }, 'The dataset'));
}

/** Counts bytes through a request stream and fails with 413 beyond `limitBytes`. */
async function* limitedChunks(stream: Readable, limitBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.length;
    if (total > limitBytes) {
      stream.destroy();
      throw datasetTooLarge(limitBytes);
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

function syntaxError(message: string): ValidationError {
  return new ValidationError(`The body is not a valid dataset document: ${message}.`);
}

function shapeError(path: string, message: string): ValidationError {
  return new ValidationError('The request is invalid; see errors.', [{ path, message }]);
}

/**
 * The most bytes one token (a field name, a number) or one run of whitespace may span: the
 * tokenizer buffers a token whole, so a longer one is refused before it is read (abuse bound).
 */
const MAX_TOKEN_BYTES = 64 * 1024;

type ObjectState = 'keyOrEnd' | 'key' | 'colon' | 'value' | 'commaOrEnd';
type ArrayState = 'valueOrEnd' | 'value' | 'commaOrEnd';

const VALUE_TOKENS = new Set([TokenType.LEFT_BRACE, TokenType.LEFT_BRACKET, TokenType.STRING, TokenType.NUMBER, TokenType.TRUE, TokenType.FALSE, TokenType.NULL]);

/**
 * The one document shape accepted, `{"inputs": [[…], …], "targets": [[…], …]}`, checked token
 * by token (what may follow what, at object, matrix and row depth); numbers go straight into
 * the two matrices. Lexing (strings, escapes, number syntax) is `@streamparser/json`'s.
 */
class DatasetDocument {
  private depth = 0;
  private done = false;
  private object: ObjectState = 'keyOrEnd';
  private matrixState: ArrayState = 'valueOrEnd';
  private rowState: ArrayState = 'valueOrEnd';
  private matrix: Matrix | null = null;
  readonly seen = new Set<string>();

  constructor(private readonly inputs: Matrix, private readonly targets: Matrix) {}

  get complete(): boolean {
    return this.done;
  }

  token(token: TokenType, value: unknown): void {
    if (this.done) throw syntaxError('unexpected content after the document');
    if (this.depth === 0) {
      if (token !== TokenType.LEFT_BRACE) throw syntaxError('expected an object');
      this.depth = 1;
    } else if (this.depth === 1) this.inObject(token, value);
    else if (this.depth === 2) this.inMatrix(token);
    else this.inRow(token, value);
  }

  private inObject(token: TokenType, value: unknown): void {
    const state = this.object;
    if (token === TokenType.STRING && (state === 'keyOrEnd' || state === 'key')) this.key(String(value));
    else if (token === TokenType.RIGHT_BRACE && (state === 'keyOrEnd' || state === 'commaOrEnd')) this.done = true;
    else if (token === TokenType.COLON && state === 'colon') this.object = 'value';
    else if (token === TokenType.COMMA && state === 'commaOrEnd') this.object = 'key';
    else if (state === 'value' && token === TokenType.LEFT_BRACKET) {
      this.depth = 2;
      this.matrixState = 'valueOrEnd';
    } else if (state === 'value' && VALUE_TOKENS.has(token)) throw shapeError(`/${this.matrix!.field}`, 'must be an array of rows');
    else throw syntaxError(state === 'colon' ? 'expected ":"' : state === 'commaOrEnd' ? 'expected "," or "}"' : 'expected a field name');
  }

  private inMatrix(token: TokenType): void {
    const state = this.matrixState;
    const matrix = this.matrix!;
    if (token === TokenType.RIGHT_BRACKET && state !== 'value') {
      this.depth = 1;
      this.object = 'commaOrEnd';
    } else if (token === TokenType.COMMA && state === 'commaOrEnd') this.matrixState = 'value';
    else if (state !== 'commaOrEnd' && token === TokenType.LEFT_BRACKET) {
      matrix.startRow();
      this.depth = 3;
      this.rowState = 'valueOrEnd';
    } else if (state !== 'commaOrEnd' && VALUE_TOKENS.has(token)) throw shapeError(`/${matrix.field}/${matrix.rows}`, 'must be an array of numbers');
    else throw syntaxError(state === 'commaOrEnd' ? 'expected "," or "]" after a row' : 'unexpected "," or "]"');
  }

  private inRow(token: TokenType, value: unknown): void {
    const state = this.rowState;
    const matrix = this.matrix!;
    if (token === TokenType.NUMBER && state !== 'commaOrEnd') {
      matrix.push(value as number);
      this.rowState = 'commaOrEnd';
    } else if (token === TokenType.COMMA && state === 'commaOrEnd') this.rowState = 'value';
    else if (token === TokenType.RIGHT_BRACKET && state !== 'value') {
      matrix.endRow();
      this.depth = 2;
      this.matrixState = 'commaOrEnd';
    } else if (state !== 'commaOrEnd' && VALUE_TOKENS.has(token)) throw shapeError(`/${matrix.field}/${matrix.rows}`, 'must be an array of numbers');
    else throw syntaxError(state === 'commaOrEnd' ? 'missing ","' : 'trailing ","');
  }

  private key(key: string): void {
    if (key !== 'inputs' && key !== 'targets') throw shapeError(`/${key.slice(0, 64)}`, 'is not an allowed field');
    if (this.seen.has(key)) throw syntaxError(`duplicate field "${key}"`);
    this.seen.add(key);
    this.matrix = key === 'inputs' ? this.inputs : this.targets;
    this.object = 'colon';
  }
}

/**
 * Parses `{"inputs": [[…], …], "targets": [[…], …]}` from a stream: `@streamparser/json`'s
 * tokenizer lexes it, {@link DatasetDocument} checks each token's place. No row, and no tree of
 * JS arrays, is ever built, so memory stays at the numbers' compact size. Any other field is a 400.
 */
export async function parseJsonDataset(stream: Readable, limitBytes: number, limits: JobLimits): Promise<EncodedDataset> {
  const inputs = new Matrix('inputs', limits.MAX_SAMPLES, limits.MAX_INPUT_SIZE);
  const targets = new Matrix('targets', limits.MAX_SAMPLES, limits.MAX_OUTPUT_SIZE);
  const document = new DatasetDocument(inputs, targets);
  const tokenizer = new Tokenizer();
  let written = 0;
  let lastTokenAt = 0;
  tokenizer.onToken = ({ token, value, offset }) => {
    lastTokenAt = offset;
    document.token(token, value);
  };
  try {
    for await (const chunk of limitedChunks(stream, limitBytes)) {
      tokenizer.write(chunk);
      written += chunk.length;
      if (written - lastTokenAt > MAX_TOKEN_BYTES + chunk.length) throw syntaxError('a field name, number or run of spaces is too long');
    }
    tokenizer.end();
  } catch (error) {
    if (error instanceof ValidationError || error instanceof PayloadTooLargeError) throw error;
    // The tokenizer's own message names library internals: say what, not what it said.
    throw syntaxError('malformed JSON');
  }
  if (!document.complete) throw syntaxError('the document ended early');
  for (const field of ['inputs', 'targets']) {
    if (!document.seen.has(field)) throw new ValidationError('The request is invalid; see errors.', [{ path: `/${field}`, message: 'is required' }]);
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
        done(datasetTooLarge(limitBytes));
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
    if (tooLarge) throw datasetTooLarge(limitBytes);
    if (error instanceof ValidationError || error instanceof PayloadTooLargeError) throw error;
    throw new ValidationError('The body is not valid CSV (a header row, then rows of numbers with the same number of columns).');
  } finally {
    await feeding;
  }
  if (tooLarge) throw datasetTooLarge(limitBytes);
  return finishDataset(inputs, targets, limits);
}
