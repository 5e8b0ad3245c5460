/**
 * SQL text with its literals taken out, for connectors that read other sessions' statements: a statement's
 * literals and comments may hold passwords (`ALTER ROLE … PASSWORD '…'`, `IDENTIFIED BY '…'`) or personal
 * data, and what a connector collects reaches explanations, the browser and the LLM.
 */

export interface NormalizeSqlOptions {
  /**
   * `standard` (PostgreSQL, the default): "…" quotes an identifier and a backslash escapes only in E'…';
   * $$…$$ and $tag$…$tag$ quote strings; comments nest. `mysql` (MySQL, MariaDB): "…" is a string, as it is
   * without ANSI_QUOTES, a backslash escapes in every string (no NO_BACKSLASH_ESCAPES), `#` starts a comment,
   * `--` only when whitespace follows, and `_charset'…'` is a string.
   */
  dialect?: 'standard' | 'mysql';
}

/** What the last token was, as far as a sign after it is concerned. */
type TokenKind = 'start' | 'operator' | 'value';

/** What a comment becomes: its text may carry secrets as well. */
const COMMENT = '/* … */';
const LITERAL = '?';

const WORD = /[\p{L}\p{M}_][\p{L}\p{M}\p{N}_$]*/uy;
const WORD_START = /[\p{L}\p{M}_]/u;
/** Also starts with a digit: MySQL allows identifiers such as `1st_table`. */
const WORD_TAIL = /[\p{L}\p{M}\p{N}_$]*/uy;
const WORD_CHAR = /[\p{L}\p{M}\p{N}_$]/u;
const NUMBER = /0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/y;
const DOLLAR_TAG = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;
const PARAMETER = /\$\d+/y;
/** Controls and spaces: what MySQL needs after `--` for a comment. */
const SPACE = /[\s\p{Cc}]/u;
/** Words after which `-` or `+` is a sign rather than an operator. */
const SIGN_BEFORE = new Set([
  'and',
  'between',
  'by',
  'case',
  'default',
  'else',
  'having',
  'in',
  'interval',
  'is',
  'like',
  'limit',
  'not',
  'offset',
  'or',
  'return',
  'select',
  'set',
  'then',
  'values',
  'when',
  'where',
]);

/**
 * `text` with every string literal (with its prefix: E'…', N'…', U&'…', _utf8mb4'…'), dollar-quoted string,
 * number (a sign in front included), hex and bit literal (x'…', 0x…, b'…', 0b…) replaced by `?`, every comment
 * by `/* … *\/`, and lists of them collapsed: `IN (?…)`, `ARRAY[?…]`, `VALUES (?, ?), …`. Keywords, identifiers
 * (`t1` included), operators, placeholders (`$1`, `?`) and whitespace stay. An unterminated literal or comment,
 * as in a statement the server cut short, is replaced up to the end.
 */
export function normalizeSql(text: string, options: NormalizeSqlOptions = {}): string {
  const mysql = options.dialect === 'mysql';
  let out = '';
  let at = 0;
  /** The last token that was not whitespace or a comment: whether a `-` or `+` after it is a sign. */
  let previous = 'start' as TokenKind;
  /** Where in `out` a sign stands that a number right after it (whitespace aside) takes in. */
  let signAt: number | undefined;

  const emit = (token: string, kind: TokenKind): void => {
    out += token;
    previous = kind;
    signAt = undefined;
  };
  const literal = (end: number): void => {
    emit(LITERAL, 'value');
    at = end;
  };

  while (at < text.length) {
    const char = text[at] ?? '';
    const next = text[at + 1] ?? '';
    if (SPACE.test(char)) {
      out += char;
      at += 1;
    } else if (char === '/' && next === '*') {
      at = blockCommentEnd(text, at, !mysql);
      emit(COMMENT, previous);
    } else if (
      (char === '-' && next === '-' && (!mysql || SPACE.test(text[at + 2] ?? ' '))) ||
      (mysql && char === '#')
    ) {
      at = lineEnd(text, at);
      emit(COMMENT, previous);
    } else if (char === "'") {
      literal(quotedEnd(text, at, "'", mysql));
    } else if (char === '"') {
      const end = quotedEnd(text, at, '"', mysql);
      if (mysql) literal(end);
      else {
        emit(text.slice(at, end), 'value');
        at = end;
      }
    } else if (char === '`') {
      const end = quotedEnd(text, at, '`', false);
      emit(text.slice(at, end), 'value');
      at = end;
    } else if (char === '$' && !mysql && matchAt(DOLLAR_TAG, text, at) !== undefined) {
      const tag = matchAt(DOLLAR_TAG, text, at) ?? '$$';
      const close = text.indexOf(tag, at + tag.length);
      literal(close === -1 ? text.length : close + tag.length);
    } else if (char === '$' && matchAt(PARAMETER, text, at) !== undefined) {
      const parameter = matchAt(PARAMETER, text, at) ?? '$';
      emit(parameter, 'value');
      at += parameter.length;
    } else if (/\d/.test(char) || (char === '.' && /\d/.test(next) && !WORD_CHAR.test(text[at - 1] ?? ''))) {
      const number = matchAt(NUMBER, text, at) ?? char;
      const end = at + number.length;
      if (WORD_CHAR.test(text[end] ?? '')) {
        // Digits followed by letters: a MySQL identifier such as 1st_table, not a number.
        const word = number + (matchAt(WORD_TAIL, text, end) ?? '');
        emit(word, 'value');
        at += word.length;
      } else {
        if (signAt !== undefined) out = out.slice(0, signAt);
        literal(end);
      }
    } else if (WORD_START.test(char)) {
      const word = matchAt(WORD, text, at) ?? char;
      const end = at + word.length;
      const prefix = stringPrefix(word, text, end, mysql);
      if (prefix !== undefined) {
        literal(quotedEnd(text, end + prefix.skip, "'", prefix.backslash));
      } else {
        emit(word, SIGN_BEFORE.has(word.toLowerCase()) ? 'operator' : 'value');
        at = end;
      }
    } else {
      const sign = (char === '-' || char === '+') && previous !== 'value' ? out.length : undefined;
      emit(char, char === ')' || char === ']' || char === '?' ? 'value' : 'operator');
      signAt = sign;
      at += 1;
    }
  }
  return collapseLists(out);
}

