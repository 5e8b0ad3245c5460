/**
 * Root-cause analysis on the real stack: a real fault (Redis filled toward a maxmemory under noeviction) is
 * explained from a Grafana panel and as an instance, with evidence, a known case and the actions that address
 * it; Elasticsearch down gives a partial answer; an OpenAI-compatible server narrates through the real client,
 * streamed as server-sent events, and a server that is down leaves the deterministic narrative, marked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { faults } from '@kubestack/plugin-redis/faults';
import { addressOf, eventually, serviceFromEnv } from '@kubestack/plugin-sdk/testkit';
import type { FastifyInstance } from 'fastify';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { type OpenAiServer, startOpenAiServer } from '../support/openai-server.ts';
import { AUTH, appWith, CLOSED_URL } from '../support.ts';

const prometheus = serviceFromEnv('KSA_PROMETHEUS_URL');
const elasticsearch = serviceFromEnv('KSA_ELASTICSEARCH_URL');
const redisUrl = serviceFromEnv('REDIS_URL');
const skip = prometheus.skip || elasticsearch.skip || redisUrl.skip;
const REDIS_ID = `redis:${addressOf(process.env.REDIS_URL || 'redis://127.0.0.1:16379')}`;

function stackEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (name.startsWith('KSA_') && value) env[name] = value;
  return { ...env, KSA_INVENTORY_CACHE_SECONDS: '0', ...overrides };
}

interface Analysis {
  status: string;
  summary: string;
  partial: boolean;
  unavailable: string[];
  target: { node: string | null; anomalous: boolean };
  hypotheses: Array<{ id: string; node: string; faultClass?: string; confidence: number; evidence: string[] }>;
  evidence: Array<{ id: string; kind: string; node: string; summary: string }>;
  cases: Array<{ id: string; middleware: string; faultClass: string; hypothesis: string }>;
  suggestedActions: Array<{ node: string; action: string }>;
  narrative: { text: string; source: string; reason?: string; hypothesis?: string };
}

/** The panel Grafana would send for a Redis memory graph over the last `minutes`. */
function redisMemoryPanel(minutes = 10) {
  return {
    panel: { title: 'Redis memory', type: 'timeseries' },
    dashboardUid: 'kubestack-redis',
    targets: [
      {
        refId: 'A',
        datasource: { type: 'prometheus', uid: 'kubestack-prometheus' },
        expr: 'redis_memory_used_bytes',
      },
    ],
    from: new Date(Date.now() - minutes * 60_000).toISOString(),
    to: new Date().toISOString(),
  };
}

/** A "model" that answers validly: it picks the first offered hypothesis and cites its first evidence item. */
function faithfulModel(request: { messages: Array<{ content: string }> }) {
  const user = request.messages[1]?.content ?? '';
  const pack = JSON.parse(user.split('\n')[2] ?? '{}') as { hypotheses?: Array<{ id: string; evidence: string[] }> };
  const chosen = pack.hypotheses?.[0];
  assert.ok(chosen, 'the pack offers a hypothesis');
  const text = 'Redis is at its memory limit and refuses writes.';
  return {
    answer: { hypothesis: chosen.id, narrative: text, claims: [{ text, evidence: [chosen.evidence[0]], cases: [] }] },
    chunkChars: 6,
  };
}

