/** Small pure helpers that rules, connectors and fault scenarios of every plugin share. */
import type { Severity } from './manifest.ts';

/** The values at which a reading becomes a warning, and a critical finding. */
export interface Thresholds {
  warning: number;
  critical: number;
}

/** The severity of a value that is bad when high: critical from `limit.critical`, warning from `limit.warning`. */
export function levelAbove(value: number, limit: Thresholds): Severity | null {
  return value >= limit.critical ? 'critical' : value >= limit.warning ? 'warning' : null;
}

/** The severity of a value that is bad when low: critical under `limit.critical`, warning under `limit.warning`. */
export function levelBelow(value: number, limit: Thresholds): Severity | null {
  return value < limit.critical ? 'critical' : value < limit.warning ? 'warning' : null;
}

/** The length of a diagnosis window in seconds. */
export function windowSeconds(window: { from: Date; to: Date }): number {
  return (window.to.getTime() - window.from.getTime()) / 1000;
}

/** The item with the largest numeric `key` (missing counts as 0), the first of equals; undefined for none. */
export function largestBy<T extends object, K extends keyof T>(items: T[], key: K): T | undefined {
  return items.reduce<T | undefined>(
    (best, item) => (best === undefined || Number(item[key] ?? 0) > Number(best[key] ?? 0) ? item : best),
    undefined,
  );
}

/** `value` rounded to `digits` decimal places, for evidence and explanations. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `message` without the connection URL or its password, for errors that quote what a client library said:
 * the URL becomes `<url>`, the password (as written in the URL and decoded) `***`.
 */
export function redactUrl(message: string, url: string): string {
  let safe = message.replaceAll(url, '<url>');
  const password = URL.parse(url)?.password ?? '';
  for (const secret of [decodedOrSame(password), password]) {
    if (secret !== '') safe = safe.replaceAll(secret, '***');
  }
  return safe;
}

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
