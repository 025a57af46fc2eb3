/**
 * A small, seeded, checkpointable PRNG: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128 bits of state: a, b, c and a counter), seeded through splitmix32. The whole
 * state is four uint32 words, so a checkpoint restores the exact stream.
 */

/** Mixes a 32-bit value (splitmix32's finaliser); used to derive seeds for independent streams. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** sfc32 with its state in a Uint32Array(4) that {@link Rng.getState} and {@link Rng.setState} expose. */
export class Rng {
  private readonly s = new Uint32Array(4);

  /**
   * @param seed - integer 0 … 2³²−1 (other numbers are reduced modulo 2³²)
   * @param stream - selects an independent stream for the same seed (0 = initialisation, 1 = shuffling)
   */
  constructor(seed: number, stream = 0) {
    const s0 = mix32((seed >>> 0) ^ mix32(stream + 1));
    this.s[0] = s0;
    this.s[1] = mix32(s0 ^ 0x243f6a88);
    this.s[2] = mix32(s0 ^ 0x85a308d3);
    this.s[3] = 1;
    // Discard the first outputs so nearby seeds decorrelate (as sfc32's reference does).
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** The next uniform integer in 0 … 2³²−1. */
  nextUint32(): number {
    const s = this.s;
    const a = s[0], b = s[1], c = s[2], d = s[3];
    // t = a + b + d; a = b ^ (b >>> 9); b = c + (c << 3); c = rotl(c, 21) + t; d = d + 1
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    s[2] = (r + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in 0 … n−1 (n ≤ 2³²), without modulo bias (Lemire's rejection). */
  nextBelow(n: number): number {
    if (n <= 1) return 0;
    // Reject the top sliver so every residue is equally likely.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A standard normal draw (Box–Muller, using two uniforms; the second variate is discarded). */
  nextNormal(): number {
    // z = sqrt(−2·ln u1) · cos(2π·u2), u1 ∈ (0, 1]
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A copy of the four state words. */
  getState(): Uint32Array {
    return this.s.slice();
  }

  /** Restores state words saved by {@link Rng.getState}. */
  setState(state: ArrayLike<number>): void {
    for (let i = 0; i < 4; i++) this.s[i] = state[i];
  }
}

/**
 * Shuffles `order[0..length)` in place with Fisher–Yates (Durstenfeld), drawing from `rng`:
 * for i from n−1 down to 1, swap order[i] with order[j], j uniform in 0 … i.
 */
export function shuffleInPlace(order: Uint32Array, length: number, rng: Rng): void {
  for (let i = length - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
}
