// @ts-check
/**
 * Generated corpora, cached by everything that determines their bytes (format, seed, size, line
 * length, generator version), and prefixes of them that end at a line end.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateFile, GENERATOR_VERSION } from '../generate.mjs';

/** @typedef {import('../generate.mjs').CorpusStats} CorpusStats */
/** @typedef {import('../generate.mjs').CorpusFormat} CorpusFormat */
/** @typedef {{ path: string, bytes: number }} Slice a prefix of a corpus file, ending at a line end */
/** @typedef {{ path: string, stats: CorpusStats, seconds: number, cached: boolean }} Corpus */

/**
 * The corpus for a spec: from the cache when its bytes are there, generated otherwise.
 * @param {string} dir
 * @param {{ format: CorpusFormat, bytes: number, seed: number, lineBytes?: number }} spec
 * @returns {Corpus}
 */
export function ensureCorpus(dir, spec) {
  mkdirSync(dir, { recursive: true });
  const ext = spec.format === 'jsonl' ? 'jsonl' : 'log';
  const seed = spec.format === 'loghub' ? 0 : spec.seed;
  const name = `${spec.format}-s${seed}-${spec.bytes}${spec.lineBytes ? `-l${spec.lineBytes}` : ''}-g${GENERATOR_VERSION}.${ext}`;
  const path = join(dir, name);
  const statsPath = `${path}.stats.json`;
  if (existsSync(path) && existsSync(statsPath)) {
    const stats = /** @type {CorpusStats} */ (JSON.parse(readFileSync(statsPath, 'utf8')));
    if (statSync(path).size === stats.bytes) return { path, stats, seconds: 0, cached: true };
  }
  const started = performance.now();
  const stats = generateFile(path, { format: spec.format, bytes: spec.bytes, seed, ...(spec.lineBytes ? { lineBytes: spec.lineBytes } : {}) });
  writeFileSync(statsPath, JSON.stringify(stats, null, 2));
  return { path, stats, seconds: (performance.now() - started) / 1000, cached: false };
}

/** Removes cached corpora written by another generator version. @param {string} dir */
export function pruneStale(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /-g(\d+)\.(?:jsonl|log)(?:\.stats\.json)?$/.exec(name);
    if (m && Number(m[1]) !== GENERATOR_VERSION) rmSync(join(dir, name), { force: true });
  }
}

/**
 * The shortest prefix of `corpus` of at least `bytes` that ends at a line end (the whole file when
 * `bytes` reaches its size).
 * @param {{ path: string, stats: CorpusStats }} corpus @param {number} bytes @returns {Slice}
 */
export function prefix(corpus, bytes) {
  const size = corpus.stats.bytes;
  bytes = Math.max(1, Math.floor(bytes));
  if (bytes >= size) return { path: corpus.path, bytes: size };
  const fd = openSync(corpus.path, 'r');
  try {
    const window = Buffer.alloc(1 << 20);
    for (let pos = Math.max(0, bytes - 1); pos < size; pos += window.length) {
      const n = readSync(fd, window, 0, window.length, pos);
      const nl = window.subarray(0, n).indexOf(0x0a);
      if (nl !== -1) return { path: corpus.path, bytes: pos + nl + 1 };
    }
  } finally {
    closeSync(fd);
  }
  return { path: corpus.path, bytes: size };
}
