/** A deterministic noisy series (a linear congruential generator), so the test never flakes. */
export function noise(n: number, seed = 7, level = 100, width = 4): Float64Array {
  let state = seed;
  return Float64Array.from({ length: n }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return level + (state / 2 ** 31 - 0.5) * width;
  });
}
