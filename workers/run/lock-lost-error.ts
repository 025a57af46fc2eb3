/**
 * Thrown by a run whose BullMQ lock was lost: another worker owns the job now, so this process
 * writes nothing more to its record and BullMQ must not count the attempt as its own failure.
 */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';

  constructor(message = 'lock lost: another worker owns this job now', options?: { cause?: unknown }) {
    super(message, options);
  }
}
