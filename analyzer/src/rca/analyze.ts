/**
 * Root-cause analysis: what is wrong with a target (a panel's queries, an alert, an instance), and why.
 * Reads every instance's key signals, rule findings and log patterns over the window and a baseline,
 * ranks root-cause hypotheses by evidence (correlate/), matches known fault cases (kb/), suggests the
 * plugin actions that address them, and writes a deterministic narrative. Prometheus is required (a 503
 * naming it otherwise); Elasticsearch and the knowledge base are supplementary (the answer is marked
 * partial without them).
 */
import { type Finding, formatValue, type MiddlewarePlugin, SEVERITY_ORDER } from '@kubestack/plugin-sdk';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import {
  type CandidateSignal,
  type Correlation,
  type CorrelationTarget,
  correlate,
  type ExtraEvidence,
} from '../correlate/index.ts';
import type { Diagnoser } from '../diagnose/diagnose.ts';
import type { SignalSeries } from '../diagnose/observe.ts';
import type { Instance, Inventory } from '../inventory/inventory.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import { SourceError } from '../sources/errors.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';
import type {
  Analysis,
  CaseHit,
  EvidenceItem,
  MatchedCase,
  MissingPart,
  RankedHypothesis,
  SuggestedAction,
  TargetSummary,
} from './analysis.ts';
import { deterministicNarrative, faultPhrase, firstSentence, summaryLine } from './narrative.ts';
import {
  type ObservedSignal,
  type ObservedTarget,
  readInstanceSignals,
  readLogTarget,
  readPromqlTarget,
  type Span,
  scoreInstanceSignals,
  spanFor,
  type Window,
  windowPart,
} from './observe.ts';
import type { ResolvedQuery } from './panel.ts';
import { fleetTopology } from './topology.ts';

export type RcaRequest =
  | {
      kind: 'panel';
      title: string;
      queries: ResolvedQuery[];
      window: Window;
      /** The queries are a firing alert's expression: it needs explaining even if the detector calls it normal. */
      alerted?: boolean;
    }
  | {
      kind: 'instance';
      instanceId: string;
      /** The signal that went wrong; the instance's most anomalous one when not given. */
      signal?: string;
      window: Window;
      /** An alert fired: its target needs explaining even if the detector calls it normal. */
      alerted?: boolean;
      title?: string;
    };

/** A log pattern that appeared or surged on an instance in the window (from the logs domain). */
export interface LogSurge {
  node: string;
  patternId: string;
  kind: 'new' | 'surging' | 'error-surge';
  template: string;
  strength: number;
  onsetMs: number | undefined;
  count: number;
  baselineCount: number;
  samples: string[];
}

export interface LogPatternSource {
  /** Surges per instance; `available: false` when logs could not be read. */
  surges(
    targets: ReadonlyArray<{ instance: Instance; plugin: MiddlewarePlugin }>,
    window: Window,
    baseline: Window,
  ): Promise<{ available: boolean; instances: number; surges: LogSurge[] }>;
}

export interface CaseSource {
  /** Best matching cases; rejects when the knowledge base cannot be used. */
  search(query: string, options: { middleware?: string; limit: number }): Promise<CaseHit[]>;
}

export interface RcaDeps {
  prometheus: PrometheusSource;
  elasticsearch: ElasticsearchSource;
  inventory: Inventory;
  diagnoser: Diagnoser;
  logs: LogPatternSource;
  cases: CaseSource;
  config: Config;
  clock: Clock;
}

export class UnknownTargetError extends Error {}

/** Rule findings the analyzer itself adds that say nothing about a fault (connector set-up notes). */
const NOT_FAULTS = new Set(['analyzer.connector-not-configured', 'analyzer.connector-failed']);
/**
 * How strongly a rule finding backs its instance: rules check real facts against documented limits, so a
 * warning alone carries a hypothesis past the ranking's confidence floor; an info note does not.
 */
const SEVERITY_STRENGTH = { critical: 1, warning: 0.8, info: 0.3 } as const;
/** Hypotheses that get knowledge-base cases and actions. */
const EXPLAINED_HYPOTHESES = 3;
const CASES_PER_HYPOTHESIS = 2;
const MAX_HYPOTHESES = 5;

interface Gathered {
  instances: Instance[];
  fleet: Array<{ instance: Instance; plugin: MiddlewarePlugin }>;
  target: ObservedTarget;
  candidates: ObservedSignal[];
  findings: Array<{ instance: Instance; plugin: MiddlewarePlugin; finding: Finding }>;
  logs: { available: boolean; instances: number; surges: LogSurge[] };
  unavailable: MissingPart[];
}

