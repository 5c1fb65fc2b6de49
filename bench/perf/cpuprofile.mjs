// @ts-check
/**
 * Reads V8 .cpuprofile files (one per thread from `node --cpu-prof`) and says where the time went:
 * self time per source file and per function, idle and GC apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} ThreadProfile
 * @property {string} file
 * @property {number} seconds sampled wall time of the thread
 * @property {number} busySeconds without (idle)
 * @property {Array<{ name: string, seconds: number, share: number }>} byFile self time by source file (share of busy)
 * @property {Array<{ name: string, seconds: number, share: number }>} byFunction
 */

/** @param {string} url */
function shortUrl(url) {
  if (!url) return '(native)';
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + 14).split('/').slice(0, 2).join('/');
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

/** @param {string} path @returns {ThreadProfile} */
export function summarizeProfile(path) {
  const p = JSON.parse(readFileSync(path, 'utf8'));
  /** @type {Map<number, { callFrame: { functionName: string, url: string, lineNumber: number } }>} */
  const nodes = new Map(p.nodes.map((/** @type {any} */ n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const byFile = new Map();
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  let idle = 0;
  let total = 0;
  // timeDeltas[i] is the time before sample i: attribute it to that sample's node.
  p.samples.forEach((/** @type {number} */ id, /** @type {number} */ i) => {
    const us = p.timeDeltas[i] ?? 0;
    total += us;
    const frame = nodes.get(id)?.callFrame;
    if (!frame) return;
    if (frame.functionName === '(idle)') {
      idle += us;
      return;
    }
    const special = frame.functionName.startsWith('(');
    const file = special ? frame.functionName : shortUrl(frame.url);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    const fn = special ? frame.functionName : `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  const busy = total - idle;
  const list = (/** @type {Map<string, number>} */ m) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, seconds: us / 1e6, share: busy > 0 ? us / busy : 0 }));
  return { file: path, seconds: total / 1e6, busySeconds: busy / 1e6, byFile: list(byFile), byFunction: list(byFunction) };
}

/** Every profile in a directory, the main thread's first (`node --cpu-prof` names it with thread id 0). @param {string} dir */
export function summarizeDir(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.map((f) => ({ thread: /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1] ?? '?', ...summarizeProfile(join(dir, f)) }));
}
