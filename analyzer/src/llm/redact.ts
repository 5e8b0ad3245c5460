/**
 * Redaction of what leaves the process for an LLM: passwords, tokens and keys, private keys, credentials in
 * connection strings, e-mail addresses, IP addresses (optional) and the literals of SQL statements. Pure: text
 * in, text and counts out. Rules err towards masking: a word lost from a log line costs less than a secret sent.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeSql } from '@kubestack/plugin-sdk';

export type RedactionKind = 'password' | 'token' | 'private-key' | 'credentials' | 'email' | 'ip' | 'sql';

/** How many values of each kind were masked. */
export type RedactionCounts = Partial<Record<RedactionKind, number>>;

export interface RedactOptions {
  /** Mask IPv4 and IPv6 addresses too (default true). */
  ips?: boolean;
}

/** What a masked value becomes; recognisable to the model and to a reader, and never masked twice. IP addresses
 * are numbered instead (`[redacted:ip-1]`), see `Redactor`. */
export function mask(kind: RedactionKind): string {
  return `[redacted:${kind}]`;
}

const MASKED = String.raw`\[redacted:[a-z0-9-]+\]`;

/**
 * Names of fields, options and variables whose value is a secret: `password`, `PGPASSWORD`, `db.pwd`,
 * `api_key`, `X-Auth-Token`, `client_secret`… The first group tells passwords from other secrets.
 */
const SECRET_NAME = String.raw`[\w.-]*?(?:(passw(?:or)?d|passphrase|pwd)|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?|authorization|auth|cookie|session[_-]?id)[\w.-]*`;
const SECRET_KEY = new RegExp(`^${SECRET_NAME}$`, 'i');

/** Values that say something about a secret without being one: `using password: YES`, `token=false`. */
const NOT_A_SECRET =
  /^(?:yes|no|true|false|null|none|nil|empty|on|off|\*+|x+|\[?hidden\]?|<hidden>|\[?redacted\]?|\[?filtered\]?)$/i;

const QUOTED = String.raw`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'`;
/** Unquoted values end at whitespace, a separator or a closing bracket of the structure around them. */
const BARE = String.raw`[^\s,;&"'}\]]+`;
const AUTH_SCHEME = String.raw`(?:Bearer|Basic|Digest|Token|Negotiate)\s+`;

interface Rule {
  pattern: RegExp;
  replace: (counts: RedactionCounts, groups: Record<string, string | undefined>) => string;
}

function count(counts: RedactionCounts, kind: RedactionKind): string {
  counts[kind] = (counts[kind] ?? 0) + 1;
  return mask(kind);
}

/** The kind of the secret a field or variable named `name` holds. */
function kindOfName(name: string): RedactionKind {
  return /passw(?:or)?d|passphrase|pwd/i.test(name) ? 'password' : 'token';
}

const ALREADY_MASKED = new RegExp(`^${MASKED}`);

/** `value` masked as a secret of `kind`, its quotes kept; unchanged when it is no secret or masked already. */
function maskValue(counts: RedactionCounts, value: string, kind: RedactionKind): string {
  const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
  const inner = quote ? value.slice(1, -1) : value;
  // Trailing punctuation of the sentence around a bare value ("using password: YES)") is not part of it.
  const bare = quote ? inner : inner.replace(/[).]+$/, '');
  if (inner === '' || NOT_A_SECRET.test(bare) || ALREADY_MASKED.test(inner)) return value;
  return `${quote}${count(counts, kind)}${quote}`;
}

/** `lead` kept, `value` masked as a password. */
const leadThenPassword: Rule['replace'] = (counts, groups) =>
  `${groups.lead}${maskValue(counts, groups.value ?? '', 'password')}`;

