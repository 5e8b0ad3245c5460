/**
 * bench:nab — our detector ("kubestack") on the Numenta Anomaly Benchmark, scored by the faithful
 * scorer port. One configuration for the whole corpus; thresholds optimised per profile over the
 * corpus (the scoreboard's protocol) and, held out, tuned on the 38 files outside the ops subset and
 * scored once on the 20 ops files. Writes raw scores in NAB's results layout and ends with one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { anomalyScores, defaultWarmUp } from '../../src/detect/score.ts';
import { detectSeasonality, medianSpacing } from '../../src/series/index.ts';
import {
  corpusFiles,
  PROFILES,
  type ProfileName,
  readProfiles,
  readSeries,
  readWindows,
  resultsFile,
} from './corpus.ts';
import { bestThreshold, type Candidate, candidateThresholds, normalize, scoreAtThreshold, sweep } from './scorer.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
const RESULTS_DIR = join(REPO, 'data', 'bench', 'nab');
const DETECTOR = 'kubestack';
/** The "ops" subset (server and cloud metrics), as listed in ../shared/data/README.md. */
const OPS_KNOWN_CAUSE = [
  'realKnownCause/cpu_utilization_asg_misconfiguration.csv',
  'realKnownCause/ec2_request_latency_system_failure.csv',
  'realKnownCause/machine_temperature_system_failure.csv',
];
const isOps = (file: string) => file.startsWith('realAWSCloudwatch/') || OPS_KNOWN_CAUSE.includes(file);
const CANDIDATES = 4000;

const log = (message: string) => process.stderr.write(`bench:nab ${message}\n`);

const files = corpusFiles();
const windows = readWindows();
const profiles = readProfiles();
log(`${files.length} series, ${Object.values(windows).reduce((sum, w) => sum + w.length, 0)} labelled windows`);

let points = 0;
let detectSeconds = 0;
const series = files.map((file) => {
  const { timestamps, values } = readSeries(join(REPO, '..', 'shared', 'data', 'nab', 'data', file));
  const started = performance.now();
  // The season is found on the warm-up only: the detector may not look ahead.
  const warmUp = defaultWarmUp(values.length);
  const seasonPeriod = detectSeasonality(values.subarray(0, warmUp), medianSpacing(timestamps.subarray(0, warmUp)));
  const scores = anomalyScores(values, { warmUp, seasonPeriod });
  detectSeconds += (performance.now() - started) / 1000;
  points += values.length;
  const out = resultsFile(RESULTS_DIR, DETECTOR, file);
  mkdirSync(dirname(out), { recursive: true });
  const lines = ['timestamp,anomaly_score'];
  for (let i = 0; i < timestamps.length; i += 1) {
    lines.push(`${new Date(timestamps[i] as number).toISOString().replace('T', ' ').slice(0, 19)},${scores[i]}`);
  }
  writeFileSync(out, `${lines.join('\n')}\n`);
  return { file, timestamps, scores };
});
log(`detected ${points} points in ${detectSeconds.toFixed(3)} s (${Math.round(points / detectSeconds)} points/s)`);

function prepared(profile: ProfileName, subset: (file: string) => boolean): Array<Candidate & { file: string }> {
  return series
    .filter(({ file }) => subset(file))
    .map(({ file, timestamps, scores }) => ({
      file,
      scores,
      sweep: sweep(timestamps, windows[file] ?? [], profiles[profile]),
    }));
}

function normalizedAt(set: Array<Candidate & { file: string }>, threshold: number, profile: ProfileName): number {
  let raw = 0;
  let count = 0;
  for (const file of set) {
    raw += scoreAtThreshold(file.sweep, file.scores, threshold, profiles[profile]).score;
    count += file.sweep.windows;
  }
  return normalize(raw, count, profiles[profile]);
}

const result: Record<string, number | string> = {};
const thresholds = {} as Record<ProfileName, number>;
for (const profile of PROFILES) {
  const all = prepared(profile, () => true);
  const { threshold } = bestThreshold(all, candidateThresholds(all, CANDIDATES), profiles[profile]);
  thresholds[profile] = threshold;
  result[profile] = round(normalizedAt(all, threshold, profile));
  log(`${profile}: ${result[profile]} at threshold ${threshold}`);
}

const standardAll = prepared('standard', () => true);
const categories = [...new Set(files.map((file) => file.split('/')[0] ?? ''))];
for (const category of categories) {
  const inCategory = standardAll.filter(({ file }) => file.startsWith(`${category}/`));
  const windowsIn = inCategory.reduce((sum, file) => sum + file.sweep.windows, 0);
  const text =
    windowsIn === 0 ? 'no windows' : String(round(normalizedAt(inCategory, thresholds.standard, 'standard')));
  log(`  standard, ${category}: ${text}`);
}

const tuning = prepared('standard', (file) => !isOps(file));
const heldOut = prepared('standard', isOps);
const tuned = bestThreshold(tuning, candidateThresholds(tuning, CANDIDATES), profiles.standard);
result.heldout_ops_standard = round(normalizedAt(heldOut, tuned.threshold, 'standard'));
log(
  `held out: threshold ${tuned.threshold} tuned on ${tuning.length} files, ${heldOut.length} ops files score ${result.heldout_ops_standard}`,
);

result.points_per_second = Math.round(points / detectSeconds);
result.corpus_seconds = Number(detectSeconds.toFixed(3));
result.resultsDir = relative(REPO, RESULTS_DIR);
process.stdout.write(`${JSON.stringify(result)}\n`);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
