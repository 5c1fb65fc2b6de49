/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members left out. Stable input
 * for hashes (policy hash, config hash, ledger entries). Every security event is written in it,
 * so it is built by hand: a string of printable ASCII without quote or backslash is quoted as it
 * stands and a finite number printed as JavaScript prints it (what JSON.stringify gives for both,
 * which the rest still goes through), and keys already in order are not sorted (a findings event
 * took 4.4 us built from JSON.stringify of every key and value and sorted member lists, 2.5 us so).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${joinedItems(value)}]`;
  const obj = value as Readonly<Record<string, unknown>>;
  let out = '{';
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += quoted(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}

/** Items {@link joinedItems} joins into one flat string at a time. */
const ITEMS_PER_JOIN = 256;

/**
 * The canonical forms of `items`, comma-separated. Concatenated piece by piece, a string stays a
 * tree of its pieces (32 bytes each) until it is read, and an object's form is some thirty of
 * them: written whole, a list of 80,000 findings took tens of megabytes. A join makes a flat
 * string, so the items of a long list are joined a few hundred at a time (a short list's, and
 * an object's members, are still concatenated: joined, a findings event took 10 us instead of 6).
 */
function joinedItems(items: readonly unknown[]): string {
  if (items.length <= ITEMS_PER_JOIN) {
    // Concatenated: a join costs an event of two findings a fifth more time.
    let out = '';
    for (let i = 0; i < items.length; i++) {
      const v: unknown = items[i];
      if (i > 0) out += ',';
      out += v === undefined ? 'null' : canonicalJson(v);
    }
    return out;
  }
  const parts: string[] = [];
  let run: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const v: unknown = items[i];
    run.push(v === undefined ? 'null' : canonicalJson(v));
    if (run.length === ITEMS_PER_JOIN) {
      parts.push(run.join(','));
      run = [];
    }
  }
  if (run.length > 0) parts.push(run.join(','));
  return parts.join(',');
}

/** The members of an object's canonical form, `"key":value`, in key order (undefined left out). */
export function canonicalMembers(obj: Readonly<Record<string, unknown>>): string[] {
  const members: string[] = [];
  for (const k of sortedKeys(obj)) {
    const v = obj[k];
    if (v !== undefined) members.push(quoted(k) + ':' + canonicalJson(v));
  }
  return members;
}

/** Printable ASCII but `"` and `\`: JSON writes such a string between quotes as it stands. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quoted(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** The object's own keys in the order Array.prototype.sort gives them (UTF-16 code units). */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  return keys;
}
