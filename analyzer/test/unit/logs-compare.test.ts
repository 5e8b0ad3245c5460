import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASELINE,
  binomialUpperTail,
  CURRENT,
  compareWindows,
  levelFamily,
  type Span,
  TemplateMiner,
  type WindowIndex,
} from '../../src/logs/index.ts';
import { seededRandom } from './synthetic.ts';

const MINUTE = 60_000;
const NOW = Date.parse('2026-03-02T12:00:00Z');
/** A 6 h baseline right before a 1 h current window. */
const CURRENT_SPAN: Span = { from: NOW - 60 * MINUTE, to: NOW };
const BASELINE_SPAN: Span = { from: NOW - 420 * MINUTE, to: NOW - 60 * MINUTE };
const SPANS = { baseline: BASELINE_SPAN, current: CURRENT_SPAN };

interface Source {
  message: (next: () => number) => string;
  level: string;
  /** Lines per minute in each window. */
  baselineRate: number;
  currentRate: number;
  /** Minutes into the current window before which the current rate is still the baseline rate. */
  changeAt?: number;
}

/** Poisson arrivals of each source over both windows, second by second, fed in time order. */
function simulate(sources: Source[], seed = 1): TemplateMiner {
  const next = seededRandom(seed);
  const miner = new TemplateMiner({ current: CURRENT_SPAN, buckets: 60 });
  for (const [index, span] of [BASELINE_SPAN, CURRENT_SPAN].entries()) {
    const window = (index === 0 ? BASELINE : CURRENT) as WindowIndex;
    for (let t = span.from; t < span.to; t += 1000) {
      for (const source of sources) {
        const changed = window === CURRENT && t - span.from >= (source.changeAt ?? 0) * MINUTE;
        const rate = changed ? source.currentRate : source.baselineRate;
        for (let n = poisson(next, rate / 60); n > 0; n -= 1) {
          miner.add(window, { timestamp: t, level: source.level, message: source.message(next) });
        }
      }
    }
  }
  return miner;
}

const int = (next: () => number, below: number) => Math.floor(next() * below);

/** A Poisson draw by inversion (Knuth): fine for the small means of one second. */
function poisson(next: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = next(); product > limit; product *= next()) count += 1;
  return count;
}

/** Steady PostgreSQL, Redis and MariaDB lines. */
const STEADY: Source[] = [
  {
    message: (next) =>
      `2026-03-02 10:00:01.101 UTC [${int(next, 9e4)}] LOG:  connection received: host=10.1.2.${int(next, 250)} port=${int(next, 6e4)}`,
    level: 'info',
    baselineRate: 20,
    currentRate: 20,
  },
  {
    message: (next) =>
      `${int(next, 9e4)}:M 02 Mar 2026 10:00:04.052 * Background saving started by pid ${int(next, 9e4)}`,
    level: 'notice',
    baselineRate: 1,
    currentRate: 1,
  },
  {
    message: (next) =>
      `2026-03-02 10:00:03 ${int(next, 9e3)} [Warning] Aborted connection ${int(next, 9e3)} to db: 'shop' user: 'app' host: '10.0.0.${int(next, 250)}' (Got timeout reading communication packets)`,
    level: 'warning',
    baselineRate: 0.5,
    currentRate: 0.5,
  },
  {
    message: (next) => `2026-03-02 10:00:02.001 UTC [${int(next, 9e4)}] ERROR:  deadlock detected`,
    level: 'ERROR',
    baselineRate: 0.2,
    currentRate: 0.2,
  },
  // A rare line: about once an hour.
  {
    message: () => '2026-03-02 10:00:02.001 UTC [42] LOG:  checkpoint starting: time',
    level: 'info',
    baselineRate: 1 / 60,
    currentRate: 1 / 60,
  },
];

const TOO_MANY_CLIENTS: Source = {
  message: (next) =>
    `2026-03-02 11:40:00.${int(next, 999)} UTC [${int(next, 9e4)}] FATAL:  sorry, too many clients already`,
  level: 'FATAL',
  baselineRate: 0,
  currentRate: 6,
  changeAt: 40,
};

