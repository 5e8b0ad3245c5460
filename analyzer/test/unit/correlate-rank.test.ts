/**
 * The root-cause ranking on synthetic arrays: who moves first and with the target wins, topology and
 * rules break ties, a dependency that went wrong the same way takes the blame from its dependents, and
 * nothing normal is blamed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CandidateSignal,
  type CorrelateInput,
  type CorrelationTarget,
  correlate,
  type Topology,
} from '../../src/correlate/index.ts';
import { noise } from './synthetic.ts';

const MINUTE = 60_000;
/** 60 baseline minutes, then a 30-minute window. */
const POINTS = 90;
const WINDOW = { startMs: 60 * MINUTE, endMs: (POINTS - 1) * MINUTE };
const times = Float64Array.from({ length: POINTS }, (_, i) => i * MINUTE);

/** Noise around `level` with a ramp of `height` starting at minute `onset`, reaching full height 5 minutes later. */
function incident(seed: number, level: number, width: number, onset: number, height: number): Float64Array {
  const values = noise(POINTS, seed, level, width);
  for (let i = onset; i < POINTS; i += 1) values[i] = (values[i] as number) + height * Math.min(1, (i - onset + 1) / 5);
  return values;
}

function quiet(seed: number, level = 100, width = 4): Float64Array {
  return noise(POINTS, seed, level, width);
}

function target(values: Float64Array, node = 'app'): CorrelationTarget {
  return { id: 'target', node, times, values, badDirection: 'up' };
}

function candidate(node: string, signal: string, values: Float64Array): CandidateSignal {
  return { evidenceId: `anomaly:${node}:${signal}`, node, signal, times, values, badDirection: 'up' };
}

function run(input: Omit<CorrelateInput, 'window'>) {
  return correlate({ ...input, window: WINDOW });
}

const dependsOn = (...edges: Array<[string, string]>): Topology => ({
  dependencies: edges.map(([from, to]) => ({ from, to })),
});

