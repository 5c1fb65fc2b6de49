/**
 * Lines a container runtime cut in parts. A runtime writes a line longer than its buffer (16 KiB
 * for Docker, containerd and CRI-O) as several records: Docker's json-file driver as records
 * whose `log` string has no line end but in the last one; a runtime's CRI log file as lines
 * tagged `P` but the last, tagged `F` (`2024-05-01T10:00:00.1Z stdout P ...`); Fluent Bit and
 * Fluentd, reading such a file, as records tagged `"_p":"P"` or `"logtag":"P"`. A value the
 * cut falls inside (a token, a key's value in a JSON line) then stands half in one record and
 * half in the next, and neither half is what a detector knows.
 *
 * Here the parts of each line are read joined, as the line was written: every detector and key
 * rule over the joined text, and what they find is replaced in the parts (a keyword in one part
 * counts for a value in the next). A value that lies across a cut is replaced where it starts,
 * whole (its token made of all of it), and what of it stands in the parts after is cut out of
 * them, so that the parts, joined again, read as the line redacted would; a line a `drop-record`
 * action takes is dropped in every part. Each part then takes the structured path as any line
 * does. A part is read as the batch reads its line (see wrapped-lines.ts), or, for a record whose
 * `log` holds line ends (a progress bar's `\r`), as that string whole.
 *
 * The next part of a line is the next line of the same stream, kind (records, or a runtime's
 * lines) and container (as the records name it), at most {@link MAX_GAP} lines on
 * ({@link MAX_SOURCE_GAP} for records that name their container): other streams' and
 * containers' lines may come between. The batcher keeps a line's parts in one batch
 * (see {@link openParts}) but for a line longer than a batch, whose parts are read in batches, and
 * not joined across the cut between them. The readers of values named on another line (see
 * marked-lines.ts) read each part as the line it is.
 */
import { embeddedValues } from '../act/embedded.js';
import { detectorEdit, keyRuleEdit, withKeyRules } from '../act/edits.js';
import type { ActionPolicy } from '../act/actions.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { ownTokens, scanText } from '../detect/scan.js';
import type { LineEdit } from './line-edits.js';
import { runtimeLine } from './log-prefix.js';
import { partTag, recordPart, recordText, type RecordPart } from './log-records.js';
import type { BatchText } from './wrapped-lines.js';

/** The lines after a part that its next part may be, at most. */
export const MAX_GAP = 8;
/**
 * The same for a record that names its container (see RecordPart): a forwarder reading many
 * containers' files writes their records in runs, and a line's next part may follow another
 * container's run.
 */
export const MAX_SOURCE_GAP = 64;
/** The parts the batcher carries to the next batch, at most (a longer run is cut where batches are). */
export const MAX_CARRIED_PARTS = 64;

const NL = 0x0a;
const CR = 0x0d;
/** What a batch holds where it holds a container's record or a runtime's part (a line of none of these is no part). */
export const PART_WORDS: readonly Buffer[] = [Buffer.from('"stream":"std'), Buffer.from(' stdout P'), Buffer.from(' stderr P')];

/**
 * A line that is a part of a longer one (or may be its last): the record that wraps it (none for a
 * runtime's line), its stream and the container its record names (see RecordPart), whether a
 * next part continues it, and where its text starts in a runtime's line.
 */
interface Part {
  record: RecordPart | undefined;
  stream: number;
  source: string;
  open: boolean;
  content: number;
}

/** What line `bytes` (as written, its end left out) is as a part. */
function partOf(bytes: Buffer): Part | undefined {
  if (bytes[0] === 0x7b) {
    const p = recordPart(bytes);
    return p && { record: p, stream: p.stream, source: p.source, open: p.open, content: 0 };
  }
  const r = runtimeLine(bytes, 0, bytes.length);
  return r && { record: undefined, source: '', ...r };
}

/** A part's edits: `whole` when they are made in its record's `log` string read whole (a record the batch did not read as one line, see recordText). */
export interface PartEdits {
  edits: LineEdit[];
  whole: boolean;
}

/**
 * The edits that replace what the parts of a line hold read joined (see the module notes), by
 * line index, each in the line's text as the batch read it (`text`, see wrapped-lines.ts; else
 * `data` as written), or in its record's string read whole: none for most batches, which hold no
 * part a next one continues. `openRecord`: where the batch read no line from a record (`text`
 * undefined), whether one may be such a part all the same (see batchText).
 */
