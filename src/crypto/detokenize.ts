/**
 * Reverses tk1 tokens in a text. The caller (the `detokenize` command) checks identity and reason
 * and writes the audit event; this only decrypts, and reports what it could not.
 */
import { LogveilError } from '../errors.js';
import type { DataKey, DataKeyCache } from './keys/cache.js';
import { isKidShape } from './keys/registry.js';
import { decryptToken, findTokens, type TokenRef } from './token.js';

/** The outcome of {@link detokenizeText}. */
export interface DetokenizeResult {
  /** The text with every tk1 token that decrypted replaced by its value. */
  text: string;
  /** How many tk1 tokens the text holds; `tokens - failures.length` of them were replaced. */
  tokens: number;
  /** Every kid seen in a tk1 token (replaced or not), in order of first appearance. */
  kids: string[];
  /** Tokens left in place, with offsets into the input text; messages never hold a value. */
  failures: Array<{ start: number; kid?: string; code: string; message: string }>;
}

/**
 * Replaces every tk1 token in `text` by its plaintext; h1 and mask tokens stay, and so does token
 * syntax whose kid no key of logveil's can have (its kid is not echoed: it may be anything). A token
 * that fails (unknown kid, key unavailable, tampered, relabelled) stays in place and is listed in
 * `failures`.
 * Tokens are decrypted one kid at a time, right after that kid's key is fetched, so no key is used
 * across an `await`.
 */
export async function detokenizeText(text: string, keys: DataKeyCache): Promise<DetokenizeResult> {
  const byKid = new Map<string, TokenRef[]>();
  for (const ref of findTokens(text)) {
    if (ref.kind !== 'tk1' || ref.kid === undefined || !isKidShape(ref.kid)) continue;
    const group = byKid.get(ref.kid);
    if (group) group.push(ref);
    else byKid.set(ref.kid, [ref]);
  }
  const values = new Map<number, string>();
  const failures: DetokenizeResult['failures'] = [];
  for (const [kid, refs] of byKid) {
    let key: DataKey;
    try {
      key = await keys.forKid(kid);
    } catch (err) {
      const { code, message } = describe(err, 'KEY_UNAVAILABLE', `key ${kid} is unavailable`);
      for (const ref of refs) failures.push({ start: ref.start, kid, code, message });
      continue;
    }
    for (const ref of refs) {
      try {
        values.set(ref.start, decryptToken(key, ref.label, ref.body as string));
      } catch (err) {
        const { code, message } = describe(err, 'TOKEN_FAILED', 'token could not be decrypted');
        failures.push({ start: ref.start, kid, code, message });
      }
    }
  }
  failures.sort((a, b) => a.start - b.start);
  const tokens = values.size + failures.length;
  if (values.size === 0) return { text, tokens, kids: [...byKid.keys()], failures };

  let out = '';
  let from = 0;
  for (const ref of [...byKid.values()].flat().sort((a, b) => a.start - b.start)) {
    const value = values.get(ref.start);
    if (value === undefined) continue;
    out += text.slice(from, ref.start) + value;
    from = ref.end;
  }
  return { text: out + text.slice(from), tokens, kids: [...byKid.keys()], failures };
}

/** Our errors carry value-free messages; anything else is summarized rather than quoted. */
function describe(err: unknown, fallbackCode: string, fallbackMessage: string): { code: string; message: string } {
  if (err instanceof LogveilError) return { code: err.code, message: err.message };
  return { code: fallbackCode, message: fallbackMessage };
}