describe('correlate', () => {
  it('ranks a cause that moves first and with the target above a bigger but later bystander', () => {
    const result = run({
      target: target(incident(1, 100, 4, 66, 40)),
      candidates: [
        candidate('db', 'latency', incident(2, 10, 1, 64, 15)),
        // Ten times the excursion, but it starts 12 minutes after the target: an effect, not the cause.
        candidate('cache', 'latency', incident(3, 10, 1, 78, 150)),
      ],
      topology: dependsOn(['app', 'db'], ['app', 'cache']),
      options: { minConfidence: 0 },
    });
    assert.equal(result.target.anomalous, true);
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['db', 'cache'],
    );
    const [db, cache] = result.hypotheses;
    assert.equal(db?.scores.onset, 1, 'db went wrong before the target');
    assert.ok(cache && cache.scores.anomaly > (db?.scores.anomaly ?? 1), 'the bystander is the bigger anomaly');
    assert.ok(cache.scores.onset < 0.5 && cache.scores.comovement < (db?.scores.comovement ?? 0));
  });

  it('ranks a co-moving cause above a bigger anomaly whose changes do not follow the target', () => {
    const jagged = quiet(4, 10, 1);
    // Large swings back and forth all through the window, unrelated to the target's one rise.
    for (let i = 60; i < POINTS; i += 1) jagged[i] = (jagged[i] as number) + (i % 2 === 0 ? 80 : 0);
    const result = run({
      target: target(incident(5, 100, 4, 66, 40)),
      candidates: [candidate('db', 'latency', incident(6, 10, 1, 65, 15)), candidate('queue', 'depth', jagged)],
      topology: dependsOn(['app', 'db'], ['app', 'queue']),
      options: { minConfidence: 0 },
    });
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['db', 'queue'],
    );
    const [db, queue] = result.hypotheses;
    assert.ok(db && db.scores.comovement > 0.5, `${db?.scores.comovement}`);
    assert.ok(queue && queue.scores.anomaly > db.scores.anomaly && queue.scores.comovement < 0.3);
  });

  it('breaks a tie by topology: a dependency of the target beats an unrelated instance', () => {
    const same = incident(7, 10, 1, 65, 15);
    const result = run({
      target: target(incident(8, 100, 4, 66, 40)),
      candidates: [candidate('another', 'latency', same), candidate('db', 'latency', same)],
      topology: dependsOn(['app', 'db']),
      options: { minConfidence: 0 },
    });
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['db', 'another'],
    );
    assert.ok((result.hypotheses[0]?.scores.topology ?? 0) > (result.hypotheses[1]?.scores.topology ?? 1));
  });

  it('prefers an instance on the same host as a dependency over an unrelated one', () => {
    const same = incident(9, 10, 1, 65, 15);
    const result = run({
      target: target(incident(10, 100, 4, 66, 40)),
      candidates: [candidate('far', 'latency', same), candidate('neighbour', 'latency', same)],
      topology: { ...dependsOn(['app', 'db']), relations: [{ a: 'db', b: 'neighbour', kind: 'same-host' }] },
      options: { minConfidence: 0 },
    });
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['neighbour', 'far'],
    );
  });

  it('lifts a node with a rule finding or a log surge, and reports a strong rule on its own', () => {
    const same = incident(11, 10, 1, 65, 15);
    const result = run({
      target: target(incident(12, 100, 4, 66, 40)),
      candidates: [candidate('db1', 'latency', same), candidate('db2', 'latency', same)],
      extraEvidence: [
        {
          id: 'rule:db2:locks',
          node: 'db2',
          kind: 'rule',
          strength: 0.65,
          ruleId: 'locks',
          faultClass: 'lock-contention',
        },
        {
          id: 'rule:db3:disk',
          node: 'db3',
          kind: 'rule',
          strength: 0.9,
          ruleId: 'disk-full',
          faultClass: 'disk-pressure',
        },
      ],
      topology: dependsOn(['app', 'db1'], ['app', 'db2'], ['app', 'db3']),
    });
    const [first] = result.hypotheses;
    const db1 = result.hypotheses.find((h) => h.node === 'db1');
    assert.equal(first?.node, 'db2');
    assert.equal(first?.rule, 'locks');
    assert.equal(first?.faultClass, 'lock-contention');
    assert.ok(db1 && (first?.confidence ?? 0) > db1.confidence);
    assert.ok((first?.scores.evidence ?? 0) > 0 && db1.scores.evidence === 0);
    const ruleOnly = result.hypotheses.find((h) => h.node === 'db3');
    assert.ok(ruleOnly, 'a critical finding on a dependency is a hypothesis by itself');
    assert.equal(ruleOnly.signal, undefined);
    assert.equal(ruleOnly.rule, 'disk-full');
    assert.deepEqual(ruleOnly.evidence, ['rule:db3:disk']);
  });

  it("names a node's fault class from its serious rule finding, not from a weak note", () => {
    const shifted = () => ({
      ...candidate('queue', 'publish_rate', incident(5, 10, 1, 64, 15)),
      faultClass: 'load-surge' as const,
    });
    const rule = (strength: number) => ({
      id: 'rule:queue:backlog',
      node: 'queue',
      kind: 'rule' as const,
      strength,
      ruleId: 'queue.backlog',
      faultClass: 'backlog' as const,
    });
    const classOf = (strength: number) =>
      run({
        target: target(incident(1, 100, 4, 66, 40)),
        candidates: [shifted()],
        extraEvidence: [rule(strength)],
        topology: dependsOn(['app', 'queue']),
        options: { minConfidence: 0 },
      }).hypotheses.find((hypothesis) => hypothesis.node === 'queue')?.faultClass;
    assert.equal(classOf(0.8), 'backlog');
    assert.equal(classOf(0.3), 'load-surge');
  });

  it('blames the dependency, not the dependents, when the fault went up a chain of them', () => {
    // app → api → db: db's latency rises and the same extra latency shows up in api, then in app.
    const db = incident(13, 20, 1, 65, 30);
    const api = incident(14, 50, 2, 65, 30);
    const result = run({
      target: target(incident(15, 100, 4, 66, 30)),
      candidates: [candidate('api', 'latency', api), candidate('db', 'latency', db)],
      topology: dependsOn(['app', 'api'], ['api', 'db']),
      options: { minConfidence: 0 },
    });
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['db', 'api'],
    );
    const [dbHypothesis, apiHypothesis] = result.hypotheses;
    assert.ok((apiHypothesis?.scores.unexplained ?? 1) < 0.5, 'api passes on what db did');
    assert.equal(dbHypothesis?.scores.unexplained, 1);
    assert.ok((dbHypothesis?.scores.propagation ?? 0) > (apiHypothesis?.scores.propagation ?? 1));
  });

  it('blames nobody when the target stays normal, whatever else moves', () => {
    const result = run({
      target: target(quiet(16)),
      candidates: [candidate('db', 'latency', incident(17, 10, 1, 65, 15))],
      topology: dependsOn(['app', 'db']),
    });
    assert.equal(result.target.anomalous, false);
    assert.deepEqual(result.hypotheses, []);
  });

  it('blames nobody when the target went wrong but no candidate did', () => {
    const result = run({
      target: target(incident(18, 100, 4, 66, 40)),
      candidates: [candidate('db', 'latency', quiet(19, 10, 1)), candidate('cache', 'latency', quiet(20, 10, 1))],
      topology: dependsOn(['app', 'db'], ['app', 'cache']),
    });
    assert.equal(result.target.anomalous, true);
    assert.deepEqual(result.hypotheses, []);
  });

  it('explains an alert that fired even if its series looks normal, when asked to', () => {
    const result = run({
      target: target(quiet(21)),
      candidates: [candidate('db', 'latency', incident(22, 10, 1, 65, 15))],
      topology: dependsOn(['app', 'db']),
      options: { requireTargetAnomaly: false },
    });
    assert.equal(result.target.anomalous, false);
    assert.equal(result.hypotheses[0]?.node, 'db');
  });

  it('carries every evidence id of a node, best signal first, then its extra evidence', () => {
    const result = run({
      target: target(incident(23, 100, 4, 66, 40)),
      candidates: [
        candidate('db', 'connections', incident(24, 50, 2, 66, 20)),
        candidate('db', 'latency', incident(25, 10, 1, 64, 15)),
        candidate('db', 'cpu', quiet(26, 30, 2)),
      ],
      extraEvidence: [{ id: 'log:db:deadlock', node: 'db', kind: 'log', strength: 0.5, onsetMs: 63 * MINUTE }],
      topology: dependsOn(['app', 'db']),
    });
    assert.equal(result.hypotheses.length, 1);
    const [db] = result.hypotheses;
    assert.equal(db?.signal, 'latency');
    assert.deepEqual(db?.evidence, ['anomaly:db:latency', 'anomaly:db:connections', 'log:db:deadlock']);
  });

  it('gives confidences in [0, 1], best first', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e', 'f'];
    const result = run({
      target: target(incident(27, 100, 4, 66, 40)),
      candidates: nodes.map((node, k) => candidate(node, 'latency', incident(30 + k, 10, 1, 62 + 2 * k, 5 + 5 * k))),
      extraEvidence: [{ id: 'rule:c:x', node: 'c', kind: 'rule', strength: 1 }],
      topology: {
        ...dependsOn(['app', 'a'], ['a', 'b'], ['app', 'c']),
        relations: [{ a: 'c', b: 'd', kind: 'shared-labels' }],
      },
      options: { minConfidence: 0 },
    });
    assert.equal(result.hypotheses.length, nodes.length);
    for (const [index, hypothesis] of result.hypotheses.entries()) {
      assert.ok(hypothesis.confidence >= 0 && hypothesis.confidence <= 1, `${hypothesis.confidence}`);
      for (const value of Object.values(hypothesis.scores)) assert.ok(value >= 0 && value <= 1, `${value}`);
      const next = result.hypotheses[index + 1];
      if (next) assert.ok(hypothesis.confidence >= next.confidence);
    }
  });

  it('works on a handful of points when the series bring their normal spread', () => {
    // PetShop-sized: one baseline point, four window points, five minutes apart.
    const short = Float64Array.from({ length: 5 }, (_, i) => i * 5 * MINUTE);
    const series = (values: number[], scale: number) => ({
      times: short,
      values: Float64Array.from(values),
      baseline: { scale },
    });
    const result = correlate({
      target: { id: 'site', node: 'site', badDirection: 'up', ...series([0.09, 0.1, 0.15, 0.13, 0.09], 0.004) },
      candidates: [
        {
          evidenceId: 'search',
          node: 'search',
          signal: 'latency',
          badDirection: 'up',
          ...series([0.006, 0.008, 0.04, 0.03, 0.006], 0.0005),
        },
        {
          evidenceId: 'db',
          node: 'db',
          signal: 'latency',
          badDirection: 'up',
          ...series([0.015, 0.014, 0.016, 0.015, 0.014], 0.001),
        },
      ],
      topology: dependsOn(['site', 'search'], ['search', 'db']),
      window: { startMs: short[1] as number, endMs: short[4] as number },
    });
    assert.deepEqual(
      result.hypotheses.map((h) => h.node),
      ['search'],
    );
  });
});
