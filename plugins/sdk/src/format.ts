/** Human formatting for explanations. */
import type { Unit } from './manifest.ts';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${shortNumber(value)} ${BYTE_UNITS[unit]}`;
}

export function formatPercent(ratio: number): string {
  return `${shortNumber(ratio * 100)} %`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${shortNumber(seconds)} s`;
  if (seconds < 7200) return `${shortNumber(seconds / 60)} min`;
  if (seconds < 172800) return `${shortNumber(seconds / 3600)} h`;
  return `${shortNumber(seconds / 86400)} d`;
}

export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value);
    case 'bytes_per_second':
      return `${formatBytes(value)}/s`;
    case 'ratio':
      return formatPercent(value);
    case 'percent':
      return `${shortNumber(value)} %`;
    case 'seconds':
      return formatDuration(value);
    case 'milliseconds':
      return `${shortNumber(value)} ms`;
    case 'per_second':
      return `${shortNumber(value)}/s`;
    case 'count':
      return `${shortNumber(value)}`;
  }
}

/** Whole numbers as they are; others with two decimals under 10, one under 100, none above. */
function shortNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * A statement or other text for an explanation: on one line, in double quotes, cut to `maxLength` characters
 * with "..."; `whenMissing` when there is none.
 */
export function excerpt(text: string | null, whenMissing: string, maxLength = 120): string {
  if (text === null || text === '') return whenMissing;
  const flat = text.replace(/\s+/g, ' ').trim();
  return `"${flat.length > maxLength ? `${flat.slice(0, maxLength - 3)}...` : flat}"`;
}
