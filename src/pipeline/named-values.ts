/**
 * Values a text log holds on the line after the one that names them. A manifest a CI job prints,
 * each of its lines a record of its own, names an environment variable on one line and gives its
 * value on the next (`- name: SMTP_PASSWORD` then `value: ...` in YAML, `"name": "DB_PASSWORD",`
 * then `"value": "...",` in pretty JSON, `name  = "DB_PASSWORD"` then `value = "..."` in a
 * Terraform plan, whose change gives two: `~ value = "old" -> "new"`); a `.netrc` entry written over several lines opens with
 * `machine HOST` and gives `login` and `password` on lines of their own; a debugging dump names
 * a key on one line and writes its string on the next (PHP's `var_dump`: `["password"]=>` then
 * `string(15) "..."`; a Rust struct printed with `{:#?}`: `password: Some(` then `"...",`). Read
 * alone, the value's line is `value: dIo3VPGvQieeh&ces$`, `password adc4vAzKr0ix#BT2$` or
 * `"Zq8v!pL2mN0xRt5",`: nothing tells it from other text. So the batch follows the lines that name a value, as it follows a private key's
 * PEM block (see pem-blocks.ts): the batcher carries the state of the last lines from batch to
 * batch (input order, see batcher.ts), and a batch marks the value lines it holds, which are
 * redacted as a key rule redacts the value under that name (see batch.ts), then read as usual.
 *
 * Which values are taken is the key rules' answer, as the structured path reads a name-value
 * object (`{"name":"DB_PASSWORD","value":"..."}`, see namedValue and memberDecision in
 * members.ts): the same member names (in-key.ts), the rule the name selects, or a rule whose
 * conditions the members read meet (a HAR cookie `{"name":"session","value":...}`, an SSM
 * parameter's `Type: SecureString`, see KeyRuleSpec.where), the same values taken (see `takes`:
 * not a mask or a reference another program wrote, not a number for a rule that takes strings
 * only), and a value that is one of logveil's own tokens already is left as it is (running twice
 * changes nothing). The value read is the one the structured path reads: a JSON string's escapes
 * decoded, a number as written. The replacement is written as the value was (see encodeFor in
 * named-lines.ts): escaped in its quotes, a JSON number as a string, a dropped value (drop-field)
 * as an empty string, so the line stays one valid line.
 *
 * What counts, to keep other text out (lines are read as named-lines.ts reads them):
 * - A name line is a name member alone on its line, indented or after a YAML list's dash
 *   (`  - name: X`, `    "name": "X",`), the name a string. It stays open over the lines after it
 *   that hold one member alone whose key starts in the same column, YAML after YAML and JSON after
 *   JSON: value members (`value:`, and `old:` and `new:` both, `"oldValue"` and `"newValue"`
 *   both), each marked, and up to four siblings (`"slotSetting": false`, `Type: SecureString`),
 *   six member lines in all; any other line closes it. A value is a quoted string or a number,
 *   or in YAML a plain scalar up to a comment (` #`), or a block scalar (`value: |`, its lines
 *   read as a key line's below, each a member line of the six); a comment may follow a quoted
 *   one. A flag, a null, `valueFrom:` or a nested object is no value.
 * - A netrc entry (its lines read in netrc-lines.ts) opens with a line `machine HOST` (HOST a
 *   dotted name or `localhost`) or `default`, either with keyword pairs after it; each following
 *   line that holds only pairs of `login`, `password` or `account` and a value, each keyword once
 *   in the entry, belongs to it; any other line ends it. A value that is a word of prose about a
 *   login (`password expired`, `login failed`) makes its line none of an entry's. The entry's own
 *   first line is left to the netrc-password detector, which reads the whole entry written on one
 *   line.
 * - A key line (see KeyLine in named-lines.ts: `  ["password"]=>`, `    password: Some(`, a YAML
 *   key alone, `  password:`) takes the line after it when that line holds the key's string
 *   alone, written as the dump writes it (`string(15) "..."` at the key's column; a quoted string
 *   deeper, after up to three more wrappers, each on its own line, deeper still; a YAML scalar
 *   deeper); any other line closes it. A YAML key whose value is a block scalar (`  password: |`,
 *   `  token: >-`) takes the lines after it that are deeper, as deep as the first at least, up to
 *   six, each line's text as written (literal: `#`, quotes and `: ` are the value's own, and a
 *   line that reads as a name or a key opens nothing; a blank line is passed over). The key
 *   selects the rule, as a key in an object does.
 * - A change marker in a line's indentation is read as a blank (see unmarked in named-lines.ts): a
 *   unified diff's `+` or `-` in the first column (`kubectl diff` of a Deployment), a plan's `+`,
 *   `~`, `-/+` or `+/-`, and its `-` before an HCL member (before a YAML key `- ` is a list's dash).
 * - Blank lines and comment lines (`#` first past the blanks) are passed over; in a block
 *   scalar, a line that starts with `#` deeper than its key is one of the block's.
 * - A name line or a netrc entry's first line opens anew, whatever was open, but in a block
 *   scalar.
 * - Behind a log prefix (a CI job's timestamps, a syslog header, a Compose service's name, see
 *   log-prefix.ts), the line is what follows the prefix, read as above; what a name line behind a
 *   prefix opens takes only lines behind a prefix of the same shape (the same service, host and
 *   tag; a timestamp's digits aside), and what a line with none opens, only lines with none; up
 *   to three lines behind another prefix, or none, are passed over between (another service's,
 *   another stream's), and a longer one closes; but a line of another source that opens
 *   something itself (a name line, a key line such as `db-1 | Warning:`, a netrc entry's first
 *   line) opens it in place of what was open, as any opening line does (the batcher, which has
 *   no policy, cannot tell whether it opens anything a rule takes). A line behind any prefix with
 *   nothing after it, or a comment, is passed over as a blank line is.
 *
 * Cost: most batches open nothing, and hold no line that could. With nothing open, the batch
 * reads each line's first bytes (its prefix, then past its indentation) and decodes only a line
 * whose text starts as a name line or a netrc entry's first line does (`- name:`, `  "name"`,
 * `machine `, `default`) or ends as a key line does (`(`, `]=>`, `:` after a key alone, a block
 * scalar's `|` or `>`), see named-bytes.ts. What a line opens stays open whether or not a rule
 * takes a value under it (the rules decide each value, a name's siblings with it: `Type:
 * SecureString`): the batcher, which has no policy, carries what is open after a batch. It reads
 * back at most ten lines (besides blank and comment lines) and reads forward from the last that
 * opened, or from the batch's start where a block scalar may be open there (see
 * namedStateAfter).
 *
 * Not followed: lines behind a prefix of another form (a logger's level and name after its
 * timestamp: `2024-05-01 10:00:00,123 INFO [main] c.a.Config - name: ...`; a program that logs
 * a manifest through its logger writes that on its first line only, and the rest follow bare,
 * read as above); a container runtime's partial line (`stdout P`, a line of 16 KiB or more cut
 * in parts) among full ones (`stdout F`). A container runtime's record of a line
 * (`{"log":"...\n",...}`) is read as the line it holds (see wrapped-lines.ts); the lines of a
 * string that holds several (a JSON logger's message), after its first, as a text log's (see
 * string-lines.ts). A Lambda invocation starts with nothing open: a value line whose name line
 * another invocation held passes as any other line (a file read in order, batch after batch,
 * carries it; so do saved Lambda events given to `redact`).
 */
