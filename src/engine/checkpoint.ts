/**
 * The binary checkpoint format: everything that decides the rest of a training run, so a run
 * restored from any snapshot (epoch boundary or mid-epoch) ends bit-identical to an uninterrupted
 * one. Little-endian throughout; floats are stored raw in the run's precision (exact: NaN
 * payloads, −0 and subnormals survive). Layout:
 *
 * | offset | field |
 * |---|---|
 * | 0 | magic `TYCK` |
 * | 4 | u32 format version (1) |
 * | 8, 16, 24 | f64 completed epochs, batches done in the epoch in progress, optimizer steps `t` |
 * | 32 | u8 bytes per number (4 or 8); u8 flags (1 finished, 2 early stopped, 4 best weights held) |
 * | 36 | u32 optimizer state slots |
 * | 40…64 | f64 parameter count, training rows, validation rows, batch size |
 * | 72 | 4 × u32 shuffle PRNG state |
 * | 88…144 | f64 partial-epoch loss sum (Σ batchLoss·rows), rows seen, correct count; early stopping best, wait, best epoch; last epoch loss; best val loss (NaN = none) |
 * | 160 | u32 × training rows: the current epoch's shuffle order, padded to 8 bytes |
 * | … | θ, then each optimizer slot (Adam m, v; SGD u), then the best weights if held |
 */
import { ShapeError } from './errors.js';
import { readLittleEndian as getArray, writeLittleEndian as putArray } from './matrix.js';
import type { FloatArray } from './types.js';

const MAGIC = 0x4b435954; // 'TYCK' read as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 160;

/** Bits of the header's u8 flags. */
export const FLAG_FINISHED = 1 << 0;
export const FLAG_EARLY_STOPPED = 1 << 1;
export const FLAG_HAS_BEST = 1 << 2;

/** The sums and memories a run carries from batch to batch (in the header and in `RunState`). */
export interface RunCarry {
  /** Σ batchLoss·rows over the epoch in progress, the rows seen and correct predictions. */
  lossSum: number;
  seen: number;
  correct: number;
  /** Early stopping: best monitored value, epochs since it, its epoch. */
  esBest: number;
  esWait: number;
  esBestEpoch: number;
  lastLoss: number;
  bestValLoss: number;
}

/** The scalar part of a trainer's state. */
export interface CheckpointHeader extends RunCarry {
  epoch: number;
  batch: number;
  step: number;
  bytesPerNumber: number;
  flags: number;
  slotCount: number;
  paramCount: number;
  trainRows: number;
  valRows: number;
  batchSize: number;
  rngState: ArrayLike<number>;
}

/** The arrays of a trainer's state; `best` only when the header flags say so. */
export interface CheckpointArrays {
  order: Uint32Array;
  theta: FloatArray;
  slots: readonly FloatArray[];
  best: FloatArray | null;
}

/** Bytes of a checkpoint for these sizes. */
export function checkpointBytes(trainRows: number, paramCount: number, bytesPerNumber: number, vectors: number): number {
  return HEADER_BYTES + align8(trainRows * 4) + paramCount * bytesPerNumber * vectors;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Encodes a trainer's state (see the layout above). */
export function encodeCheckpoint(h: CheckpointHeader, arrays: CheckpointArrays): Uint8Array {
  const vectors = 1 + arrays.slots.length + (arrays.best ? 1 : 0);
  const out = new Uint8Array(checkpointBytes(h.trainRows, h.paramCount, h.bytesPerNumber, vectors));
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setFloat64(8, h.epoch, true);
  view.setFloat64(16, h.batch, true);
  view.setFloat64(24, h.step, true);
  view.setUint8(32, h.bytesPerNumber);
  view.setUint8(33, h.flags);
  view.setUint32(36, h.slotCount, true);
  view.setFloat64(40, h.paramCount, true);
  view.setFloat64(48, h.trainRows, true);
  view.setFloat64(56, h.valRows, true);
  view.setFloat64(64, h.batchSize, true);
  for (let i = 0; i < 4; i++) view.setUint32(72 + 4 * i, h.rngState[i], true);
  const scalars = [h.lossSum, h.seen, h.correct, h.esBest, h.esWait, h.esBestEpoch, h.lastLoss, h.bestValLoss];
  scalars.forEach((x, i) => view.setFloat64(88 + 8 * i, x, true));
  let offset = putArray(out, HEADER_BYTES, arrays.order);
  offset = align8(offset);
  offset = putArray(out, offset, arrays.theta);
  for (const slot of arrays.slots) offset = putArray(out, offset, slot);
  if (arrays.best) putArray(out, offset, arrays.best);
  return out;
}

/**
 * Reads and checks a checkpoint's header (cheap: no arrays are touched).
 * @throws ShapeError when the bytes are not a trainyard checkpoint of a known version
 */
export function decodeCheckpointHeader(bytes: Uint8Array): CheckpointHeader {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEADER_BYTES) throw new ShapeError('checkpoint is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ShapeError('not a trainyard checkpoint (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new ShapeError(`unsupported checkpoint version ${version}`);
  const f = (o: number) => view.getFloat64(o, true);
  return {
    epoch: f(8), batch: f(16), step: f(24),
    bytesPerNumber: view.getUint8(32), flags: view.getUint8(33), slotCount: view.getUint32(36, true),
    paramCount: f(40), trainRows: f(48), valRows: f(56), batchSize: f(64),
    rngState: [0, 1, 2, 3].map((i) => view.getUint32(72 + 4 * i, true)),
    lossSum: f(88), seen: f(96), correct: f(104), esBest: f(112), esWait: f(120), esBestEpoch: f(128),
    lastLoss: f(136), bestValLoss: f(144),
  };
}

/**
 * Copies a checkpoint's arrays into the trainer's buffers, whose lengths must match the header.
 * @throws ShapeError when the byte length does not match
 */
export function decodeCheckpointArrays(bytes: Uint8Array, h: CheckpointHeader, arrays: CheckpointArrays): void {
  const vectors = 1 + arrays.slots.length + (arrays.best ? 1 : 0);
  const expected = checkpointBytes(h.trainRows, h.paramCount, h.bytesPerNumber, vectors);
  if (bytes.byteLength !== expected) throw new ShapeError(`checkpoint: expected ${expected} bytes, got ${bytes.byteLength}`);
  let offset = getArray(bytes, HEADER_BYTES, arrays.order);
  offset = align8(offset);
  offset = getArray(bytes, offset, arrays.theta);
  for (const slot of arrays.slots) offset = getArray(bytes, offset, slot);
  if (arrays.best) getArray(bytes, offset, arrays.best);
}

/** Epoch, batch cursor and step of a checkpoint, read from its header only. @throws ShapeError */
export function checkpointInfo(bytes: Uint8Array): { epoch: number; batch: number; step: number } {
  const h = decodeCheckpointHeader(bytes);
  return { epoch: h.epoch, batch: h.batch, step: h.step };
}
