/**
 * Python's literals as `repr` and `pprint` print them (`{'kind': 'Secret', 'data': {'pw': u'x'}}`):
 * dicts, lists and tuples, strings in either quote with a `u`, `b` or `r` prefix, numbers, `True`,
 * `False` and `None`. A log that prints a dict (a Kubernetes client's object, a request's
 * parameters) holds no JSON, and a rule with conditions reads such an object as a JSON one (see
 * act/embedded.ts). What else repr prints inside one is read as its text: a constructor's call
 * (`datetime.datetime(2024, 5, 14, 10, 22, tzinfo=tzutc())`, `Decimal('1.5')`), an object's
 * `<...>`, `inf` and `nan`; a key that is no string (`1`, `None`, a tuple) is its text too.
 * Anything else (a set, an expression) is not read.
 */
import type { JsonValue } from '../record.js';
import { setMember } from '../act/members.js';

/** How deep a literal may nest: deeper ones are not read (detection still reads their text). */
const MAX_DEPTH = 64;

/** The value the whole of `text` spells as a Python literal; undefined when it spells none. */
export function pythonLiteral(text: string): JsonValue | undefined {
  const reader = new Reader(text);
  try {
    const value = reader.value(0);
    reader.space();
    return reader.atEnd() ? value : undefined;
  } catch (err) {
    if (err instanceof NotALiteral) return undefined;
    throw err;
  }
}

/** An item of a tuple or a list read by {@link pythonItems}: its value, and where it is written (a string's content, inside its prefix and quotes). */
export interface PythonItem {
  readonly start: number;
  readonly end: number;
  readonly value: JsonValue;
  /** True for a string written as one (not a call's text or an object's `<...>`). */
  readonly string: boolean;
}

/**
 * The items of the tuple or list that opens at `at` in `text` (`('a', 1)`, `['a']`), each with
 * where it is written, and where the tuple or list ends (past its bracket); undefined when none
 * opens there. What follows it is not read.
 */
export function pythonItems(text: string, at: number): { items: PythonItem[]; end: number } | undefined {
  const reader = new Reader(text, at);
  try {
    return reader.spannedItems();
  } catch (err) {
    if (err instanceof NotALiteral) return undefined;
    throw err;
  }
}

class NotALiteral extends Error {}

/** The spaces Python's tokenizer takes between tokens (no other: a no-break space is no space there). */
const SPACE = ' \t\n\r\f';