import { memberDecision, takes } from '../act/members.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { lineEnds } from '../detect/line-filter.js';
import { ownTokens } from '../detect/scan.js';
import { prefixLength, prefixShape } from './log-prefix.js';
import { mayOpen, mayOpenBlock, passedOver } from './named-bytes.js';
import { isSibling, isValueMember, keyLine, keyLineValue, memberLine, nameOf, unmarked, valueBlockLine, type Quoting, type Scalar } from './named-lines.js';
import type { NamedSpan, NamedState, PendingKey } from './named-types.js';
import { netrcOpening, netrcPairs } from './netrc-lines.js';

/** What {@link namedValues} found in a batch. */
export interface NamedValues {
  /** The value spans of each marked line, by line index. */
  readonly lines: ReadonlyMap<number, readonly NamedSpan[]>;
}

/** A value a line holds and the key rules are asked about: under a name (its members) or a netrc keyword (see NetrcValue in netrc-lines.ts). */
interface Found {
  readonly start: number;
  readonly end: number;
  readonly value: string | number;
  readonly written: string;
  readonly quoting: Quoting;
  /** The value member's key and the name's object, or the netrc keyword. */
  readonly key: string;
  readonly members?: Readonly<Record<string, string>>;
  readonly outer?: { readonly start: number; readonly end: number };
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * A name stays open over this many member lines at its column (values, as `old:` and `new:`, and
 * siblings), of them this many siblings; a block scalar's key over as many of its lines.
 */
const MAX_MEMBER_LINES = 6;
const MAX_SIBLINGS = 4;
/** Lines of other sources (behind a prefix of another shape, see log-prefix.ts) that what is open passes over, at most. */
const MAX_FOREIGN = 3;
/** Wrappers a Rust value may open before its string (`Some(`, then `Secret(`). */
const MAX_WRAPPERS = 3;
/**
 * Lines that are not passed over after which nothing is open, unless one of them opened it: a
 * name or a block scalar's key closes after {@link MAX_MEMBER_LINES}, a netrc entry after its
 * three keywords' lines.
 */
const MAX_OPEN_LINES = MAX_MEMBER_LINES + MAX_FOREIGN + 1;

/**
 * The longest line (its bytes) that names a value or belongs to a netrc entry; a value line may be
 * longer. A longer one is neither, unread: the batcher reads a batch's last lines, which may be
 * records of a megabyte, for every batch. It closes what was open, once its value is read.
 */
const MAX_NAMING_BYTES = 4096;

/**
 * The value lines of `data` (whole lines; `ends[i]` is line i's `\n`, or the end of the data)
 * whose values a `redact` key rule of `policy` takes, `state`: what the lines before it left
 * open. Undefined when it marks none (most batches: a few bytes read for each line).
 */
export function namedValues(data: Buffer, ends: Int32Array, state: NamedState | undefined, policy: CompiledPolicy): NamedValues | undefined {
  let lines: Map<number, readonly NamedSpan[]> | undefined;
  readLines(data, ends, state, (i, found, prefix) => {
    const spans = taken(policy, found, prefix);
    if (spans.length > 0) (lines ??= new Map()).set(i, spans);
  });
  return lines ? { lines } : undefined;
}

/**
 * What is open after `data` (whole lines), `state` what was open before it: the lines after the
 * last that opened something, read as {@link namedValues} reads them; at most
 * {@link MAX_OPEN_LINES} lines, passed-over ones aside, are read back. Where a block scalar may
 * be open at that line (a key line of one shortly before it, or at the batch's start), which the
 * line is then one of, all the lines are read from the start.
 */
export function namedStateAfter(data: Uint8Array, state: NamedState | undefined): NamedState | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const reset = lastReset(bytes, state);
  if (reset === ALL) return readLines(bytes, lineEnds(bytes), state);
  if (reset === undefined) return undefined;
  const rest = bytes.subarray(reset.from);
  return readLines(rest, lineEnds(rest), reset.open);
}

