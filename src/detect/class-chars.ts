/** The characters a bracketed RE2 character class lists, read from its source. */

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', a: '\x07' };

/**
 * The characters the class `source` (`[a-c_]`, `[\x41-\x43]`) lists, when it is a bracketed class
 * that is not negated and lists at most `max` of them; undefined otherwise (`.`, `\d`, `[^a]`, a
 * POSIX class, an escape such as `\w` inside: too many to list).
 */
export function classChars(source: string, max: number): Set<string> | undefined {
  if (!source.startsWith('[') || source.startsWith('[^')) return undefined;
  const chars = new Set<string>();
  let i = 1;
  if (source[i] === ']') {
    chars.add(']');
    i++;
  }
  const one = (): string | undefined => {
    if (source[i] !== '\\') {
      const ch = String.fromCodePoint(source.codePointAt(i) as number);
      i += ch.length;
      return ch;
    }
    const e = source[i + 1] ?? '';
    if (e === 'x') {
      const m = /^\\x(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(source.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return String.fromCodePoint(parseInt((m[1] ?? m[2]) as string, 16));
    }
    if (/[0-7]/.test(e)) {
      const m = /^\\([0-7]{1,3})/.exec(source.slice(i)) as RegExpExecArray;
      i += m[0].length;
      return String.fromCodePoint(parseInt(m[1] as string, 8));
    }
    i += 2;
    // \d \w \s \pL and the like: too many characters to list.
    if (/[A-Za-z0-9]/.test(e)) return SIMPLE_ESCAPES[e];
    return e;
  };
  while (i < source.length - 1) {
    if (source.startsWith('[:', i)) return undefined;
    const lo = one();
    if (lo === undefined) return undefined;
    if (source[i] === '-' && i + 1 < source.length - 1) {
      i++;
      const hi = one();
      if (hi === undefined) return undefined;
      const from = lo.codePointAt(0) as number;
      const to = hi.codePointAt(0) as number;
      if (to - from + 1 > max) return undefined;
      for (let c = from; c <= to; c++) chars.add(String.fromCodePoint(c));
    } else chars.add(lo);
    if (chars.size > max) return undefined;
  }
  return chars;
}
