// @ts-check
/**
 * What logveil is compared with, over the same corpus and the same line reader: the JSON
 * parse+stringify floor, the raw-scan floor (the policy's line prefilter alone), a naive baseline
 * (the same detectors as JavaScript RegExps, one replace per detector per line) and two npm
 * packages that redact PII from text.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { eachLineBuffer, eachLineString, fileFeed } from './measure.mjs';

/** @typedef {import('./measure.mjs').Subject} Subject */
/** @typedef {import('../../dist/detect/compile.js').CompiledPolicy} CompiledPolicy */

/** Every line `JSON.stringify(JSON.parse(line))`: what any structure-aware redactor pays at least. @returns {Subject} */
export function jsonFloor() {
  let sink = 0;
  return {
    id: 'floor-json',
    label: 'floor: JSON.parse + JSON.stringify per line',
    group: 'floor',
    run: async (slice, deadline) => {
      const r = await eachLineString(slice, deadline, (line) => {
        if (line.length > 0) sink += JSON.stringify(JSON.parse(line)).length;
      });
      return { ...r, detail: { outChars: sink } };
    },
  };
}

/**
 * The policy's raw-line prefilter set (an RE2.Set over every detector and redact key), whatever
 * the compiled policy calls it. @param {CompiledPolicy} policy
 * @returns {{ test(line: Buffer): boolean } | undefined}
 */
export function lineSetOf(policy) {
  const p = /** @type {any} */ (policy);
  return p.lineSet ?? p.lineFilter;
}

/** `lineSet.test(lineBuffer)` per raw line and nothing else. @param {CompiledPolicy} policy @returns {Subject | undefined} */
export function rawScanFloor(policy) {
  const set = lineSetOf(policy);
  if (!set) return undefined;
  return {
    id: 'floor-raw-scan',
    label: 'floor: raw scan (lineSet.test per line)',
    group: 'floor',
    run: async (slice, deadline) => {
      let hits = 0;
      const r = await eachLineBuffer(slice, deadline, (line) => {
        if (set.test(line)) hits += 1;
      });
      return { ...r, detail: { hitLines: hits, hitShare: r.records > 0 ? hits / r.records : 0 } };
    },
  };
}

/**
 * The engine's own batch prefilter (one alternation over a whole chunk, hits mapped to lines), when
 * the compiled policy has one. @param {CompiledPolicy} policy @param {any} lineFilterModule
 * @returns {Subject | undefined}
 */
export function batchScanFloor(policy, lineFilterModule) {
  const filter = /** @type {any} */ (policy).lineFilter;
  if (!filter?.markHits || !lineFilterModule?.lineEnds) return undefined;
  return {
    id: 'floor-raw-batch',
    label: 'floor: raw scan (engine batch prefilter)',
    group: 'floor',
    run: async (slice, deadline) => {
      const feed = fileFeed(slice, deadline, 1 << 20);
      /** @type {Buffer} */
      let carry = Buffer.alloc(0);
      let records = 0;
      let hits = 0;
      const scan = (/** @type {Buffer} */ data) => {
        const ends = lineFilterModule.lineEnds(data);
        const hit = new Uint8Array(ends.length);
        filter.markHits(data, ends, hit);
        records += ends.length;
        for (const h of hit) hits += h;
      };
      for await (const chunk of feed.chunks()) {
        const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const last = data.lastIndexOf(0x0a);
        if (last === -1) {
          carry = data;
          continue;
        }
        scan(data.subarray(0, last + 1));
        carry = Buffer.from(data.subarray(last + 1));
      }
      if (carry.length > 0) scan(carry);
      return { bytes: feed.bytes, records, stoppedEarly: feed.stoppedEarly, detail: { hitLines: hits, hitShare: records > 0 ? hits / records : 0 } };
    },
  };
}

