/**
 * MIME encoded words (RFC 2047). Mail headers carry text that is not ASCII, and any text a mailer
 * chose to encode, as `=?charset?B?base64?=` or `=?charset?Q?quoted-printable?=`:
 * `To: =?utf-8?B?am9lcmcubXVlbGxlckBleGFtcGxlLmRl?=` is an address. Mail servers, ticket systems
 * and webhook consumers log such headers as they came; detection reads each word decoded (see
 * decodeEscapes in escapes.ts), and a finding in it redacts the whole word.
 */

/** `=?`, a charset (with an RFC 2231 language), `?`, the encoding, `?`, the encoded text, `?=`. */
const WORD = /=\?([A-Za-z0-9!#$%&'+^_`{}~-]{1,40})(?:\*[A-Za-z-]{1,20})?\?([BbQq])\?([^?\s]{1,2048})\?=/y;
/** The longest word {@link WORD} reads, in bytes. */
const MAX_WORD = 2 + 40 + 21 + 3 + 2048 + 2;
/** How an encoded word starts: a cheap first test, before {@link WORD}. */
export const ENCODED_WORD_OPEN = Buffer.from('=?');

type Decoder = InstanceType<typeof TextDecoder>;

const decoders = new Map<string, Decoder | null>();

/** A decoder for a charset label, or null when the runtime knows no such charset. */
function decoderFor(charset: string): Decoder | null {
  const label = charset.toLowerCase();
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = null;
    }
    decoders.set(label, decoder);
  }
  return decoder;
}

/**
 * The encoded word that starts at `text[i]`, decoded, and its length in `text`; undefined when
 * none starts there, its charset is unknown, or its text is not of its encoding.
 */
export function encodedWordAt(text: string, i: number): { text: string; length: number } | undefined {
  WORD.lastIndex = i;
  const m = WORD.exec(text);
  if (!m) return undefined;
  const [whole, charset, encoding, encoded] = m as unknown as [string, string, string, string];
  const decoder = decoderFor(charset);
  const bytes = encoding === 'B' || encoding === 'b' ? base64Bytes(encoded) : quotedPrintableBytes(encoded);
  if (!decoder || !bytes) return undefined;
  return { text: decoder.decode(bytes), length: whole.length };
}

/** True when an encoded word {@link encodedWordAt} decodes starts at `bytes[pos]` (a raw line). */
export function isEncodedWordAt(bytes: Buffer, pos: number): boolean {
  if (bytes[pos] !== 0x3d || bytes[pos + 1] !== 0x3f) return false;
  return encodedWordAt(bytes.toString('latin1', pos, Math.min(bytes.length, pos + MAX_WORD)), 0) !== undefined;
}

/** True when the raw bytes hold an encoded word that decodes. */
export function holdsEncodedWord(bytes: Buffer): boolean {
  for (let pos = bytes.indexOf(ENCODED_WORD_OPEN); pos !== -1; pos = bytes.indexOf(ENCODED_WORD_OPEN, pos + 1)) if (isEncodedWordAt(bytes, pos)) return true;
  return false;
}

function base64Bytes(encoded: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 === 1) return undefined;
  return Buffer.from(encoded, 'base64');
}

/** RFC 2047's Q encoding: `=XX` is a byte, `_` a space. */
function quotedPrintableBytes(encoded: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x3d) {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x5f) out.push(0x20);
    else if (c < 0x80) out.push(c);
    else return undefined;
  }
  return Uint8Array.from(out);
}
