import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast, InsufficientDataError, timeToThreshold } from '../../src/forecast/index.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const START = Date.UTC(2025, 0, 6);

/** A deterministic generator of standard normal noise (LCG + Box–Muller), so no test flakes. */
function gaussian(seed: number): () => number {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return (state + 1) / (2 ** 31 + 1);
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function series(length: number, stepMs: number, value: (i: number) => number) {
  return {
    timestamps: Float64Array.from({ length }, (_, i) => START + i * stepMs),
    values: Float64Array.from({ length }, (_, i) => value(i)),
  };
}

describe('timeToThreshold', () => {
  it('predicts when a linear ramp crosses its limit within 2 %', () => {
    // Memory growing 50 kB per 5 s scrape for 10 minutes, limit reached 10 minutes later.
    const noise = gaussian(1);
    const ramp = series(120, 5 * SECOND, (i) => 100e6 + 50e3 * i + 5e3 * noise());
    const limit = 100e6 + 50e3 * 240;
    const real = START + 240 * 5 * SECOND;
    const lastSample = START + 119 * 5 * SECOND;
    const result = timeToThreshold(ramp, { limit, direction: 'above', horizonMs: 60 * MINUTE });
    assert.equal(result.status, 'crossing');
    if (result.status !== 'crossing') return;
    assert.ok(Math.abs(result.at - real) / (real - lastSample) < 0.02, `at ${result.at - real} ms from the truth`);
    assert.ok(result.earliest <= result.at);
    assert.ok(result.latest === undefined || result.latest >= result.at);
  });

  it('works on jittered 15-second scrapes over 5 minutes (the predictive-maintenance case)', () => {
    const noise = gaussian(2);
    const length = 20;
    const timestamps = Float64Array.from({ length }, (_, i) => START + i * 15 * SECOND + 2 * SECOND * noise());
    // Connections opening at one per second from 200 toward max_connections = 800.
    const values = Float64Array.from(timestamps, (time) => Math.round(200 + (time - START) / SECOND));
    const real = START + 600 * SECOND;
    const lastSample = timestamps[length - 1] as number;
    const result = timeToThreshold({ timestamps, values }, { limit: 800, direction: 'above', horizonMs: DAY });
    assert.equal(result.status, 'crossing');
    if (result.status !== 'crossing') return;
    assert.ok(Math.abs(result.at - real) / (real - lastSample) < 0.1);
  });

  it('predicts a fall toward a floor with direction below', () => {
    const freeSpace = series(60, 10 * SECOND, (i) => 1000 - 5 * i);
    const result = timeToThreshold(freeSpace, { limit: 100, direction: 'below', horizonMs: DAY });
    assert.equal(result.status, 'crossing');
    if (result.status !== 'crossing') return;
    assert.ok(Math.abs(result.at - (START + 180 * 10 * SECOND)) < 10 * SECOND);
  });

  it('never predicts a crossing for a constant series', () => {
    const flat = series(500, MINUTE, () => 42);
    assert.deepEqual(timeToThreshold(flat, { limit: 43, direction: 'above', horizonMs: 7 * DAY }), {
      status: 'not-within-horizon',
      method: 'naive',
    });
    const result = forecast(flat, { horizonPoints: 10 });
    assert.ok(result.mean.every((value) => value === 42));
    assert.ok(result.upper95.every((value) => value === 42) && result.lower95.every((value) => value === 42));
  });

  it('reports an already crossed limit with the start of the run past it', () => {
    const values = [10, 20, 30, 95, 80, 101, 102, 103];
    const crossed = series(values.length, MINUTE, (i) => values[i] as number);
    assert.deepEqual(timeToThreshold(crossed, { limit: 100, direction: 'above', horizonMs: DAY }), {
      status: 'already-crossed',
      since: START + 5 * MINUTE,
    });
  });

  it('answers not within the horizon when the limit is too far', () => {
    const ramp = series(100, MINUTE, (i) => i);
    const result = timeToThreshold(ramp, { limit: 10_000, direction: 'above', horizonMs: 60 * MINUTE });
    assert.equal(result.status, 'not-within-horizon');
  });

  it('throws InsufficientDataError on too short a series', () => {
    const short = series(4, MINUTE, (i) => i);
    assert.throws(
      () => timeToThreshold(short, { limit: 10, direction: 'above', horizonMs: DAY }),
      InsufficientDataError,
    );
  });
});

describe('forecast', () => {
  const step = 5 * MINUTE;
  const perDay = DAY / step;

  it('finds the daily season of 5-minute data and beats the naive forecast with it', () => {
    const noise = gaussian(4);
    const truth = (i: number) => 100 + 30 * Math.sin((2 * Math.PI * i) / perDay) + 5 * noise();
    const all = series(8 * perDay, step, truth);
    const history = { timestamps: all.timestamps.subarray(0, 7 * perDay), values: all.values.subarray(0, 7 * perDay) };
    const seasonal = forecast(history, { horizonPoints: perDay });
    assert.equal(seasonal.seasonPeriod, 288);
    assert.ok(seasonal.method === 'holt-winters' || seasonal.method === 'seasonal-naive', seasonal.method);
    const holtWinters = forecast(history, { horizonPoints: perDay, methods: ['holt-winters'] });
    const naive = forecast(history, { horizonPoints: perDay, seasonPeriod: 0, methods: ['naive'] });
    const meanAbsoluteError = (mean: Float64Array) =>
      mean.reduce((sum, value, h) => sum + Math.abs((all.values[7 * perDay + h] as number) - value), 0) / perDay;
    assert.ok(meanAbsoluteError(holtWinters.mean) < 0.5 * meanAbsoluteError(naive.mean));
    const validation = holtWinters.validation.mase['holt-winters'] as number;
    assert.ok(validation < (seasonal.validation.mase['damped-trend'] as number));
  });

  it('covers Gaussian noise at about the nominal 80 % and 95 %', () => {
    let inside80 = 0;
    let inside95 = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed += 1) {
      const noise = gaussian(seed * 7919);
      const all = series(1100, MINUTE, () => 50 + 4 * noise());
      const result = forecast(
        { timestamps: all.timestamps.subarray(0, 1000), values: all.values.subarray(0, 1000) },
        { horizonPoints: 100 },
      );
      for (let h = 0; h < 100; h += 1) {
        const actual = all.values[1000 + h] as number;
        if (actual >= (result.lower80[h] as number) && actual <= (result.upper80[h] as number)) inside80 += 1;
        if (actual >= (result.lower95[h] as number) && actual <= (result.upper95[h] as number)) inside95 += 1;
        total += 1;
      }
    }
    const coverage80 = (100 * inside80) / total;
    const coverage95 = (100 * inside95) / total;
    assert.ok(coverage80 > 72 && coverage80 < 88, `80 % interval covers ${coverage80} %`);
    assert.ok(coverage95 > 90 && coverage95 < 99, `95 % interval covers ${coverage95} %`);
  });

  it('returns times on the grid after the last sample, with ordered bands', () => {
    const noise = gaussian(9);
    const result = forecast(
      series(300, 15 * SECOND, (i) => 10 + 0.1 * i + noise()),
      { horizonPoints: 40 },
    );
    assert.equal(result.stepMs, 15 * SECOND);
    assert.equal(result.timestamps[0], START + 300 * 15 * SECOND);
    assert.equal(result.mean.length, 40);
    for (let h = 0; h < 40; h += 1) {
      assert.ok((result.lower95[h] as number) <= (result.lower80[h] as number));
      assert.ok((result.lower80[h] as number) <= (result.mean[h] as number));
      assert.ok((result.mean[h] as number) <= (result.upper80[h] as number));
      assert.ok((result.upper80[h] as number) <= (result.upper95[h] as number));
    }
    assert.ok(result.validation.origins > 1);
    assert.ok(Object.values(result.validation.mase).every((mase) => Number.isFinite(mase)));
  });

  it('forecasts across a long gap left NaN by regularize', () => {
    const noise = gaussian(12);
    const all = series(600, MINUTE, (i) => 20 + 0.05 * i + 0.2 * noise());
    const kept = Array.from({ length: 600 }, (_, i) => i).filter((i) => i < 200 || i >= 300);
    const gappy = {
      timestamps: Float64Array.from(kept, (i) => all.timestamps[i] as number),
      values: Float64Array.from(kept, (i) => all.values[i] as number),
    };
    const result = forecast(gappy, { horizonPoints: 30 });
    assert.ok(result.mean.every(Number.isFinite) && result.upper95.every(Number.isFinite));
    assert.ok(Math.abs((result.mean[29] as number) - (20 + 0.05 * 629)) < 1);
  });

  it('throws InsufficientDataError below six observed points and RangeError on a bad horizon', () => {
    // Four samples; regularize fills the one missing point between them, which makes five.
    const values = [1, 2, Number.NaN, 3, 4];
    const short = series(values.length, MINUTE, (i) => values[i] as number);
    assert.throws(() => forecast(short, { horizonPoints: 5 }), InsufficientDataError);
    assert.throws(
      () =>
        forecast(
          series(50, MINUTE, (i) => i),
          { horizonPoints: 0 },
        ),
      RangeError,
    );
  });
});