const ALL = Symbol('read all');

/**
 * Where {@link namedStateAfter} starts reading forward, and what is open there: after a long line
 * (which closes what was open), at the last line that opens something, or at the start; undefined
 * when {@link MAX_OPEN_LINES} lines are read back without one (nothing can be open); {@link ALL}
 * where a block scalar may be open at the line found.
 */
function lastReset(bytes: Buffer, state: NamedState | undefined): { from: number; open: NamedState | undefined } | typeof ALL | undefined {
  let counted = 0;
  let found: number | undefined;
  let stop = bytes.length > 0 && bytes[bytes.length - 1] === NL ? bytes.length - 1 : bytes.length;
  for (;;) {
    const nl = stop === 0 ? -1 : bytes.lastIndexOf(NL, stop - 1);
    const lineStop = stop > nl + 1 && bytes[stop - 1] === CR ? stop - 1 : stop;
    const content = nl + 1 + prefixLength(bytes, nl + 1, lineStop);
    if (!passedOver(bytes, content, lineStop)) {
      if (found !== undefined) {
        // A block scalar's key before the line found: the line may be one of its lines.
        if (mayOpenBlock(bytes, content, lineStop)) return ALL;
        if (++counted === MAX_OPEN_LINES) return { from: found, open: undefined };
      } else if (lineStop - content > MAX_NAMING_BYTES) {
        // A long line closes what was open: read on from the next.
        return { from: stop + 1, open: undefined };
      } else {
        const text = unmarked(bytes.toString('utf8', content, lineStop));
        if (nameOf(memberLine(text)) !== undefined || netrcOpening(text) !== undefined || keyLine(text) !== undefined) {
          found = nl + 1;
          counted = 0;
        } else if (++counted === MAX_OPEN_LINES) return undefined;
      }
    }
    if (nl === -1) break;
    stop = nl;
  }
  if (found === undefined) return { from: 0, open: state };
  return state?.kind === 'key' && state.style === 'block' ? ALL : { from: found, open: undefined };
}

