/**
 * bench:petshop — the correlation ranking (src/correlate) on the PetShop root-cause data set, read in
 * place from ../shared/data/petshop/dataset (see dataset.ts for the format).
 *
 * Each issue: the target is the alerting node's metric and statistic from target.json; the window starts
 * at the 5-minute bucket holding the alert and runs to the file's last row; the rows before it are each
 * series' baseline level. Candidates are every node's average latency (bad up) and average availability
 * (bad down); the topology is the call graph (a caller depends on its callee). A series' normal noise is
 * its robust spread over the pre-alert rows of all the scenario's issues, train and test (inputs only,
 * never a label: the files hold too few rows before the alert to estimate noise from one issue, and two
 * scenarios have no no-issue recording). Top-k: the true root-cause node is among the first k hypotheses.
 *
 * Specificity ("blame nobody when nothing is wrong"): windows shaped like an issue (one baseline row, four
 * window rows) slid every 30 minutes over the no-issue recording, for the target node and each target
 * metric of the scenario's issues; a window counts as specific when no hypothesis comes out. Noise is
 * learnt from the recording's rows before the window. The recording's first half serves tuning, its
 * second half is reported (only the low and high traffic scenarios have one).
 *
 * Tuning uses train issues and the first half of the no-issue recordings only, one configuration for
 * every scenario, in two stages. Stage 1 (the ranking): a grid over halfStrengthZ, candidateZ and the
 * co-movement and propagation weights, scored on train issues with the answer gates wide open; the most
 * train top-1 hits, then top-3 hits, then the largest summed margin of the truth over the best other node
 * (each issue's margin capped at MARGIN_CAP); ties keep the earlier configuration, the defaults first.
 * Stage 2 (whether to answer): the target threshold and the lowest confidence reported, the most
 * permissive pair whose tuning specificity reaches SPECIFICITY_FLOOR in every scenario and target metric
 * without losing a train top-1 hit. Test issues are scored once, with the result.
 *
 * Figures: top-1 and top-3 per scenario, split and target metric; test_top1_min and test_top3_min are the
 * worst scenario's test figures, test_top1_mean the mean of the four scenarios' test top-1; specificity
 * is per scenario and target metric on the reported half, specificity_min the worst of them.
 *
 * Progress goes to stderr; stdout gets one JSON line:
 * {"test_top1_min", "test_top3_min", "test_top1_mean", "specificity_min", "by_scenario": {…}}.
 */
import { join } from 'node:path';
import { type CorrelationParameters, DEFAULT_CORRELATION_PARAMETERS } from '../../src/correlate/index.ts';
import { type Issue, readScenario, SCENARIOS, type Scenario, type ScenarioData, type Split } from './dataset.ts';
import {
  bucketOf,
  type Case,
  issueCase,
  type NormalSpread,
  normalSpread,
  rankCase,
  rankOf,
  sliceMetrics,
  TARGET_METRICS,
  type TargetMetric,
} from './evaluate.ts';

const DATASET_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'petshop', 'dataset');
/** Rows of an issue file: one baseline row before the alert's bucket, then the window. */
const WINDOW_ROWS = 5;
/** No-issue windows start every 6 rows (30 minutes). */
const WINDOW_STRIDE = 6;
/** Rows of history a no-issue window needs before it (4 hours) to learn the noise from. */
const MIN_HISTORY_ROWS = 48;
/** Tuning specificity required in every scenario and target metric (the target on the reported half is 0.8). */
const SPECIFICITY_FLOOR = 0.9;

/**
 * Stage 1 (ranking, on train issues with the gates at their most permissive): how fast strength
 * saturates, which candidates count as anomalous, and the weights of co-movement and propagation. The
 * defaults come first.
 */
const RANKING_GRID = {
  halfStrengthZ: withDefaultFirst(DEFAULT_CORRELATION_PARAMETERS.halfStrengthZ, [2, 4, 8]),
  candidateZ: withDefaultFirst(DEFAULT_CORRELATION_PARAMETERS.candidateZ, [2, 3, 4, 5]),
  comovement: withDefaultFirst(DEFAULT_CORRELATION_PARAMETERS.weights.comovement, [1, 2]),
  propagation: withDefaultFirst(DEFAULT_CORRELATION_PARAMETERS.weights.propagation, [1, 2, 3]),
};
/**
 * Stage 2 (whether to answer at all, on the no-issue tuning half): the target threshold and the lowest
 * confidence reported, tried from the most permissive (lowest threshold, then lowest confidence) up.
 */
