import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse';
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
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

/** Longest field name or number text accepted (abuse bound: the tokenizer would buffer it whole). */
const MAX_TOKEN_CHARS = 64;

/**
 * The shape `{"inputs": [[…], …], "targets": [[…], …]}` checked token by token, numbers going
 * straight into the two matrices. JSON syntax itself (commas, strings, escapes, number
 * grammar) is the streaming parser's.
 */
class DatasetShape {
  private depth = 0;
  private expectKey = false;
  private matrix: Matrix | null = null;
  readonly seen = new Set<string>();

  constructor(private readonly inputs: Matrix, private readonly targets: Matrix) {}

  private here(): string {
    const matrix = this.matrix!;
    return this.depth === 1 ? `/${matrix.field}` : `/${matrix.field}/${matrix.rows}`;
  }

  /** A partial token (a long string or number split across chunks): bounded in length. */
  partial(token: TokenType, value: unknown): void {
    if ((token === TokenType.STRING || token === TokenType.NUMBER) && String(value).length > MAX_TOKEN_CHARS) {
      throw syntaxError(token === TokenType.NUMBER ? 'number too long' : 'unexpected field name');
    }
  }

  token(token: TokenType, value: unknown): void {
    switch (token) {
      case TokenType.LEFT_BRACE:
        if (this.depth !== 0) throw shapeError(this.depth === 2 ? `/${this.matrix!.field}/${this.matrix!.rows}` : this.here(), 'must be an array of numbers');
        this.depth = 1;
        this.expectKey = true;
        return;
      case TokenType.STRING:
        if (this.depth === 1 && this.expectKey) return this.key(String(value));
        throw shapeError(this.here(), this.depth === 1 ? 'must be an array of rows' : 'must be an array of numbers');
      case TokenType.COMMA:
        if (this.depth === 1) this.expectKey = true;
        return;
      case TokenType.LEFT_BRACKET:
        if (this.depth === 0) throw syntaxError('expected an object');
        if (this.depth === 3) throw shapeError(this.here(), 'must be an array of numbers');
        if (this.depth === 2) this.matrix!.startRow();
        this.depth++;
        return;
      case TokenType.RIGHT_BRACKET:
        if (this.depth === 3) this.matrix!.endRow();
        this.depth--;
        return;
      case TokenType.NUMBER:
        if (this.depth !== 3) throw shapeError(this.here(), this.depth === 1 ? 'must be an array of rows' : 'must be an array of numbers');
        this.matrix!.push(value as number);
        return;
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        if (this.depth === 0) throw syntaxError('expected an object');
        throw shapeError(this.here(), this.depth === 1 ? 'must be an array of rows' : 'must be an array of numbers');
      default:
        // `:` and `}` (the parser checks where they may stand).
        return;
    }
  }

  private key(key: string): void {
    if (key !== 'inputs' && key !== 'targets') throw shapeError(`/${key.slice(0, MAX_TOKEN_CHARS)}`, 'is not an allowed field');
    if (this.seen.has(key)) throw syntaxError(`duplicate field "${key}"`);
    this.seen.add(key);
    this.matrix = key === 'inputs' ? this.inputs : this.targets;
    this.expectKey = false;
  }
}

/**
 * Parses `{"inputs": [[…], …], "targets": [[…], …]}` from a stream with `@streamparser/json`'s
 * tokenizer and token parser (JSON syntax), checking the shape token by token: no row, and no
 * tree of JS arrays, is ever built, so memory stays at the numbers' compact size. Any other
 * field is a 400.
 */
export async function parseJsonDataset(stream: Readable, limitBytes: number, limits: JobLimits): Promise<EncodedDataset> {
  const inputs = new Matrix('inputs', limits.MAX_SAMPLES, limits.MAX_INPUT_SIZE);
  const targets = new Matrix('targets', limits.MAX_SAMPLES, limits.MAX_OUTPUT_SIZE);
  const shape = new DatasetShape(inputs, targets);
  const tokenizer = new Tokenizer({ emitPartialTokens: true });
  // Checks the grammar only: it emits nothing and, with keepStack off, keeps no value.
  const grammar = new TokenParser({ paths: ['$.never'], keepStack: false });
  let ended = false;
  grammar.onEnd = () => {
    ended = true;
  };
  tokenizer.onToken = ({ token, value, partial }) => {
    if (partial) return shape.partial(token, value);
    shape.token(token, value);
    grammar.write({ token, value });
  };
  try {
    for await (const chunk of limitedChunks(stream, limitBytes)) {
      if (ended && chunk.toString('latin1').trim() !== '') throw syntaxError('unexpected content after the document');
      if (!ended) tokenizer.write(chunk);
    }
    if (!ended) tokenizer.end();
  } catch (error) {
    if (error instanceof ValidationError || error instanceof PayloadTooLargeError) throw error;
    // The parser's own message names library internals: say where, not what it said.
    throw syntaxError(ended ? 'unexpected content after the document' : 'malformed JSON');
  }
  if (!ended) throw syntaxError('the document ended early');
  for (const field of ['inputs', 'targets']) {
    if (!shape.seen.has(field)) throw new ValidationError('The request is invalid; see errors.', [{ path: `/${field}`, message: 'is required' }]);
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
