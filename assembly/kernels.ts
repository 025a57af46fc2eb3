/**
 * The engine's matrix kernels in AssemblyScript, compiled to WebAssembly SIMD by
 * `scripts/build-wasm.mjs`, once with plain SIMD and once with relaxed SIMD (fused multiply-add).
 * Every function exists for float32 (`_f32`, f32x4 lanes) and float64 (`_f64`, f64x2 lanes).
 *
 * Arguments are byte addresses into the imported (shared) memory — the `byteOffset` of views
 * that `src/engine/kernels/wasm/index.ts` hands out — and element counts. Matrices are row-major.
 * Semantics follow `Kernels` in `src/engine/types.ts`; summation orders are fixed (no data-dependent
 * order) so the same inputs give bit-identical outputs run after run. Each output element's sum
 * is computed the same way whichever tile (full or edge) holds it, so a product split into row
 * slices across threads (the `Slice` exports, src/engine/parallel/) gives the whole product's bits.
 *
 * Precision: float32 products accumulate in f32 (as XNNPACK and TF.js-wasm do); float32 sigmoid
 * and tanh use 4-lane Cephes approximations (≤ 2 ulp); softmax, and every float64 transcendental,
 * use f64 `Math.exp`/`Math.tanh` (AssemblyScript's, within an ulp of V8's). Float64 bias,
 * relu/leaky_relu, their derivatives, sumRows and Adam give the TypeScript kernels' bits exactly;
 * products differ from them only in summation order.
 */

/** Activation codes shared with `src/engine/kernels/wasm/index.ts`. */
const ACT_LINEAR = 0;
const ACT_SIGMOID = 1;
const ACT_TANH = 2;
const ACT_RELU = 3;
const ACT_LEAKY_RELU = 4;
const ACT_SOFTMAX = 5;

/** `leaky_relu(z) = z` for `z > 0`, else `LEAKY_SLOPE·z` (SPEC.md). */
const LEAKY_SLOPE = 0.01;

// ---------------------------------------------------------------------------------------------
// helpers

/** `a·b + c`: fused (one rounding) with relaxed SIMD where the CPU has FMA, else two roundings. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return v128.relaxed_madd<T>(a, b, c);
  } else {
    return v128.add<T>(v128.mul<T>(a, b), c);
  }
}

/** Horizontal sum of a vector, in the fixed order `(l0 + l1) + (l2 + l3)` (f32) or `l0 + l1` (f64). */
// @ts-ignore: decorator
@inline function hsum<T>(x: v128): T {
  if (sizeof<T>() == 4) {
    return (v128.extract_lane<T>(x, 0) + v128.extract_lane<T>(x, 1)) +
      (v128.extract_lane<T>(x, 2) + v128.extract_lane<T>(x, 3));
  } else {
    return v128.extract_lane<T>(x, 0) + v128.extract_lane<T>(x, 1);
  }
}

/**
 * `e^x` for four f32 lanes (Cephes `expf`: `x = n·ln 2 + r`, |r| ≤ ln2/2, a degree-6 polynomial
 * for `e^r`, then `2^n` built in the exponent bits); within 2 ulp of the correctly rounded value.
 * `x` is clamped to [−87.33, 88.37] so `2^n` stays a normal number; NaN stays NaN.
 */
// @ts-ignore: decorator
@inline function expF32x4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.33)), f32x4.splat(88.37));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  // r = x − n·ln2, with ln2 split in two so n·ln2_hi is exact
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  // e^r ≈ 1 + r + r²·P(r)
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n from its exponent field: (n + 127) << 23
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * `tanh x` for four f32 lanes (Cephes `tanhf`): an odd polynomial below |x| = 0.625, else
 * `1 − 2/(e^(2|x|) + 1)` with the sign of x; within 2 ulp. NaN stays NaN, ±∞ gives ±1.
 */
