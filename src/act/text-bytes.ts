/**
 * What bytes an encoding hides are read as text (see base64-text.ts, hex-text.ts): their first
 * {@link TEXT_BYTES} bytes printable ASCII, a tab or a line break, and the rest UTF-8 text with
 * no other control character. Random bytes (a digest, a session id, a key's DER body) almost
 * never begin so, while a script, an environment file or a token encoded once more always does.
 */
import { isUtf8 } from 'node:buffer';

/** How many leading bytes must be ASCII text. */
export const TEXT_BYTES = 12;

/** True when `bytes` read as text (see above). */
export function spellsText(bytes: Buffer): boolean {
  if (bytes.length < TEXT_BYTES || !isUtf8(bytes)) return false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 ? b !== 0x09 && b !== 0x0a && b !== 0x0d : b === 0x7f || (b >= 0x80 && i < TEXT_BYTES)) return false;
  }
  return true;
}
