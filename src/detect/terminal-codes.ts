/**
 * Terminal control sequences in log text: the colours and styles a logger writes when it takes its
 * output for a terminal (`\x1b[32mINFO\x1b[0m`), which container runtimes and log forwarders keep
 * (a JSON record holds them as `\u001b[32m`). A colour's sequence ends with a letter (`m`), which
 * glues it to the value after it: `api_key=\x1b[1msk_live_...` holds no Stripe key for a pattern
 * that wants a boundary before `sk_live_`, and a keyword and its value stand apart by one
 * (`SSN:\x1b[0m 078-05-1120`). Detection also reads a string without them (a view mapped onto the
 * original, see escapes.ts), the line prefilter tests the raw line so read too (see
 * pipeline/prepare.ts), and the readers of lines across lines read a line so (see
 * pipeline/wrapped-lines.ts).
 *
 * Read as sequences (ECMA-48): a control sequence (`ESC [`, parameter bytes, intermediate bytes, a
 * final byte), an operating system command (`ESC ]`, printable ASCII up to BEL or `ESC \`,
 * at most {@link MAX_COMMAND} characters: a hyperlink, a window title), and the other escapes (`ESC`,
 * intermediate bytes, a final byte: `ESC ( B`, `ESC 7`). An ESC that starts none stays.
 *
 * A byte order mark at the start (a file an editor or PowerShell wrote as UTF-8 with one; its
 * first line, or a line where such files were joined) is left out with them: the readers across
 * lines take `DB_PASSWORD:` behind one for no name.
 */
import type { DecodedView } from './escapes.js';

const ESC = 0x1b;
/** The longest operating system command read as one (printable ASCII: a byte and a character count alike). */
const MAX_COMMAND = 512;
/** How {@link terminalCodesView} names its reading. */
const HOW = 'terminal sequences left out';

const within = (c: number, low: number, high: number): boolean => c >= low && c <= high;

/**
 * Where the terminal sequence an ESC at `at` starts ends (past its last unit), or -1 when it starts
 * none; `code(i)` is the unit at i (a byte or a UTF-16 unit; NaN or -1 past the end). The same
 * reading for bytes and for text: every unit a sequence holds is ASCII.
 */
function sequenceEnd(code: (i: number) => number, at: number): number {
  const kind = code(at + 1);
  if (kind === 0x5b) {
    // ESC [, parameter bytes, intermediate bytes, a final byte.
    let i = at + 2;
    while (within(code(i), 0x30, 0x3f)) i++;
    while (within(code(i), 0x20, 0x2f)) i++;
    if (within(code(i), 0x40, 0x7e)) return i + 1;
  } else if (kind === 0x5d) {
    // ESC ], printable text, BEL or ESC \.
    let n = 0;
    while (n <= MAX_COMMAND && within(code(at + 2 + n), 0x20, 0x7e)) n++;
    const i = at + 2 + n;
    if (n <= MAX_COMMAND && code(i) === 0x07) return i + 1;
    if (n <= MAX_COMMAND && code(i) === ESC && code(i + 1) === 0x5c) return i + 2;
  }
  // Any other escape (`ESC [` or `ESC ]` too, when no sequence of theirs follows): intermediate bytes, a final byte.
  let i = at + 1;
  while (within(code(i), 0x20, 0x2f)) i++;
  return within(code(i), 0x30, 0x7e) ? i + 1 : -1;
}

/** True when `text` holds what {@link terminalCodesView} may leave out: an ESC, or a byte order mark at its start. */
export function holdsEscape(text: string): boolean {
  return text.includes('\x1b') || text.charCodeAt(0) === 0xfeff;
}

/**
 * `text` without its terminal sequences (and a byte order mark at its start), each character
 * mapped to where it stands in `text`; undefined when it holds none. A span of the view ends in `text` right after its last
 * character: a sequence after it (a colour's reset) is not part of it.
 */
export function terminalCodesView(text: string): DecodedView | undefined {
  let esc = text.indexOf('\x1b');
  const mark = text.charCodeAt(0) === 0xfeff;
  if (esc === -1 && !mark) return undefined;
  const code = (i: number): number => text.charCodeAt(i);
  let out = '';
  const at: number[] = [];
  const end: number[] = [];
  const keep = (from: number, to: number): void => {
    out += text.slice(from, to);
    for (let i = from; i < to; i++) {
      at.push(i);
      end.push(at.length === 1 ? i : (at[at.length - 2] as number) + 1);
    }
  };
  let from = mark ? 1 : 0;
  for (; esc !== -1; esc = text.indexOf('\x1b', esc + 1)) {
    const stop = sequenceEnd(code, esc);
    if (stop === -1) continue;
    keep(from, esc);
    from = stop;
    esc = stop - 1;
  }
  if (from === 0) return undefined;
  keep(from, text.length);
  end.push(at.length === 0 ? text.length : (at[at.length - 1] as number) + 1);
  at.push(text.length);
  return { text: out, at, end, how: HOW };
}

