import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anomalyScores } from '../../src/detect/score.ts';

/** A deterministic noisy series (a linear congruential generator), so the test never flakes. */
function noise(n: number, seed = 7): Float64Array {
  let state = seed;
  return Float64Array.from({ length: n }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return 100 + (state / 2 ** 31 - 0.5) * 4;
  });
}

describe('anomalyScores', () => {
  it('scores a spike in a noisy series highest, once', () => {
    const values = noise(2000);
    values[1500] = 160;
    const scores = anomalyScores(values);
    let top = 0;
    for (let i = 1; i < scores.length; i += 1) if ((scores[i] as number) > (scores[top] as number)) top = i;
    assert.equal(top, 1500);
    assert.ok((scores[1500] as number) > 0.8);
    assert.ok((scores[1501] as number) < (scores[1500] as number) * 0.5, 'the same event is not reported twice');
  });

  it('scores a level shift when it happens', () => {
    const values = noise(3000);
    for (let i = 2000; i < 3000; i += 1) values[i] = (values[i] as number) + 30;
    const scores = anomalyScores(values);
    const window = Array.from(scores.subarray(1995, 2010));
    assert.ok(Math.max(...window) > 0.8);
  });

  it('stays in [0, 1] with a silent warm-up, constant stretches and gaps', () => {
    const values = new Float64Array(1000).fill(5);
    values[400] = Number.NaN;
    values[800] = 6;
    const scores = anomalyScores(values);
    assert.ok(scores.every((score) => score >= 0 && score <= 1 && !Number.isNaN(score)));
    assert.ok(
      scores.subarray(0, 100).every((score) => score === 0),
      'no scores during warm-up',
    );
    assert.ok((scores[800] as number) > 0.5, 'a change after a constant stretch is a surprise');
  });

  it('returns an empty array for an empty series', () => {
    assert.equal(anomalyScores(new Float64Array(0)).length, 0);
  });
});