/** A call's name, up to its opening parenthesis: a name, dotted or not. */
const CALL = /[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\(/y;

/** A keyword argument's name and its equals sign (`tzinfo=`), not `==`. */
const KEYWORD = /[A-Za-z_]\w*[ \t]*=(?!=)[ \t]*/y;

/** A string's prefix (group 1) and its opening quotes, one or three (group 2). */
const STRING_OPENING = /^([uU]|[bB][rR]?|[rR][bB]?)?('''|"""|'|")/;

/** Characters that stand for themselves in a string of either quote, one or three of them. */
const PLAIN = /[^\\'"\n]+/y;

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

class Reader {
  #at: number;
  readonly #text: string;

  constructor(text: string, at = 0) {
    this.#text = text;
    this.#at = at;
  }

  atEnd(): boolean {
    return this.#at === this.#text.length;
  }

  space(): void {
    while (this.#at < this.#text.length && SPACE.includes(this.#text[this.#at] as string)) this.#at++;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) throw new NotALiteral();
    this.space();
    const text = this.#text;
    const c = text[this.#at];
    if (c === '{') return this.#dict(depth);
    if (c === '[') return this.#items(']', depth);
    if (c === '(') return this.#items(')', depth);
    if (c === '<') return this.#angled();
    const word = /^(?:True|False|None)\b/.exec(text.slice(this.#at, this.#at + 6));
    if (word) {
      this.#at += word[0].length;
      return word[0] === 'None' ? null : word[0] === 'True';
    }
    const number = /^-?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(this.#at, this.#at + 64));
    if (number && !/[\w.]/.test(text[this.#at + number[0].length] ?? '')) {
      this.#at += number[0].length;
      return Number(number[0].replaceAll('_', ''));
    }
    // A float JSON has no number for, as repr prints it.
    const special = /^-?(?:inf|nan)\b/.exec(text.slice(this.#at, this.#at + 5));
    if (special) {
      this.#at += special[0].length;
      return special[0];
    }
    CALL.lastIndex = this.#at;
    if (CALL.test(text)) return this.#call(depth);
    return this.#string();
  }

  /** A call as repr prints an object (`datetime.datetime(2024, 5, 14, tzinfo=tzutc())`): its text. */
  #call(depth: number): string {
    const start = this.#at;
    this.#at = CALL.lastIndex;
    for (;;) {
      this.space();
      if (this.#take(')')) return this.#text.slice(start, this.#at);
      KEYWORD.lastIndex = this.#at;
      if (KEYWORD.test(this.#text)) this.#at = KEYWORD.lastIndex;
      this.value(depth + 1);
      this.space();
      if (!this.#take(',')) {
        if (this.#take(')')) return this.#text.slice(start, this.#at);
        throw new NotALiteral();
      }
    }
  }

  /** An object's repr in angle brackets (`<Response [200]>`, `<object at 0x7f...>`): its text, nested ones and quoted strings inside it passed over. */
  #angled(): string {
    const text = this.#text;
    const start = this.#at;
    let depth = 0;
    for (let at = start; at < text.length; at++) {
      const c = text[at];
      if (c === '\n') break;
      if (c === "'" || c === '"') {
        const close = text.indexOf(c, at + 1);
        if (close === -1) break;
        at = close;
      } else if (c === '<') depth++;
      else if (c === '>' && --depth === 0) {
        this.#at = at + 1;
        return text.slice(start, this.#at);
      }
    }
    throw new NotALiteral();
  }

  /** The items of the tuple or list at the reading place, as {@link pythonItems} gives them. */
  spannedItems(): { items: PythonItem[]; end: number } {
    const text = this.#text;
    const close = text[this.#at] === '(' ? ')' : text[this.#at] === '[' ? ']' : undefined;
    if (close === undefined) throw new NotALiteral();
    this.#at++;
    const items: PythonItem[] = [];
    for (;;) {
      this.space();
      if (this.#take(close)) return { items, end: this.#at };
      const start = this.#at;
      const value = this.#itemOrText(close);
      const end = this.#at;
      const quote = typeof value === 'string' ? STRING_OPENING.exec(text.slice(start, start + 5)) : null;
      if (quote) {
        const q = (quote[2] as string).length;
        items.push({ start: start + (quote[1] ?? '').length + q, end: end - q, value, string: true });
      } else items.push({ start, end, value, string: false });
      this.space();
      if (!this.#take(',')) {
        if (this.#take(close)) return { items, end: this.#at };
        throw new NotALiteral();
      }
    }
  }

  /**
   * An item of a tuple or list that `close` ends, read as {@link value} reads it; one it cannot
   * read (`tzinfo=datetime.timezone.utc` in a call, a set) as its text, to the next comma or the
   * end outside brackets and quotes.
   */
  #itemOrText(close: string): JsonValue {
    const start = this.#at;
    try {
      return this.value(1);
    } catch (err) {
      if (!(err instanceof NotALiteral)) throw err;
    }
    const text = this.#text;
    let depth = 0;
    for (let at = start; at < text.length; at++) {
      const c = text[at] as string;
      if (c === '\n') break;
      if (c === "'" || c === '"') {
        at = quotedEnd(text, at);
        if (at === -1) break;
      } else if (c === '(' || c === '[' || c === '{') depth++;
      else if (depth > 0 && (c === ')' || c === ']' || c === '}')) depth--;
      else if (depth === 0 && (c === ',' || c === close)) {
        this.#at = at;
        return text.slice(start, at).trimEnd();
      }
    }
    throw new NotALiteral();
  }

  #dict(depth: number): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    this.#at++;
    for (;;) {
      this.space();
      if (this.#take('}')) return out;
      const keyStart = this.#at;
      const key = this.value(depth + 1);
      const name = typeof key === 'string' ? key : this.#text.slice(keyStart, this.#at);
      this.space();
      if (!this.#take(':')) throw new NotALiteral();
      setMember(out, name, this.value(depth + 1));
      this.space();
      if (!this.#take(',')) {
        if (this.#take('}')) return out;
        throw new NotALiteral();
      }
    }
  }

  #items(close: string, depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    this.#at++;
    for (;;) {
      this.space();
      if (this.#take(close)) return out;
      out.push(this.value(depth + 1));
      this.space();
      if (!this.#take(',')) {
        if (this.#take(close)) return out;
        throw new NotALiteral();
      }
    }
  }

  /** A string: its prefix (u, b, r and their cases, `rb`), its quotes (one or three), its escapes unless raw. */
  #string(): string {
    const text = this.#text;
    const prefix = /^(?:[uU]|[bB][rR]?|[rR][bB]?)?/.exec(text.slice(this.#at, this.#at + 2))?.[0] ?? '';
    let at = this.#at + prefix.length;
    const quote = text[at];
    if (quote !== "'" && quote !== '"') throw new NotALiteral();
    const close = text.startsWith(quote.repeat(3), at) ? quote.repeat(3) : quote;
    const raw = /r/i.test(prefix);
    at += close.length;
    let out = '';
    for (;;) {
      if (at >= text.length) throw new NotALiteral();
      if (text.startsWith(close, at)) break;
      // A run of plain characters at once: a long value is not copied character by character.
      PLAIN.lastIndex = at;
      const run = PLAIN.exec(text);
      if (run) {
        out += run[0];
        at += run[0].length;
        continue;
      }
      const c = text[at] as string;
      if (c === '\n' && close.length === 1) throw new NotALiteral();
      if (c !== '\\') {
        out += c;
        at++;
        continue;
      }
      const next = text[at + 1] ?? '';
      if (raw) {
        out += c + next;
        at += 2;
        continue;
      }
      const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
      const digits = text.slice(at + 2, at + 2 + hex);
      if (hex > 0 && digits.length === hex && /^[0-9a-fA-F]+$/.test(digits)) {
        const code = Number.parseInt(digits, 16);
        if (code > 0x10ffff) throw new NotALiteral();
        out += String.fromCodePoint(code);
        at += 2 + hex;
        continue;
      }
      // An escape Python does not know keeps its backslash.
      out += ESCAPES[next] ?? c + next;
      at += 2;
    }
    this.#at = at + close.length;
    return out;
  }

  #take(c: string): boolean {
    if (this.#text[this.#at] !== c) return false;
    this.#at++;
    return true;
  }
}

/** Where the string whose quote stands at `at` in `text` ends (its closing quote; a backslash escapes), -1 when it does not end on its line. */
function quotedEnd(text: string, at: number): number {
  const quote = text[at];
  for (let k = at + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '\\') k++;
    else if (c === quote) return k;
    else if (c === '\n') return -1;
  }
  return -1;
}
