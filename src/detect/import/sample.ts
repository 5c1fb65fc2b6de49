/**
 * Generates strings an RE2 expression matches, from its parsed form: literals as written, each
 * character set drawn at random from the characters RE2 says it accepts, repeats and alternatives
 * chosen by a seeded generator. Assertions (`\b`, `^`, `$`) are not planned for: callers check each
 * sample with the real matcher and draw again.
 */
import RE2 from 're2';
import type { RegexFlags, RegexNode } from '../re2-syntax.js';

/** A generated string and the span each capture group produced (UTF-16 offsets). */
export interface RegexSample {
  text: string;
  captures: Map<number, [number, number]>;
}

export interface SampleOptions {
  /** Seed of the generator: equal seeds give equal samples. */
  seed: number;
  /** Take the first alternative and the fewest repeats (a first, plain draw) rather than random ones. */
  plain: boolean;
  /** At most this many repeats beyond a repeat's minimum. */
  maxExtra: number;
}

/** Characters tried against each set: printable ASCII, tab, newline and a few non-ASCII letters. */
const CANDIDATES: readonly string[] = [
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)),
  '\t',
  '\n',
  '\r',
  'é',
  'ß',
  'λ',
  'ж',
];
const ALNUM = /^[A-Za-z0-9]$/;
/** Longer samples are given up on: nested counted repeats could otherwise ask for millions. */
const MAX_SAMPLE_CHARS = 65_536;

const membersCache = new Map<string, string[]>();

/** The candidate characters a set accepts (asked of RE2 with the set's flags). */
function members(source: string, flags: RegexFlags): string[] {
  const mode = `${flags.i ? 'i' : ''}${flags.s ? 's' : ''}`;
  const key = `${mode}:${source}`;
  let found = membersCache.get(key);
  if (!found) {
    const re = new RE2(`^(?${mode}:${source})$`, 'u');
    found = CANDIDATES.filter((c) => re.test(c));
    membersCache.set(key, found);
  }
  return found;
}

/** mulberry32: small, fast and good enough to vary samples. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string the node may match, or undefined when some set accepts none of the candidates. */
export function sampleRegex(root: RegexNode, options: SampleOptions): RegexSample | undefined {
  const random = generator(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const captures = new Map<number, [number, number]>();
  let text = '';

  const emit = (node: RegexNode): boolean => {
    switch (node.type) {
      case 'literal':
        text += node.text;
        return true;
      case 'assert':
        return true;
      case 'set': {
        const accepted = members(node.source, node.flags);
        if (accepted.length === 0) return false;
        // Wide sets draw letters and digits: high entropy, and no quote or space to end a token early.
        // Others draw printable characters when they can: a case reads better on one line.
        const alnum = accepted.filter((c) => ALNUM.test(c));
        const printable = accepted.filter((c) => c >= ' ' && c <= '~');
        text += pick(alnum.length >= 8 ? alnum : printable.length > 0 ? printable : accepted);
        return true;
      }
      case 'group': {
        const start = text.length;
        if (!emit(node.child)) return false;
        if (node.capture !== undefined) captures.set(node.capture, [start, text.length]);
        return true;
      }
      case 'concat':
        return node.items.every(emit);
      case 'alt':
        return emit(options.plain ? (node.items[0] as RegexNode) : pick(node.items));
      case 'repeat': {
        const room = Math.min(node.max - node.min, options.maxExtra);
        const count = node.min + (options.plain || room <= 0 ? 0 : Math.floor(random() * (room + 1)));
        for (let i = 0; i < count; i++) if (!emit(node.child) || text.length > MAX_SAMPLE_CHARS) return false;
        return true;
      }
    }
  };

  return emit(root) ? { text, captures } : undefined;
}
