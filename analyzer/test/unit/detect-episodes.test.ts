import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectSeries } from '../../src/detect/detect-series.ts';
import { detectAnomalies } from '../../src/detect/episodes.ts';
import { noise } from './synthetic.ts';

describe('detectAnomalies', () => {
  it('makes one spike episode with the band it left and how far', () => {
    const values = noise(2000);
    values[1500] = 160;
    const { episodes } = detectAnomalies(values);
    assert.equal(episodes.length, 1);
    const [spike] = episodes;
    assert.equal(spike?.kind, 'spike');
    assert.equal(spike?.direction, 'up');
    assert.equal(spike?.start, 1500);
    assert.ok(
      (spike?.expected.low ?? 0) >= 97.9 && (spike?.expected.high ?? 0) <= 102.1,
      JSON.stringify(spike?.expected),
    );
    assert.ok(Math.abs((spike?.magnitude ?? 0) - (160 - (spike?.expected.high ?? 0))) < 1e-9);
  });

  it('tells a dip, a level shift and a trend apart', () => {
    const dip = noise(2000);
    dip[1400] = 50;
    assert.deepEqual(
      detectAnomalies(dip).episodes.map((e) => [e.kind, e.direction]),
      [['dip', 'down']],
    );

    const shift = noise(2000);
    for (let i = 1500; i < 2000; i += 1) shift[i] = (shift[i] as number) + 20;
    const shifted = detectAnomalies(shift).episodes;
    assert.equal(shifted[0]?.kind, 'level_shift');
    assert.equal(shifted[0]?.start, 1500);

    const ramp = noise(2000);
    for (let i = 1500; i < 2000; i += 1) ramp[i] = (ramp[i] as number) + (i - 1500) * 0.5;
    const ramped = detectAnomalies(ramp).episodes;
    assert.equal(ramped[0]?.kind, 'trend_change');
    assert.equal(ramped[0]?.direction, 'up');
  });

  it('calls a flatline a variance change', () => {
    const values = noise(3000, 5, 100, 2);
    for (let i = 2000; i < 2300; i += 1) values[i] = 100;
    const kinds = detectAnomalies(values).episodes.map((e) => e.kind);
    assert.ok(kinds.includes('variance_change'), kinds.join());
  });

  it('finds nothing in plain noise above the default threshold after warm-up', () => {
    // Noise of fixed width: once the warm-up has seen the range, new extremes are rare and tiny.
    const values = noise(5000, 9);
    const { episodes } = detectAnomalies(values, { warmUp: 750 });
    assert.ok(episodes.length <= 2, `${episodes.length} episodes`);
  });
});

describe('detectSeries', () => {
  const MINUTE = 60_000;

  it('scores a counter as a rate on an even grid despite jitter and a reset', () => {
    const n = 600;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let total = 0;
    const increments = noise(n, 3, 12, 8);
    for (let i = 0; i < n; i += 1) {
      timestamps[i] = 1_700_000_000_000 + i * MINUTE + (i % 4 === 1 ? 1000 : 0); // scrape jitter
      total += i === 500 ? 600 : (increments[i] as number); // a burst of 600 in one minute
      if (i === 300) total = 12; // the process restarted: the counter starts again from zero
      values[i] = total;
    }
    const result = detectSeries({ timestamps, values }, { counter: true });
    assert.equal(result.stepMs, MINUTE);
    assert.equal(result.episodes.length, 1, JSON.stringify(result.episodes));
    const [burst] = result.episodes;
    assert.equal(burst?.kind, 'spike');
    assert.ok(Math.abs((burst?.startMs ?? 0) - (timestamps[500] as number)) <= MINUTE, 'at the burst');
  });

  it('keeps gaps as gaps', () => {
    const timestamps = Float64Array.from({ length: 400 }, (_, i) => i * MINUTE + (i >= 200 ? 60 * MINUTE : 0));
    const values = noise(400);
    const result = detectSeries({ timestamps, values });
    assert.equal(result.timestamps.length, 460);
    assert.ok(Number.isNaN(result.values[230] as number));
    assert.equal(result.scores[230], 0);
  });
});
