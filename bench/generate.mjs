// @ts-check
/**
 * Corpus generator for the benchmarks: seeded, so a seed and a size always give the same bytes.
 *
 *   node bench/generate.mjs --size 256MB [--seed 42] [--format jsonl|text|loghub]
 *                           [--line-bytes 1KB] [--pii-rate 0.05] [--out FILE]
 *
 * `jsonl`: access, application, auth and span records; `text`: nginx and syslog lines; both with
 * about `piiRate` of the lines carrying one sensitive value (emails, IPv4, phones, Luhn-valid
 * cards, IBANs, AWS key ids, GitHub tokens, JWTs, `password=` pairs, bearer tokens). `loghub`:
 * the 14 loghub samples under shared/corpora/logs, repeated up to the size. Sizes are decimal
 * (1 MB = 10^6 bytes).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { jsonLine, WORDS } from './perf/corpus-json.mjs';
import { textLine } from './perf/corpus-text.mjs';
import { Rng } from './perf/prng.mjs';
import { phrase, SENSITIVE_KINDS } from './perf/sensitive.mjs';

/** Bumped whenever the output for a seed changes, so cached corpora are rebuilt. */
export const GENERATOR_VERSION = 2;
export const SHARED_CORPORA = new URL('../../shared/corpora/', import.meta.url);

/** @typedef {'jsonl' | 'text' | 'loghub'} CorpusFormat */
/**
 * @typedef {object} GenerateOptions
 * @property {number} bytes at least this many bytes (whole lines)
 * @property {number} [seed] default 42
 * @property {CorpusFormat} [format] default jsonl
 * @property {number} [piiRate] share of lines with a sensitive value, default 0.05
 * @property {number} [lineBytes] pad or shorten lines to about this length (default: natural, ~250-400 B)
 */
/**
 * @typedef {object} CorpusStats
 * @property {CorpusFormat} format
 * @property {number} seed
 * @property {number} bytes
 * @property {number} lines
 * @property {number | null} piiLines lines given a sensitive value (null for loghub: real, unlabelled)
 * @property {Record<string, number>} kinds lines per record kind
 * @property {Record<string, number>} sensitive dirty lines per sensitive kind
 * @property {string} sha256
 * @property {number | undefined} lineBytes
 */

/** `256MB`, `1GB`, `2MiB`, `512KB`, `1000` -> bytes. @param {string} text */
export function parseSize(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*$/i.exec(text);
  if (!m) throw new Error(`cannot read size "${text}" (expected e.g. 200MB, 1GB, 512KB)`);
  const unit = (m[2] ?? 'B').toUpperCase().replace(/B$/, '');
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, KI: 1024, MI: 1024 ** 2, GI: 1024 ** 3 }[unit];
  if (scale === undefined) throw new Error(`unknown size unit in "${text}"`);
  return Math.round(Number(m[1]) * scale);
}

/** @param {Rng} rng @param {string} line @param {number} target */
function padJson(rng, line, target) {
  let out = line.slice(0, -1) + ',"items":[';
  let sep = '';
  while (out.length < target - 2) {
    out += `${sep}{"sku":"SKU-${rng.alnum(8)}","qty":${rng.range(1, 9)},"note":"${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}"}`;
    sep = ',';
  }
  return out + ']}';
}

/** @param {Rng} rng @param {string} line @param {number} target */
function padText(rng, line, target) {
  let out = line + ' ctx="';
  while (out.length < target - 1) out += rng.pick(WORDS) + ' ';
  return out + '"';
}

/**
 * Every line of a corpus, endlessly (the caller stops). `sensitive` names the value a line carries.
 * @param {Omit<GenerateOptions, 'bytes'>} o
 * @returns {Generator<{ line: string, kind: string, sensitive: string | undefined }>}
 */
