import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  definePlugin,
  factEvidence,
  formatBytes,
  formatDuration,
  formatValue,
  type MiddlewarePlugin,
  renderQuery,
  runRules,
} from '../../src/index.ts';
import { contextFor, serviceFromEnv } from '../../src/testkit.ts';

function plugin(overrides: Partial<MiddlewarePlugin<{ level: number }>> = {}): MiddlewarePlugin<{ level: number }> {
  return {
    id: 'demo',
    displayName: 'Demo',
    category: 'cache',
    discovery: { query: 'demo_up' },
    signals: [
      {
        id: 'load',
        name: 'Load',
        query: 'demo_load{instance="{{instance}}"}',
        unit: 'ratio',
        badDirection: 'up',
        description: 'load',
      },
    ],
    logs: { serviceType: 'demo', notable: [{ id: 'boom', pattern: 'boom', meaning: 'it broke' }] },
    rules: [
      {
        id: 'high-load',
        title: 'High load',
        severity: 'warning',
        faultClass: 'resource-saturation',
        signals: ['load'],
        actions: ['shed'],
        evaluate: (ctx) => {
          const load = ctx.signals.load;
          if (!load || load.last < 0.8) return null;
          return {
            severity: load.last >= 0.95 ? 'critical' : 'warning',
            explanation: `load ${load.last}`,
            evidence: [],
          };
        },
      },
      {
        id: 'fact-level',
        title: 'Level from facts',
        severity: 'info',
        faultClass: 'configuration',
        signals: [],
        actions: [],
        evaluate: (ctx) =>
          ctx.facts && ctx.facts.level > 1
            ? { explanation: 'level', evidence: [factEvidence('level', ctx.facts.level)] }
            : null,
      },
      {
        id: 'broken',
        title: 'Broken rule',
        severity: 'critical',
        faultClass: 'availability',
        signals: [],
        actions: [],
        evaluate: (ctx) => {
          if (ctx.facts?.level === 99) throw new Error('bad data');
          return null;
        },
      },
    ],
    connector: { defaultUrl: (address) => `demo://${address}`, collect: async () => ({ level: 0 }) },
    actions: [
      {
        id: 'shed',
        title: 'Shed load',
        description: 'd',
        risk: 'low',
        reversible: true,
        params: { type: 'object', properties: {} },
      },
    ],
    ...overrides,
  };
}

describe('definePlugin', () => {
  it('accepts a coherent manifest', () => {
    assert.equal(definePlugin(plugin()).id, 'demo');
  });

  it('names the first incoherence', () => {
    assert.throws(() => definePlugin(plugin({ id: 'Bad Id' })), /id must match/);
    const base = plugin();
    assert.throws(
      () => definePlugin(plugin({ signals: [...base.signals, ...base.signals] })),
      /duplicate signal id "load"/,
    );
    assert.throws(
      () =>
        definePlugin(
          plugin({ signals: [{ ...(base.signals[0] as MiddlewarePlugin['signals'][0]), query: 'demo_load' }] }),
        ),
      /signal "load" query must select the instance/,
    );
    assert.throws(
      () =>
        definePlugin(
          plugin({
            rules: [{ ...(base.rules[0] as MiddlewarePlugin<{ level: number }>['rules'][0]), signals: ['nope'] }],
          }),
        ),
      /rule "high-load" reads unknown signal "nope"/,
    );
    assert.throws(() => definePlugin(plugin({ actions: [] })), /rule "high-load" suggests unknown action "shed"/);
    assert.throws(
      () => definePlugin(plugin({ discovery: { query: 'up{job="demo"}' } })),
      /discovery must not depend on the scrape job's name/,
    );
    const signal = base.signals[0] as MiddlewarePlugin['signals'][0];
    assert.throws(
      () => definePlugin(plugin({ signals: [{ ...signal, query: 'rate(demo_total{instance="{{instance}}"}[1m])' }] })),
      /signal "load" query must use \[\{\{rate_interval\}\}\], not a fixed range/,
    );
    assert.throws(
      () => definePlugin(plugin({ signals: [{ ...signal, limit: { name: 'max', query: 'demo_max' } }] })),
      /signal "load" limit query must select the instance/,
    );
    assert.throws(
      () => definePlugin(plugin({ logs: { serviceType: 'demo', notable: [{ id: 'x', pattern: '(', meaning: '' }] } })),
      SyntaxError,
    );
  });
});

describe('runRules', () => {
  const demo = definePlugin(plugin());

  it('runs every rule, escalates severity and orders findings by severity', () => {
    const findings = runRules(demo, contextFor(demo, { signals: { load: 0.97 }, facts: { level: 2 } }));
    assert.deepEqual(
      findings.map((finding) => [finding.id, finding.severity]),
      [
        ['demo.high-load', 'critical'],
        ['demo.fact-level', 'info'],
      ],
    );
    assert.deepEqual(findings[0]?.actions, ['shed']);
  });

  it('stays silent on a healthy context and without data', () => {
    assert.deepEqual(runRules(demo, contextFor(demo, { signals: { load: 0.2 }, facts: { level: 0 } })), []);
    assert.deepEqual(runRules(demo, contextFor(demo, {})), []);
  });

  it('turns a rule that throws into an info finding instead of hiding the others', () => {
    const findings = runRules(demo, contextFor(demo, { signals: { load: 0.9 }, facts: { level: 99 } }));
    const broken = findings.find((finding) => finding.rule === 'broken');
    assert.equal(broken?.severity, 'info');
    assert.match(broken?.explanation ?? '', /bad data/);
    assert.ok(findings.some((finding) => finding.rule === 'high-load'));
  });
});

describe('helpers', () => {
  it('escapes instance values inside PromQL string literals', () => {
    assert.equal(renderQuery('m{instance="{{instance}}"}', 'a"b\\c'), 'm{instance="a\\"b\\\\c"}');
  });

  it('formats values for explanations', () => {
    assert.equal(formatBytes(256 * 1024 * 1024), '256 MiB');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatDuration(90), '90 s');
    assert.equal(formatDuration(7200), '2 h');
    assert.equal(formatValue(0.912, 'ratio'), '91.2 %');
    assert.equal(formatValue(3, 'per_second'), '3/s');
  });

  it('skips integration suites without their service, unless services are required', () => {
    const previous = process.env.REQUIRE_SERVICES;
    try {
      delete process.env.REQUIRE_SERVICES;
      const skipped = serviceFromEnv('KSA_TEST_UNSET_SERVICE_URL');
      assert.equal(skipped.url, undefined);
      assert.match(String(skipped.skip), /KSA_TEST_UNSET_SERVICE_URL is not set/);
      process.env.REQUIRE_SERVICES = '1';
      assert.throws(
        () => serviceFromEnv('KSA_TEST_UNSET_SERVICE_URL'),
        /REQUIRE_SERVICES=1 but KSA_TEST_UNSET_SERVICE_URL is not set/,
      );
    } finally {
      if (previous === undefined) delete process.env.REQUIRE_SERVICES;
      else process.env.REQUIRE_SERVICES = previous;
    }
  });
});