// @ts-ignore: decorator
@inline function tanhF32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| < 0.625: tanh x ≈ x + x·x²·P(x²)
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(x, z), p));
  // otherwise: tanh |x| = 1 − 2/(e^(2|x|) + 1), then the sign bit of x
  const e = expF32x4(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signed = v128.or(large, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

// ---------------------------------------------------------------------------------------------
// products

/**
 * `C[m×n] = Â[m×k] · B[k×n]` where `Â(i, p)` lives at `a + (i·aRow + p·aCol)·size`: `aRow = k,
 * aCol = 1` is `A·B`, `aRow = 1, aCol = m` is `Aᵀ·B`. Register-blocked: each 4-row × 2-vector
 * tile of C stays in 8 vector registers while `p` runs over k (B's two vectors loaded once and
 * used 4 times, A's four values broadcast once and used twice). Every C element is the sum over
 * `p = 0…k−1` in that order. B's rows are `ldb` elements apart and C's `ldc` (both `n` by default).
 */
// @ts-ignore: decorator
@inline function gemmStridedA<T>(a: usize, aRow: usize, aCol: usize, b: usize, c: usize, m: i32, k: i32, n: i32, ldb: usize = <usize>n, ldc: usize = <usize>n): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const NR: i32 = 2 * L;
  const aRowB = aRow * S;
  const aColB = aCol * S;
  const rowB = ldb * S;
  const rowC = ldc * S;
  const zero = v128.splat<T>(<T>0);
  let j: i32 = 0;
  for (; j + NR <= n; j += NR) {
    let i: i32 = 0;
    for (; i + 4 <= m; i += 4) {
      let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
      let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
      let pa = a + <usize>i * aRowB;
      let pb = b + <usize>j * S;
      for (let p: i32 = 0; p < k; p++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const a0 = v128.load_splat<T>(pa);
        c00 = madd<T>(a0, b0, c00);
        c01 = madd<T>(a0, b1, c01);
        const a1 = v128.load_splat<T>(pa + aRowB);
        c10 = madd<T>(a1, b0, c10);
        c11 = madd<T>(a1, b1, c11);
        const a2 = v128.load_splat<T>(pa + 2 * aRowB);
        c20 = madd<T>(a2, b0, c20);
        c21 = madd<T>(a2, b1, c21);
        const a3 = v128.load_splat<T>(pa + 3 * aRowB);
        c30 = madd<T>(a3, b0, c30);
        c31 = madd<T>(a3, b1, c31);
        pa += aColB;
        pb += rowB;
      }
      const pc = c + (<usize>i * rowC) + <usize>j * S;
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
      v128.store(pc + rowC, c10);
      v128.store(pc + rowC, c11, 16);
      v128.store(pc + 2 * rowC, c20);
      v128.store(pc + 2 * rowC, c21, 16);
      v128.store(pc + 3 * rowC, c30);
      v128.store(pc + 3 * rowC, c31, 16);
    }
    for (; i < m; i++) {
      let c00 = zero, c01 = zero;
      let pa = a + <usize>i * aRowB;
      let pb = b + <usize>j * S;
      for (let p: i32 = 0; p < k; p++) {
        const a0 = v128.load_splat<T>(pa);
        c00 = madd<T>(a0, v128.load(pb), c00);
        c01 = madd<T>(a0, v128.load(pb, 16), c01);
        pa += aColB;
        pb += rowB;
      }
      const pc = c + (<usize>i * rowC) + <usize>j * S;
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
    }
  }
  for (; j + L <= n; j += L) {
    for (let i: i32 = 0; i < m; i++) {
      let c00 = zero;
      let pa = a + <usize>i * aRowB;
      let pb = b + <usize>j * S;
      for (let p: i32 = 0; p < k; p++) {
        c00 = madd<T>(v128.load_splat<T>(pa), v128.load(pb), c00);
        pa += aColB;
        pb += rowB;
      }
      v128.store(c + (<usize>i * rowC) + <usize>j * S, c00);
    }
  }
  for (; j < n; j++) {
    for (let i: i32 = 0; i < m; i++) {
      let s: T = <T>0;
      let pa = a + <usize>i * aRowB;
      let pb = b + <usize>j * S;
      for (let p: i32 = 0; p < k; p++) {
        s += load<T>(pa) * load<T>(pb);
        pa += aColB;
        pb += rowB;
      }
      store<T>(c + (<usize>i * rowC) + <usize>j * S, s);
    }
  }
}

/**
 * Scratch for {@link gemmTransA}'s packed panel: the upper half of the reserved first page (the
 * module's static data ends below 8 KiB; views start at 64 KiB). Helper threads of a multi-threaded
 * trainer pass scratch of their own, `PACK_BYTES` each, to the `Slice` exports.
 */
const PACK_AT: usize = 32768;
const PACK_BYTES: usize = 32768;

/**
 * `C[m×n] = A[k×m]ᵀ · B[k×n]`, A's rows `lda ≥ m` elements apart (a column slice of a wider A
 * gives a row slice of C, each element summed as in the whole product). Four rows of C need four neighbouring columns of A, one short
 * piece per row of A, `m` elements apart: with m·size a multiple of 4 KiB (float64, 512 units)
 * every piece lands in the same L1 set and the tile re-reads A from L2. So, in float64, each
 * 4-row panel is copied into contiguous scratch (`panel[p·4 + r] = A[p][i + r]`) and multiplied
 * from there (wide L1 dW: 6.7 → 13.5 GFLOP/s); the sums are the same, in the same order.
 */
// @ts-ignore: decorator
@inline function gemmTransA<T>(a: usize, lda: usize, b: usize, c: usize, m: i32, k: i32, n: i32, pack: usize): void {
  const S: usize = sizeof<T>();
  // float32 is better off without A panels (measured: the 4-row panels stream B from L2 once per
  // panel). But B's rows a multiple of 1 KiB apart (wide's 512 units: 2 KiB) put a tile's B pieces
  // in the same few L1 sets, so each 8-column panel of B is copied into contiguous scratch
  // (`panel[p·8 + c] = B[p][j + c]`) and multiplied from there, every C element summed as before
  // (wide L2 dW 37.0 → 46.6 GFLOP/s, same bits).
  if (S == 4) {
    const rowBb = <usize>n * S;
    if ((rowBb & 1023) != 0 || <usize>k * 32 > PACK_BYTES || n < 8) {
      gemmStridedA<T>(a, 1, lda, b, c, m, k, n);
      return;
    }
    let j: i32 = 0;
    for (; j + 8 <= n; j += 8) {
      let src = b + <usize>j * S;
      let dst = pack;
      for (let p: i32 = 0; p < k; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rowBb;
        dst += 32;
      }
      gemmStridedA<T>(a, 1, lda, pack, c + <usize>j * S, m, k, 8, 8, <usize>n);
    }
    if (j < n) gemmStridedA<T>(a, 1, lda, b + <usize>j * S, c + <usize>j * S, m, k, n - j, <usize>n, <usize>n);
    return;
  }
  if (m < 8 || <usize>k * 4 * S > PACK_BYTES) {
    gemmStridedA<T>(a, 1, lda, b, c, m, k, n);
    return;
  }
  const rowA = lda * S;
  const rowC = <usize>n * S;
  let i: i32 = 0;
  for (; i + 4 <= m; i += 4) {
    let src = a + <usize>i * S;
    let dst = pack;
    for (let p: i32 = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      if (S == 8) v128.store(dst, v128.load(src, 16), 16);
      src += rowA;
      dst += 4 * S;
    }
    gemmStridedA<T>(pack, 1, 4, b, c + <usize>i * rowC, 4, k, n);
  }
  if (i < m) gemmStridedA<T>(a + <usize>i * S, 1, lda, b, c + <usize>i * rowC, m - i, k, n);
}

/**
 * `C[m×n] = A[m×k] · B[n×k]ᵀ`: every C element is a dot product of two contiguous rows. Tiles of
 * 2 rows of A × 4 rows of B keep 8 vector accumulators (each A vector used 4 times, each B vector
 * twice). Each accumulator holds lane-wise partial sums over `p ≡ lane (mod L)` in increasing `p`,
 * reduced by {@link hsum}, then the `k mod L` tail is added in order.
 */
// @ts-ignore: decorator
@inline function gemmTransB<T>(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const kv: i32 = k - k % L;
  const rowB = <usize>k * S;
  const cRowB = <usize>n * S;
  const zero = v128.splat<T>(<T>0);
  let j: i32 = 0;
  for (; j + 4 <= n; j += 4) {
    const b0 = b + <usize>j * rowB;
    const b1 = b0 + rowB;
    const b2 = b1 + rowB;
    const b3 = b2 + rowB;
    let i: i32 = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = a + <usize>i * rowB;
      const a1 = a0 + rowB;
      let c00 = zero, c01 = zero, c02 = zero, c03 = zero;
      let c10 = zero, c11 = zero, c12 = zero, c13 = zero;
      let off: usize = 0;
      for (let p: i32 = 0; p < kv; p += L) {
        const x0 = v128.load(a0 + off);
        const x1 = v128.load(a1 + off);
        let y = v128.load(b0 + off);
        c00 = madd<T>(x0, y, c00);
        c10 = madd<T>(x1, y, c10);
        y = v128.load(b1 + off);
        c01 = madd<T>(x0, y, c01);
        c11 = madd<T>(x1, y, c11);
        y = v128.load(b2 + off);
        c02 = madd<T>(x0, y, c02);
        c12 = madd<T>(x1, y, c12);
        y = v128.load(b3 + off);
        c03 = madd<T>(x0, y, c03);
        c13 = madd<T>(x1, y, c13);
        off += 16;
      }
      // With k < L (XOR's 2 inputs) the vectors stay zero: skip their reductions.
      let s00: T = <T>0, s01: T = <T>0, s02: T = <T>0, s03: T = <T>0;
      let s10: T = <T>0, s11: T = <T>0, s12: T = <T>0, s13: T = <T>0;
      if (kv > 0) {
        s00 = hsum<T>(c00); s01 = hsum<T>(c01); s02 = hsum<T>(c02); s03 = hsum<T>(c03);
        s10 = hsum<T>(c10); s11 = hsum<T>(c11); s12 = hsum<T>(c12); s13 = hsum<T>(c13);
      }
      for (let p: i32 = kv; p < k; p++) {
        const o = <usize>p * S;
        const x0 = load<T>(a0 + o);
        const x1 = load<T>(a1 + o);
        const y0 = load<T>(b0 + o);
        const y1 = load<T>(b1 + o);
        const y2 = load<T>(b2 + o);
        const y3 = load<T>(b3 + o);
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
      }
      const pc = c + <usize>i * cRowB + <usize>j * S;
      store<T>(pc, s00);
      store<T>(pc + S, s01);
      store<T>(pc + 2 * S, s02);
      store<T>(pc + 3 * S, s03);
      store<T>(pc + cRowB, s10);
      store<T>(pc + cRowB + S, s11);
      store<T>(pc + cRowB + 2 * S, s12);
      store<T>(pc + cRowB + 3 * S, s13);
    }
    for (; i < m; i++) {
      const a0 = a + <usize>i * rowB;
      let c00 = zero, c01 = zero, c02 = zero, c03 = zero;
      let off: usize = 0;
      for (let p: i32 = 0; p < kv; p += L) {
        const x0 = v128.load(a0 + off);
        c00 = madd<T>(x0, v128.load(b0 + off), c00);
        c01 = madd<T>(x0, v128.load(b1 + off), c01);
        c02 = madd<T>(x0, v128.load(b2 + off), c02);
        c03 = madd<T>(x0, v128.load(b3 + off), c03);
        off += 16;
      }
      let s00: T = <T>0, s01: T = <T>0, s02: T = <T>0, s03: T = <T>0;
      if (kv > 0) {
        s00 = hsum<T>(c00); s01 = hsum<T>(c01); s02 = hsum<T>(c02); s03 = hsum<T>(c03);
      }
      for (let p: i32 = kv; p < k; p++) {
        const o = <usize>p * S;
        const x0 = load<T>(a0 + o);
        s00 += x0 * load<T>(b0 + o);
        s01 += x0 * load<T>(b1 + o);
        s02 += x0 * load<T>(b2 + o);
        s03 += x0 * load<T>(b3 + o);
      }
      const pc = c + <usize>i * cRowB + <usize>j * S;
      store<T>(pc, s00);
      store<T>(pc + S, s01);
      store<T>(pc + 2 * S, s02);
      store<T>(pc + 3 * S, s03);
    }
  }
  for (; j < n; j++) {
    const b0 = b + <usize>j * rowB;
    for (let i: i32 = 0; i < m; i++) {
      const a0 = a + <usize>i * rowB;
      let c00 = zero;
      let off: usize = 0;
      for (let p: i32 = 0; p < kv; p += L) {
        c00 = madd<T>(v128.load(a0 + off), v128.load(b0 + off), c00);
        off += 16;
      }
      let s00: T = kv > 0 ? hsum<T>(c00) : <T>0;
      for (let p: i32 = kv; p < k; p++) {
        const o = <usize>p * S;
        s00 += load<T>(a0 + o) * load<T>(b0 + o);
      }
      store<T>(c + <usize>i * cRowB + <usize>j * S, s00);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// element-wise

/** `out = act(z)` for one row of `cols` elements (not softmax); `z` already has its bias. */
// @ts-ignore: decorator
@inline function activateRow<T>(z: usize, out: usize, cols: i32, act: i32): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const zero = v128.splat<T>(<T>0);
  let j: i32 = 0;
  if (act == ACT_RELU) {
    // relu(z) = z > 0 ? z : 0 — pmax(0, z) is exactly that (NaN and −0 give +0).
    for (; j + L <= cols; j += L) {
      const o = <usize>j * S;
      v128.store(out + o, v128.pmax<T>(zero, v128.load(z + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      const x = load<T>(z + o);
      store<T>(out + o, x > <T>0 ? x : <T>0);
    }
  } else if (act == ACT_LEAKY_RELU) {
    // leaky_relu(z) = z > 0 ? z : 0.01·z
    const slope = v128.splat<T>(<T>LEAKY_SLOPE);
    for (; j + L <= cols; j += L) {
      const o = <usize>j * S;
      const x = v128.load(z + o);
      v128.store(out + o, v128.bitselect(x, v128.mul<T>(x, slope), v128.gt<T>(x, zero)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      const x = load<T>(z + o);
      store<T>(out + o, x > <T>0 ? x : x * <T>LEAKY_SLOPE);
    }
  } else if (act == ACT_SIGMOID) {
    // σ(z) = 1 / (1 + e^(−z)): float32 four lanes at a time with expF32x4 (XOR-sized networks
    // spent a third of a step in scalar exp); float64, and float32's last cols mod 4, in f64.
    if (sizeof<T>() == 4) {
      const one = f32x4.splat(1);
      for (; j + L <= cols; j += L) {
        const o = <usize>j * S;
        const e = expF32x4(f32x4.neg(v128.load(z + o)));
        v128.store(out + o, f32x4.div(one, f32x4.add(one, e)));
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      store<T>(out + o, <T>(1.0 / (1.0 + Math.exp(-<f64>load<T>(z + o)))));
    }
  } else if (act == ACT_TANH) {
    // float32 four lanes at a time with tanhF32x4; float64, and float32's tail, in f64.
    if (sizeof<T>() == 4) {
      for (; j + L <= cols; j += L) {
        const o = <usize>j * S;
        v128.store(out + o, tanhF32x4(v128.load(z + o)));
      }
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      store<T>(out + o, <T>Math.tanh(<f64>load<T>(z + o)));
    }
  } else {
    // linear: a = z
    if (out != z) memory.copy(out, z, <usize>cols * S);
  }
}

/**
 * Softmax of one row: `a_j = e^(z_j − max z) / Σ_l e^(z_l − max z)` (the max keeps exp from
 * overflowing); exponentials and their sum (left to right) in f64, then `a_j = e_j·(1/Σ)`, the
 * same operations as the TypeScript kernels.
 */
// @ts-ignore: decorator
@inline function softmaxRow<T>(z: usize, out: usize, cols: i32): void {
  const S: usize = sizeof<T>();
  let max: f64 = -Infinity;
  for (let j: i32 = 0; j < cols; j++) {
    const x = <f64>load<T>(z + <usize>j * S);
    if (x > max) max = x;
  }
  let sum: f64 = 0;
  for (let j: i32 = 0; j < cols; j++) {
    const o = <usize>j * S;
    const e = Math.exp(<f64>load<T>(z + o) - max);
    sum += e;
    store<T>(out + o, <T>e);
  }
  const inv = 1.0 / sum;
  for (let j: i32 = 0; j < cols; j++) {
    const o = <usize>j * S;
    store<T>(out + o, <T>(<f64>load<T>(out + o) * inv));
  }
}

// @ts-ignore: decorator
@inline function biasActivation<T>(z: usize, bias: usize, out: usize, rows: i32, cols: i32, act: i32): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const rowB = <usize>cols * S;
  for (let r: i32 = 0; r < rows; r++) {
    const zr = z + <usize>r * rowB;
    const outr = out + <usize>r * rowB;
    // z[r][j] += b[j]
    let j: i32 = 0;
    for (; j + L <= cols; j += L) {
      const o = <usize>j * S;
      v128.store(zr + o, v128.add<T>(v128.load(zr + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      store<T>(zr + o, load<T>(zr + o) + load<T>(bias + o));
    }
    if (act == ACT_SOFTMAX) {
      softmaxRow<T>(zr, outr, cols);
    } else {
      activateRow<T>(zr, outr, cols, act);
    }
  }
}

/** `dz[i] *= act'(z[i])`, with `a = act(z)` given (sigmoid' = a(1−a), tanh' = 1−a²). */
// @ts-ignore: decorator
@inline function activationBackward<T>(dz: usize, z: usize, a: usize, length: i32, act: i32): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const zero = v128.splat<T>(<T>0);
  const one = v128.splat<T>(<T>1);
  let i: i32 = 0;
  if (act == ACT_LINEAR) {
    return;
  } else if (act == ACT_SIGMOID) {
    // dz *= a·(1 − a)
    for (; i + L <= length; i += L) {
      const o = <usize>i * S;
      const x = v128.load(a + o);
      v128.store(dz + o, v128.mul<T>(v128.load(dz + o), v128.mul<T>(x, v128.sub<T>(one, x))));
    }
    for (; i < length; i++) {
      const o = <usize>i * S;
      const x = load<T>(a + o);
      store<T>(dz + o, load<T>(dz + o) * (x * (<T>1 - x)));
    }
  } else if (act == ACT_TANH) {
    // dz *= 1 − a²
    for (; i + L <= length; i += L) {
      const o = <usize>i * S;
      const x = v128.load(a + o);
      v128.store(dz + o, v128.mul<T>(v128.load(dz + o), v128.sub<T>(one, v128.mul<T>(x, x))));
    }
    for (; i < length; i++) {
      const o = <usize>i * S;
      const x = load<T>(a + o);
      store<T>(dz + o, load<T>(dz + o) * (<T>1 - x * x));
    }
  } else if (act == ACT_RELU) {
    // relu'(z) = 1 for z > 0, else 0: dz = 0 where !(z > 0)
    for (; i + L <= length; i += L) {
      const o = <usize>i * S;
      v128.store(dz + o, v128.and(v128.load(dz + o), v128.gt<T>(v128.load(z + o), zero)));
    }
    for (; i < length; i++) {
      const o = <usize>i * S;
      if (!(load<T>(z + o) > <T>0)) store<T>(dz + o, <T>0);
    }
  } else if (act == ACT_LEAKY_RELU) {
    // dz *= z > 0 ? 1 : 0.01
    const slope = v128.splat<T>(<T>LEAKY_SLOPE);
    for (; i + L <= length; i += L) {
      const o = <usize>i * S;
      const g = v128.load(dz + o);
      v128.store(dz + o, v128.mul<T>(g, v128.bitselect(one, slope, v128.gt<T>(v128.load(z + o), zero))));
    }
    for (; i < length; i++) {
      const o = <usize>i * S;
      store<T>(dz + o, load<T>(dz + o) * (load<T>(z + o) > <T>0 ? <T>1 : <T>LEAKY_SLOPE));
    }
  }
}

/**
 * `out[j] = Σ_r m[r][j]`, summed over `r = 0…rows−1` in order; 4 vectors of columns at a time.
 * Rows are `ld ≥ cols` elements apart (a column slice sums each column exactly as the whole does).
 */
// @ts-ignore: decorator
@inline function sumRows<T>(m: usize, ld: usize, out: usize, rows: i32, cols: i32): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const rowB = ld * S;
  const zero = v128.splat<T>(<T>0);
  let j: i32 = 0;
  for (; j + 4 * L <= cols; j += 4 * L) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    let p = m + <usize>j * S;
    for (let r: i32 = 0; r < rows; r++) {
      s0 = v128.add<T>(s0, v128.load(p));
      s1 = v128.add<T>(s1, v128.load(p, 16));
      s2 = v128.add<T>(s2, v128.load(p, 32));
      s3 = v128.add<T>(s3, v128.load(p, 48));
      p += rowB;
    }
    const o = out + <usize>j * S;
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
  }
  for (; j + L <= cols; j += L) {
    let s0 = zero;
    let p = m + <usize>j * S;
    for (let r: i32 = 0; r < rows; r++) {
      s0 = v128.add<T>(s0, v128.load(p));
      p += rowB;
    }
    v128.store(out + <usize>j * S, s0);
  }
  for (; j < cols; j++) {
    let s: T = <T>0;
    let p = m + <usize>j * S;
    for (let r: i32 = 0; r < rows; r++) {
      s += load<T>(p);
      p += rowB;
    }
    store<T>(out + <usize>j * S, s);
  }
}

/**
 * One AdamW step (SPEC.md), with `bc1 = 1 − β1^t` and `bc2 = 1 − β2^t` computed by the caller:
 * `θ −= lr·wd·θ`; `g ← gradScale·g`; `m = β1·m + (1−β1)·g`; `v = β2·v + (1−β2)·g²`;
 * `θ −= lr·(m/bc1) / (sqrt(v/bc2) + ε)`. Arithmetic in the kernel's precision.
 */
// @ts-ignore: decorator
@inline function adamStep<T>(
  theta: usize, g: usize, m: usize, v: usize, length: i32,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, bc1: f64, bc2: f64, gradScale: f64,
): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const decay = weightDecay != 0;
  const lrWd: T = <T>(lr * weightDecay);
  const b1: T = <T>beta1, c1: T = <T>(1 - beta1);
  const b2: T = <T>beta2, c2: T = <T>(1 - beta2);
  const eps: T = <T>epsilon, rate: T = <T>lr, scale: T = <T>gradScale;
  const d1: T = <T>bc1, d2: T = <T>bc2;
  const vLrWd = v128.splat<T>(lrWd);
  const vB1 = v128.splat<T>(b1), vC1 = v128.splat<T>(c1);
  const vB2 = v128.splat<T>(b2), vC2 = v128.splat<T>(c2);
  const vEps = v128.splat<T>(eps), vRate = v128.splat<T>(rate), vScale = v128.splat<T>(scale);
  const vD1 = v128.splat<T>(d1), vD2 = v128.splat<T>(d2);
  let i: i32 = 0;
  for (; i + L <= length; i += L) {
    const o = <usize>i * S;
    let th = v128.load(theta + o);
    // θ −= lr·wd·θ
    if (decay) th = v128.sub<T>(th, v128.mul<T>(vLrWd, th));
    const gs = v128.mul<T>(v128.load(g + o), vScale);
    // m = β1·m + (1−β1)·g
    const mm = v128.add<T>(v128.mul<T>(vB1, v128.load(m + o)), v128.mul<T>(vC1, gs));
    // v = β2·v + (1−β2)·g²
    const vv = v128.add<T>(v128.mul<T>(vB2, v128.load(v + o)), v128.mul<T>(v128.mul<T>(vC2, gs), gs));
    // θ −= lr·(m/bc1) / (sqrt(v/bc2) + ε)
    const step = v128.div<T>(
      v128.mul<T>(vRate, v128.div<T>(mm, vD1)),
      v128.add<T>(v128.sqrt<T>(v128.div<T>(vv, vD2)), vEps),
    );
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    v128.store(theta + o, v128.sub<T>(th, step));
  }
  for (; i < length; i++) {
    const o = <usize>i * S;
    let th = load<T>(theta + o);
    if (decay) th = th - lrWd * th;
    const gs = load<T>(g + o) * scale;
    const mm = b1 * load<T>(m + o) + c1 * gs;
    const vv = b2 * load<T>(v + o) + c2 * gs * gs;
    let root: T;
    if (sizeof<T>() == 4) {
      root = <T>Mathf.sqrt(<f32>(vv / d2));
    } else {
      root = <T>Math.sqrt(<f64>(vv / d2));
    }
    store<T>(m + o, mm);
    store<T>(v + o, vv);
    store<T>(theta + o, th - (rate * (mm / d1)) / (root + eps));
  }
}

// ---------------------------------------------------------------------------------------------
// exports: one monomorphic function per precision

export function matMul_f32(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmStridedA<f32>(a, <usize>k, 1, b, c, m, k, n);
}
export function matMul_f64(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmStridedA<f64>(a, <usize>k, 1, b, c, m, k, n);
}
export function matMulTransA_f32(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmTransA<f32>(a, <usize>m, b, c, m, k, n, PACK_AT);
}
/** `Aᵀ·B` for a column slice of A (rows `lda` apart); `pack` is the calling thread's scratch. */
export function matMulTransASlice_f32(a: usize, lda: usize, b: usize, c: usize, m: i32, k: i32, n: i32, pack: usize): void {
  gemmTransA<f32>(a, lda, b, c, m, k, n, pack);
}
export function matMulTransA_f64(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmTransA<f64>(a, <usize>m, b, c, m, k, n, PACK_AT);
}
/** `Aᵀ·B` for a column slice of A (rows `lda` apart); `pack` is the calling thread's scratch. */
export function matMulTransASlice_f64(a: usize, lda: usize, b: usize, c: usize, m: i32, k: i32, n: i32, pack: usize): void {
  gemmTransA<f64>(a, lda, b, c, m, k, n, pack);
}
export function matMulTransB_f32(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmTransB<f32>(a, b, c, m, k, n);
}
export function matMulTransB_f64(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemmTransB<f64>(a, b, c, m, k, n);
}
/** `PACK_BYTES`: the scratch each helper thread passes to the `Slice` products. */
export function packBytes(): i32 {
  return <i32>PACK_BYTES;
}
export function biasActivation_f32(z: usize, bias: usize, out: usize, rows: i32, cols: i32, act: i32): void {
  biasActivation<f32>(z, bias, out, rows, cols, act);
}
export function biasActivation_f64(z: usize, bias: usize, out: usize, rows: i32, cols: i32, act: i32): void {
  biasActivation<f64>(z, bias, out, rows, cols, act);
}
export function activationBackward_f32(dz: usize, z: usize, a: usize, length: i32, act: i32): void {
  activationBackward<f32>(dz, z, a, length, act);
}
export function activationBackward_f64(dz: usize, z: usize, a: usize, length: i32, act: i32): void {
  activationBackward<f64>(dz, z, a, length, act);
}
export function sumRows_f32(m: usize, out: usize, rows: i32, cols: i32): void {
  sumRows<f32>(m, <usize>cols, out, rows, cols);
}
/** `sumRows` of a column slice: rows `ld` elements apart. */
export function sumRowsSlice_f32(m: usize, ld: usize, out: usize, rows: i32, cols: i32): void {
  sumRows<f32>(m, ld, out, rows, cols);
}
export function sumRows_f64(m: usize, out: usize, rows: i32, cols: i32): void {
  sumRows<f64>(m, <usize>cols, out, rows, cols);
}
/** `sumRows` of a column slice: rows `ld` elements apart. */
export function sumRowsSlice_f64(m: usize, ld: usize, out: usize, rows: i32, cols: i32): void {
  sumRows<f64>(m, ld, out, rows, cols);
}
export function adamStep_f32(
  theta: usize, g: usize, m: usize, v: usize, length: i32,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, bc1: f64, bc2: f64, gradScale: f64,
): void {
  adamStep<f32>(theta, g, m, v, length, lr, beta1, beta2, epsilon, weightDecay, bc1, bc2, gradScale);
}
export function adamStep_f64(
  theta: usize, g: usize, m: usize, v: usize, length: i32,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, bc1: f64, bc2: f64, gradScale: f64,
): void {
  adamStep<f64>(theta, g, m, v, length, lr, beta1, beta2, epsilon, weightDecay, bc1, bc2, gradScale);
}
