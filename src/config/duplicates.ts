/**
 * Duplicate ids across packs (detectors, routing rules), reported with both places.
 */
import type { Problem } from '../errors.js';

interface Sourced {
  id: string;
  source: { file: string; line: number };
}

/** Adds a problem for every pack id and item id seen twice; `what` names them in messages. */
export function duplicateIdProblems<P extends { id: string; file: string }, I extends Sourced>(
  packs: readonly P[],
  itemsOf: (pack: P) => readonly I[],
  what: { pack: string; item: string },
  problems: Problem[],
): void {
  const packIds = new Map<string, P>();
  const itemIds = new Map<string, I>();
  for (const pack of packs) {
    const first = packIds.get(pack.id);
    if (first) problems.push({ file: pack.file, line: 1, message: `${what.pack} id "${pack.id}" is also used by ${first.file}` });
    else packIds.set(pack.id, pack);
    for (const item of itemsOf(pack)) {
      const seen = itemIds.get(item.id);
      if (seen) {
        problems.push({
          file: item.source.file,
          line: item.source.line,
          message: `${what.item} "${item.id}": duplicate id, first defined at ${seen.source.file}:${seen.source.line}`,
        });
      } else {
        itemIds.set(item.id, item);
      }
    }
  }
}
