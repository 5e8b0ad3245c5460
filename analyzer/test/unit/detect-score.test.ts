import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingExtremes } from '../../src/detect/extremes.ts';
import { anomalyScores, StreamingScorer } from '../../src/detect/score.ts';
import { noise } from './synthetic.ts';

function argmax(values: Float64Array, from = 0, to = values.length): number {
  let best = from;
  for (let i = from; i < to; i += 1) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

describe('SlidingExtremes', () => {
  it('matches a brute-force window minimum and maximum for every capacity', () => {
    const values = noise(3000, 11, 0, 100).map(Math.round);
    for (const capacity of [1, 2, 3, 17, 500]) {
      const extremes = new SlidingExtremes(capacity);
      for (let i = 0; i < values.length; i += 1) {
        extremes.push(values[i] as number);
        const window = values.subarray(Math.max(0, i - capacity + 1), i + 1);
        assert.equal(extremes.max, Math.max(...window), `max at ${i}, capacity ${capacity}`);
        assert.equal(extremes.min, Math.min(...window), `min at ${i}, capacity ${capacity}`);
      }
      assert.equal(extremes.size, Math.min(values.length, capacity));
    }
  });

  it('is empty before the first push and rejects a bad capacity', () => {
    const extremes = new SlidingExtremes(4);
    assert.equal(extremes.max, Number.NEGATIVE_INFINITY);
    assert.equal(extremes.min, Number.POSITIVE_INFINITY);
    assert.throws(() => new SlidingExtremes(0), /positive integer/);
  });
});

describe('anomalyScores', () => {
  it('scores a spike beyond anything seen in the top tier, once', () => {
    const values = noise(2000);
    values[1500] = 160;
    const scores = anomalyScores(values);
    assert.equal(argmax(scores), 1500);
    assert.ok((scores[1500] as number) >= 2 / 3, `top tier, got ${scores[1500]}`);
    assert.equal(scores[1501], 0, 'the same event is not reported twice');
  });

  it('reports a dip as well as a spike', () => {
    const values = noise(2000);
    values[1200] = 40;
    const scores = anomalyScores(values);
    assert.equal(argmax(scores), 1200);
  });

  it('scores a level shift inside the old range through the level view', () => {
    // Noise of width 40 around 100, then the level moves by 15: no single value is new, the level is.
    const values = noise(3000, 3, 100, 40);
    for (let i = 2000; i < 3000; i += 1) values[i] = (values[i] as number) + 15;
    const scores = anomalyScores(values);
    const peak = argmax(scores, 1000);
    assert.ok(peak >= 2000 && peak < 2100, `peak at ${peak}`);
  });

  it('scores a seasonal series that skips its cycle through the season view', () => {
    const period = 48;
    const values = Float64Array.from({ length: 48 * 40 }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / period));
    // A flat day at the mean: every value is ordinary, the shape is not.
    for (let i = 48 * 30; i < 48 * 31; i += 1) values[i] = 50;
    const withSeason = new StreamingScorer({
      warmUp: 300,
      memory: 1500,
      window: 12,
      suppress: 100,
      seasonPeriod: period,
      seasonSmoothing: 12,
    });
    let strongest = 0;
    let view = -1;
    for (let i = 0; i < values.length; i += 1) {
      withSeason.push(values[i] as number);
      if (i >= 48 * 30 && i < 48 * 31 && withSeason.state.surprise > strongest) {
        strongest = withSeason.state.surprise;
        view = withSeason.state.view;
      }
    }
    assert.ok(strongest > 0, 'the broken day is scored');
    assert.ok([2, 3].includes(view), `variance or season view, got ${view}`);
  });

  it('stays in [0, 1] with a silent warm-up, constant stretches and gaps', () => {
    const values = new Float64Array(1000).fill(5);
    values[400] = Number.NaN;
    values[800] = 6;
    const scores = anomalyScores(values);
    assert.ok(scores.every((score) => score >= 0 && score <= 1 && !Number.isNaN(score)));
    assert.ok(
      scores.subarray(0, 150).every((score) => score === 0),
      'no scores during warm-up',
    );
    assert.ok((scores[800] as number) >= 2 / 3, 'a change after a constant stretch is a surprise');
    assert.equal(scores[400], 0, 'a gap is not scored');
  });

  it('is silent on a series that only repeats what it did in its warm-up', () => {
    const period = 100;
    const values = Float64Array.from({ length: 3000 }, (_, i) => Math.sin((2 * Math.PI * i) / period));
    assert.ok(anomalyScores(values, { warmUp: 450 }).every((score) => score === 0));
  });

  it('returns an empty array for an empty series and rejects bad options', () => {
    assert.equal(anomalyScores(new Float64Array(0)).length, 0);
    assert.throws(() => anomalyScores(new Float64Array(5), { window: 1 }), /window/);
    assert.throws(() => anomalyScores(new Float64Array(5), { memory: 1.5 }), /memory/);
  });
});