describe('levels', () => {
  it('folds the levels of every shipper into families', () => {
    for (const level of ['ERROR', 'err', 'FATAL', 'PANIC', 'CRITICAL', 'crit', 'alert', 'emerg', 'E', '3', '<2>']) {
      assert.equal(levelFamily(level), 'error', level);
    }
    for (const level of ['WARN', 'WARNING', '[Warning]', 'w', '4']) assert.equal(levelFamily(level), 'warn', level);
    for (const level of ['info', 'Note', 'notice', 'LOG', '6']) assert.equal(levelFamily(level), 'info', level);
    for (const level of ['debug', 'DEBUG2', 'trace', '7']) assert.equal(levelFamily(level), 'debug', level);
    for (const level of ['', 'unknown', 'loud', undefined]) assert.equal(levelFamily(level), 'unknown', String(level));
  });
});

describe('binomialUpperTail', () => {
  const exact = (k: number, n: number, p: number) => {
    let sum = 0;
    for (let i = k; i <= n; i += 1) {
      let choose = 1;
      for (let j = 0; j < i; j += 1) choose = (choose * (n - j)) / (j + 1);
      sum += choose * p ** i * (1 - p) ** (n - i);
    }
    return sum;
  };

  it('matches the exact sum on small cases, on both sides of the mean', () => {
    for (const [k, n, p] of [
      [0, 10, 0.3],
      [1, 10, 0.3],
      [3, 10, 0.3],
      [7, 10, 0.3],
      [10, 10, 0.3],
      [11, 10, 0.3],
      [5, 40, 0.5],
      [30, 40, 0.5],
      [2, 25, 1 / 7],
    ] as const) {
      const expected = exact(k, n, p);
      assert.ok(Math.abs(binomialUpperTail(k, n, p) - expected) <= 1e-12 + 1e-9 * expected, `${k} ${n} ${p}`);
    }
  });

  it('stays exact far in the tail', () => {
    // P(X ≥ 60 | n = 60, p = 0.5) = 2^-60; 3 of 3 lines in half the time: 1 in 8.
    assert.ok(Math.abs(binomialUpperTail(60, 60, 0.5) / 2 ** -60 - 1) < 1e-9);
    assert.ok(Math.abs(binomialUpperTail(3, 3, 0.5) - 0.125) < 1e-12);
    const tiny = binomialUpperTail(5000, 6000, 0.2);
    assert.ok(tiny >= 0 && tiny < 1e-300);
  });
});

