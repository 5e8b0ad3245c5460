/**
 * The PromQL of the manifest, as text: discovery never depends on how the operator named the scrape
 * job, and rates follow the analyzer's rate interval. The integration suite runs the same queries
 * against the real Prometheus.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderQuery } from '@kubestack/plugin-sdk';
import plugin from '../../src/index.ts';

const RANGE_FUNCTIONS = /\b(?:rate|irate|increase|deriv|delta|idelta|\w+_over_time)\(/;

describe('elasticsearch manifest PromQL', () => {
  it("discovers through the exporter's own metric, whatever the scrape job is called", () => {
    const { query } = plugin.discovery;
    assert.doesNotMatch(query, /\bjob\s*(?:=|!=|=~|!~)/, 'no job matcher');
    assert.match(query, /\belasticsearch_cluster_health_up\b/);
    // Joined with its own target's up (or its own value) by job and instance, never by a job name.
    assert.match(query, /on \(job, instance\)/);
  });

  it('takes every rate over {{rate_interval}}, never a fixed range', () => {
    for (const signal of plugin.signals) {
      for (const template of [signal.query, signal.limit?.query ?? '']) {
        assert.doesNotMatch(template, /\[\d+[smhdwy]\]/, `${signal.id}: a fixed range`);
        if (RANGE_FUNCTIONS.test(template)) assert.match(template, /\[\{\{rate_interval\}\}\]/, signal.id);
      }
    }
  });

  it('renders the rate interval the analyzer chose', () => {
    const rendered = plugin.signals.map((signal) => renderQuery(signal.query, '10.0.0.5:1234', 120));
    assert.ok(rendered.every((query) => !query.includes('{{')));
    assert.ok(rendered.some((query) => query.includes('[120s]')));
  });
});