/** `IN (?, ?, ?)` → `IN (?…)`, `ARRAY[?, ?]` → `ARRAY[?…]`, `VALUES (?, ?), (?, ?)` → `VALUES (?, ?), …`. */
function collapseLists(text: string): string {
  const list = String.raw`\?(?:\s*,\s*\?)*`;
  return text
    .replace(new RegExp(String.raw`\b(in)\s*\(\s*${list}\s*\)`, 'gi'), '$1 (?…)')
    .replace(new RegExp(String.raw`\b(array)\s*\[\s*${list}\s*\]`, 'gi'), '$1[?…]')
    .replace(new RegExp(String.raw`\b(values\s*\(\s*${list}\s*\))(?:\s*,\s*\(\s*${list}\s*\))+`, 'gi'), '$1, …');
}

/**
 * Whether `word`, right before `text[end]`, prefixes a quoted string: E, N, X, B, U& and MySQL's `_charset`
 * introducers. `skip` is how far past the word the quote is; `backslash`, whether it escapes inside.
 */
function stringPrefix(
  word: string,
  text: string,
  end: number,
  mysql: boolean,
): { skip: number; backslash: boolean } | undefined {
  const lower = word.toLowerCase();
  if (text[end] === "'") {
    if (['n', 'x', 'b'].includes(lower)) return { skip: 0, backslash: mysql };
    if (lower === 'e' && !mysql) return { skip: 0, backslash: true };
    if (mysql && lower.startsWith('_')) return { skip: 0, backslash: true };
  }
  if (lower === 'u' && !mysql && text[end] === '&' && text[end + 1] === "'") return { skip: 1, backslash: false };
  return undefined;
}

/** The index just past the string or quoted identifier opening at `start`; a doubled quote stands for one. */
function quotedEnd(text: string, start: number, quote: string, backslash: boolean): number {
  let at = start + 1;
  while (at < text.length) {
    const char = text[at];
    if (backslash && char === '\\') at += 2;
    else if (char === quote && text[at + 1] === quote) at += 2;
    else if (char === quote) return at + 1;
    else at += 1;
  }
  return text.length;
}

/** The index just past the `/* … *\/` comment opening at `start`; PostgreSQL's comments nest. */
function blockCommentEnd(text: string, start: number, nested: boolean): number {
  let depth = 0;
  let at = start;
  while (at < text.length) {
    if (text.startsWith('/*', at) && (nested || depth === 0)) {
      depth += 1;
      at += 2;
    } else if (text.startsWith('*/', at)) {
      depth -= 1;
      at += 2;
      if (depth === 0) return at;
    } else at += 1;
  }
  return text.length;
}

/** The index of the line break ending the line comment at `start` (the break itself stays). */
function lineEnd(text: string, start: number): number {
  const end = text.slice(start).search(/[\r\n]/);
  return end === -1 ? text.length : start + end;
}

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}
