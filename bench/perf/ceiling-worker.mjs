// @ts-check
/**
 * One thread of the scaling ceiling (see ceiling.mjs): the built-in policy compiled once, then per
 * message the batches `index`, `index + threads`, ... of a corpus prefix, each read from the file
 * and run through `processBatch`. A batch holds the lines that start in its byte range.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { batchSubject } from './batch-subject.mjs';

const NL = 0x0a;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const run = await batchSubject(dist, workerData.stateDir);
const { outputRoom } = await import(pathToFileURL(join(dist, 'pipeline', 'arena.js')).href);
// One input buffer and one output room, reused batch after batch, as the engine's arena gives
// them: a buffer allocated per batch would cost the collections the arena saves the engine.
let input = Buffer.allocUnsafeSlow(0);
/** @type {Uint8Array} */
let room = new Uint8Array(0);
port.postMessage('ready');

port.on('message', (/** @type {{ path: string, bytes: number, threads: number, index: number, batchBytes: number, deadlineEpoch: number }} */ m) => {
  try {
    const fd = openSync(m.path, 'r');
    let bytes = 0;
    let records = 0;
    let stoppedEarly = false;
    try {
      for (let b = m.index; b * m.batchBytes < m.bytes; b += m.threads) {
        if (Date.now() > m.deadlineEpoch) {
          stoppedEarly = true;
          break;
        }
        const data = batchAt(fd, m.bytes, b, m.batchBytes);
        if (data.length === 0) continue;
        if (room.length < outputRoom(data.length)) room = new Uint8Array(outputRoom(data.length));
        run(data, room);
        bytes += data.length;
        for (let at = data.indexOf(NL); at !== -1; at = data.indexOf(NL, at + 1)) records += 1;
        if (data[data.length - 1] !== NL) records += 1;
      }
    } finally {
      closeSync(fd);
    }
    port.postMessage({ bytes, records, stoppedEarly });
  } catch (err) {
    port.postMessage({ error: /** @type {Error} */ (err).message });
  }
});

/**
 * The lines of the first `size` bytes of the file that start in [b * batchBytes, (b + 1) * batchBytes).
 * @param {number} fd @param {number} size @param {number} b @param {number} batchBytes @returns {Buffer}
 */
function batchAt(fd, size, b, batchBytes) {
  // From the byte before the range, to tell whether a line starts at its first byte.
  const base = b === 0 ? 0 : b * batchBytes - 1;
  const limit = Math.min(size, (b + 1) * batchBytes);
  for (let extra = 64 * 1024; ; extra *= 2) {
    const length = Math.min(size, limit + extra) - base;
    if (input.length < length) input = Buffer.allocUnsafeSlow(length);
    const got = readSync(fd, input, 0, length, base);
    const data = input.subarray(0, got);
    const start = b === 0 ? 0 : data.indexOf(NL) + 1;
    if (b > 0 && start === 0) return Buffer.alloc(0);
    if (start >= limit - base) return Buffer.alloc(0);
    if (limit === size) return data.subarray(start, size - base);
    // The end of the line holding the range's last byte.
    const nl = data.indexOf(NL, limit - 1 - base);
    if (nl !== -1) return data.subarray(start, nl + 1);
    if (base + got >= size) return data.subarray(start);
  }
}
