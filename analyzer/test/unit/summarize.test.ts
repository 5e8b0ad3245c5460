import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SignalSpec } from '@kubestack/plugin-sdk';
import { stepFor, summarizeLogs, summarizeSeries } from '../../src/diagnose/summarize.ts';

const spec: SignalSpec = {
  id: 'mem',
  name: 'Memory',
  query: 'm{instance="{{instance}}"}',
  unit: 'bytes',
  badDirection: 'up',
  description: 'memory',
};

describe('summarizeSeries', () => {
  it('computes statistics over finite points, skipping gaps', () => {
    const summary = summarizeSeries(spec, Float64Array.from([Number.NaN, 4, 2, Number.NaN, 8, 6]), 10);
    assert.deepEqual(summary, {
      id: 'mem',
      name: 'Memory',
      unit: 'bytes',
      badDirection: 'up',
      first: 4,
      last: 6,
      min: 2,
      max: 8,
      mean: 5,
      points: 4,
      limit: 10,
    });
  });

  it('returns nothing for a series without data and ignores a useless limit', () => {
    assert.equal(summarizeSeries(spec, Float64Array.from([Number.NaN])), undefined);
    assert.equal(summarizeSeries(spec, Float64Array.from([1]), 0)?.limit, undefined);
  });
});

describe('summarizeLogs', () => {
  it('counts notable patterns case-insensitively and keeps a few samples', () => {
    const lines = Array.from({ length: 5 }, (_, i) => ({
      timestamp: `2026-01-01T00:00:0${i}Z`,
      level: 'error',
      message: i % 2 === 0 ? 'OOM command not allowed when used memory > maxmemory' : 'accepted connection',
    }));
    const summary = summarizeLogs(
      [{ id: 'oom', pattern: 'oom command not allowed', meaning: 'writes fail' }],
      { error: 5, info: 7 },
      lines,
    );
    assert.equal(summary.available, true);
    assert.equal(summary.total, 12);
    assert.equal(summary.scanned, 5, 'pattern counts cover the lines scanned, not the whole window');
    assert.equal(summary.notable.oom?.count, 3);
    assert.equal(summary.notable.oom?.sample.length, 3);
  });
});

describe('stepFor', () => {
  it('aims at about 240 points and never goes below the 5 s scrape', () => {
    assert.equal(stepFor(new Date(0), new Date(3600_000)), 15);
    assert.equal(stepFor(new Date(0), new Date(60_000)), 5);
  });
});
