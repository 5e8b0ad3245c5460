import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../src/rca/analysis.ts';
import { deterministicNarrative, firstSentence, summaryLine } from '../../src/rca/narrative.ts';

const scores = { anomaly: 0.9, onset: 1, comovement: 0.8, topology: 1, unexplained: 1, propagation: 1, evidence: 0.8 };

function analysis(overrides: Partial<Analysis> = {}): Analysis {
  return {
    summary: '',
    status: 'root-cause',
    partial: false,
    unavailable: [],
    window: { from: '', to: '', baselineFrom: '', step: 5 },
    target: {
      id: 'target:A',
      label: 'Checkout errors',
      node: 'service:checkout',
      anomalous: true,
      onset: '2026-11-25T10:02:05.000Z',
      maxScore: 0.97,
    },
    hypotheses: [
      {
        id: 'h1',
        rank: 1,
        node: 'postgresql:10.0.0.5:5432',
        middleware: 'postgresql',
        where: 'PostgreSQL 10.0.0.5:5432',
        signal: 'connections',
        rule: 'postgresql.connections-near-max',
        faultClass: 'connection-exhaustion',
        confidence: 0.87,
        scores,
        evidence: ['anomaly:pg:connections', 'rule:pg:connections-near-max'],
      },
      {
        id: 'h2',
        rank: 2,
        node: 'redis:10.0.0.6:6379',
        where: 'Redis 10.0.0.6:6379',
        faultClass: 'memory-pressure',
        confidence: 0.41,
        scores: { ...scores, onset: 0.2 },
        evidence: ['anomaly:redis:used_memory'],
      },
    ],
    evidence: [
      {
        id: 'anomaly:pg:connections',
        kind: 'anomaly',
        node: 'postgresql:10.0.0.5:5432',
        summary: 'Connections on PostgreSQL 10.0.0.5:5432: level shift up to 100, expected 8–12',
      },
      {
        id: 'rule:pg:connections-near-max',
        kind: 'rule',
        node: 'postgresql:10.0.0.5:5432',
        summary: 'Connections at max_connections',
      },
      { id: 'anomaly:redis:used_memory', kind: 'anomaly', node: 'redis:10.0.0.6:6379', summary: 'Used memory rose' },
    ],
    cases: [
      {
        id: 'postgresql-too-many-clients',
        middleware: 'postgresql',
        title: 'Connections exhausted: too many clients',
        faultClass: 'connection-exhaustion',
        score: 0.9,
        rootCause: 'Clients open more connections than max_connections allows. Pools are oversized.',
        remediation: 'Terminate idle sessions first. Then size the pools.',
        actions: ['terminate-idle-backends'],
        references: [],
        hypothesis: 'h1',
      },
    ],
    suggestedActions: [
      {
        node: 'postgresql:10.0.0.5:5432',
        action: 'terminate-idle-backends',
        title: 'Terminate idle sessions',
        risk: 'medium',
        reversible: false,
        reason: 'Connections at max_connections',
        basis: ['rule:pg:connections-near-max'],
      },
    ],
    narrative: { text: '', source: 'deterministic' },
    coverage: { instances: 6, signals: 66, rulesRun: 6, logInstances: 6 },
    tookMs: 1,
    ...overrides,
  };
}

describe('deterministic narrative', () => {
  it('says what, where, since when, why, the known case and what to do, citing evidence ids', () => {
    const text = deterministicNarrative(analysis());
    assert.match(text, /^What: Checkout errors went wrong at 2026-11-25 10:02:05 UTC\./);
    assert.match(text, /Where: most likely connection exhaustion on PostgreSQL 10\.0\.0\.5:5432 \(confidence 87 %\)/);
    assert.match(
      text,
      /Why: Connections on PostgreSQL .* \[anomaly:pg:connections\]; Connections at max_connections \[rule:pg:connections-near-max\]\. It went wrong before the target did\./,
    );
    assert.match(
      text,
      /Known case: Connections exhausted: too many clients — Clients open more connections than max_connections allows\./,
    );
    assert.match(
      text,
      /What to do: Terminate idle sessions first\. \(known case .*\[postgresql-too-many-clients\]\)\. Actions that can be planned, dry-run and approved: Terminate idle sessions \(medium risk\)/,
    );
    assert.match(text, /Also considered: memory pressure on Redis 10\.0\.0\.6:6379 \(41 %\)/);
    assert.match(text, /Checked 66 signals and 6 rule sets on 6 instances/);
    assert.equal(summaryLine(analysis()), 'Connection exhaustion on PostgreSQL 10.0.0.5:5432 (87 %)');
  });

  it('says when nothing is wrong, and when nothing monitored explains it, and what was missing', () => {
    const normal = deterministicNarrative(analysis({ status: 'no-fault', hypotheses: [] }));
    assert.match(normal, /stays within its normal range/);
    const unexplained = deterministicNarrative(
      analysis({ status: 'unexplained', hypotheses: [], partial: true, unavailable: ['elasticsearch'] }),
    );
    assert.match(unexplained, /no instance shows an anomaly, rule finding or log surge that explains it/);
    assert.match(unexplained, /Partial: elasticsearch could not be read/);
    assert.match(unexplained, /declare dependencies/);
  });

  it('cuts long texts at the first sentence', () => {
    assert.equal(firstSentence('One. Two.'), 'One.');
    assert.equal(firstSentence('x'.repeat(300)).length, 240);
  });
});