export function partEdits(data: Buffer, ends: Int32Array, text: BatchText | undefined, policy: CompiledPolicy, actions: ActionPolicy, openRecord = false): Map<number, PartEdits> | undefined {
  const line = (i: number): Buffer => {
    const start = i === 0 ? 0 : (ends[i - 1] as number) + 1;
    const end = ends[i] as number;
    return data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end);
  };
  if (!(text ? holdsOpenRecord(text, line) : openRecord) && !holdsRuntimePart(data)) return undefined;
  const parts = new Array<Part | undefined>(ends.length);
  let any = false;
  for (let i = 0; i < ends.length; i++) {
    const p = partOf(line(i));
    parts[i] = p;
    if (p?.open) any = true;
  }
  if (!any) return undefined;
  const read = text?.data ?? data;
  const readEnds = text?.ends ?? ends;
  /** A part's text as the batch read it, or its record's string read whole where the batch read no line from it. */
  const lineText = (i: number): { text: string; whole: boolean } | undefined => {
    const record = (parts[i] as Part).record;
    if (record && !text?.wrapped[i]) {
      const whole = recordText(line(i), record);
      return whole === undefined ? undefined : { text: whole, whole: true };
    }
    const start = i === 0 ? 0 : (readEnds[i - 1] as number) + 1;
    const end = readEnds[i] as number;
    return { text: read.toString('utf8', start, end > start && read[end - 1] === CR && !text?.wrapped[i] ? end - 1 : end), whole: false };
  };
  const taken = new Uint8Array(ends.length);
  let out: Map<number, PartEdits> | undefined;
  for (let i = 0; i < ends.length; i++) {
    if (!parts[i]?.open || taken[i]) continue;
    const run = [i];
    for (let at = i; parts[at]?.open; ) {
      const next = nextPart(parts, at);
      if (next === -1) break;
      run.push(next);
      taken[next] = 1;
      at = next;
    }
    if (run.length < 2) continue;
    const texts = run.map(lineText);
    // A string that does not parse: its record is the structured path's to reject.
    if (texts.some((t) => t === undefined)) continue;
    const partTexts = texts as Array<{ text: string; whole: boolean }>;
    for (const [k, edits] of joinedEdits(run.map((line, n) => ({ line, text: partTexts[n]?.text as string, content: (parts[line] as Part).content })), policy, actions)) {
      (out ??= new Map()).set(k, { edits, whole: partTexts[run.indexOf(k)]?.whole === true });
    }
  }
  return out;
}

/**
 * Whether a record the batch read (`text`; `line(i)`, line i as written) may be a part a next one
 * continues: its `log` has no line end at its end (as `text` marks the records) and it is not
 * tagged `F` (Fluent Bit's records of a runtime's lines hold none, most of them `F`).
 */
function holdsOpenRecord(text: BatchText, line: (i: number) => Buffer): boolean {
  for (let i = text.unended.indexOf(1); i !== -1; i = text.unended.indexOf(1, i + 1)) if (partTag(line(i)) !== 0x46) return true;
  return false;
}

const TAG = Buffer.from('P ');
const STREAM_NAMES = [Buffer.from(' stdout '), Buffer.from(' stderr ')];

/**
 * Whether `data` may hold a runtime's line tagged `P`: a `P ` after ` stdout ` or ` stderr `.
 * Searched by `P `, rarer in logs than a blank (40 us per 512 KiB of the benchmark's logs, where
 * searching ` stdout P` and ` stderr P` took 500).
 */
function holdsRuntimePart(data: Buffer): boolean {
  for (let at = data.indexOf(TAG, 8); at !== -1; at = data.indexOf(TAG, at + 2)) {
    if (data[at - 1] === 0x20 && STREAM_NAMES.some((s) => data.compare(s, 0, 8, at - 8, at) === 0)) return true;
  }
  return false;
}

/** How many lines on a part's next part may be. */
function gapOf(p: Part): number {
  return p.source === '' ? MAX_GAP : MAX_SOURCE_GAP;
}

/** The line after `at` that is its next part: the same kind, stream and container, within {@link gapOf} lines; -1 for none. */
function nextPart(parts: ReadonlyArray<Part | undefined>, at: number): number {
  const p = parts[at] as Part;
  for (let j = at + 1; j < parts.length && j <= at + gapOf(p); j++) {
    const q = parts[j];
    if (q && (q.record === undefined) === (p.record === undefined) && q.stream === p.stream && q.source === p.source) return j;
  }
  return -1;
}

/**
 * The edits of a line's parts (each a line of the batch, its text as read and where the part's
 * own text starts in it) for what the joined text holds: a value across a cut is replaced in the
 * part it starts in, and cut out of those after.
 */