export class RootCauseAnalyzer {
  readonly #deps: RcaDeps;

  constructor(deps: RcaDeps) {
    this.#deps = deps;
  }

  async analyze(request: RcaRequest): Promise<Analysis> {
    const started = performance.now();
    const span = spanFor(request.window, this.#deps.config.prometheus.scrapeIntervalSeconds);
    const gathered = await this.#gather(request, span);
    const { target, candidates } = gathered;
    const windowStart = span.window.from.getTime();

    const evidence = new Map<string, EvidenceItem>();
    const correlationCandidates: CandidateSignal[] = candidates.map((signal) => {
      const id = `anomaly:${signal.instance.id}:${signal.signal}`;
      evidence.set(id, anomalyEvidence(id, signal, windowStart));
      return {
        evidenceId: id,
        node: signal.instance.id,
        signal: signal.signal,
        ...(signal.faultClass === undefined ? {} : { faultClass: signal.faultClass }),
        times: signal.timestamps,
        values: signal.values,
        scores: signal.scores,
        badDirection: signal.badDirection,
      };
    });
    const extra: ExtraEvidence[] = [];
    for (const { instance, finding } of gathered.findings) {
      const id = `rule:${instance.id}:${finding.rule}`;
      evidence.set(id, {
        id,
        kind: 'rule',
        node: instance.id,
        summary: `${finding.title}: ${firstSentence(finding.explanation)}`,
        rule: finding.id,
        severity: finding.severity,
        score: SEVERITY_STRENGTH[finding.severity],
      });
      extra.push({
        id,
        node: instance.id,
        kind: 'rule',
        strength: SEVERITY_STRENGTH[finding.severity],
        ruleId: finding.id,
        ...(finding.faultClass === undefined ? {} : { faultClass: finding.faultClass }),
      });
    }
    for (const surge of gathered.logs.surges) {
      const id = `log:${surge.node}:${surge.patternId}`;
      evidence.set(id, logEvidence(id, surge));
      extra.push({
        id,
        node: surge.node,
        kind: 'log',
        strength: surge.strength,
        ...(surge.onsetMs === undefined ? {} : { onsetMs: surge.onsetMs }),
      });
    }

    const correlationTarget: CorrelationTarget = {
      id: target.id,
      ...(target.node === undefined ? {} : { node: target.node }),
      times: target.timestamps,
      values: target.values,
      scores: target.scores,
      badDirection: target.badDirection,
    };
    // Asked about an instance whose own rules found something serious, the question stands even if its
    // most anomalous signal looks normal (a lock blocker barely moves the connection count).
    const seriousOnTarget =
      request.kind === 'instance' &&
      gathered.findings.some(
        ({ instance, finding }) => instance.id === request.instanceId && finding.severity !== 'info',
      );
    const alerted = request.alerted === true || seriousOnTarget;
    const correlation = correlate({
      target: correlationTarget,
      candidates: correlationCandidates,
      extraEvidence: extra,
      topology: fleetTopology(gathered.instances, this.#deps.config.topology.dependencies),
      window: { startMs: windowStart, endMs: span.window.to.getTime() },
      ...(alerted ? { options: { requireTargetAnomaly: false } } : {}),
    });

    const byId = new Map(gathered.instances.map((instance) => [instance.id, instance]));
    const hypotheses = correlation.hypotheses
      .slice(0, MAX_HYPOTHESES)
      .map((hypothesis, index) => rankedHypothesis(hypothesis, index, byId.get(hypothesis.node)));
    const targetSummary = summarizeTarget(target, correlation, alerted);
    const targetEvidence: EvidenceItem = {
      id: 'target',
      kind: 'target',
      node: target.node ?? 'panel',
      summary: targetSummary.anomalous
        ? `${target.label} left its normal range${targetSummary.onset ? ` at ${targetSummary.onset}` : ''} (anomaly score ${round(target.maxScore)})`
        : `${target.label} stayed within its normal range (anomaly score ${round(target.maxScore)})`,
      ...(targetSummary.onset ? { at: targetSummary.onset } : {}),
      score: round(target.maxScore),
    };
    const cited = new Set(hypotheses.flatMap((hypothesis) => hypothesis.evidence));
    const evidenceList = [targetEvidence, ...[...cited].flatMap((id) => evidence.get(id) ?? [])];

    const unavailable = [...gathered.unavailable];
    // The knowledge base only adds cases: without it the analysis stands, marked partial.
    const cases = await this.#matchCases(hypotheses, evidence, gathered.fleet).catch(() => {
      unavailable.push('knowledge-base');
      return [] as MatchedCase[];
    });
    const suggestedActions = suggestActions(hypotheses, gathered.findings, cases, gathered.fleet);
    const status: Analysis['status'] = !targetSummary.anomalous
      ? 'no-fault'
      : hypotheses.length === 0
        ? 'unexplained'
        : 'root-cause';
    const coverage = {
      instances: gathered.instances.length,
      signals: candidates.length,
      rulesRun: gathered.fleet.length,
      logInstances: gathered.logs.available ? gathered.logs.instances : 0,
    };
    const partial = unavailable.length > 0;
    const base = {
      status,
      target: targetSummary,
      hypotheses,
      evidence: evidenceList,
      cases,
      suggestedActions,
      coverage,
      partial,
      unavailable,
    };
    return {
      summary: summaryLine(base),
      ...base,
      window: {
        from: span.window.from.toISOString(),
        to: span.window.to.toISOString(),
        baselineFrom: span.baselineFrom.toISOString(),
        step: span.stepSeconds,
      },
      narrative: { text: deterministicNarrative(base), source: 'deterministic' },
      tookMs: Math.round(performance.now() - started),
    };
  }