describe('root-cause analysis on the real stack', { skip }, () => {
  let app: FastifyInstance;
  let undo: (() => Promise<void>) | undefined;
  let llm: OpenAiServer;

  before(async () => {
    llm = await startOpenAiServer({ apiKey: 'sk-test-explain', chat: faithfulModel });
    app = await appWith(
      stackEnv({ KSA_LLM_BASE_URL: llm.url, KSA_LLM_MODEL: 'test-model', KSA_LLM_API_KEY: 'sk-test-explain' }),
      PLUGINS,
    );
    const fault = faults.find((candidate) => candidate.id === 'memory-near-maxmemory-noeviction');
    assert.ok(fault);
    undo = await fault.inject(redisUrl.url as string);
    // The fault must be in Prometheus (5 s scrapes) before the panel can show it. (An instance's rca answers
    // from its rules' facts at once, so only the panel's own data says the scrape has happened.)
    await eventually(
      'the filled Redis to show in Prometheus',
      async () => {
        const response = await app.inject({
          method: 'POST',
          url: '/api/v1/explain',
          headers: AUTH,
          payload: redisMemoryPanel(),
        });
        const body = response.json() as Analysis;
        return response.statusCode === 200 && body.status === 'root-cause' ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 3000 },
    );
  });

  after(async () => {
    await undo?.();
    await app?.close();
    await llm?.close();
  });

  it('explains a panel: Redis memory pressure first, with evidence, a known case and actions', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/explain',
      headers: AUTH,
      payload: redisMemoryPanel(),
    });
    assert.equal(response.statusCode, 200, response.body);
    const analysis = response.json() as Analysis;
    assert.equal(analysis.status, 'root-cause', analysis.summary);
    assert.equal(analysis.target.node, REDIS_ID);
    const top = analysis.hypotheses[0];
    assert.ok(top, 'a hypothesis');
    assert.equal(top.node, REDIS_ID, JSON.stringify(analysis.hypotheses.map((h) => [h.node, h.confidence])));
    assert.equal(top.faultClass, 'memory-pressure');
    const ids = new Set(analysis.evidence.map((item) => item.id));
    for (const id of top.evidence) assert.ok(ids.has(id), `evidence ${id} is listed`);
    assert.ok(
      analysis.evidence.some((item) => item.id === `rule:${REDIS_ID}:memory-near-limit-noeviction`),
      'the noeviction rule is evidence',
    );
    const redisCases = analysis.cases.filter((matched) => matched.hypothesis === top.id);
    assert.ok(redisCases.length > 0, 'a known case matches');
    assert.ok(redisCases.every((matched) => matched.middleware === 'redis'));
    assert.ok(
      redisCases.some((matched) => matched.faultClass === 'memory-pressure'),
      JSON.stringify(redisCases),
    );
    const actions = analysis.suggestedActions.filter((action) => action.node === REDIS_ID).map((a) => a.action);
    assert.ok(actions.includes('raise-maxmemory'), actions.join(', '));
    assert.equal(analysis.narrative.source, 'llm');
    assert.equal(analysis.narrative.hypothesis, top.id);
  });

  it('streams the analysis, then the LLM narrative as it is written', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/api/v1/rca`, {
      method: 'POST',
      headers: { ...AUTH, accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ instance: REDIS_ID, from: new Date(Date.now() - 10 * 60_000).toISOString() }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = [...(await response.text()).matchAll(/event: (\S+)\ndata: (.*)\n\n/g)].map((match) => ({
      event: match[1],
      data: JSON.parse(match[2] as string),
    }));
    assert.equal(events[0]?.event, 'analysis');
    assert.equal(events[0]?.data.narrative.source, 'deterministic', 'the first answer does not wait for the LLM');
    const deltas = events.filter((event) => event.event === 'delta').map((event) => event.data.text as string);
    assert.ok(deltas.length > 1, 'the narrative arrives in pieces');
    const last = events.at(-1);
    assert.equal(last?.event, 'narrative');
    assert.equal(last?.data.source, 'llm');
    assert.equal(deltas.join(''), last?.data.text);
  });

  it('marks the answer deterministic when the LLM is down, and partial when Elasticsearch is', async () => {
    const degraded = await appWith(
      stackEnv({
        KSA_ELASTICSEARCH_URL: CLOSED_URL,
        KSA_LLM_BASE_URL: `${CLOSED_URL}/v1`,
        KSA_LLM_MODEL: 'test-model',
      }),
      PLUGINS,
    );
    try {
      const response = await degraded.inject({
        method: 'POST',
        url: '/api/v1/explain',
        headers: AUTH,
        payload: redisMemoryPanel(),
      });
      assert.equal(response.statusCode, 200, response.body);
      const analysis = response.json() as Analysis;
      assert.equal(analysis.partial, true);
      assert.deepEqual(analysis.unavailable, ['elasticsearch']);
      assert.equal(analysis.hypotheses[0]?.node, REDIS_ID, 'metrics and rules still find the cause');
      assert.equal(analysis.narrative.source, 'deterministic');
      assert.equal(analysis.narrative.reason, 'llm-unavailable');
      assert.match(analysis.narrative.text, /Redis/);
      assert.match(analysis.narrative.text, /What to do:/);
    } finally {
      await degraded.close();
    }
  });

  it('answers 503 naming Prometheus when it is down', async () => {
    const blind = await appWith(stackEnv({ KSA_PROMETHEUS_URL: CLOSED_URL }), PLUGINS);
    try {
      const response = await blind.inject({
        method: 'POST',
        url: '/api/v1/explain',
        headers: AUTH,
        payload: redisMemoryPanel(),
      });
      assert.equal(response.statusCode, 503, response.body);
      assert.equal(response.json().source, 'prometheus');
    } finally {
      await blind.close();
    }
  });
});