export function joinedEdits(run: ReadonlyArray<{ line: number; text: string; content: number }>, policy: CompiledPolicy, actions: ActionPolicy): Map<number, LineEdit[]> {
  const pieces = run.map((p) => p.text.slice(p.content));
  const joined = pieces.join('');
  // Where each part starts in the joined text.
  const starts: number[] = [];
  let at = 0;
  for (const piece of pieces) {
    starts.push(at);
    at += piece.length;
  }
  const detectors = scanText(policy, joined).map((m) => detectorEdit(m, actions.forDetector(m.detector.spec), true));
  const byKey = embeddedValues(joined, policy.keyRules, () => ownTokens(policy, joined)).map((v) => keyRuleEdit(v, actions.forKeyRule(v.rule)));
  const edits = byKey.length === 0 ? detectors : withKeyRules(detectors, byKey);
  const out = new Map<number, LineEdit[]>();
  for (const e of edits) {
    const first = lastAtOrBefore(starts, e.start);
    const { id, category, severity, label, action } = e.by;
    const value = e.value ?? joined.slice(e.start, e.end);
    // A line dropped is dropped whole: each of its parts, by an empty edit where it holds none of the value.
    if (action.type === 'drop-record') {
      for (const [k, p] of run.entries()) {
        if ((starts[k] as number) + (pieces[k] as string).length > e.start && (starts[k] as number) < e.end) continue;
        const list = out.get(p.line) ?? [];
        list.push({ start: p.content, end: p.content, value, id, category, severity, label, action, continues: true });
        out.set(p.line, list);
      }
    }
    for (let k = first; k < run.length && (starts[k] as number) < e.end; k++) {
      const { line, content } = run[k] as { line: number; content: number };
      const from = Math.max(e.start, starts[k] as number) - (starts[k] as number);
      const to = Math.min(e.end, (starts[k] as number) + (pieces[k] as string).length) - (starts[k] as number);
      if (to === from && k > first) continue;
      const list = out.get(line) ?? [];
      list.push({ start: content + from, end: content + to, value, id, category, severity, label, action, ...(k > first ? { continues: true } : {}) });
      out.set(line, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
  return out;
}

/** The index of the last of the ascending `starts` at or before `offset`. */
function lastAtOrBefore(starts: readonly number[], offset: number): number {
  let k = 0;
  while (k + 1 < starts.length && (starts[k + 1] as number) <= offset) k += 1;
  return k;
}

/**
 * `edits` of a line with a part's edits (see {@link partEdits}) among them, in order: a part's
 * edit that overlaps one of the others is left out (what it replaces is replaced).
 */
export function withPartEdits(edits: readonly LineEdit[], parts: readonly LineEdit[] | undefined): readonly LineEdit[] {
  if (!parts) return edits;
  const kept = parts.filter((p) => !edits.some((e) => e.start < p.end && p.start < e.end));
  return [...edits, ...kept].sort((a, b) => a.start - b.start);
}

/**
 * How many of the last lines of `data` (whole lines, as written) a batch must not end after: from
 * the first part of each line whose next part is still to come, or lies among them (see
 * {@link nextPart}); up to {@link MAX_CARRIED_PARTS} lines. 0 when no such part is among the
 * last. Cheap when `data` holds no container's record nor runtime's line.
 */
export function openParts(data: Buffer): number {
  if (!PART_WORDS.some((w) => data.indexOf(w) !== -1)) return 0;
  let stop = data.length > 0 && data[data.length - 1] === NL ? data.length - 1 : data.length;
  /** The nearest later part of each kind and stream, by how many lines before the last it is. */
  const nearest = new Map<string, number>();
  let carried = 0;
  // A line links to a part at most its gap on: one before those never links past them (a gap as
  // wide as a record that names its container has, once one is read).
  let reach = MAX_GAP;
  for (let back = 0; back < carried + reach && carried < MAX_CARRIED_PARTS; back++) {
    const nl = stop === 0 ? -1 : data.lastIndexOf(NL, stop - 1);
    const line = data.subarray(nl + 1, stop > nl + 1 && data[stop - 1] === CR ? stop - 1 : stop);
    const part = partOf(line);
    if (part) {
      const key = `${part.stream}${part.record ? 'r' : 't'}${part.source}`;
      const next = nearest.get(key);
      // Its next part may come after the last line, or is carried: it goes with them.
      const gap = gapOf(part);
      if (gap > reach) reach = gap;
      if (part.open && (next === undefined ? back < gap : back - next <= gap && next < carried)) carried = back + 1;
      nearest.set(key, back);
    }
    if (nl === -1) break;
    stop = nl;
  }
  return Math.min(carried, MAX_CARRIED_PARTS);
}
