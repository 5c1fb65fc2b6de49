// @ts-check
/**
 * One process of `bench/compare-node-flags.mjs`: pools of 1 and N workers kept for every round, a
 * warm-up on each, then rounds that run both over the same prefix, their order alternating. Prints
 * one JSON line: each round's MB/s per pool size and the cores the process used.
 *
 *   node [NODE FLAGS] bench/perf/scaling-run.mjs CORPUS BYTES WORKERS ROUNDS STATE_DIR
 */
import { openLogveil, openLogveilPool, redactFile } from './logveil.mjs';

const [path, bytesArg, workersArg, roundsArg, stateDir] = process.argv.slice(2);
if (!path || !bytesArg || !workersArg || !roundsArg || !stateDir) throw new Error('usage: scaling-run.mjs CORPUS BYTES WORKERS ROUNDS STATE_DIR');
const bytes = Number(bytesArg);
const workers = Number(workersArg);
const rounds = Number(roundsArg);
const slice = { path, bytes };
const lv = await openLogveil(stateDir);
const sizes = [1, workers];
const pools = sizes.map((w) => openLogveilPool(lv, w));
for (const [i, w] of sizes.entries()) await redactFile(lv, w, slice, Infinity, pools[i]);
/** @type {{ one: Array<{ mbps: number, cores: number }>, many: Array<{ mbps: number, cores: number }> }} */
const out = { one: [], many: [] };
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) {
    const started = performance.now();
    const run = await redactFile(lv, /** @type {number} */ (sizes[i]), slice, Infinity, pools[i]);
    const seconds = (performance.now() - started) / 1000;
    (i === 0 ? out.one : out.many).push({ mbps: run.bytes / 1e6 / seconds, cores: Number(run.detail?.coresUsed) });
  }
}
for (const p of pools) await p.close();
await lv.runtime.close();
process.stdout.write(JSON.stringify({ execArgv: process.execArgv, ...out }) + '\n');
