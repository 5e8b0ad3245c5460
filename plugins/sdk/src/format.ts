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
  return `${round(value)} ${BYTE_UNITS[unit]}`;
}

export function formatPercent(ratio: number): string {
  return `${round(ratio * 100)} %`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${round(seconds)} s`;
  if (seconds < 7200) return `${round(seconds / 60)} min`;
  if (seconds < 172800) return `${round(seconds / 3600)} h`;
  return `${round(seconds / 86400)} d`;
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
      return `${round(value)} %`;
    case 'seconds':
      return formatDuration(value);
    case 'milliseconds':
      return `${round(value)} ms`;
    case 'per_second':
      return `${round(value)}/s`;
    case 'count':
      return `${round(value)}`;
  }
}

function round(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}
