/**
 * Activation metadata and scalar reference definitions. The kernels implement the same formulas
 * over whole buffers; these scalar forms document them and serve tests and initialisation.
 */
import type { Activation } from './types.js';

/** Every activation of docs/mathematics.md. */
export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'];

/** Slope of `leaky_relu` for z ≤ 0. */
export const LEAKY_RELU_SLOPE = 0.01;

/** Whether `name` is an activation the engine knows. */
export function isActivation(name: unknown): name is Activation {
  return typeof name === 'string' && (ACTIVATIONS as readonly string[]).includes(name);
}

/** Whether `auto` initialisation picks He for this activation (the relu family) rather than Glorot. */
export function isReluFamily(activation: Activation): boolean {
  return activation === 'relu' || activation === 'leaky_relu';
}

/** `act(z)` for one element (softmax excluded: it needs the whole row). */
export function activateScalar(activation: Exclude<Activation, 'softmax'>, z: number): number {
  switch (activation) {
    case 'sigmoid': return 1 / (1 + Math.exp(-z));
    case 'tanh': return Math.tanh(z);
    case 'relu': return z > 0 ? z : 0;
    case 'leaky_relu': return z > 0 ? z : LEAKY_RELU_SLOPE * z;
    case 'linear': return z;
  }
}

/** `act'(z)` for one element, given `a = act(z)`. */
export function activationDerivativeScalar(activation: Exclude<Activation, 'softmax'>, z: number, a: number): number {
  switch (activation) {
    case 'sigmoid': return a * (1 - a);
    case 'tanh': return 1 - a * a;
    case 'relu': return z > 0 ? 1 : 0;
    case 'leaky_relu': return z > 0 ? 1 : LEAKY_RELU_SLOPE;
    case 'linear': return 1;
  }
}