  async #gather(request: RcaRequest, span: Span): Promise<Gathered> {
    const { prometheus, elasticsearch, inventory, config } = this.#deps;
    const instances = await inventory.list();
    const fleet = instances.flatMap((instance) => {
      const plugin = inventory.plugin(instance.type);
      return plugin ? [{ instance, plugin }] : [];
    });
    const scrape = config.prometheus.scrapeIntervalSeconds;
    const unavailable: MissingPart[] = [];
    const baseline = { from: span.baselineFrom, to: span.window.from };

    // Each instance's signals are read once: scored over baseline + window here, judged by its rules over the window.
    const read = fleet.map((member) => ({
      ...member,
      signals: readInstanceSignals(prometheus, member.instance, member.plugin, span, scrape),
    }));
    const [candidates, targets, findings, logs] = await Promise.all([
      Promise.all(
        read.map(({ instance, signals }) => signals.then((all) => scoreInstanceSignals(instance, all, span))),
      ).then((all) => all.flat()),
      request.kind === 'panel'
        ? Promise.all(
            request.queries.map((query) =>
              query.language === 'promql'
                ? readPromqlTarget(prometheus, query, span, scrape, instances)
                : readLogTarget(elasticsearch, query, span, instances),
            ),
          ).then((all) => all.flat())
        : Promise.resolve([] as ObservedTarget[]),
      this.#findings(
        read.map((member) => ({ ...member, signals: member.signals.then((all) => windowPart(all, span.window)) })),
        span.window,
      ),
      this.#deps.logs.surges(fleet, span.window, baseline),
    ]);
    if (!logs.available) unavailable.push('elasticsearch');

    let target: ObservedTarget | undefined;
    if (request.kind === 'panel') {
      // The series of the panel that left its range most clearly is the one to explain.
      target = targets.reduce<ObservedTarget | undefined>(
        (best, candidate) => (best === undefined || candidate.maxScore > best.maxScore ? candidate : best),
        undefined,
      );
      if (!target) {
        throw new UnknownTargetError(`the panel's queries returned no data between ${spanText(span)}`);
      }
    } else {
      target = instanceTarget(request, candidates, byIdOf(instances));
    }
    return { instances, fleet, target, candidates, findings, logs, unavailable };
  }

  /** Rule findings of every instance (their facts read through connectors), without set-up notes. */
  async #findings(
    fleet: ReadonlyArray<{ instance: Instance; plugin: MiddlewarePlugin; signals: Promise<SignalSeries[]> }>,
    window: Window,
  ): Promise<Gathered['findings']> {
    const reports = await Promise.all(
      fleet.map(async ({ instance, plugin, signals }) => {
        try {
          const report = await this.#deps.diagnoser.diagnose(instance, plugin, window, signals);
          return report.findings
            .filter((finding) => !NOT_FAULTS.has(finding.id))
            .map((finding) => ({ instance, plugin, finding }));
        } catch (error) {
          // Prometheus failing here fails the whole analysis elsewhere; anything else costs one instance's rules.
          if (error instanceof SourceError && error.source === 'prometheus') throw error;
          return [];
        }
      }),
    );
    return reports.flat();
  }

  async #matchCases(
    hypotheses: readonly RankedHypothesis[],
    evidence: ReadonlyMap<string, EvidenceItem>,
    fleet: ReadonlyArray<{ instance: Instance; plugin: MiddlewarePlugin }>,
  ): Promise<MatchedCase[]> {
    const matched: MatchedCase[] = [];
    const seen = new Set<string>();
    for (const hypothesis of hypotheses.slice(0, EXPLAINED_HYPOTHESES)) {
      const plugin = fleet.find(({ instance }) => instance.id === hypothesis.node)?.plugin;
      const query = caseQuery(hypothesis, evidence, plugin);
      if (query === '') continue;
      const hits = await this.#deps.cases.search(query, {
        ...(plugin === undefined ? {} : { middleware: plugin.id }),
        limit: CASES_PER_HYPOTHESIS + 2,
      });
      for (const hit of hits.slice(0, CASES_PER_HYPOTHESIS)) {
        if (seen.has(hit.id)) continue;
        seen.add(hit.id);
        matched.push({ ...hit, hypothesis: hypothesis.id });
      }
    }
    return matched;
  }
}

