/**
 * The TypeScript reference kernels for float64. `ts-kernels-f32.ts` is generated from this file
 * (`npx tsx bench/engine-generate-kernels.ts`) with Float64Array → Float32Array, so each precision
 * gets its own monomorphic code: one kernel shared by Float32Array and Float64Array callers was
 * measured 20–60 % slower. Edit this file only, then regenerate; a unit test checks they agree.
 *
 * Products accumulate in JS doubles and store once per element (or once per block of four `k`).
 * Register blocking (several rows and columns at a time) keeps loads per multiply-add low.
 */
import type { Activation, Kernels, Precision } from '../types.js';

/** From this many rows of A on, {@link TsKernels64.matMulTransB} transposes B first. */
const TRANSPOSE_MIN_ROWS = 8;

/** The float64 TypeScript kernel set. */
export class TsKernels64 implements Kernels<Float64Array> {
  readonly name = 'ts';
  readonly precision: Precision = 'float64';

  allocate(lengths: readonly number[]): Float64Array[] {
    let total = 0;
    for (const n of lengths) total += n;
    // One ArrayBuffer for the lot: fewer objects and neighbouring buffers stay close in memory.
    const buffer = new ArrayBuffer(total * 8);
    const out: Float64Array[] = [];
    let offset = 0;
    for (const n of lengths) {
      out.push(new Float64Array(buffer, offset * 8, n));
      offset += n;
    }
    return out;
  }

