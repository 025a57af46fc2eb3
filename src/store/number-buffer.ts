/**
 * Compact, chunked storage of many numbers for datasets: float32 while every value
 * round-trips exactly through `Math.fround`, float64 from the first value that does not
 * (earlier chunks are widened once). Bytes are little-endian, as stored in Redis.
 */

/** Stored element type of a number array. */
export type NumberDtype = 'float32' | 'float64';

/** Numbers ready to be written: their dtype, size and byte chunks (views, not copies). */
export interface EncodedNumbers {
  readonly dtype: NumberDtype;
  readonly count: number;
  readonly byteLength: number;
  chunks(): Uint8Array[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!LITTLE_ENDIAN) {
  // Typed arrays use the platform's byte order; every supported platform is little-endian.
  throw new Error('trainyard stores datasets as little-endian typed arrays; this platform is big-endian');
}

/** Numbers per chunk: 4 MiB as float32, so appending never reallocates a huge array. */
const CHUNK = 1 << 20;

/** Collects numbers one by one (e.g. while parsing an upload) without holding them twice. */
export class NumberBuffer {
  private chunks32: Float32Array[] = [];
  private chunks64: Float64Array[] | null = null;
  private current32: Float32Array = new Float32Array(CHUNK);
  private current64: Float64Array | null = null;
  private used = 0;
  private total = 0;

  /** How many numbers have been pushed. */
  get count(): number {
    return this.total;
  }

  /** Appends one finite number. */
  push(value: number): void {
    if (this.current64 === null && Math.fround(value) !== value) this.widen();
    if (this.used === CHUNK) this.nextChunk();
    if (this.current64 !== null) this.current64[this.used] = value;
    else this.current32[this.used] = value;
    this.used++;
    this.total++;
  }

  /** Finishes: the numbers as little-endian bytes of their dtype. */
  finish(): EncodedNumbers {
    const full = this.current64 !== null ? [...(this.chunks64 ?? []), this.current64.subarray(0, this.used)] : [...this.chunks32, this.current32.subarray(0, this.used)];
    const dtype: NumberDtype = this.current64 !== null ? 'float64' : 'float32';
    const count = this.total;
    return {
      dtype,
      count,
      byteLength: count * (dtype === 'float64' ? 8 : 4),
      chunks: () => full.filter((c) => c.length > 0).map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength)),
    };
  }

  private nextChunk(): void {
    if (this.current64 !== null) {
      this.chunks64!.push(this.current64);
      this.current64 = new Float64Array(CHUNK);
    } else {
      this.chunks32.push(this.current32);
      this.current32 = new Float32Array(CHUNK);
    }
    this.used = 0;
  }

  private widen(): void {
    this.chunks64 = this.chunks32.map((c) => Float64Array.from(c));
    const current = new Float64Array(CHUNK);
    for (let i = 0; i < this.used; i++) current[i] = this.current32[i];
    this.current64 = current;
    this.chunks32 = [];
    this.current32 = new Float32Array(0);
  }
}

/** `true` when every value round-trips exactly through float32 (so it is stored as float32). */
function isExactFloat32(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    if (Math.fround(values[i]) !== values[i]) return false;
  }
  return true;
}

/** Bytes {@link encodeNumbers} will produce for `values`, without encoding them. */
export function encodedByteLength(values: ArrayLike<number>): number {
  return values.length * (isExactFloat32(values) ? 4 : 8);
}

/** Encodes an array of numbers: float32 when every value is exact as float32, else float64. */
export function encodeNumbers(values: ArrayLike<number>): EncodedNumbers {
  const exact32 = isExactFloat32(values);
  const array = exact32 ? Float32Array.from(values as ArrayLike<number>) : Float64Array.from(values as ArrayLike<number>);
  return {
    dtype: exact32 ? 'float32' : 'float64',
    count: array.length,
    byteLength: array.byteLength,
    chunks: () => [new Uint8Array(array.buffer, array.byteOffset, array.byteLength)],
  };
}

/** Decodes stored little-endian bytes of `dtype` into a Float64Array (copying once). */
export function decodeNumbers(bytes: Uint8Array, dtype: NumberDtype): Float64Array {
  const width = dtype === 'float64' ? 8 : 4;
  if (bytes.byteLength % width !== 0) throw new RangeError(`stored ${dtype} data has ${bytes.byteLength} bytes`);
  const count = bytes.byteLength / width;
  if (dtype === 'float64') {
    // Copy into a fresh aligned buffer (Buffers from the pool may be unaligned or shared).
    const out = new Float64Array(count);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  let source: Float32Array;
  if (bytes.byteOffset % 4 === 0) source = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  else {
    source = new Float32Array(count);
    new Uint8Array(source.buffer).set(bytes);
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = source[i];
  return out;
}

/** Concatenates chunks into one Buffer (for small arrays stored as one hash field). */
export function concatChunks(encoded: EncodedNumbers): Buffer {
  const chunks = encoded.chunks();
  return chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks);
}
