/** The building blocks of correlation: robust deviation from a baseline, and lagged co-movement of changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignTo, laggedComovement } from '../../src/correlate/comovement.ts';
import { type DeviationSettings, deviation, noiseMaximum } from '../../src/correlate/deviation.ts';
import type { BadDirection } from '../../src/correlate/index.ts';
import { noise } from './synthetic.ts';

const SETTINGS: DeviationSettings = {
  minRelativeScale: 0.002,
  thresholdZ: 3,
  halfStrengthZ: 2,
  onsetFraction: 0.5,
  detectorThreshold: 0.4,
};
const times = (n: number, stepMs = 1000) => Float64Array.from({ length: n }, (_, i) => i * stepMs);

function series(values: Float64Array, badDirection: BadDirection = 'up') {
  return { times: times(values.length), values, badDirection };
}

describe('deviation', () => {
  it('measures the window against the points before it, in robust z oriented to the bad direction', () => {
    const values = noise(120, 3, 100, 4);
    for (let i = 100; i < 110; i += 1) values[i] = 60;
    const window = { startMs: 100_000, endMs: 119_000 };
    const down = deviation(series(values, 'down'), window, SETTINGS);
    assert.ok(Math.abs(down.center - 100) < 1, `${down.center}`);
    assert.ok(down.scale > 0.5 && down.scale < 2.5, `${down.scale}`);
    assert.equal(down.anomalous, true);
    assert.equal(down.onsetMs, 100_000);
    assert.ok(Math.abs(down.peakChange - (down.center - 60)) < 1e-9);
    assert.ok(down.strength > 0.8 && down.strength <= 1);
    // The same dip is good news for a series where only rising is bad.
    const up = deviation(series(values, 'up'), window, SETTINGS);
    assert.equal(up.anomalous, false);
    assert.equal(up.strength, 0);
    assert.equal(up.onsetMs, undefined);
    assert.equal(deviation(series(values, 'both'), window, SETTINGS).anomalous, true);
  });

  it('asks a longer window for a larger peak: noise alone strays further over more points', () => {
    assert.equal(noiseMaximum(1), 0);
    assert.ok(noiseMaximum(4) < noiseMaximum(500));
    assert.ok(Math.abs(noiseMaximum(500) - Math.sqrt(2 * Math.log(500))) < 1e-12);
    const values = noise(600, 5, 100, 4);
    const spread = deviation(series(values), { startMs: 100_000, endMs: 599_000 }, SETTINGS).scale;
    // A peak of 5σ clears 3 beyond the noise maximum of 4 points (1.67), not that of 500 points (3.53).
    const peak = 100 + 5 * spread;
    const short = Float64Array.from(values.subarray(0, 104));
    short[102] = peak;
    const long = Float64Array.from(values);
    long[300] = peak;
    assert.equal(deviation(series(short), { startMs: 100_000, endMs: 103_000 }, SETTINGS).anomalous, true);
    assert.equal(deviation(series(long), { startMs: 100_000, endMs: 599_000 }, SETTINGS).anomalous, false);
  });

  it('dates the onset at the first point reaching half the peak', () => {
    const values = noise(80, 7, 100, 2);
    const ramp = [104, 110, 130, 160, 200, 200, 200];
    ramp.forEach((value, k) => {
      values[70 + k] = value;
    });
    const result = deviation(series(values), { startMs: 60_000, endMs: 79_000 }, SETTINGS);
    assert.equal(result.onsetMs, 73_000);
  });

  it('uses a level and spread known from longer history when given, and floors a flat spread', () => {
    const values = Float64Array.from([100, 100, 97, 96, 100]);
    const window = { startMs: 1000, endMs: 4000 };
    const flat = deviation(series(values, 'down'), window, SETTINGS);
    assert.equal(flat.scale, 0.2, 'one baseline point: the relative floor');
    assert.ok(Math.abs(flat.peakZ - 20) < 1e-9);
    const known = deviation({ ...series(values, 'down'), baseline: { scale: 2 } }, window, SETTINGS);
    assert.equal(known.scale, 2);
    assert.equal(known.anomalous, false, '4 below with a spread of 2 is within the noise maximum plus 3');
    const recentered = deviation({ ...series(values, 'down'), baseline: { center: 97, scale: 2 } }, window, SETTINGS);
    assert.ok(Math.abs(recentered.peakChange - 1) < 1e-9);
  });

  it('takes the detector’s per-point scores as a second opinion', () => {
    const values = noise(40, 9, 100, 4);
    const scores = new Float64Array(40);
    scores[35] = 0.7;
    const result = deviation({ ...series(values), scores }, { startMs: 30_000, endMs: 39_000 }, SETTINGS);
    assert.equal(result.anomalous, true);
    assert.equal(result.strength, 0.7);
    assert.equal(result.onsetMs, 35_000);
  });

  it('skips gaps and has nothing to say without a baseline', () => {
    const values = Float64Array.from([Number.NaN, Number.NaN, 5, 9, 12]);
    const result = deviation(series(values), { startMs: 2000, endMs: 4000 }, SETTINGS);
    assert.equal(result.anomalous, false);
    assert.ok(Number.isNaN(result.center));
  });
});

describe('co-movement', () => {
  const step = (n: number, at: number, seed: number) => {
    const values = noise(n, seed, 0, 0.2);
    for (let i = at; i < n; i += 1) values[i] = (values[i] as number) + 10;
    return values;
  };

  it('finds a candidate that leads the target by a few steps, within the lag bound only', () => {
    const target = step(60, 40, 1);
    const lead = step(60, 37, 2);
    assert.ok(laggedComovement(lead, target, 30, 60, 5) > 0.9);
    assert.ok(laggedComovement(lead, target, 30, 60, 1) < 0.3);
    // A candidate that follows the target does not lead it.
    assert.ok(laggedComovement(step(60, 43, 3), target, 30, 60, 5) < 0.3);
  });

  it('counts moving the opposite way as no co-movement, and too few points as unknown', () => {
    const target = step(60, 40, 4);
    const opposite = Float64Array.from(target, (value) => -value);
    assert.equal(laggedComovement(opposite, target, 30, 60, 0), 0);
    assert.ok(Number.isNaN(laggedComovement(target, target, 58, 60, 0)));
  });

  it('aligns a series onto the target’s times by the nearest sample within tolerance', () => {
    const grid = Float64Array.from([0, 10, 20, 30]);
    const aligned = alignTo(grid, Float64Array.from([1, 12, 29]), Float64Array.from([5, 6, 7]), 4);
    assert.deepEqual(Array.from(aligned), [5, 6, Number.NaN, 7]);
  });
});
