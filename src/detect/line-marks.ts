/**
 * Whole-batch marks of the lines that must take the structured path whatever the prefilter says
 * (see slowLines in pipeline/prepare.ts): a byte or a string they hold, and escapes that
 * detection decodes but the raw line's patterns cannot see.
 */
import { BYTE_ARRAY_MEMBER, BYTE_ARRAY_OPEN } from '../act/byte-array.js';
import { ENCODED_WORD_OPEN, isEncodedWordAt } from './encoded-words.js';
import { isPercentEscapeAt, isReferenceAt } from './escapes.js';
import { lineAt } from './line-filter.js';

const PERCENT = 0x25;
const AMPERSAND = 0x26;

/**
 * Marks the lines holding `byte` (e.g. a backslash: JSON escapes can hide a match), or a string
 * (`"bytesValue"`). A string longer than {@link SHORT_NEEDLE} bytes is looked for by its end and
 * checked whole where that ends. Buffer#indexOf is fast for a needle of up to six bytes whose
 * first byte is rare, and slower for a longer one on JSON, whatever its bytes (measured over 20 MB
 * of the benchmark's JSON lines: `"bytesValue"` 9.4 ms, `ytesValue"` 11.6, `Value"` 0.6, `value"`
 * 2.6; a needle of six starting with a quote, `"bytes`, 20 ms).
 */
export function markByte(data: Buffer, ends: Int32Array, byte: number | string, hit: Uint8Array): void {
  const whole = typeof byte === 'string' ? Buffer.from(byte) : undefined;
  const lead = whole && whole.length > SHORT_NEEDLE ? whole.length - SHORT_NEEDLE : 0;
  const needle = whole ? whole.subarray(lead) : (byte as number);
  for (let pos = data.indexOf(needle, lead); pos !== -1; ) {
    const at = pos - lead;
    if (lead > 0 && !data.subarray(at, at + lead).equals((whole as Buffer).subarray(0, lead))) {
      pos = data.indexOf(needle, pos + 1);
      continue;
    }
    const line = lineAt(ends, at);
    hit[line] = 1;
    pos = data.indexOf(needle, (ends[line] as number) + 1 + lead);
  }
}

/**
 * Marks the lines holding a member whose value is an array of 12 numbers of 0-999
 * or more (`"MESSAGE":[108,111,...]`, `"MESSAGE" : [ 108, 111, ... ]` too, in the shape
 * act/byte-array.ts defines): the structured path reads one that spells text decoded, which no
 * pattern of the raw line can see. Each bracket after a colon is tested whole where it stands.
 */
export function markByteArrays(data: Buffer, ends: Int32Array, hit: Uint8Array): void {
  for (let pos = data.indexOf(BRACKET); pos !== -1; pos = data.indexOf(BRACKET, pos + 1)) {
    const line = lineAt(ends, pos);
    if (hit[line]) {
      pos = ends[line] as number;
      continue;
    }
    let before = pos - 1;
    while (data[before] === 0x20 || data[before] === 0x09) before--;
    if (data[before] !== 0x3a) continue;
    const start = line === 0 ? 0 : (ends[line - 1] as number) + 1;
    if (!BYTE_ARRAY_MEMBER.test(data.toString('latin1', Math.max(start, before - WINDOW), pos))) continue;
    BYTE_ARRAY_OPEN.lastIndex = 0;
    if (BYTE_ARRAY_OPEN.test(data.toString('latin1', pos, Math.min(ends[line] as number, pos + 4 * WINDOW)))) hit[line] = 1;
  }
}

const BRACKET = 0x5b;

/** How far before a bracket its member's quote, and 4 times that past it its numbers, are looked for. */
const WINDOW = 64;

/** The longest needle Buffer#indexOf finds fast on JSON (see {@link markByte}). */
const SHORT_NEEDLE = 6;

/**
 * Marks the lines holding a percent-escape of an ASCII byte (`%40`) or of a UTF-8 character
 * (`%C3%A9`), an HTML character reference (`&#64;`) or a MIME encoded word (`=?utf-8?B?...?=`):
 * detection also reads values with their escapes decoded (see escapes.ts), which the raw line's
 * patterns cannot see.
 */
export function markEscapes(data: Buffer, ends: Int32Array, hit: Uint8Array): void {
  markWhere(data, ends, PERCENT, isPercentEscapeAt, hit);
  markWhere(data, ends, AMPERSAND, isReferenceAt, hit);
  markWhere(data, ends, ENCODED_WORD_OPEN, isEncodedWordAt, hit);
}

/** Marks the lines where `starts` holds at some `needle` (a byte or bytes). */
function markWhere(data: Buffer, ends: Int32Array, needle: number | Buffer, starts: (data: Buffer, pos: number) => boolean, hit: Uint8Array): void {
  for (let pos = data.indexOf(needle); pos !== -1; ) {
    const line = lineAt(ends, pos);
    if (hit[line]) {
      pos = data.indexOf(needle, (ends[line] as number) + 1);
      continue;
    }
    if (starts(data, pos)) hit[line] = 1;
    pos = data.indexOf(needle, pos + 1);
  }
}
