/**
 * The engine's typed errors. They know nothing of HTTP; they cross thread boundaries as plain
 * `{ code, message, epoch?, batch? }` objects (prototypes do not survive `postMessage`), so
 * callers compare by `code`, never with `instanceof` across threads.
 */

/** Base of every error the engine throws on purpose. `code` is stable and machine-readable. */
export class EngineError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }

  /** The plain object form that crosses a thread boundary. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * The loss (checked every batch) or the weights (checked every epoch) became NaN or ±Infinity.
 * `epoch` is 1-based (the epoch in progress), `batch` 0-based within it.
 */
export class DivergenceError extends EngineError {
  declare readonly code: 'diverged';
  readonly epoch: number;
  readonly batch: number;

  constructor(epoch: number, batch: number, what: string) {
    super('diverged', `training diverged: ${what} is not finite at epoch ${epoch}, batch ${batch}`);
    this.epoch = epoch;
    this.batch = batch;
  }

  override toJSON(): { code: string; message: string; epoch: number; batch: number } {
    return { code: this.code, message: this.message, epoch: this.epoch, batch: this.batch };
  }
}

/** Data, weights, checkpoint or options do not fit the network (the service's `invalid_data`). */
export class ShapeError extends EngineError {
  declare readonly code: 'invalid_data';

  constructor(message: string) {
    super('invalid_data', message);
  }
}