/**
 * A detector regex as a JavaScript RegExp: `(?P<name>` becomes `(?<name>`, a leading `(?i)`
 * becomes the `i` flag and a leading `(?m)` or `(?m:^)`/`(?m:$)` the `m` flag, `\A` and `\z` become `^` and `$`, `\x{..}` becomes `\u{..}`, and other
 * case-insensitive parts are folded (see foldCase). Undefined (with the reason) when JavaScript
 * rejects the result.
 * @param {string} source @returns {{ re: RegExp } | { error: string }}
 */
export function toJsRegExp(source) {
  let body = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$').replace(/\\x\{([0-9A-Fa-f]+)\}/g, '\\u{$1}');
  let flags = 'g';
  // Multi-line anchors: a leading (?m) or (?im) flag, or (?m:^) and (?m:$) groups (the detectors that
  // use them hold no other ^ or $), become JavaScript's m flag.
  const lead = /^\(\?([im]+)\)/.exec(body);
  if (lead?.[1]?.includes('m')) {
    body = (lead[1].includes('i') ? '(?i)' : '') + body.slice(lead[0].length);
    flags += 'm';
  }
  if (body.includes('(?m:^)') || body.includes('(?m:$)')) {
    body = body.replaceAll('(?m:^)', '(?:^)').replaceAll('(?m:$)', '(?:$)');
    if (!flags.includes('m')) flags += 'm';
  }
  const global = body.startsWith('(?i)');
  if (global) body = body.slice(4);
  if (global && !body.includes('(?-i:')) {
    // The flag covers the whole regex: an inner (?i: group says nothing more.
    body = body.replaceAll('(?i:', '(?:');
    flags += 'i';
  } else if (global || body.includes('(?i:')) {
    // JavaScript (Node 20) has no inline modifiers: the case-insensitive parts are folded by hand.
    body = foldCase(body, global);
  }
  try {
    return { re: new RegExp(body, flags + 'u') };
  } catch {
    try {
      return { re: new RegExp(body, flags) };
    } catch (err) {
      return { error: /** @type {Error} */ (err).message };
    }
  }
}

/**
 * `body` with every letter its case-insensitive parts (`(?i:...)` groups, or all of it when
 * `insensitive`, but for `(?-i:...)` groups) match written as both cases: `a` as `[aA]`, a class
 * `[a-f0-9]` as `[a-fA-F0-9]`. Escapes (`\w`, `\x60`) are kept as they are.
 * @param {string} body @param {boolean} insensitive
 */
