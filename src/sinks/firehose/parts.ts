/**
 * Lines a Firehose stream split because they were longer than a record (see splitLine in
 * pack.ts), put back together where they are read: a quarantine entry of a large record, or a
 * security event holding a large redacted record, is written as `{"logveilPart":...}` lines that
 * may come in any order, in several objects of an export, and more than once (Firehose delivers
 * at least once).
 */
import { joinLineParts, type LinePart } from './pack.js';

/** A line, with where it was read. */
export interface ReadLine<W> {
  text: string;
  where: W;
}

/** What {@link joinParts} made of a set of lines. */
export interface JoinedLines<W> {
  /** Every line that is not a part, and each split line whose parts are all there (at its first part's place). */
  lines: ReadLine<W>[];
  /** Split lines some of whose parts are missing: their id, how many parts they have, how many were read (once each), and where. */
  incomplete: Array<{ id: string; count: number; parts: number; where: W[] }>;
}

/** The part a line is, or undefined when it is none. */
export function linePart(text: string): LinePart | undefined {
  if (!text.startsWith('{"logveilPart":')) return undefined;
  try {
    const v = JSON.parse(text) as Partial<LinePart>;
    const p = v.logveilPart;
    const ok = p && typeof p.id === 'string' && Number.isInteger(p.index) && Number.isInteger(p.count) && p.index >= 0 && p.index < p.count && typeof v.text === 'string';
    return ok ? (v as LinePart) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lines with each split line's parts joined back (a part read twice counts once). The parts
 * of a split line that misses some are reported, and left out, or with `keepIncomplete` left as
 * they were read.
 */
export function joinParts<W>(lines: Iterable<ReadLine<W>>, keepIncomplete = false): JoinedLines<W> {
  type Group = { count: number; parts: Map<number, LinePart>; read: ReadLine<W>[] };
  const slots: Array<ReadLine<W> | Group> = [];
  const groups = new Map<string, Group>();
  for (const line of lines) {
    const part = linePart(line.text);
    if (!part) {
      slots.push(line);
      continue;
    }
    const { id, index, count } = part.logveilPart;
    let g = groups.get(id);
    if (!g) {
      // The joined line stands where its first part was read.
      g = { count, parts: new Map(), read: [] };
      groups.set(id, g);
      slots.push(g);
    }
    if (!g.parts.has(index)) g.parts.set(index, part);
    g.read.push(line);
  }
  const joined = new Map<Group, string | undefined>();
  const incomplete: JoinedLines<W>['incomplete'] = [];
  for (const [id, g] of groups) {
    const line = joinLineParts([...g.parts.values()]);
    joined.set(g, line);
    if (line === undefined) incomplete.push({ id, count: g.count, parts: g.parts.size, where: g.read.map((l) => l.where) });
  }
  const out: ReadLine<W>[] = [];
  for (const slot of slots) {
    if (!('parts' in slot)) {
      out.push(slot);
      continue;
    }
    const line = joined.get(slot);
    if (line !== undefined) out.push({ text: line, where: (slot.read[0] as ReadLine<W>).where });
    else if (keepIncomplete) out.push(...slot.read);
  }
  return { lines: out, incomplete };
}