function byIdOf(instances: readonly Instance[]): Map<string, Instance> {
  return new Map(instances.map((instance) => [instance.id, instance]));
}

function spanText(span: Span): string {
  return `${span.baselineFrom.toISOString()} and ${span.window.to.toISOString()}`;
}

/** An instance's signal as the target: the one named, or the instance's most anomalous one. */
function instanceTarget(
  request: Extract<RcaRequest, { kind: 'instance' }>,
  candidates: readonly ObservedSignal[],
  instances: ReadonlyMap<string, Instance>,
): ObservedTarget {
  const instance = instances.get(request.instanceId);
  if (!instance) throw new UnknownTargetError(`unknown instance "${request.instanceId}"`);
  const own = candidates.filter((signal) => signal.instance.id === instance.id);
  const chosen =
    request.signal === undefined
      ? own.reduce<ObservedSignal | undefined>(
          (best, signal) => (best === undefined || signal.maxScore > best.maxScore ? signal : best),
          undefined,
        )
      : own.find((signal) => signal.signal === request.signal);
  if (!chosen) {
    throw new UnknownTargetError(
      request.signal === undefined
        ? `no key signal of ${instance.id} has data in the window`
        : `signal "${request.signal}" of ${instance.id} has no data in the window (or is unknown)`,
    );
  }
  return {
    ...chosen,
    id: `target:${instance.id}:${chosen.signal}`,
    label: `${request.title ? `${request.title}: ` : ''}${chosen.name} on ${where(instance)}`,
    node: instance.id,
  };
}

