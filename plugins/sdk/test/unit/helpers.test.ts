import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  excerpt,
  type LogLine,
  type LogSummary,
  largestBy,
  levelAbove,
  levelBelow,
  messageOf,
  notableLogEvidence,
  notableLogRule,
  notableLogs,
  redactUrl,
  round,
  windowSeconds,
} from '../../src/index.ts';
import { instanceRef } from '../../src/testkit.ts';

describe('severity from thresholds', () => {
  const limit = { warning: 0.8, critical: 0.95 };

  it('levelAbove: warning from the warning value, critical from the critical one', () => {
    assert.equal(levelAbove(0.79, limit), null);
    assert.equal(levelAbove(0.8, limit), 'warning');
    assert.equal(levelAbove(0.949, limit), 'warning');
    assert.equal(levelAbove(0.95, limit), 'critical');
  });

  it('levelBelow: warning under the warning value, critical under the critical one', () => {
    const ratio = { warning: 0.99, critical: 0.95 };
    assert.equal(levelBelow(0.99, ratio), null);
    assert.equal(levelBelow(0.98, ratio), 'warning');
    assert.equal(levelBelow(0.95, ratio), 'warning');
    assert.equal(levelBelow(0.94, ratio), 'critical');
  });
});

describe('numbers', () => {
  it('windowSeconds measures a diagnosis window', () => {
    const to = new Date('2025-01-01T00:15:00Z');
    assert.equal(windowSeconds({ from: new Date('2025-01-01T00:00:00Z'), to }), 900);
  });

  it('largestBy picks the first item with the largest key, counting missing values as 0', () => {
    const items = [
      { id: 'a', seconds: null },
      { id: 'b', seconds: 30 },
      { id: 'c', seconds: 30 },
      { id: 'd', seconds: 5 },
    ];
    assert.equal(largestBy(items, 'seconds')?.id, 'b');
    assert.equal(largestBy([{ id: 'a', seconds: null }], 'seconds')?.id, 'a');
    assert.equal(largestBy<{ seconds: number }, 'seconds'>([], 'seconds'), undefined);
  });

  it('round keeps the given number of decimals', () => {
    assert.equal(round(0.123456, 4), 0.1235);
    assert.equal(round(12.25, 1), 12.3);
    assert.equal(round(1.2, 3), 1.2);
    assert.equal(round(2.6, 0), 3);
  });
});

describe('text', () => {
  it('excerpt flattens, quotes and cuts long text', () => {
    assert.equal(excerpt('SELECT *\n  FROM orders\tWHERE id = 1 ', '(none)'), '"SELECT * FROM orders WHERE id = 1"');
    const long = excerpt(`UPDATE ${'x'.repeat(200)}`, '(none)');
    assert.equal(long.length, 122);
    assert.ok(long.endsWith('..."'));
    assert.equal(excerpt('abcdefghij', '(none)', 8), '"abcde..."');
    assert.equal(excerpt(null, '(not visible)'), '(not visible)');
    assert.equal(excerpt('', '(no statement)'), '(no statement)');
  });

  it('messageOf gives the message of anything thrown', () => {
    assert.equal(messageOf(new Error('boom')), 'boom');
    assert.equal(messageOf('plain'), 'plain');
    assert.equal(messageOf(42), '42');
  });

  it('redactUrl removes the URL and its password, as written and decoded', () => {
    const url = 'postgres://app:p%40ss@db:5432/shop';
    assert.equal(redactUrl(`cannot connect to ${url}`, url), 'cannot connect to <url>');
    assert.equal(redactUrl('password p@ss rejected, p%40ss too', url), 'password *** rejected, *** too');
    assert.equal(redactUrl('ECONNREFUSED', 'redis://127.0.0.1:6379'), 'ECONNREFUSED');
    assert.equal(
      redactUrl('bad %zz', 'mysql://u:%zz@h/db'),
      'bad ***',
      'an undecodable password is removed as written',
    );
    assert.equal(redactUrl('not a url', 'not a url'), '<url>');
  });
});

describe('notable log lines', () => {
  const line: LogLine = { timestamp: '2025-01-01T00:00:00Z', level: 'error', message: 'disk full' };
  const logs = (available: boolean, count: number) => ({
    available,
    total: count,
    byLevel: {},
    scanned: count,
    notable: { 'disk-full': { count, sample: count > 0 ? [line] : [] } },
  });

  it('notableLogs counts the matched lines and makes them evidence', () => {
    assert.deepEqual(notableLogs(logs(true, 3), 'disk-full'), {
      count: 3,
      evidence: { kind: 'log', pattern: 'disk-full', lines: [line], count: 3 },
    });
  });

  it('notableLogs concludes nothing without lines or without logs', () => {
    assert.equal(notableLogs(logs(true, 0), 'disk-full'), null);
    assert.equal(notableLogs(logs(false, 3), 'disk-full'), null);
    assert.equal(notableLogs(logs(true, 3), 'other'), null);
  });

  it('notableLogEvidence gives the evidence of the patterns that matched', () => {
    assert.deepEqual(notableLogEvidence(logs(true, 2), 'other', 'disk-full'), [
      { kind: 'log', pattern: 'disk-full', lines: [line], count: 2 },
    ]);
    assert.deepEqual(notableLogEvidence(logs(false, 2), 'disk-full'), []);
  });

  it('notableLogRule fires with the matched lines as evidence, and stays silent otherwise', () => {
    const rule = notableLogRule<undefined>({
      id: 'disk-full',
      title: 'Disk full',
      severity: 'critical',
      faultClass: 'disk-pressure',
      pattern: 'disk-full',
      actions: ['free-disk'],
      explain: (count) => `${count} line(s) report a full disk.`,
    });
    const evaluate = (summary: LogSummary) =>
      rule.evaluate({
        instance: instanceRef({ id: 'demo' }, 'db:5432'),
        window: { from: new Date(0), to: new Date(900_000) },
        signals: {},
        facts: undefined,
        logs: summary,
      });
    assert.deepEqual(
      { id: rule.id, title: rule.title, severity: rule.severity, signals: rule.signals, actions: rule.actions },
      { id: 'disk-full', title: 'Disk full', severity: 'critical', signals: [], actions: ['free-disk'] },
    );
    assert.deepEqual(evaluate(logs(true, 2)), {
      explanation: '2 line(s) report a full disk.',
      evidence: [{ kind: 'log', pattern: 'disk-full', lines: [line], count: 2 }],
    });
    assert.equal(evaluate(logs(true, 0)), null);
    assert.equal(evaluate(logs(false, 2)), null);
  });
});