/**
 * Reads the lines of `data` (`ends` as {@link namedValues} takes them) from `state`, telling
 * `found` of each line's values (offsets in its text after a log prefix of `prefix` units);
 * returns what is open after them. With nothing open, a line is read by its first and last bytes.
 */
function readLines(data: Buffer, ends: Int32Array, state: NamedState | undefined, found?: (line: number, values: readonly Found[], prefix: number) => void): NamedState | undefined {
  let open = state;
  for (let i = 0, start = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    const lineStart = start;
    start = end + 1;
    const stop = end > lineStart && data[end - 1] === CR ? end - 1 : end;
    const prefix = prefixLength(data, lineStart, stop);
    if (open === undefined && !mayOpen(data, lineStart + prefix, end)) continue;
    const step = stepLine(data, lineStart, prefix, stop, open);
    if (step === PASSED) continue;
    open = step.open;
    if (step.found && found) found(i, step.found, prefix);
  }
  return open;
}

const PASSED = Symbol('passed over');

/** True when the line from `start` to `stop` starts with `#` deeper than the key of the block scalar `open` is: a line of the block, no comment. */
function inBlock(data: Buffer, start: number, stop: number, open: NamedState | undefined): boolean {
  if (open?.kind !== 'key' || open.style !== 'block') return false;
  let k = start;
  while (k < stop && (data[k] === 0x20 || data[k] === 0x09)) k++;
  return k < stop && k - start > open.column;
}

/**
 * One line (`data` from `start` to `stop`, its line end left out; a log prefix of `prefix` bytes
 * first, see log-prefix.ts) read with what was open before it: {@link PASSED} for a blank or a
 * comment line, else what it leaves open and the value it holds (its offsets those of the text
 * after the prefix). A name line or a netrc entry's first line opens anew whatever was open; a
 * line behind a prefix of another shape than the open one's is none of its lines; a long line
 * (see {@link MAX_NAMING_BYTES}) can only be a value line, and closes.
 */
