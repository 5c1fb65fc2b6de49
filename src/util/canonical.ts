/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members left out. Stable input
 * for hashes (policy hash, config hash, ledger entries).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : canonicalJson(v);
    }
    return out + ']';
  }
  return `{${canonicalMembers(value as Record<string, unknown>).join(',')}}`;
}

/** The members of an object's canonical form, `"key":value`, in key order (undefined left out). */
export function canonicalMembers(obj: Readonly<Record<string, unknown>>): string[] {
  const keys = Object.keys(obj).sort();
  const members: string[] = [];
  for (const k of keys) {
    const v = obj[k];
    if (v !== undefined) members.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return members;
}
