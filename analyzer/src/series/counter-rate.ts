/**
 * A monotonic counter (requests_total, bytes_written_total …) as a per-second rate, the way Prometheus'
 * rate() reads it: any drop is a reset to zero, so the increase across a reset is the new value.
 */

/**
 * Per-second rate at each sample. Without `windowMs` the rate is over the interval since the previous
 * sample; with it, over the samples of the trailing window (like `rate(x[window])`, without Prometheus'
 * extrapolation to the window edges). The first sample, a sample with no earlier sample in its window,
 * and a sample whose value is not finite get NaN. Timestamps are ms epoch, ascending.
 */
export function counterToRate(timestamps: Float64Array, values: Float64Array, windowMs?: number): Float64Array {
  const n = values.length;
  if (timestamps.length !== n) {
    throw new RangeError(`timestamps (${timestamps.length}) and values (${n}) differ in length`);
  }
  // Reset-adjusted running increase: rate over any span is a difference of two entries.
  const increase = new Float64Array(n);
  const rates = new Float64Array(n).fill(Number.NaN);
  let previous = Number.NaN;
  let previousIndex = -1;
  let total = 0;
  let start = 0; // earliest usable sample inside the trailing window
  for (let i = 0; i < n; i += 1) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      increase[i] = total;
      continue;
    }
    if (Number.isFinite(previous)) total += value >= previous ? value - previous : value;
    increase[i] = total;
    const time = timestamps[i] as number;
    let from = previousIndex;
    if (windowMs !== undefined) {
      while (
        start < i &&
        ((timestamps[start] as number) < time - windowMs || !Number.isFinite(values[start] as number))
      ) {
        start += 1;
      }
      from = start < i ? start : -1;
    }
    previous = value;
    previousIndex = i;
    if (from < 0) continue;
    const seconds = (time - (timestamps[from] as number)) / 1000;
    if (seconds > 0) rates[i] = ((increase[i] as number) - (increase[from] as number)) / seconds;
  }
  return rates;
}