  matMul(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // C[i][j] = Σ_p A[i][p]·B[p][j], i-p-j order: four rows of C and four p at a time (16 products
    // per loaded B row quadruple; measured 1.3–1.8× two rows at a time), then single rows.
    c.fill(0, 0, m * n);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      const r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const x00 = a[r0 + p], x01 = a[r0 + p + 1], x02 = a[r0 + p + 2], x03 = a[r0 + p + 3];
        const x10 = a[r1 + p], x11 = a[r1 + p + 1], x12 = a[r1 + p + 2], x13 = a[r1 + p + 3];
        const x20 = a[r2 + p], x21 = a[r2 + p + 1], x22 = a[r2 + p + 2], x23 = a[r2 + p + 3];
        const x30 = a[r3 + p], x31 = a[r3 + p + 1], x32 = a[r3 + p + 2], x33 = a[r3 + p + 3];
        const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          const y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
          c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
          c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
          c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
          c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
        }
      }
      for (; p < k; p++) {
        const x0 = a[r0 + p], x1 = a[r1 + p], x2 = a[r2 + p], x3 = a[r3 + p];
        const b0 = p * n;
        for (let j = 0; j < n; j++) {
          const y = b[b0 + j];
          c[c0 + j] += x0 * y;
          c[c1 + j] += x1 * y;
          c[c2 + j] += x2 * y;
          c[c3 + j] += x3 * y;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = i * n, r0 = i * k;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const x0 = a[r0 + p], x1 = a[r0 + p + 1], x2 = a[r0 + p + 2], x3 = a[r0 + p + 3];
        const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
        }
      }
      for (; p < k; p++) {
        const x0 = a[r0 + p], b0 = p * n;
        for (let j = 0; j < n; j++) c[c0 + j] += x0 * b[b0 + j];
      }
    }
  }

  matMulTransA(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    // C[i][j] = Σ_p A[p][i]·B[p][j] (A is k×m), i-p-j order: four rows of C and four p at a time,
    // then single rows (as matMul, with A read down its columns).
    c.fill(0, 0, m * n);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const a0 = p * m + i, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m;
        const x00 = a[a0], x01 = a[a1], x02 = a[a2], x03 = a[a3];
        const x10 = a[a0 + 1], x11 = a[a1 + 1], x12 = a[a2 + 1], x13 = a[a3 + 1];
        const x20 = a[a0 + 2], x21 = a[a1 + 2], x22 = a[a2 + 2], x23 = a[a3 + 2];
        const x30 = a[a0 + 3], x31 = a[a1 + 3], x32 = a[a2 + 3], x33 = a[a3 + 3];
        const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          const y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
          c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
          c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
          c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
          c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
        }
      }
      for (; p < k; p++) {
        const a0 = p * m + i;
        const x0 = a[a0], x1 = a[a0 + 1], x2 = a[a0 + 2], x3 = a[a0 + 3];
        const b0 = p * n;
        for (let j = 0; j < n; j++) {
          const y = b[b0 + j];
          c[c0 + j] += x0 * y;
          c[c1 + j] += x1 * y;
          c[c2 + j] += x2 * y;
          c[c3 + j] += x3 * y;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = i * n;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        const x0 = a[p * m + i], x1 = a[(p + 1) * m + i], x2 = a[(p + 2) * m + i], x3 = a[(p + 3) * m + i];
        const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
        for (let j = 0; j < n; j++) {
          c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
        }
      }
      for (; p < k; p++) {
        const x0 = a[p * m + i], b0 = p * n;
        for (let j = 0; j < n; j++) c[c0 + j] += x0 * b[b0 + j];
      }
    }
  }

  /** Holds Bᵀ for {@link matMulTransB}; grows to the largest weight matrix once, then is reused. */
  private scratch = new Float64Array(0);

  matMulTransB(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    if (m >= TRANSPOSE_MIN_ROWS) {
      // C = A·(Bᵀ): transposing B (n×k) once costs n·k moves and lets the faster i-p-j product
      // run over m·k·n multiply-adds (measured ~1.3× the dot-product form at batch 64).
      if (this.scratch.length < n * k) this.scratch = new Float64Array(n * k);
      const t = this.scratch;
      // Bᵀ[p][j] = B[j][p]
      for (let j = 0; j < n; j++) {
        const bo = j * k;
        for (let p = 0; p < k; p++) t[p * n + j] = b[bo + p];
      }
      this.matMul(a, t, c, m, k, n);
      return;
    }
    this.matMulTransBDot(a, b, c, m, k, n);
  }

  /** Small batches: C[i][j] = Σ_p A[i][p]·B[j][p] as dot products of rows, a 4×2 block of C at a time. */
  private matMulTransBDot(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
      let j = 0;
      for (; j + 2 <= n; j += 2) {
        const b0 = j * k, b1 = b0 + k;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
        for (let p = 0; p < k; p++) {
          const y0 = b[b0 + p], y1 = b[b1 + p];
          const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
          s00 += x0 * y0; s01 += x0 * y1;
          s10 += x1 * y0; s11 += x1 * y1;
          s20 += x2 * y0; s21 += x2 * y1;
          s30 += x3 * y0; s31 += x3 * y1;
        }
        const c0 = i * n + j;
        c[c0] = s00; c[c0 + 1] = s01;
        c[c0 + n] = s10; c[c0 + n + 1] = s11;
        c[c0 + 2 * n] = s20; c[c0 + 2 * n + 1] = s21;
        c[c0 + 3 * n] = s30; c[c0 + 3 * n + 1] = s31;
      }
      for (; j < n; j++) {
        const b0 = j * k;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0; p < k; p++) {
          const y = b[b0 + p];
          s0 += a[a0 + p] * y; s1 += a[a1 + p] * y; s2 += a[a2 + p] * y; s3 += a[a3 + p] * y;
        }
        const c0 = i * n + j;
        c[c0] = s0; c[c0 + n] = s1; c[c0 + 2 * n] = s2; c[c0 + 3 * n] = s3;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k;
      for (let j = 0; j < n; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
        c[i * n + j] = s;
      }
    }
  }

  biasActivation(z: Float64Array, bias: Float64Array, out: Float64Array, rows: number, cols: number, activation: Activation): void {
    // z[r][j] += b[j]
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) z[o + j] += bias[j];
    }
    const len = rows * cols;
    switch (activation) {
      case 'linear':
        // a = z
        if (out !== z) out.set(z.subarray(0, len));
        return;
      case 'sigmoid':
        // a = 1 / (1 + e^−z)
        for (let i = 0; i < len; i++) out[i] = 1 / (1 + Math.exp(-z[i]));
        return;
      case 'tanh':
        // a = tanh z
        for (let i = 0; i < len; i++) out[i] = Math.tanh(z[i]);
        return;
      case 'relu':
        // a = max(z, 0)
        for (let i = 0; i < len; i++) { const x = z[i]; out[i] = x > 0 ? x : 0; }
        return;
      case 'leaky_relu':
        // a = z for z > 0, else 0.01·z
        for (let i = 0; i < len; i++) { const x = z[i]; out[i] = x > 0 ? x : 0.01 * x; }
        return;
      case 'softmax':
        // a_j = e^(z_j − max z) / Σ_k e^(z_k − max z), per row (the max keeps exp from overflowing)
        for (let r = 0; r < rows; r++) {
          const o = r * cols;
          let max = -Infinity;
          for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
          let sum = 0;
          for (let j = 0; j < cols; j++) { const e = Math.exp(z[o + j] - max); out[o + j] = e; sum += e; }
          const inv = 1 / sum;
          for (let j = 0; j < cols; j++) out[o + j] *= inv;
        }
        return;
      default:
        throw new Error(`unknown activation ${String(activation)}`);
    }
  }

  activationBackward(dz: Float64Array, z: Float64Array, a: Float64Array, length: number, activation: Exclude<Activation, 'softmax'>): void {
    switch (activation) {
      case 'linear':
        return;
      case 'sigmoid':
        // σ'(z) = a·(1 − a)
        for (let i = 0; i < length; i++) { const s = a[i]; dz[i] *= s * (1 - s); }
        return;
      case 'tanh':
        // tanh'(z) = 1 − a²
        for (let i = 0; i < length; i++) { const t = a[i]; dz[i] *= 1 - t * t; }
        return;
      case 'relu':
        // relu'(z) = 1 for z > 0, else 0
        for (let i = 0; i < length; i++) if (!(z[i] > 0)) dz[i] = 0;
        return;
      case 'leaky_relu':
        // leaky_relu'(z) = 1 for z > 0, else 0.01
        for (let i = 0; i < length; i++) if (!(z[i] > 0)) dz[i] *= 0.01;
        return;
      default:
        throw new Error(`unknown activation ${String(activation)}`);
    }
  }

  sumRows(m: Float64Array, out: Float64Array, rows: number, cols: number): void {
    // out[j] = Σ_r m[r][j]
    out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let j = 0; j < cols; j++) out[j] += m[o + j];
    }
  }

  adamStep(
    theta: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, length: number,
    lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, t: number, gradScale: number,
  ): void {
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    const decay = lr * weightDecay;
    const c1 = 1 - beta1, c2 = 1 - beta2;
    for (let i = 0; i < length; i++) {
      const gi = g[i] * gradScale;
      // θ −= lr·wd·θ (decoupled weight decay, before the Adam step)
      let th = theta[i];
      if (decay !== 0) th -= decay * th;
      // m = β1·m + (1−β1)·g
      const mi = beta1 * m[i] + c1 * gi;
      // v = β2·v + (1−β2)·g²
      const vi = beta2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      // θ −= lr · (m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε)
      theta[i] = th - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + epsilon);
    }
  }
}
