/**
 * Irregular samples onto an evenly spaced grid, the shape every model and detector here expects.
 * Pure, O(n) after the one sort that infers the step.
 */

/** A series on an even grid: point i is at `startMs + i * stepMs`; missing points are NaN. */
export interface RegularSeries {
  startMs: number;
  stepMs: number;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface RegularizeOptions {
  /**
   * Longest run of missing grid points that is filled by linear interpolation (default 3). A longer gap
   * stays NaN: inventing minutes of data is fine, inventing hours is not.
   */
  maxFillSteps?: number;
}

/** The median spacing of ascending timestamps, ignoring repeats; 0 when fewer than two distinct times. */
export function medianSpacing(timestamps: Float64Array): number {
  const spacings = new Float64Array(Math.max(0, timestamps.length - 1));
  let count = 0;
  for (let i = 1; i < timestamps.length; i += 1) {
    const spacing = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (spacing > 0) spacings[count++] = spacing;
  }
  if (count === 0) return 0;
  const sorted = spacings.subarray(0, count).sort();
  const middle = count >> 1;
  return count % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Resamples `values` taken at `timestamps` (ms epoch, ascending) onto a grid of `stepMs` (default: the
 * median spacing) anchored at the first sample. Each grid point is linearly interpolated between the
 * samples around it, which absorbs scrape jitter (samples at 14:27, 14:32 … on a 5-minute grid). When
 * the samples around a grid point are more than `maxFillSteps + 1` steps apart (plus half a step of
 * jitter), the point is NaN. Samples with a non-finite value, and samples whose time does not move
 * forward, are skipped. An empty grid is returned when no sample is usable.
 */
export function regularize(
  timestamps: Float64Array,
  values: Float64Array,
  stepMs?: number,
  options: RegularizeOptions = {},
): RegularSeries {
  if (timestamps.length !== values.length) {
    throw new RangeError(`timestamps (${timestamps.length}) and values (${values.length}) differ in length`);
  }
  // Indices of usable samples: finite, strictly later than the previous usable one.
  const kept = new Int32Array(timestamps.length);
  let keptCount = 0;
  let lastTime = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < timestamps.length; i += 1) {
    const time = timestamps[i] as number;
    if (!Number.isFinite(values[i] as number) || !Number.isFinite(time) || time <= lastTime) continue;
    kept[keptCount++] = i;
    lastTime = time;
  }
  if (keptCount === 0) {
    return { startMs: 0, stepMs: stepMs ?? 0, timestamps: new Float64Array(0), values: new Float64Array(0) };
  }
  const keptTimes = new Float64Array(keptCount);
  for (let k = 0; k < keptCount; k += 1) keptTimes[k] = timestamps[kept[k] as number] as number;
  const step = stepMs ?? medianSpacing(keptTimes);
  const startMs = keptTimes[0] as number;
  if (keptCount === 1 || !(step > 0)) {
    return {
      startMs,
      stepMs: step,
      timestamps: Float64Array.of(startMs),
      values: Float64Array.of(values[kept[0] as number] as number),
    };
  }
  const endMs = keptTimes[keptCount - 1] as number;
  // Rounding, not flooring, so a last sample a little early (jitter) still gets its grid point.
  const length = Math.floor((endMs - startMs) / step + 0.5) + 1;
  const maxGapMs = ((options.maxFillSteps ?? 3) + 1.5) * step;
  const gridTimes = new Float64Array(length);
  const gridValues = new Float64Array(length);
  let right = 1; // first kept sample strictly after the grid point
  for (let i = 0; i < length; i += 1) {
    const time = startMs + i * step;
    gridTimes[i] = time;
    while (right < keptCount && (keptTimes[right] as number) <= time) right += 1;
    const leftTime = keptTimes[right - 1] as number;
    const leftValue = values[kept[right - 1] as number] as number;
    if (leftTime === time) {
      gridValues[i] = leftValue;
    } else if (right === keptCount) {
      // Past the last sample by less than half a step (the rounding above).
      gridValues[i] = leftValue;
    } else {
      const rightTime = keptTimes[right] as number;
      const rightValue = values[kept[right] as number] as number;
      gridValues[i] =
        rightTime - leftTime > maxGapMs
          ? Number.NaN
          : leftValue + ((rightValue - leftValue) * (time - leftTime)) / (rightTime - leftTime);
    }
  }
  return { startMs, stepMs: step, timestamps: gridTimes, values: gridValues };
}
