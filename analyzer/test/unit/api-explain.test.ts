import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { alertExpression } from '../../src/api/explain.ts';
import { AUTH, appWith, CLOSED_URL, probePlugin } from '../support.ts';

const FROM = '2026-11-25T10:00:00Z';
const TO = '2026-11-25T10:15:00Z';
const PROM = { type: 'prometheus', uid: 'kubestack-prometheus' };

describe('POST /api/v1/explain and /api/v1/rca: bad input', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await appWith(
      { KSA_PROMETHEUS_URL: CLOSED_URL, KSA_ELASTICSEARCH_URL: CLOSED_URL, KSA_RCA_MAX_WINDOW_MINUTES: '60' },
      [probePlugin],
    );
  });
  after(() => app.close());

  const explain = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/explain', headers: AUTH, payload });
  const panel = (overrides: Record<string, unknown> = {}) => ({
    panel: { title: 'Memory', type: 'timeseries' },
    targets: [{ refId: 'A', datasource: PROM, expr: 'up' }],
    from: FROM,
    to: TO,
    ...overrides,
  });

  async function expect400(payload: Record<string, unknown>, code: string, message: RegExp) {
    const response = await explain(payload);
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.json().code, code);
    assert.match(response.json().message, message);
  }

  it('names an unknown data-source uid and the configured ones', async () => {
    await expect400(
      panel({ targets: [{ refId: 'A', datasource: { type: 'prometheus', uid: 'other-prom' }, expr: 'up' }] }),
      'UNKNOWN_DATASOURCE',
      /"other-prom".*kubestack-prometheus, kubestack-elasticsearch/,
    );
  });

  it('refuses a query language it cannot run', async () => {
    await expect400(
      panel({
        targets: [{ refId: 'A', datasource: { type: 'loki', uid: 'kubestack-prometheus' }, expr: '{app="x"}' }],
      }),
      'UNSUPPORTED_QUERY_LANGUAGE',
      /loki/,
    );
  });

  it('refuses an empty panel and a panel that shows no data', async () => {
    await expect400(panel({ targets: [] }), 'EMPTY_PANEL', /no visible queries/);
    await expect400(panel({ panel: { type: 'text' } }), 'PANEL_WITHOUT_DATA', /text panel/);
  });

  it('refuses a window longer than the setting, and a window that ends before it starts', async () => {
    await expect400(
      panel({ from: '2026-11-25T08:00:00Z' }),
      'WINDOW_TOO_LARGE',
      /at most 60 \(setting rca.maxWindowMinutes\)/,
    );
    const backwards = await explain(panel({ from: TO, to: FROM }));
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.json().message, /from must be before/);
  });

  it('refuses template variables left in the query', async () => {
    const response = await explain(
      panel({ targets: [{ refId: 'A', datasource: PROM, expr: 'up{instance="$instance"}' }] }),
    );
    // Resolution of the query needs Prometheus only after the variable check: 400, not 503.
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json().message, /\$instance/);
  });

  it('answers 503 naming Prometheus when the panel is fine but Prometheus is down', async () => {
    const response = await explain(panel());
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().source, 'prometheus');
  });

  it('requires absolute times and the panel type', async () => {
    const response = await explain({ panel: { title: 'x' }, targets: [], from: 'now-1h', to: 'now' });
    assert.equal(response.statusCode, 400);
  });

  it('rca needs an instance or an alert', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/rca', headers: AUTH, payload: {} });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().message, /instance or alert/);
  });
});

describe('alertExpression', () => {
  it("reads a Prometheus alert's expression from its generator URL", () => {
    const url = 'http://prometheus:9090/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29+%3E+1&g0.tab=1';
    assert.equal(alertExpression(url), 'rate(http_errors_total[5m]) > 1');
  });

  it('gives nothing for a Grafana rule link, an empty expression or no URL', () => {
    assert.equal(alertExpression('http://grafana:3000/alerting/grafana/abc/view?orgId=1'), undefined);
    assert.equal(alertExpression('http://prometheus:9090/graph?g0.expr=+'), undefined);
    assert.equal(alertExpression('not a url'), undefined);
    assert.equal(alertExpression(undefined), undefined);
  });
});
