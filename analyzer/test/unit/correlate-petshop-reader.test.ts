/** The PetShop reader on the real files of one issue (../shared/data/petshop, read in place). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { columnKey, readGraph, readMetrics, readTarget } from '../../bench/petshop/dataset.ts';
import { bucketOf, caseInput, issueCase } from '../../bench/petshop/evaluate.ts';

const SCENARIO = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'petshop',
  'dataset',
  'low_traffic',
);
const ISSUE = join(SCENARIO, 'train', 'issue_0');

describe('PetShop reader', () => {
  const metrics = readMetrics(join(ISSUE, 'metrics.csv'));
  const target = readTarget(join(ISSUE, 'target.json'));

  it('reads the three header rows and the 5-minute rows of an issue', () => {
    assert.equal(metrics.times.length, 5);
    assert.equal(metrics.times[0], 1_681_855_320_000);
    assert.equal((metrics.times[1] as number) - (metrics.times[0] as number), 300_000);
    const byKey = new Map(
      metrics.columns.map((column) => [columnKey(column.node, column.metric, column.statistic), column]),
    );
    const site = byKey.get(columnKey('PetSite', 'latency', 'Average'));
    assert.ok(site);
    assert.equal(site.values[0], 0.0912040794227871);
    assert.ok(byKey.has(columnKey('PetSearch_AWS::ECS::Fargate', 'requests', 'Sum')));
    assert.ok(byKey.has(columnKey('PetSearch_AWS::ECS::Fargate', 'availability', 'Average')));
    // An empty cell is a gap.
    assert.ok(Number.isNaN(byKey.get(columnKey('169.254.170.2_remote', 'latency', 'Average'))?.values[0]));
  });

  it('reads the target and the true root cause', () => {
    assert.deepEqual(target.target, { node: 'PetSite', metric: 'latency', agg: 'Average', timestamp: 1_681_855_803 });
    assert.equal(target.root_cause.node, 'PetSearch_AWS::ECS::Fargate');
  });

  it('reads the call graph with callers depending on callees', () => {
    const edges = readGraph(join(SCENARIO, 'graph.csv'));
    assert.ok(edges.some((edge) => edge.from === 'PetSite' && edge.to === 'PetSearch_AWS::ECS::Fargate'));
    assert.ok(!edges.some((edge) => edge.from === 'PetSearch_AWS::ECS::Fargate' && edge.to === 'PetSite'));
  });

  it('starts the window at the bucket holding the alert, with the rows before it as baseline', () => {
    assert.equal(bucketOf(metrics.times, 1_681_855_803_000), 1);
    const input = caseInput(
      issueCase({ split: 'train', name: 'issue_0', metrics, target }),
      [],
      new Map([[columnKey('PetSite', 'latency', 'Average'), 0.004]]),
      {},
    );
    assert.deepEqual(input.window, { startMs: 1_681_855_620_000, endMs: 1_681_856_520_000 });
    assert.equal(input.target.badDirection, 'up');
    assert.deepEqual(input.target.baseline, { scale: 0.004 });
    assert.ok(input.candidates.every((candidate) => candidate.signal !== 'requests:Sum'));
  });
});