/** Rules in order: whole blocks first, so that later rules never see part of a key or a URL's userinfo. */
const RULES: Rule[] = [
  {
    // PEM private keys; one cut short (a truncated log line) is masked to the end.
    pattern:
      /-----BEGIN (?<label>[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \k<label>-----|$(?![\s\S]))|PuTTY-User-Key-File-\d+:[\s\S]*?Private-MAC:\s*\S+/g,
    replace: (counts) => count(counts, 'private-key'),
  },
  {
    // scheme://user:password@host → scheme://[redacted:credentials]@host; the last @ before the host ends the
    // userinfo, so a password with an unencoded @, ? or # is masked whole.
    pattern: new RegExp(String.raw`\b(?<scheme>[a-z][a-z0-9+.-]{1,30}):\/\/(?!${MASKED}@)[^\s/'"<>]*@`, 'gi'),
    replace: (counts, groups) => `${groups.scheme}://${count(counts, 'credentials')}@`,
  },
  {
    // Authorization schemes with their credentials; a token has a digit, a symbol or inner capitals, unlike
    // the prose in "Bearer authentication failed".
    pattern: new RegExp(
      String.raw`\b(?<scheme>Bearer|Basic|Digest|Negotiate|bearer|basic)\s+(?!${MASKED})(?=[\w.~+/=-]*(?:\d|[.~+/=_-]|[a-z][A-Z]))[\w.~+/=-]{8,}`,
      'g',
    ),
    replace: (counts, groups) => `${groups.scheme} ${count(counts, 'token')}`,
  },
  {
    // Well-known token formats: OpenAI-style sk-…, AWS access key ids, JWTs, GitHub, GitLab, Slack, Google keys.
    pattern:
      /\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}|(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}|eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|AIza[\w-]{35})/g,
    replace: (counts) => count(counts, 'token'),
  },
  {
    // SQL that sets a password: IDENTIFIED BY '…', PASSWORD '…', PASSWORD = PASSWORD('…').
    pattern: new RegExp(
      String.raw`(?<lead>\bIDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+(?:PASSWORD\s+)?|\bPASSWORD(?:\s*=\s*|\s+)(?:PASSWORD\s*\(\s*)?|\bPASSWORD\s*\(\s*)(?<value>${QUOTED})`,
      'gi',
    ),
    replace: leadThenPassword,
  },
  {
    // Redis: AUTH [username] password, as a command or as MONITOR prints it ("AUTH" "user" "pass"): both
    // arguments are masked, since which one is the password depends on their number.
    pattern: /(?<lead>(?<![\w-])"?AUTH"?[ \t]+)(?<value>"[^"\n]*"(?:[ \t]+"[^"\n]*")?|[^\s"']+(?:[ \t]+[^\s"']+)?)/g,
    replace: leadThenPassword,
  },
  {
    // Redis' requirepass and masterauth, mysql -pSECRET and --password SECRET on command lines.
    pattern: new RegExp(
      String.raw`(?<lead>(?<![\w-])"?(?:requirepass|masterauth)"?[ \t]+|\bmysql(?:admin|dump|check)?\b[^\n]*?\s-p(?=\S)|--(?:password|passwd|pass|token|api-key|secret)[ \t]+)(?<value>${QUOTED}|(?!${MASKED})[^\s"']+)`,
      'gi',
    ),
    replace: leadThenPassword,
  },
  {
    // name=value, name: value, "name": "value", name => value, NAME=value for secret-ish names; an
    // Authorization value keeps its scheme. Only a quoted value may follow the name after a bare space.
    pattern: new RegExp(
      String.raw`(?<lead>(?<![\w.-])(?<quote>["']?)(?<name>${SECRET_NAME})\k<quote>(?:\s*(?:=>|[:=])\s*(?!${AUTH_SCHEME}${MASKED})(?:${AUTH_SCHEME})?(?=\S)|\s+(?=["'])))(?<value>${QUOTED}|(?!${MASKED})${BARE})`,
      'gi',
    ),
    replace: (counts, groups) =>
      `${groups.lead}${maskValue(counts, groups.value ?? '', kindOfName(groups.name ?? ''))}`,
  },
];

// A statement's start: what a database log prints before one, or the keywords that open one.
const SQL_START = new RegExp(
  [
    String.raw`(?<marker>\b(?:(?:statement|query|execute [^:\n]{1,64}|parameters):[ \t]*|(?:Query|Prepare|Execute)\t+))(?=\S)`,
    String.raw`\b(?:select\b(?=[^\n]*\bfrom\b)|insert\s+into|replace\s+into|merge\s+into|delete\s+from|update\s+[\w."\x60]+\s+set\b|with\s+\w+\s+as\s*\(|(?:alter|create|drop)\s+(?:role|user|table|index|database|schema|view|function|procedure|trigger|extension|sequence|materialized)\b|grant\s+[^\n]+\bto\b|set\s+(?:password|session|global|local|search_path|role)\b|values\s*\(|call\s+[\w.]+\s*\(|copy\s+[\w."]+\s+(?:from|to)\b|truncate\s+(?:table\s+)?[\w."]+)`,
  ].join('|'),
  'gi',
);

/**
 * Literals of every SQL statement in `text` replaced by `?`: from the statement's start to the end of its line,
 * or further while a quote stays open. Both dialects' literal rules apply (MySQL's "…" strings and backslash
 * escapes, PostgreSQL's $$…$$): a double-quoted identifier becomes `?` too, which is the safe side.
 */
function redactSql(text: string, counts: RedactionCounts): string {
  let out = '';
  let at = 0;
  SQL_START.lastIndex = 0;
  for (let match = SQL_START.exec(text); match !== null; match = SQL_START.exec(text)) {
    const start = match.index + (match.groups?.marker?.length ?? 0);
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    while (end < text.length && quotesOpen(text.slice(start, end))) {
      const next = text.indexOf('\n', end + 1);
      end = next === -1 ? text.length : next;
    }
    const statement = text.slice(start, end);
    const normalized = normalizeSql(normalizeSql(statement, { dialect: 'mysql' }));
    out += text.slice(at, start) + normalized;
    if (normalized !== statement) count(counts, 'sql');
    at = end;
    SQL_START.lastIndex = Math.max(end, match.index + 1);
  }
  return out + text.slice(at);
}

