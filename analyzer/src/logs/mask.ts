/**
 * Variable parts of a log message replaced by `<*>` before clustering, so that lines differing only in
 * values (a pid, an address, a duration, a file) share one template from their first occurrence on.
 * One regular expression with one alternative per kind of value: a single left-to-right pass per line.
 */

export const WILDCARD = '<*>';

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*';
const WEEKDAY = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*';
const CLOCK = String.raw`\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?`;
const ZONE = String.raw`(?:\s?(?:Z|UTC|GMT)\b|[+-]\d{2}:?\d{2}\b)`;
const HEX4 = '[0-9a-f]{1,4}';
const IPV6_GROUPS = `${HEX4}(?::${HEX4}){0,6}`;
const PORT = String.raw`(?::\d{1,5})?`;
/** A number glued to a unit, or one space apart: `12ms`, `3.5 s`, `40mb`, `706.54 ms`. */
const UNIT =
  '(?:ns|us|µs|ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|[kmgtp]i?b|b|bytes?|[kmgtp]i?b/s|%)';

const ALTERNATIVES = [
  // URLs first: their host, port and path are one value.
  String.raw`\b[a-z][a-z0-9+.-]*://[^\s"'<>()[\]{}]+`,
  '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  // Timestamps as one value whatever their spaces: ISO 8601 / SQL, 2026/11/25, Apache, Redis, syslog, ctime.
  String.raw`\d{4}-\d{2}-\d{2}(?:(?:T|\s{1,2})${CLOCK})?${ZONE}?`,
  String.raw`\d{4}/\d{2}/\d{2}(?: ${CLOCK})?`,
  String.raw`\d{1,2}/${MONTH}/\d{4}:${CLOCK}(?: [+-]\d{4})?`,
  String.raw`\b\d{1,2} ${MONTH} \d{4}(?: ${CLOCK})?`,
  String.raw`\b(?:${WEEKDAY},?\s+)?${MONTH}\s+\d{1,2}(?:,?\s+\d{4})?\s+${CLOCK}(?:\s+\d{4})?`,
  String.raw`(?<![\w.:])${CLOCK}${ZONE}?(?![\w:])`,
  String.raw`(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+`,
  // IPv6: eight groups, or a `::` abbreviation with at least one group; optionally [bracketed]:port.
  String.raw`(?<![\w:.])\[?(?:(?:${HEX4}:){7}${HEX4}|(?:${IPV6_GROUPS})?::${IPV6_GROUPS}|${IPV6_GROUPS}::)(?:\]${PORT})?(?![\w:])`,
  String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?${PORT}(?!\w)`,
  String.raw`\b0x[0-9a-f]+\b`,
  // Hex digests and ids: 8 or more hex digits with at least one digit and one letter (`deadbeef` is a word).
  String.raw`(?<!\w)(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?!\w)`,
  String.raw`(?<![\w.])\d+(?:\.\d+)?\s?${UNIT}(?![\w/])`,
  // Quoted strings (not an apostrophe inside a word, not a JSON key).
  String.raw`(?<![\w\\])'[^'\n]{0,256}'(?![\w:])`,
  String.raw`(?<![\w\\])"(?:[^"\\\n]|\\.){0,256}"(?![\w:])`,
  // key=value: the key stays.
  String.raw`(?<![\w.-])(?<key>[\w.-]+=)(?:"[^"\n]*"|'[^'\n]*'|[^\s,;)\]}>"'=][^\s,;)\]}>"']*)`,
  // Paths of two or more segments; a lone `/word` is too often an API route or `I/O`.
  String.raw`(?<![\w.~/-])(?:~|\.{1,2})?(?:/[\w.@%+~-]+){2,}/?`,
  String.raw`(?<![\w.])\d+(?:[.,:]\d+)*(?!\w)`,
];

const MASK = new RegExp(ALTERNATIVES.join('|'), 'gi');

/** `message` with every variable part replaced by `<*>` (the key of a key=value stays). */
export function maskMessage(message: string): string {
  return message.replace(MASK, `$<key>${WILDCARD}`);
}
