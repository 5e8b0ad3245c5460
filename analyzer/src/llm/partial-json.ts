/**
 * The top-level string fields of a JSON object read while its text still arrives, token by token: one field is
 * streamed as it is decoded (the narrative, to show while the model writes), the others are kept once complete
 * (the hypothesis, to check before anything is shown). Not a validator: the whole text is parsed at the end.
 */

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export class JsonFieldStream {
  /** Completed top-level string values by field name; the first occurrence of a name counts. */
  readonly strings = new Map<string, string>();
  readonly #streamedField: string;
  #depth = 0;
  #inString = false;
  /** An escape sequence begun in an earlier chunk, e.g. `\u00`. */
  #escape = '';
  #role: 'key' | 'value' | 'nested' = 'nested';
  #text = '';
  #afterColon = false;
  #key = '';
  #streaming = false;
  #streamed = false;
  /** A high surrogate decoded from `\uD83D`, held until its low half arrives so no delta splits a character. */
  #heldSurrogate = '';

  constructor(streamedField: string) {
    this.#streamedField = streamedField;
  }

  /** Takes the next piece of the text; returns what it adds to the streamed field's value (often ''). */
  feed(chunk: string): string {
    let out = '';
    for (const char of chunk) {
      if (this.#inString) out += this.#stringChar(char);
      else this.#structureChar(char);
    }
    if (out === '') return '';
    out = this.#heldSurrogate + out;
    this.#heldSurrogate = '';
    const last = out.charCodeAt(out.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#heldSurrogate = out.slice(-1);
      out = out.slice(0, -1);
    }
    return out;
  }

  #structureChar(char: string): void {
    if (char === '"') {
      this.#inString = true;
      this.#text = '';
      this.#role = this.#depth !== 1 ? 'nested' : this.#afterColon ? 'value' : 'key';
      if (this.#role === 'value' && this.#key === this.#streamedField && !this.#streamed) {
        this.#streaming = true;
        this.#streamed = true;
      }
    } else if (char === '{' || char === '[') this.#depth += 1;
    else if (char === '}' || char === ']') this.#depth -= 1;
    else if (this.#depth === 1 && char === ':') this.#afterColon = true;
    else if (this.#depth === 1 && char === ',') this.#afterColon = false;
  }

  /** One character inside a string; returns what it adds to the streamed value. */
  #stringChar(char: string): string {
    let decoded: string;
    if (this.#escape !== '') {
      this.#escape += char;
      const unicode = this.#escape[1] === 'u';
      if (unicode && this.#escape.length < 6) return '';
      decoded = unicode
        ? String.fromCharCode(Number.parseInt(this.#escape.slice(2), 16) || 0xfffd)
        : (ESCAPES[char] ?? char);
      this.#escape = '';
    } else if (char === '\\') {
      this.#escape = char;
      return '';
    } else if (char === '"') {
      this.#endString();
      return '';
    } else decoded = char;
    if (this.#role !== 'nested') this.#text += decoded;
    return this.#streaming ? decoded : '';
  }

  #endString(): void {
    this.#inString = false;
    if (this.#role === 'key') this.#key = this.#text;
    else if (this.#role === 'value' && !this.strings.has(this.#key)) this.strings.set(this.#key, this.#text);
    this.#streaming = false;
  }
}
