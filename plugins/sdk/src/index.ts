export { definePlugin, promqlString, renderQuery } from './define.ts';
export type { Evidence } from './evidence.ts';
export { factEvidence, logEvidence, signalEvidence } from './evidence.ts';
export { formatBytes, formatDuration, formatPercent, formatValue } from './format.ts';
export { HttpError, type HttpFailure, JsonHttp, type JsonRequest } from './http.ts';
export type * from './manifest.ts';
export type { Finding } from './rules.ts';
export { bySeverity, runRules, SEVERITY_ORDER } from './rules.ts';