function stepLine(data: Buffer, start: number, prefix: number, stop: number, before: NamedState | undefined): typeof PASSED | { open: NamedState | undefined; found?: Found[] } {
  if (passedOver(data, start + prefix, stop) && !inBlock(data, start + prefix, stop, before)) return PASSED;
  const shape = prefix === 0 ? '' : prefixShape(data, start, prefix);
  const foreign = before !== undefined && before.prefix !== shape;
  const open = foreign ? undefined : before;
  const long = stop - (start + prefix) > MAX_NAMING_BYTES;
  if (long && open?.kind !== 'name' && open?.kind !== 'key') return { open: undefined };
  const text = unmarked(data.toString('utf8', start + prefix, stop));
  // A block scalar's line is the block's, whatever it reads as: its text is literal.
  const blockLine = open?.kind === 'key' && open.style === 'block' ? keyLineValue(text, open) : undefined;
  if (open?.kind === 'key' && blockLine && 'scalar' in blockLine) return keyValue(open, blockLine.scalar, long);
  const member = memberLine(text);
  if (!long) {
    const name = nameOf(member);
    if (name !== undefined && member) return { open: { kind: 'name', name, column: member.column, json: member.json, members: { [member.key]: name }, read: 0, siblings: 0, prefix: shape } };
    const opened = member ? undefined : netrcOpening(text);
    if (opened !== undefined) return { open: { kind: 'netrc', seen: opened, prefix: shape } };
    const keyed = keyLine(text);
    if (keyed) return { open: { kind: 'key', ...keyed, wrappers: 0, prefix: shape } };
  }
  if (foreign) {
    // Another source's line, between the lines of what is open (services of one Compose project, a container's two streams).
    const passed = (before.foreign ?? 0) + 1;
    return { open: passed <= MAX_FOREIGN && !long ? { ...before, foreign: passed } : undefined };
  }
  if (open?.kind === 'key') {
    const read = keyLineValue(text, open);
    if (read === undefined) return { open: undefined };
    if ('wrapper' in read) return { open: open.wrappers < MAX_WRAPPERS && !long ? { ...open, column: read.wrapper, wrappers: open.wrappers + 1 } : undefined };
    return keyValue(open, read.scalar, long);
  }
  if (open?.kind === 'name') {
    // A value member's block scalar: its lines are the name's value, each counted as a member line.
    const block = member || open.json || long ? undefined : valueBlockLine(text);
    if (block && block.column === open.column && open.read + 1 < MAX_MEMBER_LINES) {
      return { open: { kind: 'key', ...block, wrappers: 0, read: open.read + 1, members: open.members, prefix: open.prefix, ...(open.foreign !== undefined && { foreign: open.foreign }) } };
    }
    if (!member || member.dash || member.column !== open.column || member.json !== open.json) return { open: undefined };
    const read = open.read + 1;
    const s = member.scalar;
    if (isValueMember(member)) {
      const next = long || read >= MAX_MEMBER_LINES ? undefined : { ...open, read };
      // A plan's change gives the member two values, its old one and its new one.
      const values = [s, ...(member.next ? [member.next] : [])].flatMap((v) =>
        v.value === undefined || v.written === '' ? [] : [{ start: v.start, end: v.end, value: v.value, written: v.written, quoting: v.quoting, key: member.key, members: open.members }],
      );
      return values.length > 0 ? { open: next, found: values } : { open: next };
    }
    if (long || !isSibling(member) || open.siblings >= MAX_SIBLINGS || read >= MAX_MEMBER_LINES) return { open: undefined };
    const members = typeof s.value === 'string' && !(member.key in open.members) ? { ...open.members, [member.key]: s.value } : open.members;
    return { open: { ...open, members, read, siblings: open.siblings + 1 } };
  }
  if (open?.kind === 'netrc') {
    const pairs = netrcPairs(text);
    if (pairs && (pairs.seen & open.seen) === 0) return { open: { ...open, seen: open.seen | pairs.seen }, found: pairs.values };
  }
  return { open: undefined };
}

/** The value `s` a line holds under the key `open` names, and what stays open after it: a block scalar's next lines. */
function keyValue(open: PendingKey, s: Scalar, long: boolean): { open: NamedState | undefined; found?: Found[] } {
  if (s.value === undefined || s.written === '') return { open: undefined };
  const lines = (open.read ?? 0) + 1;
  const next = open.style === 'block' && !long && lines < MAX_MEMBER_LINES ? { ...open, indent: open.indent ?? s.start, read: lines } : undefined;
  return { open: next, found: [{ start: s.start, end: s.end, value: s.value, written: s.written, quoting: s.quoting, key: open.key, ...(open.members && { members: open.members }), ...(s.outer && { outer: s.outer }) }] };
}

/** The values of `found` that a `redact` key rule takes, none of them one of logveil's tokens already; their offsets moved past a log prefix of `prefix` units. */
function taken(policy: CompiledPolicy, found: readonly Found[], prefix: number): NamedSpan[] {
  const rules = policy.keyRules;
  const out: NamedSpan[] = [];
  for (const v of found) {
    let decision;
    if (v.members) {
      // As the structured path decides a name-value object's value member (see memberDecision).
      const keys = Object.keys(v.members);
      const name = v.members[keys[0] as string];
      decision = memberDecision(rules, v.key, name, rules.holdingIn({ ...v.members, [v.key]: v.written }, [...keys, v.key])).decision;
    } else {
      decision = rules.decide(v.key);
    }
    if (decision.mode !== 'redact' || !decision.rule) continue;
    const rule = decision.rule;
    if (!takes(rule, v.value) || isOwnToken(policy, v.written)) continue;
    out.push({
      start: prefix + v.start,
      end: prefix + v.end,
      value: typeof v.value === 'number' ? v.written : v.value,
      rule,
      pattern: decision.pattern ?? v.key,
      quoting: v.quoting,
      ...(v.outer && { outer: { start: prefix + v.outer.start, end: prefix + v.outer.end } }),
    });
  }
  return out;
}

/** True when `text` is one token logveil wrote, whole. */
export function isOwnToken(policy: CompiledPolicy, text: string): boolean {
  if (!text.startsWith('[[')) return false;
  const tokens = ownTokens(policy, text);
  return tokens.length === 1 && tokens[0]?.start === 0 && tokens[0].end === text.length;
}