export function* corpusLines(o) {
  const rng = new Rng(o.seed ?? 42);
  const piiRate = o.piiRate ?? 0.05;
  const target = o.lineBytes;
  let ms = Date.UTC(2026, 10, 28, 0, 0, 0);
  for (;;) {
    ms += rng.range(0, 4);
    const dirty = rng.chance(piiRate) ? rng.pick(SENSITIVE_KINDS) : undefined;
    if (target !== undefined && target < 200) {
      // Short lines: a timestamp, a level and a message, nothing else.
      const msg = dirty ? phrase(rng, dirty) : `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
      const line = o.format === 'text' ? `${new Date(ms).toISOString()} INFO ${msg}` : `{"ts":"${new Date(ms).toISOString()}","level":"info","msg":"${msg}"}`;
      const pad = target - line.length;
      yield { line: pad > 12 ? (o.format === 'text' ? padText(rng, line, target) : line.slice(0, -1) + `,"k":"${rng.alnum(pad - 8)}"}`) : line, kind: 'short', sensitive: dirty };
      continue;
    }
    const r = o.format === 'text' ? textLine(rng, ms, dirty) : jsonLine(rng, new Date(ms).toISOString(), dirty);
    let line = r.line;
    if (target !== undefined && line.length < target) line = o.format === 'text' ? padText(rng, line, target) : padJson(rng, line, target);
    yield { line, kind: r.kind, sensitive: dirty };
  }
}

/**
 * Writes a corpus to `path` and returns what is in it.
 * @param {string} path @param {GenerateOptions} o @returns {CorpusStats}
 */
export function generateFile(path, o) {
  if (o.format === 'loghub') return loghubFile(path, o.bytes);
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  /** @type {CorpusStats} */
  const stats = { format: o.format ?? 'jsonl', seed: o.seed ?? 42, bytes: 0, lines: 0, piiLines: 0, kinds: {}, sensitive: {}, sha256: '', lineBytes: o.lineBytes };
  /** @type {string[]} */
  let pending = [];
  let pendingChars = 0;
  const flush = () => {
    // Generated lines are ASCII: latin1 is the fastest exact encoding.
    const buf = Buffer.from(pending.join(''), 'latin1');
    hash.update(buf);
    writeSync(fd, buf);
    stats.bytes += buf.length;
    pending = [];
    pendingChars = 0;
  };
  try {
    for (const { line, kind, sensitive } of corpusLines(o)) {
      // Generated lines are ASCII, so characters are bytes.
      pending.push(line, '\n');
      pendingChars += line.length + 1;
      stats.lines += 1;
      stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
      if (sensitive) {
        stats.piiLines = (stats.piiLines ?? 0) + 1;
        stats.sensitive[sensitive] = (stats.sensitive[sensitive] ?? 0) + 1;
      }
      if (pendingChars >= 1 << 20) flush();
      if (stats.bytes + pendingChars >= o.bytes) break;
    }
    flush();
  } finally {
    closeSync(fd);
  }
  stats.sha256 = hash.digest('hex');
  return stats;
}

/** The loghub samples (14 systems x 2,000 lines), decompressed, in name order. */
export function loghubSamples() {
  const dir = new URL('logs/', SHARED_CORPORA);
  const names = readdirSync(dir).filter((n) => n.endsWith('_2k.log.gz')).sort();
  if (names.length === 0) throw new Error(`no *_2k.log.gz under ${fileURLToPath(dir)}`);
  return names.map((n) => {
    const text = gunzipSync(readFileSync(new URL(n, dir)));
    return text[text.length - 1] === 0x0a ? text : Buffer.concat([text, Buffer.from('\n')]);
  });
}

/** The loghub samples repeated to at least `bytes`. @param {string} path @param {number} bytes @returns {CorpusStats} */
export function loghubFile(path, bytes) {
  const block = Buffer.concat(loghubSamples());
  let lines = 0;
  for (let i = block.indexOf(0x0a); i !== -1; i = block.indexOf(0x0a, i + 1)) lines += 1;
  const copies = Math.max(1, Math.ceil(bytes / block.length));
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  try {
    for (let i = 0; i < copies; i++) {
      writeSync(fd, block);
      hash.update(block);
    }
  } finally {
    closeSync(fd);
  }
  return { format: 'loghub', seed: 0, bytes: block.length * copies, lines: lines * copies, piiLines: null, kinds: { loghub: lines * copies }, sensitive: {}, sha256: hash.digest('hex'), lineBytes: undefined };
}

/** @param {string[]} argv */
function main(argv) {
  /** @type {Record<string, string>} */
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), argv[++i]];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    flags[/** @type {string} */ (k)] = v;
  }
  const format = /** @type {CorpusFormat} */ (flags.format ?? 'jsonl');
  if (!['jsonl', 'text', 'loghub'].includes(format)) throw new Error(`--format must be jsonl, text or loghub`);
  const bytes = parseSize(flags.size ?? '16MB');
  const out = flags.out ?? `corpus-${format}-${flags.size ?? '16MB'}.${format === 'jsonl' ? 'jsonl' : 'log'}`;
  const started = performance.now();
  const stats = generateFile(out, {
    bytes,
    format,
    seed: flags.seed !== undefined ? Number(flags.seed) : 42,
    ...(flags['pii-rate'] !== undefined ? { piiRate: Number(flags['pii-rate']) } : {}),
    ...(flags['line-bytes'] !== undefined ? { lineBytes: parseSize(flags['line-bytes']) } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${out}: ${stats.bytes} bytes, ${stats.lines} lines, ${stats.piiLines ?? 'n/a'} with a sensitive value, ${seconds.toFixed(1)} s\n`);
  process.stdout.write(JSON.stringify(stats) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate: ${/** @type {Error} */ (err).message}\n`);
    process.exitCode = 2;
  }
}
