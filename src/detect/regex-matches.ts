/**
 * A detector's regex over one text: its matches with the span of their `secret` group, and the
 * keyword window that confirms each (see scan.ts).
 */
import RE2 from 're2';
import type { CompiledDetector } from './compile.js';

/**
 * One match of a detector's regex: where the whole match lies and where its value does (the
 * `secret` group, or the whole match). Four numbers, where the regex's own result holds the match's
 * text, its groups' texts and a groups object: a string of 80,000 addresses keeps this many of
 * them while it is scanned (and a batch's preparation keeps them until its scans).
 */
export interface RegexMatch {
  readonly matchStart: number;
  readonly matchEnd: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The matches of a detector's regex in `text` that are not empty, left to right. With a `secret`
 * group, the search goes on where the group ends: what the regex reads after it is context (RE2
 * has no lookahead), and the next match may need that context too (the space between
 * `fe80::1 fd00::2` ends the first address and starts the second).
 */
export function execAll(detector: CompiledDetector, text: string): RegexMatch[] {
  const { regex } = detector;
  const out: RegexMatch[] = [];
  regex.lastIndex = 0;
  // A match that ends the text leaves nothing to search (an empty match at the end is skipped anyway).
  for (let m = regex.exec(text); m !== null; m = regex.lastIndex < text.length ? regex.exec(text) : null) {
    const matchStart = m.index;
    const matchEnd = matchStart + m[0].length;
    if (matchEnd === matchStart) {
      regex.lastIndex = matchStart + 1;
      continue;
    }
    if (!detector.hasSecretGroup) {
      out.push({ matchStart, matchEnd, start: matchStart, end: matchEnd });
      continue;
    }
    const [start, whole] = secretSpan(detector, text, m);
    const end = detector.indentedBlock ? indentedBlockEnd(text, start, whole) : whole;
    // A block cut short ends the match where it ends one (the Secret that follows is searched again).
    out.push({ matchStart, matchEnd: whole === matchEnd ? end : matchEnd, start, end });
    if (end < matchEnd) regex.lastIndex = Math.max(end, matchStart + 1);
  }
  return out;
}

/**
 * Where the `secret` group of match `m` lies in `text` (the whole match when the group took no
 * part). The match gives the group's text, not its place: where that text occurs once in the
 * match, that is the place; else the match is found again with group positions (the `d` flag
 * makes every match cost about twice as much, so it is kept for these few).
 */
function secretSpan(detector: CompiledDetector, text: string, m: RegExpExecArray): [number, number] {
  const secret = m.groups?.['secret'];
  const whole = m[0];
  if (secret === undefined) return [m.index, m.index + whole.length];
  const at = whole.indexOf(secret);
  if (secret.length > 0 && at === whole.lastIndexOf(secret)) return [m.index + at, m.index + at + secret.length];
  const again = detector.positions();
  again.lastIndex = m.index;
  const span = again.exec(text)?.indices?.groups?.['secret'];
  return span ? [span[0], span[1]] : [m.index, m.index + whole.length];
}

/**
 * Where a YAML block that starts at `start` (the lines after its key's line, or the rest of that
 * line) ends, at most at `end`: before the first line after its first that holds something (not
 * blank, not a comment) and is indented no deeper than the key's line, a list item's `- ` counted
 * as indentation. `stringData:` of a Secret in a list, at four spaces, ends at the `type:` beside
 * it at four and at the next item's `- ` at two.
 */
export function indentedBlockEnd(text: string, start: number, end: number): number {
  const keyLine = text.lastIndexOf('\n', text[start - 1] === '\n' ? start - 2 : start - 1) + 1;
  const keyIndent = indentation(text, keyLine);
  for (let nl = text.indexOf('\n', start); nl !== -1 && nl + 1 < end; nl = text.indexOf('\n', nl + 1)) {
    const line = nl + 1;
    const indent = indentation(text, line);
    const first = text[line + indent];
    if (first === undefined || first === '\n' || first === '\r' || first === '#') continue;
    if (indent <= keyIndent) return line;
  }
  return end;
}

/** The width of the spaces, tabs and list dashes (`- `) that start the line at `at`. */
function indentation(text: string, at: number): number {
  let k = at;
  for (;;) {
    const c = text[k];
    if (c === ' ' || c === '\t') k++;
    else if (c === '-' && (text[k + 1] === ' ' || text[k + 1] === '\t')) k += 2;
    else return k - at;
  }
}

/** For a trace: where the keyword nearest before `at` ends, or that none stands before it. */
export function nearestKeyword(detector: CompiledDetector, text: string, at: number): string {
  if (!detector.keywords) return 'none stands before it';
  const all = new RE2(detector.keywords.source, 'gu');
  let last: { word: string; start: number; end: number } | undefined;
  for (let m = all.exec(text); m !== null && m.index < at; m = all.exec(text)) {
    if (m.index + m[0].length <= at) last = { word: m[0], start: m.index, end: m.index + m[0].length };
    if (m[0].length === 0) all.lastIndex = m.index + 1;
  }
  if (!last) return 'none stands before it';
  const nearest = `the nearest, "${last.word}", ends ${at - last.end} chars before it`;
  // The window must hold the keyword whole: one that ends inside it but starts before it is out.
  const window = detector.spec.keywordWindow;
  return at - last.end <= window ? `${nearest} but starts ${at - last.start} before it, past the ${window}-char window` : nearest;
}

/** True when the detector has no keywords, or one lies within its window before the match's end. */
export function keywordsNear(detector: CompiledDetector, text: string, m: RegexMatch): boolean {
  return !detector.keywords || detector.keywords.test(text.slice(Math.max(0, m.matchStart - detector.spec.keywordWindow), m.matchEnd));
}
