// @ts-check
/**
 * The profiled process of bench/profile.mjs: one library run over a corpus prefix, its counts
 * written as JSON on stdout. Run under `node --cpu-prof` so that every thread writes a profile.
 *
 *   node --cpu-prof --cpu-prof-dir=DIR bench/perf/profile-run.mjs FILE BYTES WORKERS STATE_DIR
 */
import { openLogveil, redactFile } from './logveil.mjs';

const [path, bytes, workers, stateDir] = process.argv.slice(2);
if (!path || !bytes || !workers || !stateDir) throw new Error('usage: profile-run.mjs FILE BYTES WORKERS STATE_DIR');
const lv = await openLogveil(stateDir);
const started = performance.now();
const r = await redactFile(lv, Number(workers), { path, bytes: Number(bytes) }, Infinity);
const seconds = (performance.now() - started) / 1000;
await lv.runtime.close();
process.stdout.write(JSON.stringify({ seconds, mbps: r.bytes / 1e6 / seconds, records: r.records, bytes: r.bytes, ...r.detail, detectors: lv.policy.detectors }) + '\n');
