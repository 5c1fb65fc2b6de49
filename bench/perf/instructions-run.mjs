// @ts-check
/**
 * The process instructions.mjs runs under callgrind: one build's batch function (see
 * batch-subject.mjs) over the first BYTES of a corpus, in 512 KB batches, once; BYTES 0 measures
 * start-up alone.
 *
 *   node --single-threaded bench/perf/instructions-run.mjs DIST STAGE FILE BYTES STATE_DIR [PATTERNS_DIR]
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { batchSubject, batches } from './batch-subject.mjs';

const [dist, stage, file, bytes, stateDir, patterns] = process.argv.slice(2);
if (!dist || (stage !== 'batch' && stage !== 'prefilter') || !file || bytes === undefined || !stateDir) {
  throw new Error('usage: instructions-run.mjs DIST batch|prefilter FILE BYTES STATE_DIR [PATTERNS_DIR]');
}
const run = await batchSubject(dist, stateDir, stage, patterns);
const data = Buffer.alloc(Number(bytes));
const fd = openSync(file, 'r');
const read = readSync(fd, data, 0, data.length, 0);
closeSync(fd);
// Whole lines only: the prefix ends at its last line end.
const whole = data.subarray(0, data.lastIndexOf(10, read - 1) + 1);
for (const part of batches(whole, 512 * 1024)) run(part);
process.stdout.write(`${whole.length}\n`);
