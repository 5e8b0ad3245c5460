/** Request and response schemas of explain and rca; they also document the API in OpenAPI. */
import { Type } from 'typebox';
import { FaultClassSchema as FaultClass } from '../kb/case.ts';
import { TimeParam } from './schemas.ts';

const DataSourceRef = Type.Union([
  Type.Object(
    { type: Type.Optional(Type.String()), uid: Type.Optional(Type.String()) },
    { additionalProperties: true, description: 'Grafana data-source reference' },
  ),
  Type.String({ description: 'A data-source uid (older dashboards)' }),
  Type.Null(),
]);

export const PanelTargetSchema = Type.Object(
  {
    refId: Type.Optional(Type.String()),
    datasource: Type.Optional(DataSourceRef),
    hide: Type.Optional(Type.Boolean()),
    expr: Type.Optional(
      Type.String({ description: 'PromQL, interpolated ($__rate_interval and friends are filled in)' }),
    ),
    query: Type.Optional(Type.String({ description: 'Lucene, for Elasticsearch targets' })),
    metrics: Type.Optional(
      Type.Array(Type.Object({ type: Type.Optional(Type.String()) }, { additionalProperties: true })),
    ),
  },
  { additionalProperties: true, description: "A panel target as Grafana's panel model holds it" },
);

export const ExplainBodySchema = Type.Object(
  {
    panel: Type.Object(
      {
        title: Type.Optional(Type.String({ maxLength: 500 })),
        type: Type.String({ minLength: 1, description: 'Panel plugin id: timeseries, stat, gauge, logs…' }),
        id: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
        datasource: Type.Optional(DataSourceRef),
      },
      { additionalProperties: true },
    ),
    targets: Type.Array(PanelTargetSchema, { maxItems: 26 }),
    from: TimeParam,
    to: TimeParam,
    dashboardUid: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const RcaBodySchema = Type.Object(
  {
    instance: Type.Optional(Type.String({ minLength: 1, description: 'Instance id from GET /api/v1/instances' })),
    signal: Type.Optional(Type.String({ minLength: 1, description: "One of the instance's key signal ids" })),
    alert: Type.Optional(
      Type.Object(
        {
          labels: Type.Record(Type.String(), Type.String()),
          annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
          startsAt: Type.Optional(TimeParam),
          generatorURL: Type.Optional(
            Type.String({ description: "Prometheus' link to the rule's graph; its g0.expr is the alert's expression" }),
          ),
        },
        { additionalProperties: true, description: 'A firing alert as Grafana or Alertmanager sends it' },
      ),
    ),
    from: Type.Optional(TimeParam),
    to: Type.Optional(TimeParam),
  },
  { additionalProperties: false },
);

const FeatureScores = Type.Object({
  anomaly: Type.Number(),
  onset: Type.Number(),
  comovement: Type.Number(),
  topology: Type.Number(),
  unexplained: Type.Number(),
  propagation: Type.Number(),
  evidence: Type.Number(),
});

export const NarrativeSchema = Type.Object({
  text: Type.String(),
  source: Type.Union([Type.Literal('deterministic'), Type.Literal('llm')]),
  reason: Type.Optional(
    Type.String({ description: 'Why the narrative is the deterministic one (llm-off, llm-timeout, llm-unavailable…)' }),
  ),
  hypothesis: Type.Optional(Type.String({ description: 'The hypothesis the LLM chose' })),
  claims: Type.Optional(
    Type.Array(
      Type.Object({ text: Type.String(), evidence: Type.Array(Type.String()), cases: Type.Array(Type.String()) }),
    ),
  ),
});

export const AnalysisSchema = Type.Object({
  summary: Type.String(),
  status: Type.Union([Type.Literal('root-cause'), Type.Literal('no-fault'), Type.Literal('unexplained')]),
  partial: Type.Boolean({ description: 'True when logs or the knowledge base could not be used' }),
  unavailable: Type.Array(Type.String()),
  window: Type.Object({
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    baselineFrom: Type.String({ format: 'date-time' }),
    step: Type.Integer({ description: 'Seconds between points' }),
  }),
  target: Type.Object({
    id: Type.String(),
    label: Type.String(),
    node: Type.Union([Type.String(), Type.Null()]),
    anomalous: Type.Boolean(),
    onset: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    maxScore: Type.Number(),
  }),
  hypotheses: Type.Array(
    Type.Object({
      id: Type.String(),
      rank: Type.Integer(),
      node: Type.String(),
      middleware: Type.Optional(Type.String()),
      where: Type.String(),
      signal: Type.Optional(Type.String()),
      rule: Type.Optional(Type.String()),
      faultClass: Type.Optional(FaultClass),
      confidence: Type.Number(),
      scores: FeatureScores,
      evidence: Type.Array(Type.String(), { description: 'Ids of evidence items, strongest first' }),
    }),
    { description: 'Best first; empty when nothing is wrong or nothing explains it' },
  ),
  evidence: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.Union([Type.Literal('target'), Type.Literal('anomaly'), Type.Literal('rule'), Type.Literal('log')]),
      node: Type.String(),
      summary: Type.String(),
      at: Type.Optional(Type.String({ format: 'date-time' })),
      score: Type.Optional(Type.Number()),
      signal: Type.Optional(Type.String()),
      rule: Type.Optional(Type.String()),
      severity: Type.Optional(Type.String()),
      pattern: Type.Optional(Type.String()),
      lines: Type.Optional(Type.Array(Type.String())),
    }),
  ),
  cases: Type.Array(
    Type.Object({
      id: Type.String(),
      middleware: Type.String(),
      title: Type.String(),
      faultClass: FaultClass,
      score: Type.Number(),
      rootCause: Type.String(),
      remediation: Type.String(),
      actions: Type.Array(Type.String()),
      references: Type.Array(Type.Object({ title: Type.String(), url: Type.String() })),
      hypothesis: Type.String(),
    }),
  ),
  suggestedActions: Type.Array(
    Type.Object({
      node: Type.String(),
      action: Type.String(),
      title: Type.String(),
      risk: Type.String(),
      reversible: Type.Boolean(),
      reason: Type.String(),
      basis: Type.Array(Type.String()),
    }),
    { description: 'Suggestions only: every action is planned, dry-run and approved before it runs' },
  ),
  narrative: NarrativeSchema,
  coverage: Type.Object({
    instances: Type.Integer(),
    signals: Type.Integer(),
    rulesRun: Type.Integer(),
    logInstances: Type.Integer(),
  }),
  tookMs: Type.Integer(),
});
