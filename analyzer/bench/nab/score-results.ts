/** Scores a detector's results folder (NAB layout) with given thresholds: normalised score per profile. */
import {
  corpusFiles,
  NAB_DIR,
  PROFILES,
  type ProfileName,
  readProfiles,
  readSeries,
  readWindows,
  resultsFile,
} from './corpus.ts';
import { normalize, scoreAtThreshold, sweep } from './scorer.ts';

export interface ProfileResult {
  normalized: number;
  raw: number;
  perFile: Record<string, number>;
}

export function scoreResults(
  resultsDir: string,
  detector: string,
  thresholds: Record<ProfileName, number>,
  files = corpusFiles(),
  dir = NAB_DIR,
): Record<ProfileName, ProfileResult> {
  const windows = readWindows(dir);
  const profiles = readProfiles(dir);
  const series = files.map((file) => ({ file, ...readSeries(resultsFile(resultsDir, detector, file)) }));
  const out = {} as Record<ProfileName, ProfileResult>;
  for (const name of PROFILES) {
    const profile = profiles[name];
    let raw = 0;
    let windowCount = 0;
    const perFile: Record<string, number> = {};
    for (const { file, timestamps, values } of series) {
      const swept = sweep(timestamps, windows[file] ?? [], profile);
      const { score } = scoreAtThreshold(swept, values, thresholds[name], profile);
      perFile[file] = score;
      raw += score;
      windowCount += swept.windows;
    }
    out[name] = { normalized: normalize(raw, windowCount, profile), raw, perFile };
  }
  return out;
}
