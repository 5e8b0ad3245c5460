export { definePlugin, promqlString, rateIntervalFor, renderQuery } from './define.ts';
export type { Evidence } from './evidence.ts';
export { factEvidence, logEvidence, notableLogEvidence, notableLogs, signalEvidence } from './evidence.ts';
export { type Cleanup, cleanupStack, faultName, type InduceOptions, induceFault } from './faults.ts';
export { excerpt, formatBytes, formatDuration, formatPercent, formatValue } from './format.ts';
export {
  largestBy,
  levelAbove,
  levelBelow,
  messageOf,
  redactUrl,
  round,
  type Thresholds,
  windowSeconds,
} from './helpers.ts';
export { HttpError, type HttpFailure, JsonHttp, type JsonRequest } from './http.ts';
export type * from './manifest.ts';
export { FAULT_CLASSES } from './manifest.ts';
export type { Finding, NotableLogRuleSpec } from './rules.ts';
export { bySeverity, notableLogRule, runRules, SEVERITY_ORDER } from './rules.ts';
export { type NormalizeSqlOptions, normalizeSql } from './sql.ts';
