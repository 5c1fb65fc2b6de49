// @ts-check
/**
 * What the figures were measured on: the machine, Node, the engine's dependencies, and whether the
 * library in dist/ is older than its sources (a stale build measures old code).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** @param {string} name */
function installedVersion(name) {
  try {
    return String(JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version);
  } catch {
    return null;
  }
}

export function machineInfo() {
  const list = cpus();
  return {
    cpus: list.length,
    availableParallelism: availableParallelism(),
    cpuModel: list[0]?.model ?? 'unknown',
    totalMemGiB: +(totalmem() / 1024 ** 3).toFixed(1),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    v8: process.versions.v8,
    re2: installedVersion('re2'),
    piscina: installedVersion('piscina'),
    // Node's own flags of the process every library subject runs in (`node --FLAG bench/run.mjs`).
    nodeFlags: process.execArgv,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

/** Newest modification time (ms) of the files under `dir`. @param {string} dir @returns {number} */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** @returns {{ ok: true, stale: boolean, builtAt: string, version: string } | { ok: false, message: string }} */
export function distStatus() {
  const engine = join(ROOT, 'dist', 'pipeline', 'engine.js');
  if (!existsSync(engine)) return { ok: false, message: 'dist/ is missing: run `npm run build` first (the benchmarks measure the compiled library)' };
  const built = newest(join(ROOT, 'dist'));
  const sources = existsSync(join(ROOT, 'src')) ? newest(join(ROOT, 'src')) : 0;
  const version = String(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  return { ok: true, stale: sources > built, builtAt: new Date(built).toISOString(), version };
}

/**
 * The commit measured and whether the engine's sources or packs differ from it (read-only git).
 * @returns {{ commit: string | null, dirty: string[] | null }}
 */
export function gitInfo() {
  try {
    const git = (/** @type {string[]} */ ...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', 'HEAD').trim();
    // Porcelain lines are "XY path": the status columns may be blank, so no trimming before the cut.
    const dirty = git('status', '--porcelain', '--', 'src', 'patterns').split('\n').filter(Boolean).map((l) => l.slice(3));
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}
