/**
 * Whole-batch marks of the lines that must take the structured path whatever the prefilter says
 * (see slowLines in pipeline/prepare.ts): a byte or a string they hold, and escapes that
 * detection decodes but the raw line's patterns cannot see.
 */
import { MIN_BYTES } from '../act/byte-array.js';
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
 * Marks the lines holding a member whose value is an array of {@link MIN_BYTES} numbers of 0-999
 * or more (`"MESSAGE":[108,111,...]`, `": [` too): the structured path reads one that spells text
 * decoded (see act/byte-array.ts), which no pattern of the raw line can see.
 */
export function markByteArrays(data: Buffer, ends: Int32Array, hit: Uint8Array): void {
  for (const needle of ['":[', '": [']) {
    for (let pos = data.indexOf(needle); pos !== -1; pos = data.indexOf(needle, pos + 1)) {
      const line = lineAt(ends, pos);
      if (hit[line]) continue;
      if (numbersFrom(data, pos + needle.length, ends[line] as number) >= MIN_BYTES) hit[line] = 1;
    }
  }
}

/** How many numbers of 1-3 digits, each but the first after a comma and maybe a blank, stand from `at` (up to {@link MIN_BYTES}). */
function numbersFrom(data: Buffer, at: number, end: number): number {
  let n = 0;
  let i = at;
  while (i < end && n < MIN_BYTES) {
    const first = i;
    while (i < end && i - first < 4 && (data[i] as number) >= 0x30 && (data[i] as number) <= 0x39) i++;
    if (i === first || i - first > 3) return n;
    n++;
    if (data[i] !== 0x2c) return n;
    i++;
    if (data[i] === 0x20) i++;
  }
  return n;
}

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
