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
 */
import type { DecodedView } from './escapes.js';

const ESC = 0x1b;
/** The longest operating system command read as one. */
const MAX_COMMAND = 512;
// An operating system command's text is read as printable ASCII: a byte and a character then count alike (see withoutTerminalCodes).
const SEQUENCE_SOURCE = `\\x1b(?:\\[[0-?]*[ -/]*[@-~]|\\][ -~]{0,${MAX_COMMAND}}(?:\\x07|\\x1b\\\\)|[ -/]*[0-~])`;
const SEQUENCE = new RegExp(SEQUENCE_SOURCE, 'g');
const SEQUENCE_AT = new RegExp(SEQUENCE_SOURCE, 'y');
/** How {@link terminalCodesView} names its reading. */
const HOW = 'terminal sequences left out';

/** True when `text` holds an ESC, which may start a sequence. */
export function holdsEscape(text: string): boolean {
  return text.includes('\x1b');
}

/**
 * `text` without its terminal sequences, each character mapped to where it stands in `text`;
 * undefined when it holds none. A span of the view ends in `text` right after its last
 * character: a sequence after it (a colour's reset) is not part of it.
 */
export function terminalCodesView(text: string): DecodedView | undefined {
  if (!holdsEscape(text)) return undefined;
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
  let from = 0;
  SEQUENCE.lastIndex = 0;
  for (let m = SEQUENCE.exec(text); m; m = SEQUENCE.exec(text)) {
    keep(from, m.index);
    from = m.index + m[0].length;
  }
  keep(from, text.length);
  if (out.length === text.length) return undefined;
  end.push(at.length === 0 ? text.length : (at[at.length - 1] as number) + 1);
  at.push(text.length);
  return { text: out, at, end, how: HOW };
}

/** True when `view` is one {@link terminalCodesView} made. */
export function isTerminalView(view: DecodedView): boolean {
  return view.how === HOW;
}

/** True when a terminal sequence starts in `text` from `start` to `end`. */
export function crossesSequence(text: string, start: number, end: number): boolean {
  for (let at = text.indexOf('\x1b', start); at !== -1 && at < end; at = text.indexOf('\x1b', at + 1)) {
    SEQUENCE_AT.lastIndex = at;
    if (SEQUENCE_AT.test(text)) return true;
  }
  return false;
}

/**
 * A raw line's bytes without their terminal sequences (read as Latin-1, which keeps every byte:
 * the sequences are ASCII); undefined when it holds no ESC, or none that starts one.
 */
export function withoutTerminalCodes(line: Buffer): Buffer | undefined {
  if (line.indexOf(ESC) === -1) return undefined;
  const text = line.toString('latin1');
  const plain = text.replace(SEQUENCE, '');
  return plain.length === text.length ? undefined : Buffer.from(plain, 'latin1');
}
