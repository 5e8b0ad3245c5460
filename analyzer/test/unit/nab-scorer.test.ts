/**
 * The NAB scorer port is faithful: the published detectors' raw outputs, scored with the stored
 * thresholds, reproduce NAB's scoreboard and every per-file score of its tables.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NAB_DIR, PROFILES, readThresholds } from '../../bench/nab/corpus.ts';
import { scoreResults } from '../../bench/nab/score-results.ts';
import { normalize, probationaryLength, scoreAtThreshold, sweep } from '../../bench/nab/scorer.ts';

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

describe('NAB scorer on synthetic rows', () => {
  // 100 rows, one a minute; probation is the first 15; one window over rows 40..49.
  const timestamps = Float64Array.from({ length: 100 }, (_, i) => i * 60_000);
  const windows = [[40 * 60_000, 49 * 60_000]] as const;
  const scores = (...detections: number[]) => {
    const values = new Float64Array(100);
    for (const row of detections) values[row] = 1;
    return values;
  };
  const score = (...detections: number[]) =>
    scoreAtThreshold(sweep(timestamps, windows, STANDARD), scores(...detections), 0.5, STANDARD).score;

  it('uses min(floor(0.15·n), 750) probationary rows', () => {
    assert.equal(probationaryLength(100), 15);
    assert.equal(probationaryLength(10_000), 750);
  });

  it('charges a missed window fnWeight, and nothing for quiet rows', () => {
    assert.equal(score(), -1);
  });

  it('gives a detection on the first row of a window the full tpWeight, and only the earliest counts', () => {
    assert.ok(Math.abs(score(40) - 1) < 1e-12);
    assert.ok(Math.abs(score(40, 45, 49) - 1) < 1e-12);
    assert.ok(score(49) < score(45) && score(45) < score(40));
  });

  it('charges a false positive before any window the full fpWeight, and less far past a window', () => {
    assert.ok(Math.abs(score(20) - (-1 - 0.11)) < 1e-12);
    const justAfter = score(50) + 1;
    const farAfter = score(99) + 1;
    assert.ok(justAfter < 0 && justAfter > -0.11 && farAfter <= justAfter);
  });

  it('ignores detections in the probationary period', () => {
    assert.equal(score(3), -1);
  });

  it('normalises the null detector to 0 and the perfect one to 100', () => {
    assert.equal(normalize(-2, 2, STANDARD), 0);
    assert.equal(normalize(2, 2, STANDARD), 100);
  });
});

describe('NAB scorer fidelity on the published detectors', () => {
  const expected: Record<string, [number, number, number]> = {
    numenta: [70.1, 63.12, 74.32],
    windowedGaussian: [39.65, 20.87, 47.41],
  };
  for (const [detector, published] of Object.entries(expected)) {
    it(`reproduces ${detector}: ${published.join(' / ')}, and every per-file score`, () => {
      const results = scoreResults(join(NAB_DIR, 'reference-scores'), detector, readThresholds(detector));
      PROFILES.forEach((profile, i) => {
        assert.equal(Number(results[profile].normalized.toFixed(2)), published[i], `${detector} ${profile}`);
        const table = readFileSync(
          join(NAB_DIR, 'reference-scores', detector, `${detector}_${profile}_scores.csv`),
          'utf8',
        );
        for (const line of table.trim().split('\n').slice(1)) {
          const [, , file, , score] = line.split(',');
          if (file === '' || file === undefined) continue;
          assert.ok(
            Math.abs((results[profile].perFile[file] ?? Number.NaN) - Number(score)) < 1e-6,
            `${profile} ${file}`,
          );
        }
      });
    });
  }
});