/** Whether an odd number of single quotes leaves a string literal open (doubled quotes count twice). */
function quotesOpen(statement: string): boolean {
  let quotes = 0;
  for (let i = 0; i < statement.length; i += 1) if (statement.charCodeAt(i) === 39) quotes += 1;
  return quotes % 2 === 1;
}

const EMAIL =
  /(?<![\w.%+-])[A-Za-z0-9][\w.%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b/g;
const IPV4 = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d)/g;
/** Candidates only: runs of hex digits, colons and dots; node's parser decides which are addresses. */
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?/g;

/**
 * Redacts many texts and values as one whole, e.g. everything sent in one request: it sums what it masked, and
 * names each distinct IP address the same way everywhere (`[redacted:ip-1]`, `[redacted:ip-2]`…) so that the
 * reader can still tell instances apart.
 */
export class Redactor {
  readonly counts: RedactionCounts = {};
  readonly #ips: boolean;
  readonly #ipNames = new Map<string, string>();

  constructor(options: RedactOptions = {}) {
    this.#ips = options.ips !== false;
  }

  /** `text` with every secret, e-mail address, SQL literal and (unless `ips: false`) IP address masked. */
  text(text: string): string {
    const counts = this.counts;
    let out = text;
    for (const rule of RULES) {
      rule.pattern.lastIndex = 0;
      out = out.replace(rule.pattern, (...args: unknown[]) => {
        // With named groups, the last argument of a replacer is the groups object.
        const groups = args.at(-1);
        return rule.replace(
          counts,
          (typeof groups === 'object' && groups !== null ? groups : {}) as Record<string, string>,
        );
      });
    }
    out = redactSql(out, counts);
    out = out.replace(EMAIL, () => count(counts, 'email'));
    return this.#ips ? this.#redactIps(out) : out;
  }

  /**
   * A JSON-like value with every string redacted, keys included, and the whole value of a secret-named field
   * (`password`, `apiKey`, `token`…) masked whatever it looks like. Dates and other objects with `toJSON` are
   * taken as JSON would take them; functions and undefined are left out; a cycle becomes "[circular]".
   */
  value(value: unknown): unknown {
    const seen = new WeakSet<object>();
    const walk = (item: unknown): unknown => {
      if (typeof item === 'string') return this.text(item);
      if (typeof item === 'bigint') return item.toString();
      if (item === null || typeof item !== 'object') return typeof item === 'function' ? undefined : item;
      if (seen.has(item)) return '[circular]';
      seen.add(item);
      const json = (item as { toJSON?: unknown }).toJSON;
      if (typeof json === 'function') return walk(json.call(item));
      if (Array.isArray(item)) return item.map((element) => walk(element) ?? null);
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(item)) {
        const walked = secretField(key, field) ? count(this.counts, kindOfName(key)) : walk(field);
        if (walked === undefined) continue;
        let name = this.text(key);
        for (let n = 2; Object.hasOwn(out, name); n += 1) name = `${name} #${n}`;
        out[name] = walked;
      }
      return out;
    };
    return walk(value);
  }

  #ipName(address: string): string {
    this.counts.ip = (this.counts.ip ?? 0) + 1;
    const key = address.toLowerCase();
    let name = this.#ipNames.get(key);
    if (name === undefined) {
      name = `[redacted:ip-${this.#ipNames.size + 1}]`;
      this.#ipNames.set(key, name);
    }
    return name;
  }

  #redactIps(text: string): string {
    // IPv6 first: an IPv4-mapped address (::ffff:10.0.0.1) is one address.
    const v6 = text.replace(IPV6_CANDIDATE, (match) => {
      // A sentence may end right after the address ("from fe80::1.").
      const address = match.replace(/[:.]+$/, '');
      const zoneless = address.replace(/%.*$/, '');
      return isIPv6(zoneless) ? this.#ipName(zoneless) + match.slice(address.length) : match;
    });
    return v6.replace(IPV4, (match) => (isIPv4(match) ? this.#ipName(match) : match));
  }
}

/** `text` redacted on its own; see `Redactor.text`. */
export function redactText(text: string, options: RedactOptions = {}): { text: string; counts: RedactionCounts } {
  const redactor = new Redactor(options);
  return { text: redactor.text(text), counts: redactor.counts };
}

/** `value` redacted on its own; see `Redactor.value`. */
export function redactValue(value: unknown, options: RedactOptions = {}): { value: unknown; counts: RedactionCounts } {
  const redactor = new Redactor(options);
  return { value: redactor.value(value), counts: redactor.counts };
}

/** Whether a field's value is a secret by its name: any scalar of a password field, strings of other secrets. */
function secretField(key: string, value: unknown): boolean {
  if (!SECRET_KEY.test(key)) return false;
  if (typeof value === 'string') return value !== '' && !NOT_A_SECRET.test(value);
  return kindOfName(key) === 'password' && (typeof value === 'number' || typeof value === 'bigint');
}
