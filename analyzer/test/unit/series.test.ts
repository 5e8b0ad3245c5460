import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  autocorrelation,
  counterToRate,
  detectSeasonality,
  medianSpacing,
  regularize,
} from '../../src/series/index.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A deterministic generator of standard normal noise (LCG + Box–Muller), so no test flakes. */
function gaussian(seed: number): () => number {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return (state + 1) / (2 ** 31 + 1);
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('regularize', () => {
  it('puts jittered 5-minute samples on a 5-minute grid anchored at the first sample', () => {
    const start = Date.UTC(2014, 1, 14, 14, 27);
    const jitter = [0, 0, 20_000, 0, 0, -15_000, 0, 0];
    const timestamps = Float64Array.from(jitter, (offset, i) => start + i * 5 * MINUTE + offset);
    const values = Float64Array.from(jitter, (_, i) => 10 + i);
    const grid = regularize(timestamps, values);
    assert.equal(grid.stepMs, 5 * MINUTE);
    assert.equal(grid.values.length, 8);
    assert.equal(grid.timestamps[0], start);
    assert.equal(grid.timestamps[7], start + 35 * MINUTE);
    // Linear interpolation between the samples around each grid point.
    grid.values.forEach((value) => {
      assert.ok(Number.isFinite(value));
    });
    // 20 s late: the grid point sits between the sample before (11) and this one (12).
    assert.ok(Math.abs((grid.values[2] as number) - (11 + 300 / 320)) < 1e-9);
  });

  it('fills short gaps linearly and leaves long gaps NaN', () => {
    const minutes = [0, 1, 2, 5, 6, 7, 20, 21];
    const timestamps = Float64Array.from(minutes, (minute) => minute * MINUTE);
    const values = Float64Array.from(minutes, (minute) => minute * 2);
    const grid = regularize(timestamps, values, MINUTE);
    assert.equal(grid.values.length, 22);
    assert.equal(grid.values[3], 6, 'a two-point gap is interpolated');
    assert.equal(grid.values[4], 8);
    for (let minute = 8; minute < 20; minute += 1) assert.ok(Number.isNaN(grid.values[minute] as number));
    assert.equal(grid.values[20], 40);
  });

  it('skips non-finite values and samples that go back in time', () => {
    const timestamps = Float64Array.of(0, MINUTE, 2 * MINUTE, MINUTE, 3 * MINUTE);
    const values = Float64Array.of(1, Number.NaN, 3, 99, 4);
    const grid = regularize(timestamps, values, MINUTE);
    assert.deepEqual(Array.from(grid.values), [1, 2, 3, 4]);
  });

  it('infers the step as the median spacing', () => {
    assert.equal(medianSpacing(Float64Array.of(0, 10, 20, 30, 100)), 10);
    assert.equal(medianSpacing(Float64Array.of(5)), 0);
  });
});

describe('counterToRate', () => {
  it('reads a drop as a reset to zero, like Prometheus', () => {
    const timestamps = Float64Array.of(0, 10_000, 20_000, 30_000, 40_000);
    const values = Float64Array.of(100, 200, 300, 50, 150);
    const rates = counterToRate(timestamps, values);
    assert.ok(Number.isNaN(rates[0] as number));
    assert.deepEqual(Array.from(rates.subarray(1)), [10, 10, 5, 10]);
  });

  it('computes the rate over a trailing window across a reset', () => {
    const timestamps = Float64Array.of(0, 15_000, 30_000, 45_000, 60_000);
    const values = Float64Array.of(0, 30, 60, 10, 40);
    const rates = counterToRate(timestamps, values, 60_000);
    // At 60 s: increase 30 + 30 + 10 + 30 = 100 over 60 s.
    assert.ok(Math.abs((rates[4] as number) - 100 / 60) < 1e-12);
  });

  it('skips missing readings instead of counting them as resets', () => {
    const timestamps = Float64Array.of(0, 10_000, 20_000);
    const rates = counterToRate(timestamps, Float64Array.of(10, Number.NaN, 30));
    assert.ok(Number.isNaN(rates[1] as number));
    assert.equal(rates[2], 1);
  });
});

describe('detectSeasonality', () => {
  const step = 5 * MINUTE;
  const perDay = DAY / step;

  it('finds the daily period (288 points) of 5-minute data under noise and a trend', () => {
    const noise = gaussian(3);
    const values = Float64Array.from(
      { length: 7 * perDay },
      (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / perDay) + 0.01 * i + 3 * noise(),
    );
    assert.equal(detectSeasonality(values, step), 288);
  });

  it('finds a weekly period when weekends differ and two weeks are there', () => {
    const noise = gaussian(5);
    const values = Float64Array.from({ length: 21 * perDay }, (_, i) => {
      const weekend = Math.floor(i / perDay) % 7 >= 5;
      return (weekend ? 20 : 60) + 5 * Math.sin((2 * Math.PI * i) / perDay) + noise();
    });
    assert.equal(detectSeasonality(values, step), 7 * perDay);
  });

  it('finds nothing in noise, in a random walk, or with fewer than two periods', () => {
    const noise = gaussian(11);
    const white = Float64Array.from({ length: 5 * perDay }, () => noise());
    assert.equal(detectSeasonality(white, step), 0);
    let level = 0;
    const walk = Float64Array.from({ length: 5 * perDay }, () => {
      level += noise();
      return level;
    });
    assert.equal(detectSeasonality(walk, step), 0);
    const short = Float64Array.from({ length: perDay + 100 }, (_, i) => Math.sin((2 * Math.PI * i) / perDay));
    assert.equal(detectSeasonality(short, step), 0);
  });

  it('considers an hourly cycle only when asked', () => {
    const values = Float64Array.from({ length: 2 * perDay }, (_, i) => (i % 12 === 0 ? 10 : 1));
    assert.equal(detectSeasonality(values, step), 0);
    assert.equal(detectSeasonality(values, step, { includeHourly: true }), 12);
  });
});

describe('autocorrelation', () => {
  it('matches the direct sum and is 1 at lag 0', () => {
    const values = Float64Array.of(1, 3, 2, 5, 4, 6, 5, 8);
    const acf = autocorrelation(values, 3);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    let zero = 0;
    let lag2 = 0;
    for (let i = 0; i < values.length; i += 1) zero += ((values[i] as number) - mean) ** 2;
    for (let i = 0; i + 2 < values.length; i += 1) {
      lag2 += ((values[i] as number) - mean) * ((values[i + 2] as number) - mean);
    }
    assert.ok(Math.abs((acf[0] as number) - 1) < 1e-12);
    assert.ok(Math.abs((acf[2] as number) - lag2 / zero) < 1e-12);
  });

  it('is all zeros for a constant series', () => {
    assert.deepEqual(Array.from(autocorrelation(new Float64Array(10).fill(4), 3)), [0, 0, 0, 0]);
  });
});
