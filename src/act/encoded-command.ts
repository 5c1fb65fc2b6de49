/**
 * PowerShell's encoded commands (`powershell.exe -NoProfile -EncodedCommand JABwAGEAcwBz...`): the
 * script travels as base64 of its UTF-16LE text, which hides a password written in it from every
 * detector. The structured path reads such an argument decoded (see encoded-readings.ts), redacts
 * what the script holds and encodes the result again, so that the command line still reads as one
 * and a routing rule that looks for an encoded command still finds it. The line prefilter sends a
 * line that holds one down that path ({@link ENCODED_COMMAND_LINE}).
 */
import type { JsonValue } from '../record.js';
import { bytesText, type DecodedBytes } from './bytes-value.js';

/**
 * The parameter's names: PowerShell takes any prefix of a name that no other parameter shares
 * (`-e`, `-en`, `-enc`, ... `-EncodedCommand`) and the alias `-ec`, led by a dash, a slash or a
 * typographic dash (which a copied command line holds), in any case.
 */
const NAMES = ['ec', ...Array.from('encodedcommand', (_, i) => 'encodedcommand'.slice(0, i + 1))].sort((a, b) => b.length - a.length).join('|');

/** What stands before the parameter: the executable's name (`powershell.exe`, `pwsh`). */
const PROGRAM = /powershell|pwsh/i;

/** The parameter alone, as an item of an argument vector (`["pwsh","-enc","JABw..."]`). */
const PARAMETER = new RegExp(String.raw`^[-/\u2013\u2014](?:${NAMES})$`, 'i');

/** An argument that may be an encoded command: base64 alone, as {@link ARGUMENT} takes it. */
const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/**
 * The parameter and its argument (base64, 16 characters or more: a script of 6 characters or more),
 * quoted or not; the two may be items of an argument vector written in the text (`"-enc","JABw`).
 */
const ARGUMENT = new RegExp(String.raw`(?:^|[\s"'])[-/\u2013\u2014](?:${NAMES})(?:\s+|:|["']\s*,\s*)(["']?)([A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=])`, 'gi');

/**
 * What JavaScript's `\s` matches, as an RE2 class (RE2's `\s` is ASCII only): a line prefilter
 * must take every space the structured path's regexes take (a no-break space, U+3000, ...).
 */
export const JS_SPACE = String.raw`[\t\n\x{0b}\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]`;

/** An encoded command's argument in a text: where its base64 stands, and the script it spells. */
export interface EncodedCommand {
  start: number;
  end: number;
  script: DecodedBytes;
}

/** True when `text` may hold an encoded command: a cheap test before {@link encodedCommands}. */
export function mayHoldEncodedCommand(text: string): boolean {
  return text.length >= 20 && PROGRAM.test(text);
}

/**
 * The encoded commands in `text` after the program's name, in order, each with the script it
 * spells (UTF-16LE as PowerShell writes it; another text encoding as a test or a tool may).
 */
export function encodedCommands(text: string): EncodedCommand[] {
  const program = PROGRAM.exec(text);
  if (!program) return [];
  const out: EncodedCommand[] = [];
  ARGUMENT.lastIndex = program.index;
  for (let m = ARGUMENT.exec(text); m !== null; m = ARGUMENT.exec(text)) {
    const base64 = m[2] as string;
    const start = m.index + m[0].length - base64.length;
    const script = bytesText(base64, 'known');
    if (script) out.push({ start, end: start + base64.length, script });
  }
  return out;
}

/**
 * The items of an argument vector (`["powershell.exe","-NoProfile","-enc","JABw..."]`, a
 * container's `args`) that are encoded commands: each right after the parameter's item, with the
 * script it spells. The program's name may stand elsewhere in the record (a container's `command`
 * beside its `args`): the caller checks it ({@link holdsProgram}).
 */
export function encodedArgumentItems(items: readonly JsonValue[]): Map<number, DecodedBytes> | undefined {
  let out: Map<number, DecodedBytes> | undefined;
  for (let i = 1; i < items.length; i++) {
    const item = items[i];
    const parameter = items[i - 1];
    if (typeof item !== 'string' || typeof parameter !== 'string' || parameter.length > 16 || !PARAMETER.test(parameter) || !BASE64.test(item)) continue;
    // Bytes that spell no text (read as latin1) are another tool's argument (`-e` is short for many).
    const script = bytesText(item, 'known');
    if (script && script.encoding !== 'latin1') (out ??= new Map()).set(i, script);
  }
  return out;
}

/** True when a string of `value` (a record's body), or one of its keys, names PowerShell's program. */
export function holdsProgram(value: JsonValue): boolean {
  const stack = [value];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (typeof v === 'string') {
      if (PROGRAM.test(v)) return true;
    } else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        if (PROGRAM.test(key)) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/** The parameter and the start of its argument, in a command line or an argument vector written as JSON or YAML (`"-enc","JABw`). */
const PARAMETER_LINE = String.raw`(?:\s|["'/\\])(?:-|/|\x{2013}|\x{2014})(?:${NAMES})(?:\s+|:|\\?["']\s*,\s*)\\?["']?[A-Za-z0-9+/]{16}`;

/**
 * A raw line (or a reading of it, see slowLines) that may hold an encoded command: the program's
 * name and the parameter with an argument, its quote escaped or not; the program after them too,
 * as an argument vector's record may name it later (a container's `args` before its `command`).
 * RE2; wider than {@link encodedCommands} and {@link encodedArgumentItems}, as a prefilter must be.
 */
export const ENCODED_COMMAND_LINE = String.raw`(?i)(?:powershell|pwsh)[^\n]*${PARAMETER_LINE}|${PARAMETER_LINE}[^\n]*(?:powershell|pwsh)`.replaceAll(String.raw`\s`, JS_SPACE);