describe('compareWindows', () => {
  it('finds nothing in steady logs, including a rare line', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const miner = simulate(STEADY, seed);
      const result = compareWindows(miner, SPANS);
      assert.deepEqual(result.newPatterns, [], `seed ${seed}`);
      assert.deepEqual(result.surgingPatterns, [], `seed ${seed}`);
      assert.equal(result.errorSurge, null, `seed ${seed}`);
    }
  });

  it('ignores a few stray lines of a new pattern', () => {
    const stray: Source = { ...TOO_MANY_CLIENTS, currentRate: 2 / 20 }; // about 2 lines in 20 minutes
    const miner = simulate([...STEADY, stray], 7);
    const result = compareWindows(miner, SPANS);
    assert.ok((miner.levels[CURRENT][0] ?? 0) > 0);
    assert.ok(result.newPatterns.every((change) => change.currentCount >= 3));
    assert.equal(result.errorSurge, null);
  });

  it('reports a new error pattern with its onset, counts, levels and samples, and the error surge it causes', () => {
    const miner = simulate([...STEADY, TOO_MANY_CLIENTS]);
    const result = compareWindows(miner, SPANS);
    assert.equal(result.newPatterns.length, 1);
    const [change] = result.newPatterns;
    assert.ok(change);
    assert.equal(change.template, '<*> [<*>] FATAL: sorry, too many clients already');
    assert.equal(change.baselineCount, 0);
    assert.ok(change.currentCount > 80 && change.currentCount < 160, `${change.currentCount}`);
    assert.ok(Math.abs(change.currentRatePerMinute - change.currentCount / 60) < 1e-9);
    assert.ok(change.onset >= CURRENT_SPAN.from + 40 * MINUTE && change.onset < CURRENT_SPAN.from + 41 * MINUTE);
    assert.equal(change.onset, change.firstSeen);
    assert.deepEqual(change.levels, { error: change.currentCount });
    assert.equal(change.samples.length, 3);
    assert.match(change.samples[0]?.message ?? '', /too many clients/);
    assert.ok(change.strength > 0.9 && change.strength <= 1, `${change.strength}`);
    assert.deepEqual(result.surgingPatterns, []);

    const surge = result.errorSurge;
    assert.ok(surge);
    assert.ok(surge.currentCount > surge.baselineCount / 6);
    assert.ok(surge.ratio > 3);
    assert.equal(surge.patterns[0]?.template, change.template);
    assert.equal(surge.id, change.id);
    assert.equal(surge.template, change.template);
    assert.ok(surge.onset >= CURRENT_SPAN.from + 39 * MINUTE && surge.onset <= CURRENT_SPAN.from + 41 * MINUTE);
    assert.ok(surge.samples.every((line) => levelFamily(line.level) === 'error'));
    assert.ok(surge.strength > 0.5 && surge.strength <= 1);
  });

  it('reports a surging pattern with the start of its rise, and ranks a larger surge first', () => {
    const [connections, saving] = STEADY;
    assert.ok(connections && saving);
    const miner = simulate(
      [
        { ...connections, currentRate: 200, changeAt: 30 },
        { ...saving, currentRate: 15, changeAt: 45 },
        ...STEADY.slice(2),
      ],
      11,
    );
    const result = compareWindows(miner, SPANS);
    assert.deepEqual(
      result.surgingPatterns.map((change) => change.template),
      ['<*> [<*>] LOG: connection received: host=<*> port=<*>', '<*>:M <*> * Background saving started by pid <*>'],
    );
    const [big, small] = result.surgingPatterns;
    assert.ok(big && small);
    assert.ok(big.ratio > 5 && big.baselineCount > 0);
    assert.ok(big.onset >= CURRENT_SPAN.from + 29 * MINUTE && big.onset <= CURRENT_SPAN.from + 31 * MINUTE);
    assert.ok(small.onset >= CURRENT_SPAN.from + 43 * MINUTE && small.onset <= CURRENT_SPAN.from + 47 * MINUTE);
    assert.ok(big.pValue < 1e-10);
    assert.ok(big.strength > small.strength);
    // Info lines surging: no error surge, and a lower weight than errors would get.
    assert.equal(result.errorSurge, null);
    assert.ok(big.strength <= 0.5);
    assert.deepEqual(result.newPatterns, []);
  });

  it('does not call a pattern new when its baseline lines were evicted', () => {
    const miner = new TemplateMiner({ maxClusters: 2 });
    const add = (window: WindowIndex, timestamp: number, message: string) =>
      miner.add(window, { timestamp, level: 'error', message });
    add(BASELINE, BASELINE_SPAN.from, 'replication lag too high on replica 3');
    add(BASELINE, BASELINE_SPAN.from + 1, 'vacuum finished for table orders');
    add(BASELINE, BASELINE_SPAN.from + 2, 'checkpoint complete');
    for (let i = 0; i < 20; i += 1)
      add(CURRENT, CURRENT_SPAN.from + i * MINUTE, `replication lag too high on replica ${i}`);
    assert.equal(miner.evicted, 2); // the replication lag's baseline cluster, then the vacuum's
    assert.deepEqual(compareWindows(miner, SPANS).newPatterns, []);
  });

  it('needs enough lines for a surge: 1 → 4 lines is not one', () => {
    const miner = new TemplateMiner();
    const add = (window: WindowIndex, timestamp: number) =>
      miner.add(window, { timestamp, level: 'error', message: 'replication lag too high' });
    add(BASELINE, BASELINE_SPAN.from + MINUTE);
    for (let i = 0; i < 4; i += 1) add(CURRENT, CURRENT_SPAN.from + i * MINUTE);
    const result = compareWindows(miner, SPANS);
    assert.deepEqual(result.surgingPatterns, []);
    assert.equal(result.errorSurge, null);
  });

  it('rates over the part of a window that was read, and gives up on empty spans', () => {
    const miner = new TemplateMiner();
    for (let i = 0; i < 30; i += 1) {
      miner.add(BASELINE, { timestamp: BASELINE_SPAN.from + i * MINUTE, level: 'info', message: 'tick' });
      miner.add(CURRENT, { timestamp: CURRENT_SPAN.from + i * MINUTE, level: 'info', message: 'tick' });
    }
    // The current read was truncated after 30 minutes: same rate as a 6 h baseline holding as many lines?
    const truncated = compareWindows(miner, {
      baseline: BASELINE_SPAN,
      current: { from: CURRENT_SPAN.from, to: CURRENT_SPAN.from + 30 * MINUTE },
    });
    assert.equal(truncated.surgingPatterns[0]?.currentRatePerMinute, 1);
    assert.equal(truncated.surgingPatterns[0]?.baselineRatePerMinute, 30 / 360);
    const empty = compareWindows(miner, { baseline: BASELINE_SPAN, current: { from: NOW, to: NOW } });
    assert.deepEqual(empty, { newPatterns: [], surgingPatterns: [], errorSurge: null });
  });
});
