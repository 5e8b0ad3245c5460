import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placementOf, quantile, summarize } from '../../bench/faults/score.ts';

const REDIS = 'redis:127.0.0.1:16379';
const PG = 'postgresql:127.0.0.1:15432';

describe('placementOf', () => {
  const hypotheses = [
    { node: REDIS, faultClass: 'load-surge' as const, confidence: 0.8 },
    { node: PG, faultClass: 'long-transaction' as const, confidence: 0.7 },
    { node: PG, confidence: 0.65 },
  ];

  it('ranks the first hypothesis with both the node and the fault class, and the node alone', () => {
    assert.deepEqual(placementOf(hypotheses, { node: PG, faultClass: 'long-transaction' }), { rank: 2, nodeRank: 2 });
    assert.deepEqual(placementOf(hypotheses, { node: REDIS, faultClass: 'memory-pressure' }), {
      rank: null,
      nodeRank: 1,
    });
  });

  it('counts any of several expected classes, and nothing for an absent node or a missing class', () => {
    assert.equal(placementOf(hypotheses, { node: PG, faultClass: ['lock-contention', 'long-transaction'] }).rank, 2);
    assert.deepEqual(placementOf(hypotheses, { node: 'kafka:127.0.0.1:19092', faultClass: 'consumer-lag' }), {
      rank: null,
      nodeRank: null,
    });
    assert.equal(placementOf([{ node: PG, confidence: 0.9 }], { node: PG, faultClass: 'lock-contention' }).rank, null);
  });
});

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20 … 1
    assert.equal(quantile(values, 0.95), 19);
    assert.equal(quantile(values, 1), 20);
    assert.equal(quantile([7], 0.95), 7);
    assert.ok(Number.isNaN(quantile([], 0.95)));
  });
});

describe('summarize', () => {
  it('shares hits over every scenario, a scenario that could not run counting as a miss', () => {
    const summary = summarize(
      [{ rank: 1, nodeRank: 1 }, { rank: 3, nodeRank: 1 }, { rank: null, nodeRank: 2 }, null],
      [100, 300, 200, 900],
    );
    assert.deepEqual(summary, { scenarios: 4, top1: 0.25, top3: 0.5, explain_p95_ms: 900 });
  });
});
