/** What replaces a finding: a token, a keyed hash, a mask or a partial mask. */
import type { DataKey, HashKey } from '../crypto/keys/cache.js';
import { encryptToken, hashToken, wrapToken } from '../crypto/token.js';
import type { ResolvedAction } from './actions.js';

/** Key material for one record; obtained by the caller before the (synchronous) redaction. */
export interface RedactKeys {
  tokenKey: () => DataKey;
  hashKey: () => HashKey;
}

/** The text that replaces `value` under `action` (and the kid of the data key a token was made under). */
export function replacement(action: ResolvedAction, label: string, value: string, keys: RedactKeys): { text: string; kid?: string } {
  switch (action.type) {
    case 'tokenize': {
      const key = keys.tokenKey();
      return { text: wrapToken(label, encryptToken(key, label, value, action.mode)), kid: key.kid };
    }
    case 'hash':
      return { text: wrapToken(label, hashToken(keys.hashKey(), label, value)) };
    case 'mask':
      return { text: action.text ?? wrapToken(label) };
    case 'partial':
      return { text: partial(value, action.keepFirst, action.keepLast, action.maskChar) };
    case 'drop-field':
    case 'drop-record':
      return { text: '' };
  }
}

/** Keeps the first and last characters, masks the rest; short values are masked whole. */
export function partial(value: string, keepFirst: number, keepLast: number, maskChar: string): string {
  const chars = Array.from(value);
  if (chars.length <= keepFirst + keepLast) return maskChar.repeat(chars.length);
  return (
    chars.slice(0, keepFirst).join('') +
    maskChar.repeat(chars.length - keepFirst - keepLast) +
    chars.slice(chars.length - keepLast).join('')
  );
}
