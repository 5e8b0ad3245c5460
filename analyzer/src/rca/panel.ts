/**
 * A Grafana panel's queries, resolved to what the analyzer can run: PromQL on the configured Prometheus,
 * Lucene log queries on the configured Elasticsearch. Pure: it throws ExplainInputError (a 400) saying
 * exactly what cannot be explained.
 */

export type DataSourceKind = 'prometheus' | 'elasticsearch';

export interface PanelDataSource {
  type?: string;
  uid?: string;
}

/** A target as Grafana stores it in the panel model; only the fields explain reads are named. */
export interface PanelTarget {
  refId?: string;
  datasource?: PanelDataSource | string | null;
  hide?: boolean;
  /** PromQL (Prometheus targets). */
  expr?: string;
  /** Lucene (Elasticsearch targets). */
  query?: string;
  metrics?: Array<{ type?: string }>;
}

export interface PanelContext {
  panel: { title?: string; type: string; datasource?: PanelDataSource | string | null };
  targets: PanelTarget[];
}

export type ResolvedQuery =
  | { refId: string; language: 'promql'; expr: string; dataSourceUid: string }
  | { refId: string; language: 'lucene'; query: string; dataSourceUid: string };

export class ExplainInputError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Panels that show no query result (text, lists of dashboards, news…): nothing to explain. */
const PANELS_WITHOUT_DATA = new Set(['text', 'news', 'dashlist', 'alertlist', 'annolist', 'welcome', 'row']);
/** Grafana's pseudo data sources: they hold no query of their own. */
const PSEUDO_UIDS = new Set(['-- Mixed --', '-- Dashboard --', '-- Grafana --', 'grafana']);
/** Elasticsearch metrics that count lines, which is what explain reads from logs. */
const COUNTING_METRICS = new Set(['count', 'logs', 'raw_data', 'raw_document']);
/** Grafana's variable syntaxes: `$name`, `${name}` and the old `[[name]]`. */
const TEMPLATE_VARIABLE = /\$\{([^}]+)\}|\[\[([^\]]+)\]\]|\$([A-Za-z_]\w*)/;

function uidOf(datasource: PanelDataSource | string | null | undefined): { uid?: string; type?: string } {
  if (datasource === null || datasource === undefined) return {};
  if (typeof datasource === 'string') return { uid: datasource };
  return datasource;
}

function variableName(match: RegExpExecArray): string {
  return match[1] ?? match[2] ?? match[3] ?? match[0];
}

/**
 * The panel's visible queries, each bound to a configured source. `sources` maps Grafana data-source uids to
 * the analyzer's sources (setting `datasources`).
 */
export function resolvePanelQueries(
  context: PanelContext,
  sources: Readonly<Record<string, DataSourceKind>>,
): ResolvedQuery[] {
  if (PANELS_WITHOUT_DATA.has(context.panel.type)) {
    throw new ExplainInputError('PANEL_WITHOUT_DATA', `a ${context.panel.type} panel shows no query result to explain`);
  }
  const visible = context.targets.filter((target) => target.hide !== true);
  if (visible.length === 0) throw new ExplainInputError('EMPTY_PANEL', 'the panel has no visible queries to explain');
  const panelSource = uidOf(context.panel.datasource);
  const resolved: ResolvedQuery[] = [];
  visible.forEach((target, index) => {
    const refId = target.refId ?? String.fromCharCode(65 + (index % 26));
    const own = uidOf(target.datasource);
    const uid = own.uid ?? panelSource.uid;
    const type = own.type ?? panelSource.type;
    if (uid === undefined || PSEUDO_UIDS.has(uid)) {
      throw new ExplainInputError('UNKNOWN_DATASOURCE', `query ${refId} names no data source uid`);
    }
    const variable = TEMPLATE_VARIABLE.exec(uid);
    if (variable) {
      throw new ExplainInputError(
        'UNRESOLVED_VARIABLE',
        `query ${refId}: data source "${uid}" is the template variable $${variableName(variable)}; send its value`,
      );
    }
    const kind = sources[uid];
    if (kind === undefined) {
      const known = Object.keys(sources).join(', ') || 'none';
      const language = type === undefined ? '' : ` (a ${type} data source)`;
      throw new ExplainInputError(
        'UNKNOWN_DATASOURCE',
        `query ${refId}: data source uid "${uid}"${language} is not configured; known uids: ${known} (setting datasources)`,
      );
    }
    if (type !== undefined && type !== kind) {
      throw new ExplainInputError(
        'UNSUPPORTED_QUERY_LANGUAGE',
        `query ${refId}: data source "${uid}" is configured as ${kind} but the panel says ${type}`,
      );
    }
    if (kind === 'prometheus') {
      const expr = target.expr?.trim();
      if (!expr) throw new ExplainInputError('EMPTY_QUERY', `query ${refId} has no PromQL expression (expr)`);
      // Checked now, before any source is asked: a dashboard variable left in the query is the caller's to fill.
      interpolatePromql(expr, { stepSeconds: 1, rateIntervalSeconds: 1, rangeSeconds: 1 });
      resolved.push({ refId, language: 'promql', expr, dataSourceUid: uid });
      return;
    }
    const unsupported = (target.metrics ?? []).find((metric) => !COUNTING_METRICS.has(metric.type ?? 'count'));
    if (unsupported) {
      throw new ExplainInputError(
        'UNSUPPORTED_QUERY_LANGUAGE',
        `query ${refId}: Elasticsearch metric "${unsupported.type}" is not supported; explain reads log line counts (count, logs, raw_data)`,
      );
    }
    resolved.push({ refId, language: 'lucene', query: target.query?.trim() || '*', dataSourceUid: uid });
  });
  return resolved;
}

/**
 * PromQL with Grafana's built-in interval variables replaced for this window and step; any other template
 * variable left in the expression is an error (the caller must send the interpolated query).
 */
export function interpolatePromql(
  expr: string,
  values: { stepSeconds: number; rateIntervalSeconds: number; rangeSeconds: number },
): string {
  const seconds = (value: number) => `${Math.max(1, Math.round(value))}s`;
  const replaced = expr
    .replace(/\$(?:\{__rate_interval\}|__rate_interval)/g, seconds(values.rateIntervalSeconds))
    .replace(/\$(?:\{__interval\}|__interval)(?!_)/g, seconds(values.stepSeconds))
    .replace(/\$(?:\{__interval_ms\}|__interval_ms)/g, String(Math.round(values.stepSeconds * 1000)))
    .replace(/\$(?:\{__range\}|__range)(?!_)/g, seconds(values.rangeSeconds))
    .replace(/\$(?:\{__range_s\}|__range_s)/g, String(Math.round(values.rangeSeconds)));
  const left = TEMPLATE_VARIABLE.exec(replaced);
  if (left) {
    throw new ExplainInputError(
      'UNRESOLVED_VARIABLE',
      `the query still holds the template variable $${variableName(left)}; send the interpolated expression`,
    );
  }
  return replaced;
}
