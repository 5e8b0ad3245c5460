/** Reads the NAB corpus in place (../shared/data/nab): series, labelled windows, profiles, thresholds. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostProfile, Window } from './scorer.ts';

export const NAB_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'nab');
export const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;
export type ProfileName = (typeof PROFILES)[number];

/** NAB timestamps are UTC wall-clock strings ("2014-02-19 10:50:00", optionally with a fraction). */
export function parseTime(text: string): number {
  const time = Date.parse(
    `${text
      .trim()
      .replace(' ', 'T')
      .replace(/(\.\d{3})\d*$/, '$1')}Z`,
  );
  if (Number.isNaN(time)) throw new Error(`not a NAB timestamp: ${text}`);
  return time;
}

/** A CSV of `timestamp,<value>` rows as two typed arrays (the header is skipped). */
export function readSeries(file: string): { timestamps: Float64Array; values: Float64Array } {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const timestamps = new Float64Array(lines.length);
  const values = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const comma = line.indexOf(',');
    timestamps[i] = parseTime(line.slice(0, comma));
    values[i] = Number(line.slice(comma + 1));
  });
  return { timestamps, values };
}

/** The 58 series, as `<category>/<file>.csv`, sorted. */
export function corpusFiles(dir = NAB_DIR): string[] {
  return readdirSync(join(dir, 'data'))
    .flatMap((category) => readdirSync(join(dir, 'data', category)).map((file) => `${category}/${file}`))
    .filter((file) => file.endsWith('.csv'))
    .sort();
}

export function readWindows(dir = NAB_DIR): Record<string, Window[]> {
  const raw = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    string[][]
  >;
  return Object.fromEntries(
    Object.entries(raw).map(([file, windows]) => [
      file,
      windows.map(([start, end]) => [parseTime(start ?? ''), parseTime(end ?? '')] as const),
    ]),
  );
}

export function readProfiles(dir = NAB_DIR): Record<ProfileName, CostProfile> {
  const raw = JSON.parse(readFileSync(join(dir, 'config', 'profiles.json'), 'utf8')) as Record<
    string,
    { CostMatrix: CostProfile }
  >;
  return Object.fromEntries(PROFILES.map((name) => [name, raw[name]?.CostMatrix])) as Record<ProfileName, CostProfile>;
}

export function readThresholds(detector: string, dir = NAB_DIR): Record<ProfileName, number> {
  const raw = JSON.parse(readFileSync(join(dir, 'config', 'thresholds.json'), 'utf8')) as Record<
    string,
    Record<string, { threshold: number }>
  >;
  const entry = raw[detector];
  if (!entry) throw new Error(`no thresholds for detector ${detector}`);
  return Object.fromEntries(PROFILES.map((name) => [name, entry[name]?.threshold])) as Record<ProfileName, number>;
}

/** A results file in NAB's layout: `<results>/<detector>/<category>/<detector>_<file>.csv`. */
export function resultsFile(resultsDir: string, detector: string, file: string): string {
  const [category, name] = file.split('/');
  return join(resultsDir, detector, category ?? '', `${detector}_${name}`);
}
