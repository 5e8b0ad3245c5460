/** A deterministic noisy series (a linear congruential generator), so the test never flakes. */
export function noise(n: number, seed = 7, level = 100, width = 4): Float64Array {
  let state = seed;
  return Float64Array.from({ length: n }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return level + (state / 2 ** 31 - 0.5) * width;
  });
}

/** mulberry32: a small seeded generator in [0, 1), so random inputs are the same on every run and a failure replays. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
