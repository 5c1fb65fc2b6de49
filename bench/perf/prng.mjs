// @ts-check
/**
 * A small seeded PRNG (sfc32, seeded through splitmix32): the same seed gives the same corpus on
 * every machine and Node version, which Math.random cannot promise.
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

export class Rng {
  /** @type {number} */ #a;
  /** @type {number} */ #b;
  /** @type {number} */ #c;
  /** @type {number} */ #d;

  /** @param {number} seed any integer */
  constructor(seed) {
    let s = seed >>> 0;
    const splitmix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** @returns {number} a uniform 32-bit unsigned integer */
  uint32() {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** @returns {number} uniform in [0, 1) */
  float() {
    return this.uint32() / 4294967296;
  }

  /** @param {number} n @returns {number} an integer in [0, n) */
  int(n) {
    return Math.floor(this.float() * n);
  }

  /** @param {number} lo @param {number} hi @returns {number} an integer in [lo, hi] */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }

  /** @param {number} p @returns {boolean} true with probability p */
  chance(p) {
    return this.float() < p;
  }

  /** @template T @param {readonly T[]} items @returns {T} */
  pick(items) {
    return /** @type {T} */ (items[this.int(items.length)]);
  }

  /**
   * Picks by weight: `[[item, weight], ...]`.
   * @template T @param {ReadonlyArray<readonly [T, number]>} table @returns {T}
   */
  weighted(table) {
    let total = 0;
    for (let i = 0; i < table.length; i++) total += /** @type {readonly [T, number]} */ (table[i])[1];
    let x = this.float() * total;
    for (let i = 0; i < table.length; i++) {
      const row = /** @type {readonly [T, number]} */ (table[i]);
      x -= row[1];
      if (x < 0) return row[0];
    }
    return /** @type {T} */ (table[table.length - 1]?.[0]);
  }

  /** @param {string} alphabet @param {number} n @returns {string} */
  chars(alphabet, n) {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** @param {number} n @returns {string} n lowercase hex digits */
  hex(n) {
    return this.chars(HEX, n);
  }

  /** @param {number} n @returns {string} n letters and digits */
  alnum(n) {
    return this.chars(ALNUM, n);
  }

  /** @param {number} n @returns {string} n decimal digits */
  digits(n) {
    return this.chars('0123456789', n);
  }
}
