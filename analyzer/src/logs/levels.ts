/**
 * Log levels as shippers spell them (`ERROR`, `err`, `E`, `FATAL`, `crit`, `<3>`, `WARNING`, `Note`, `LOG`…)
 * folded into a few families, so that counts and surges compare across middleware.
 */

/** Families in a fixed order: a family's index is its slot in the per-window level counters. */
export const LEVEL_FAMILIES = ['error', 'warn', 'info', 'debug', 'unknown'] as const;
export type LevelFamily = (typeof LEVEL_FAMILIES)[number];

export const ERROR_FAMILY = 0;
export const WARN_FAMILY = 1;
const INFO_FAMILY = 2;
const DEBUG_FAMILY = 3;
const UNKNOWN_FAMILY = 4;

const FAMILY_OF: Record<string, number> = {
  error: ERROR_FAMILY,
  err: ERROR_FAMILY,
  e: ERROR_FAMILY,
  fatal: ERROR_FAMILY,
  f: ERROR_FAMILY,
  panic: ERROR_FAMILY,
  critical: ERROR_FAMILY,
  crit: ERROR_FAMILY,
  alert: ERROR_FAMILY,
  emerg: ERROR_FAMILY,
  emergency: ERROR_FAMILY,
  severe: ERROR_FAMILY,
  warn: WARN_FAMILY,
  warning: WARN_FAMILY,
  w: WARN_FAMILY,
  info: INFO_FAMILY,
  information: INFO_FAMILY,
  informational: INFO_FAMILY,
  i: INFO_FAMILY,
  notice: INFO_FAMILY,
  note: INFO_FAMILY,
  log: INFO_FAMILY,
  statement: INFO_FAMILY,
  debug: DEBUG_FAMILY,
  d: DEBUG_FAMILY,
  trace: DEBUG_FAMILY,
  verbose: DEBUG_FAMILY,
  fine: DEBUG_FAMILY,
  finer: DEBUG_FAMILY,
  finest: DEBUG_FAMILY,
  // PostgreSQL's DEBUG1..DEBUG5 lose their digit below.
};

/** Syslog severities 0–7 (RFC 5424): emerg, alert, crit, err → error; warning; notice, info; debug. */
const SYSLOG_FAMILY = [
  ERROR_FAMILY,
  ERROR_FAMILY,
  ERROR_FAMILY,
  ERROR_FAMILY,
  WARN_FAMILY,
  INFO_FAMILY,
  INFO_FAMILY,
  DEBUG_FAMILY,
];

/** The index in LEVEL_FAMILIES of a level as written by any shipper; `unknown` when it cannot tell. */
export function levelFamilyIndex(level: string | undefined): number {
  if (!level) return UNKNOWN_FAMILY;
  // `[Warning]`, `<3>`, ` ERROR `, `debug2`: keep the word or the number.
  const word = level
    .trim()
    .toLowerCase()
    .replace(/^[[<(]+|[\]>):]+$/g, '');
  const family = FAMILY_OF[word] ?? FAMILY_OF[word.replace(/\d+$/, '')];
  if (family !== undefined) return family;
  const severity = /^[0-7]$/.test(word) ? SYSLOG_FAMILY[Number(word)] : undefined;
  return severity ?? UNKNOWN_FAMILY;
}

export function levelFamily(level: string | undefined): LevelFamily {
  return LEVEL_FAMILIES[levelFamilyIndex(level)] ?? 'unknown';
}

/** Counts per family, from counters indexed like LEVEL_FAMILIES; families with no line are left out. */
export function levelMix(counts: ArrayLike<number>): Partial<Record<LevelFamily, number>> {
  const mix: Partial<Record<LevelFamily, number>> = {};
  LEVEL_FAMILIES.forEach((family, index) => {
    const count = counts[index] ?? 0;
    if (count > 0) mix[family] = count;
  });
  return mix;
}
