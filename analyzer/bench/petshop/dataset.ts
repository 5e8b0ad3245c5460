/**
 * Reader for the PetShop root-cause data set (Amazon Science, CC-BY-4.0), read in place from
 * ../shared/data/petshop/dataset/<scenario>/:
 *
 * - `graph.csv`: adjacency matrix of the call graph; a 1 in row A, column B means A calls B (A depends on B).
 * - `{train,test}/issue_N/metrics.csv` and `noissue/metrics.csv`: three header rows (microservice, metric,
 *   statistic), a row naming the index (`unix_timestamp`), then one row per 5-minute bucket: the bucket's
 *   start in Unix seconds and one value per column (empty = no data).
 * - `{train,test}/issue_N/target.json`: the alerting node, metric, statistic and time, and the true
 *   root-cause node.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCENARIOS = ['low_traffic', 'high_traffic', 'temporal_traffic1', 'temporal_traffic2'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Split = 'train' | 'test';

export interface MetricColumn {
  node: string;
  metric: string;
  statistic: string;
  values: Float64Array;
}

export interface Metrics {
  /** Bucket start times, ms since the epoch, ascending. */
  times: Float64Array;
  columns: MetricColumn[];
}

export interface IssueTarget {
  target: { node: string; metric: string; agg: string; timestamp: number };
  root_cause: { node: string; metric: string | null };
}

export interface Issue {
  split: Split;
  /** `issue_N`. */
  name: string;
  metrics: Metrics;
  target: IssueTarget;
}

export interface ScenarioData {
  scenario: Scenario;
  /** Call edges: `from` calls `to`. */
  edges: Array<{ from: string; to: string }>;
  /** The recorded period without any issue, when this copy of the data has one. */
  noIssue: Metrics | undefined;
  issues: Issue[];
}

export function columnKey(node: string, metric: string, statistic: string): string {
  return `${node}\u0000${metric}\u0000${statistic}`;
}

/** The data set's CSV files hold no quoted fields; fail loudly if one ever does. */
function splitLine(line: string, path: string): string[] {
  if (line.includes('"')) throw new Error(`${path}: quoted CSV fields are not supported`);
  return line.split(',');
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
}

export function readMetrics(path: string): Metrics {
  const rows = lines(path).map((line) => splitLine(line, path));
  const [nodes, metrics, statistics] = rows;
  if (!nodes || !metrics || !statistics || nodes[0] !== 'microservice' || metrics[0] !== 'metric') {
    throw new Error(`${path}: expected the header rows microservice, metric, statistic`);
  }
  const data = rows.slice(3).filter((row) => row[0] !== 'unix_timestamp');
  const times = Float64Array.from(data, (row) => Number(row[0]) * 1000);
  const columns: MetricColumn[] = [];
  for (let j = 1; j < nodes.length; j += 1) {
    columns.push({
      node: nodes[j] as string,
      metric: metrics[j] as string,
      statistic: statistics[j] as string,
      values: Float64Array.from(data, (row) => {
        const cell = row[j];
        return cell === undefined || cell === '' ? Number.NaN : Number(cell);
      }),
    });
  }
  return { times, columns };
}

export function readGraph(path: string): Array<{ from: string; to: string }> {
  const rows = lines(path).map((line) => splitLine(line, path));
  const header = rows[0] ?? [];
  const edges: Array<{ from: string; to: string }> = [];
  for (const row of rows.slice(1)) {
    for (let j = 1; j < row.length; j += 1) {
      if (Number(row[j]) !== 0) edges.push({ from: row[0] as string, to: header[j] as string });
    }
  }
  return edges;
}

export function readTarget(path: string): IssueTarget {
  return JSON.parse(readFileSync(path, 'utf8')) as IssueTarget;
}

export function readScenario(datasetDir: string, scenario: Scenario): ScenarioData {
  const dir = join(datasetDir, scenario);
  const noIssuePath = join(dir, 'noissue', 'metrics.csv');
  const issues: Issue[] = [];
  for (const split of ['train', 'test'] as const) {
    const names = readdirSync(join(dir, split))
      .filter((name) => name.startsWith('issue_'))
      .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    for (const name of names) {
      issues.push({
        split,
        name,
        metrics: readMetrics(join(dir, split, name, 'metrics.csv')),
        target: readTarget(join(dir, split, name, 'target.json')),
      });
    }
  }
  return {
    scenario,
    edges: readGraph(join(dir, 'graph.csv')),
    noIssue: existsSync(noIssuePath) ? readMetrics(noIssuePath) : undefined,
    issues,
  };
}