/** True when `view` is one {@link terminalCodesView} made, of a text or of another reading of it, or a reading of such a view. */
export function isTerminalView(view: { how?: string }): boolean {
  return view.how?.includes(HOW) === true;
}

/** True when `how` names the text's own reading without its sequences: one its sequences written as escapes are still in. */
export function isBareText(how: string): boolean {
  return how === HOW;
}

/** A control sequence's introducer as a JSON or JavaScript string writes it (`\u001b[`, `\u001B[`). */
const ESCAPED_CSI = /\\u001[bB]\[/g;

/**
 * The terminal sequences of a text, raw and written as escapes (a control sequence as
 * `\u001b[0m`, which a decoded reading reads as one), sorted, for {@link SequenceSpans.crosses}.
 */
export class SequenceSpans {
  readonly #start: number[] = [];
  readonly #end: number[] = [];
  /** A control sequence (`ESC [`): a match may not start inside it. */
  readonly #control: boolean[] = [];
  readonly #written: boolean[] = [];

  constructor(text: string) {
    const code = (i: number): number => text.charCodeAt(i);
    const spans: Array<[number, number, boolean, boolean]> = [];
    for (let at = text.indexOf('\x1b'); at !== -1; at = text.indexOf('\x1b', at + 1)) {
      const end = sequenceEnd(code, at);
      if (end === -1) continue;
      spans.push([at, end, code(at + 1) === 0x5b, false]);
      // An operating system command's text is passed over: it may hold no sequence but its end.
      if (code(at + 1) === 0x5d) at = end - 1;
    }
    if (text.includes('\\u001')) {
      ESCAPED_CSI.lastIndex = 0;
      for (let m = ESCAPED_CSI.exec(text); m; m = ESCAPED_CSI.exec(text)) {
        // Not an escaped backslash's `u001b[`.
        let slashes = 0;
        while (text.charCodeAt(m.index - 1 - slashes) === 0x5c) slashes++;
        if (slashes % 2 === 1) continue;
        const from = m.index;
        // Read as the ESC it stands for: the units after the escape's six.
        const stop = sequenceEnd((i) => (i === from ? ESC : code(i + 5)), from);
        if (stop !== -1) spans.push([from, stop + 5, true, true]);
      }
      spans.sort((a, b) => a[0] - b[0]);
    }
    for (const [start, end, control, written] of spans) {
      this.#start.push(start);
      this.#end.push(end);
      this.#control.push(control);
      this.#written.push(written);
    }
  }

  /**
   * True when a match from `start` to `end` of a reading is a sequence's doing: it holds the start
   * of a sequence, or starts inside a control sequence (`1mbob@...` after `ESC [`). An operating
   * system command's text (a hyperlink's address, a window title) is text a match may lie in, and
   * the final byte of another escape (`ESC SP 4`, which a stray ESC makes of the digit after it)
   * one it may start at. `writtenOnly`: only the sequences written as escapes count (in a reading
   * without the raw ones).
   */
  crosses(start: number, end: number, writtenOnly = false): boolean {
    const starts = this.#start;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) < start) lo = mid + 1;
      else hi = mid;
    }
    const before = lo - 1;
    if (before >= 0 && this.#control[before] && (this.#end[before] as number) > start && (!writtenOnly || this.#written[before])) return true;
    for (let k = lo; k < starts.length && (starts[k] as number) < end; k++) if (!writtenOnly || this.#written[k]) return true;
    return false;
  }
}

/**
 * Writes the bytes of `data` from `start` to `stop` without their terminal sequences into `out` at
 * `at` (which may be `data` itself, `at` not past `start`), and returns where they end there; -1
 * when they hold none (nothing is written).
 */
export function stripSequences(data: Buffer, start: number, stop: number, out: Buffer, at: number): number {
  // Searched within the range alone: past it may lie a whole batch.
  const range = data.subarray(start, stop);
  let esc = range.indexOf(ESC);
  const mark = range[0] === 0xef && range[1] === 0xbb && range[2] === 0xbf;
  if (esc === -1 && !mark) return -1;
  const code = (i: number): number => (i < range.length ? (range[i] as number) : -1);
  let o = at;
  let from = mark ? 3 : 0;
  for (; esc !== -1; esc = range.indexOf(ESC, esc + 1)) {
    const end = sequenceEnd(code, esc);
    if (end === -1) continue;
    o += range.copy(out, o, from, esc);
    from = end;
    esc = end - 1;
  }
  if (from === 0) return -1;
  return o + range.copy(out, o, from);
}

/** A raw line's bytes without their terminal sequences and a byte order mark at its start; undefined when it holds none. */
export function withoutTerminalCodes(line: Buffer): Buffer | undefined {
  if (line.indexOf(ESC) === -1 && !(line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf)) return undefined;
  const out = Buffer.allocUnsafe(line.length);
  const end = stripSequences(line, 0, line.length, out, 0);
  return end === -1 ? undefined : out.subarray(0, end);
}