function where(instance: Instance | undefined, node?: string): string {
  return instance ? `${instance.displayName} ${instance.name}` : (node ?? 'unknown');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

function anomalyEvidence(id: string, signal: ObservedSignal, windowStart: number): EvidenceItem {
  const episode = signal.episodes.find((candidate) => candidate.endMs >= windowStart);
  const unit = signal.unit as Parameters<typeof formatValue>[1];
  const at = iso(episode?.startMs);
  let summary: string;
  if (episode) {
    const kind = episode.kind.replace('_', ' ');
    const expected =
      Number.isFinite(episode.expected.low) && Number.isFinite(episode.expected.high)
        ? `, expected ${formatValue(episode.expected.low, unit)}–${formatValue(episode.expected.high, unit)}`
        : '';
    summary =
      `${signal.name} on ${where(signal.instance)}: ${kind} ${episode.direction} to ` +
      `${formatValue(episode.extremeValue, unit)}${expected} (score ${round(episode.score)})`;
  } else {
    summary = `${signal.name} on ${where(signal.instance)} (highest score in the window ${round(signal.maxScore)})`;
  }
  if (signal.limit !== undefined && signal.limit > 0) summary += `; limit ${formatValue(signal.limit, unit)}`;
  return {
    id,
    kind: 'anomaly',
    node: signal.instance.id,
    signal: signal.signal,
    summary,
    score: round(signal.maxScore),
    ...(at ? { at } : {}),
  };
}

function logEvidence(id: string, surge: LogSurge): EvidenceItem {
  const what =
    surge.kind === 'new'
      ? 'new log pattern'
      : surge.kind === 'surging'
        ? `log pattern surging (${surge.baselineCount} → ${surge.count} lines)`
        : `error lines surging (${surge.baselineCount} → ${surge.count})`;
  const at = iso(surge.onsetMs);
  return {
    id,
    kind: 'log',
    node: surge.node,
    summary: `${what} on ${surge.node}: "${surge.template}" (${surge.count} lines in the window)`,
    pattern: surge.template,
    lines: surge.samples.slice(0, 3),
    score: round(surge.strength),
    ...(at ? { at } : {}),
  };
}

function rankedHypothesis(
  hypothesis: Correlation['hypotheses'][number],
  index: number,
  instance: Instance | undefined,
): RankedHypothesis {
  return {
    id: `h${index + 1}`,
    rank: index + 1,
    node: hypothesis.node,
    ...(instance ? { middleware: instance.type } : {}),
    where: where(instance, hypothesis.node),
    ...(hypothesis.signal === undefined ? {} : { signal: hypothesis.signal }),
    ...(hypothesis.rule === undefined ? {} : { rule: hypothesis.rule }),
    ...(hypothesis.faultClass === undefined ? {} : { faultClass: hypothesis.faultClass }),
    confidence: round(hypothesis.confidence),
    scores: hypothesis.scores,
    evidence: hypothesis.evidence,
  };
}

function summarizeTarget(target: ObservedTarget, correlation: Correlation, alerted: boolean): TargetSummary {
  const onsetMs = correlation.target.onsetMs ?? target.episodes[0]?.startMs;
  const onset = iso(onsetMs);
  return {
    id: target.id,
    label: target.label,
    node: target.node ?? null,
    anomalous: correlation.target.anomalous || alerted,
    onset: onset ?? null,
    maxScore: round(target.maxScore),
  };
}

/** Words for full-text search in the knowledge base, from what the hypothesis stands on. */
function caseQuery(
  hypothesis: RankedHypothesis,
  evidence: ReadonlyMap<string, EvidenceItem>,
  plugin: MiddlewarePlugin | undefined,
): string {
  const words: string[] = [];
  if (hypothesis.faultClass) words.push(faultPhrase(hypothesis.faultClass));
  for (const id of hypothesis.evidence.slice(0, 4)) {
    const item = evidence.get(id);
    if (!item) continue;
    if (item.kind === 'rule') {
      const rule = plugin?.rules.find((candidate) => `${plugin.id}.${candidate.id}` === item.rule);
      words.push(rule?.title ?? item.summary);
    } else if (item.kind === 'log' && item.pattern) {
      words.push(item.pattern.replaceAll('<*>', ' '));
    } else if (item.kind === 'anomaly' && item.signal) {
      const spec = plugin?.signals.find((signal) => signal.id === item.signal);
      words.push(spec?.name ?? item.signal);
    }
  }
  return words.join(' ').replace(/\s+/g, ' ').trim();
}

/** Plugin actions named by the rule findings and the cases behind the leading hypotheses, most severe first. */
function suggestActions(
  hypotheses: readonly RankedHypothesis[],
  findings: Gathered['findings'],
  cases: readonly MatchedCase[],
  fleet: ReadonlyArray<{ instance: Instance; plugin: MiddlewarePlugin }>,
): SuggestedAction[] {
  const suggestions: SuggestedAction[] = [];
  const seen = new Set<string>();
  for (const hypothesis of hypotheses.slice(0, EXPLAINED_HYPOTHESES)) {
    const plugin = fleet.find(({ instance }) => instance.id === hypothesis.node)?.plugin;
    if (!plugin) continue;
    const offer = (actionId: string, reason: string, basis: string) => {
      const key = `${hypothesis.node} ${actionId}`;
      const spec = plugin.actions.find((action) => action.id === actionId);
      if (!spec) return;
      if (seen.has(key)) {
        suggestions.find((s) => `${s.node} ${s.action}` === key)?.basis.push(basis);
        return;
      }
      seen.add(key);
      suggestions.push({
        node: hypothesis.node,
        action: spec.id,
        title: spec.title,
        risk: spec.risk,
        reversible: spec.reversible,
        reason,
        basis: [basis],
      });
    };
    const own = findings
      .filter(({ instance }) => instance.id === hypothesis.node)
      .sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity]);
    for (const { finding } of own) {
      for (const action of finding.actions) offer(action, finding.title, `rule:${hypothesis.node}:${finding.rule}`);
    }
    for (const matched of cases.filter((candidate) => candidate.hypothesis === hypothesis.id)) {
      for (const action of matched.actions) offer(action, `known case: ${matched.title}`, matched.id);
    }
  }
  return suggestions;
}
