// @ts-check
/**
 * Readers for the shared test corpora: gzipped JSON lines and gzipped log files, read in place
 * (never copied into the project). The corpora root is `../shared/corpora/` next to the project,
 * or `LOGVEIL_CORPORA` when set.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The corpora root: `$LOGVEIL_CORPORA`, else `<project>/../shared/corpora`. */
export function corporaRoot(env = process.env) {
  const override = env.LOGVEIL_CORPORA;
  if (override && override.length > 0) return override;
  return fileURLToPath(new URL('../../../shared/corpora/', import.meta.url));
}

/**
 * The text of a file, gunzipped when its name ends in `.gz`.
 * @param {string} path
 * @returns {string}
 */
export function readText(path) {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * Every JSON object of a JSON-lines file (blank lines skipped). A malformed line throws with its number.
 * @param {string} path
 * @returns {any[]}
 */
export function readJsonLines(path) {
  const rows = [];
  const lines = readText(path).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = /** @type {string} */ (lines[i]).trim();
    if (line.length === 0) continue;
    try {
      rows.push(JSON.parse(line));
    } catch (err) {
      throw new Error(`${path}:${i + 1}: not JSON: ${/** @type {Error} */ (err).message}`, { cause: err });
    }
  }
  return rows;
}

/**
 * The lines of a (gzipped) log file, without the trailing empty line and without `\r`.
 * @param {string} path
 * @returns {string[]}
 */
export function readLogLines(path) {
  const lines = readText(path).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The `*.log` / `*.log.gz` files of a folder, sorted by name.
 * @param {string} dir
 * @returns {string[]}
 */
export function listLogFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /\.log(\.gz)?$/.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Converts Python code-point offsets to JavaScript UTF-16 offsets (they differ only after a
 * character outside the BMP). Returns the identity when the text has none.
 * @param {string} text
 * @returns {(offset: number) => number}
 */
export function codePointToUtf16(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (o) => o;
  /** @type {number[]} */
  const map = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return (o) => map[o] ?? u;
}