export function foldCase(body, insensitive) {
  const swap = (/** @type {string} */ c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
  const isLetter = (/** @type {string} */ c) => c.toLowerCase() !== c.toUpperCase() && [...c.toUpperCase()].length === 1 && [...c.toLowerCase()].length === 1;
  /** @type {boolean[]} */
  const stack = [];
  let ci = insensitive;
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = /** @type {string} */ (body[i]);
    if (c === '\\') {
      // An escape is copied whole: `\p{Lu}` and `\x{60}` take their braces along.
      const escape = /^\\(?:[pPx]\{[^}]*\}|.)/su.exec(body.slice(i))?.[0] ?? c;
      out += escape;
      i += escape.length - 1;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        out += c;
      } else if (body[i + 1] === '-' && body[i + 2] !== undefined && body[i + 2] !== ']' && body[i + 2] !== '\\') {
        // A range of letters of one case (`a-f`) gains the other case's; any other is kept as written.
        const end = /** @type {string} */ (body[i + 2]);
        const oneCase = isLetter(c) && isLetter(end) && (c === c.toLowerCase()) === (end === end.toLowerCase());
        out += ci && oneCase ? `${c}-${end}${swap(c)}-${swap(end)}` : `${c}-${end}`;
        i += 2;
      } else {
        out += ci && isLetter(c) ? c + swap(c) : c;
      }
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (body[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (body[i + 1] === ']') {
        out += ']';
        i++;
      }
    } else if (c === '(') {
      stack.push(ci);
      if (body.startsWith('(?i:', i)) {
        ci = true;
        out += '(?:';
        i += 3;
      } else if (body.startsWith('(?-i:', i)) {
        ci = false;
        out += '(?:';
        i += 4;
      } else {
        // A group's own syntax (`(?:`, `(?<name>`) is not text to fold.
        const head = /^\((?:\?(?:<[A-Za-z_]\w*>|<[=!]|[:=!]))?/.exec(body.slice(i))?.[0] ?? c;
        out += head;
        i += head.length - 1;
      }
    } else if (c === ')') {
      ci = stack.pop() ?? insensitive;
      out += c;
    } else if (ci && isLetter(c)) {
      out += `[${c}${swap(c)}]`;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * One `line.replace(re, '[REDACTED]')` per detector per line, with the policy's own regexes.
 * @param {CompiledPolicy} policy @returns {{ subject: Subject, used: number, skipped: Array<{ id: string, reason: string }> }}
 */
export function naiveBaseline(policy) {
  /** @type {RegExp[]} */
  const regexes = [];
  /** @type {Array<{ id: string, reason: string }>} */
  const skipped = [];
  for (const d of policy.detectors) {
    const r = toJsRegExp(d.spec.regex);
    if ('re' in r) regexes.push(r.re);
    else skipped.push({ id: d.spec.id, reason: r.error });
  }
  let sink = 0;
  const subject = {
    id: 'baseline-naive',
    label: `naive: ${regexes.length} JS RegExp replaces per line`,
    group: 'baseline',
    note: skipped.length > 0 ? `${skipped.length} detector(s) JavaScript rejects were left out: ${skipped.map((s) => s.id).join(', ')}` : `all ${regexes.length} detectors translated`,
    /** @type {Subject['run']} */
    run: async (slice, deadline) => {
      const r = await eachLineString(slice, deadline, (line) => {
        for (const re of regexes) line = line.replace(re, '[REDACTED]');
        sink += line.length;
      });
      return { ...r, detail: { outChars: sink } };
    },
  };
  return { subject, used: regexes.length, skipped };
}

const require = createRequire(import.meta.url);

/**
 * Name, version and engines of an installed package (found from its entry point: `exports` may
 * not list package.json). @param {string} name
 */
export function packageInfo(name) {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return { name, version: String(pkg.version), engines: pkg.engines ?? null };
    }
    const up = dirname(dir);
    if (up === dir) return { name, version: 'unknown', engines: null };
    dir = up;
  }
}

/**
 * The npm competitors, each redacting every line as text with its default rules.
 * @returns {Promise<Array<{ subject: Subject, info: { name: string, version: string, engines: unknown } } | { error: string, name: string }>>}
 */
export async function competitors() {
  /** @type {Array<{ subject: Subject, info: { name: string, version: string, engines: unknown } } | { error: string, name: string }>} */
  const out = [];
  try {
    const { SyncRedactor } = require('redact-pii');
    const redactor = new SyncRedactor();
    out.push({ subject: textRedactor('competitor-redact-pii', 'redact-pii SyncRedactor (defaults)', (l) => redactor.redact(l)), info: packageInfo('redact-pii') });
  } catch (err) {
    out.push({ name: 'redact-pii', error: /** @type {Error} */ (err).message });
  }
  try {
    const { Redactor } = await import('@redactpii/node');
    const redactor = new Redactor();
    out.push({ subject: textRedactor('competitor-redactpii-node', '@redactpii/node Redactor (defaults)', (l) => redactor.redact(l)), info: packageInfo('@redactpii/node') });
  } catch (err) {
    out.push({ name: '@redactpii/node', error: /** @type {Error} */ (err).message });
  }
  return out;
}

/** @param {string} id @param {string} label @param {(line: string) => string} redact @returns {Subject} */
function textRedactor(id, label, redact) {
  let sink = 0;
  return {
    id,
    label,
    group: 'competitor',
    run: async (slice, deadline) => {
      const r = await eachLineString(slice, deadline, (line) => {
        sink += redact(line).length;
      });
      return { ...r, detail: { outChars: sink } };
    },
  };
}