const GATE_GRID = {
  targetZ: [0, 0.5, 1, 1.5, 2, 3, 4, 6],
  minConfidence: [0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
};
/** The most permissive gates, for stage 1. */
const OPEN_GATES: Partial<CorrelationParameters> = { targetZ: GATE_GRID.targetZ[0] as number, minConfidence: 0 };
/** A train issue's margin (truth's confidence over the best other's) counts up to this much in stage 1. */
const MARGIN_CAP = 0.1;

function withDefaultFirst(value: number, values: readonly number[]): number[] {
  return [value, ...values.filter((other) => other !== value)];
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const short = (node: string) => node.replace('.us-west-2.elb.amazonaws.com_remote', ' (elb)').replace('_AWS::', ' ');

interface Scored {
  hits1: number;
  hits3: number;
  count: number;
}
const empty = (): Scored => ({ hits1: 0, hits3: 0, count: 0 });
const ratio = (hits: number, count: number) => (count === 0 ? Number.NaN : hits / count);

interface ScenarioContext {
  data: ScenarioData;
  /** Noise of each series, from the pre-alert rows of every issue of the scenario. */
  issueSpread: NormalSpread;
  /** No-issue windows: [tuning half, reported half]. */
  noIssueWindows: [NoIssueWindow[], NoIssueWindow[]];
}

interface NoIssueWindow {
  item: Case;
  spread: NormalSpread;
  metric: TargetMetric;
}

const rowsBefore = (end: number) => Array.from({ length: end }, (_, row) => row);

function contextOf(data: ScenarioData): ScenarioContext {
  const issueSpread = normalSpread(
    data.issues.map((issue) => ({
      metrics: issue.metrics,
      rows: rowsBefore(bucketOf(issue.metrics.times, issue.target.target.timestamp * 1000)),
    })),
  );
  const tuning: NoIssueWindow[] = [];
  const reported: NoIssueWindow[] = [];
  const noIssue = data.noIssue;
  if (noIssue) {
    const rows = noIssue.times.length;
    const half = Math.floor(rows / 2);
    const targets = new Map(
      data.issues.map((issue) => [`${issue.target.target.node}|${issue.target.target.metric}`, issue]),
    );
    for (let start = MIN_HISTORY_ROWS; start + WINDOW_ROWS <= rows; start += WINDOW_STRIDE) {
      const reportedHalf = start >= half;
      if (!reportedHalf && start + WINDOW_ROWS > half) continue;
      const spread = normalSpread([{ metrics: noIssue, rows: rowsBefore(start) }]);
      const metrics = sliceMetrics(noIssue, start, WINDOW_ROWS);
      for (const issue of targets.values()) {
        const { node, metric, agg } = issue.target.target;
        const item: Case = {
          metrics,
          alertMs: metrics.times[1] as number,
          targetNode: node,
          targetMetric: metric,
          targetStatistic: agg,
        };
        (reportedHalf ? reported : tuning).push({ item, spread, metric: metric as TargetMetric });
      }
    }
  }
  return { data, issueSpread, noIssueWindows: [tuning, reported] };
}

function scoreIssues(context: ScenarioContext, split: Split, options: Partial<CorrelationParameters>) {
  const byMetric = new Map<string, Scored>();
  const all = empty();
  const details: Array<{ issue: Issue; rank: number | undefined; top: string[] }> = [];
  for (const issue of context.data.issues) {
    if (issue.split !== split) continue;
    const result = rankCase(issueCase(issue), context.data.edges, context.issueSpread, options);
    const rank = rankOf(result, issue.target.root_cause.node);
    const metric = issue.target.target.metric;
    const scored = byMetric.get(metric) ?? empty();
    byMetric.set(metric, scored);
    for (const bucket of [scored, all]) {
      bucket.count += 1;
      if (rank === 1) bucket.hits1 += 1;
      if (rank !== undefined && rank <= 3) bucket.hits3 += 1;
    }
    details.push({
      issue,
      rank,
      top: result.hypotheses.slice(0, 3).map((h) => `${short(h.node)} ${h.confidence.toFixed(2)}`),
    });
  }
  return { all, byMetric, details };
}

function specificity(
  windows: readonly NoIssueWindow[],
  context: ScenarioContext,
  options: Partial<CorrelationParameters>,
) {
  const byMetric = new Map<string, { quiet: number; count: number }>();
  for (const window of windows) {
    const result = rankCase(window.item, context.data.edges, window.spread, options);
    const entry = byMetric.get(window.metric) ?? { quiet: 0, count: 0 };
    byMetric.set(window.metric, entry);
    entry.count += 1;
    if (result.hypotheses.length === 0) entry.quiet += 1;
  }
  return byMetric;
}

/** > 0 when `a` beats `b` on the first entry where they differ. */
function lexicographicCompare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Train top-1 and top-3 hits over every scenario, and the summed capped margin of the truth. */
function trainScore(contexts: readonly ScenarioContext[], options: Partial<CorrelationParameters>): number[] {
  let hits1 = 0;
  let hits3 = 0;
  let margin = 0;
  for (const context of contexts) {
    for (const issue of context.data.issues) {
      if (issue.split !== 'train') continue;
      const result = rankCase(issueCase(issue), context.data.edges, context.issueSpread, options);
      const truth = issue.target.root_cause.node;
      const rank = rankOf(result, truth);
      if (rank === 1) hits1 += 1;
      if (rank !== undefined && rank <= 3) hits3 += 1;
      const truthConfidence = result.hypotheses.find((h) => h.node === truth)?.confidence ?? 0;
      const otherConfidence = result.hypotheses.find((h) => h.node !== truth)?.confidence ?? 0;
      margin += Math.min(MARGIN_CAP, truthConfidence - otherConfidence);
    }
  }
  return [hits1, hits3, margin];
}

function tuneRanking(contexts: readonly ScenarioContext[]): Partial<CorrelationParameters> {
  let best: { options: Partial<CorrelationParameters>; score: number[] } | undefined;
  let tried = 0;
  for (const halfStrengthZ of RANKING_GRID.halfStrengthZ)
    for (const candidateZ of RANKING_GRID.candidateZ)
      for (const comovement of RANKING_GRID.comovement)
        for (const propagation of RANKING_GRID.propagation) {
          const options = {
            halfStrengthZ,
            candidateZ,
            weights: { ...DEFAULT_CORRELATION_PARAMETERS.weights, comovement, propagation },
          };
          tried += 1;
          const score = trainScore(contexts, { ...options, ...OPEN_GATES });
          if (!best || lexicographicCompare(score, best.score) > 0) best = { options, score };
        }
  if (!best) throw new Error('empty ranking grid');
  log(
    `stage 1, ranking: ${tried} configurations on train issues; chosen ${JSON.stringify(best.options)} ` +
      `(train top-1 ${best.score[0]}, top-3 ${best.score[1]}, capped margin ${best.score[2]?.toFixed(3)})`,
  );
  return best.options;
}

/** The least strict gates whose tuning specificity reaches the floor everywhere without losing a train top-1. */
function tuneGates(contexts: readonly ScenarioContext[], ranking: Partial<CorrelationParameters>) {
  const [openHits1] = trainScore(contexts, { ...ranking, ...OPEN_GATES });
  for (const targetZ of GATE_GRID.targetZ) {
    for (const minConfidence of GATE_GRID.minConfidence) {
      const options = { ...ranking, targetZ, minConfidence };
      let minSpecificity = 1;
      for (const context of contexts) {
        for (const { quiet, count } of specificity(context.noIssueWindows[0], context, options).values()) {
          minSpecificity = Math.min(minSpecificity, quiet / count);
        }
      }
      if (minSpecificity < SPECIFICITY_FLOOR) continue;
      const [hits1] = trainScore(contexts, options);
      if ((hits1 as number) < (openHits1 as number)) continue;
      log(
        `stage 2, gates: targetZ ${targetZ}, minConfidence ${minConfidence} ` +
          `(tuning specificity ${minSpecificity.toFixed(3)} at worst, train top-1 ${hits1})`,
      );
      return options;
    }
  }
  throw new Error(`no gates reach tuning specificity ${SPECIFICITY_FLOOR} without losing train hits`);
}

const started = performance.now();
const contexts = SCENARIOS.map((scenario: Scenario) => {
  const data = readScenario(DATASET_DIR, scenario);
  const context = contextOf(data);
  const train = data.issues.filter((issue) => issue.split === 'train').length;
  log(
    `${scenario}: ${train} train and ${data.issues.length - train} test issues, ${data.edges.length} call edges, ` +
      `no-issue windows: ${context.noIssueWindows[0].length} tuning, ${context.noIssueWindows[1].length} reported`,
  );
  return context;
});

const chosen = tuneGates(contexts, tuneRanking(contexts));

const byScenario: Record<string, unknown> = {};
const testTop1: number[] = [];
const testTop3: number[] = [];
const specificities: number[] = [];
const table: string[] = ['| scenario | split | target | issues | top-1 | top-3 |', '|---|---|---|---:|---:|---:|'];
const specificityTable: string[] = ['| scenario | target | windows | specificity |', '|---|---|---:|---:|'];
for (const context of contexts) {
  const scenario = context.data.scenario;
  const summary: Record<string, unknown> = {};
  for (const split of ['train', 'test'] as const) {
    const { all, byMetric, details } = scoreIssues(context, split, chosen);
    for (const { issue, rank, top } of details) {
      log(
        `  ${scenario} ${split}/${issue.name.padEnd(8)} ${issue.target.target.metric.padEnd(12)} ` +
          `truth ${short(issue.target.root_cause.node).padEnd(28)} rank ${String(rank ?? '-').padEnd(2)} top: ${top.join(', ') || '(nobody)'}`,
      );
    }
    const metrics: Record<string, unknown> = {};
    for (const metric of TARGET_METRICS) {
      const scored = byMetric.get(metric) ?? empty();
      metrics[metric] = {
        issues: scored.count,
        top1: ratio(scored.hits1, scored.count),
        top3: ratio(scored.hits3, scored.count),
      };
      table.push(
        `| ${scenario} | ${split} | ${metric} | ${scored.count} | ${ratio(scored.hits1, scored.count).toFixed(2)} | ${ratio(scored.hits3, scored.count).toFixed(2)} |`,
      );
    }
    const top1 = ratio(all.hits1, all.count);
    const top3 = ratio(all.hits3, all.count);
    table.push(`| ${scenario} | ${split} | all | ${all.count} | ${top1.toFixed(2)} | ${top3.toFixed(2)} |`);
    summary[split] = { issues: all.count, top1, top3, by_metric: metrics };
    if (split === 'test') {
      testTop1.push(top1);
      testTop3.push(top3);
    }
  }
  const reported = context.noIssueWindows[1];
  if (reported.length > 0) {
    const bySpecificity: Record<string, unknown> = {};
    for (const [metric, { quiet, count }] of specificity(reported, context, chosen)) {
      bySpecificity[metric] = { windows: count, specificity: quiet / count };
      specificities.push(quiet / count);
      specificityTable.push(`| ${scenario} | ${metric} | ${count} | ${(quiet / count).toFixed(2)} |`);
    }
    summary.specificity = bySpecificity;
  } else {
    summary.specificity = null;
  }
  byScenario[scenario] = summary;
}
log(table.join('\n'));
log(specificityTable.join('\n'));
log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const round = (value: number) => Math.round(value * 1000) / 1000;
console.log(
  JSON.stringify({
    test_top1_min: round(Math.min(...testTop1)),
    test_top3_min: round(Math.min(...testTop3)),
    test_top1_mean: round(testTop1.reduce((sum, value) => sum + value, 0) / testTop1.length),
    specificity_min: round(Math.min(...specificities)),
    tuned: chosen,
    by_scenario: byScenario,
  }),
);
