// @ts-check
/**
 * Peak memory of a real CLI run over a large input: the CLI runs in a wrapper process that reports
 * its own `maxRSS` (all threads, so the pool's workers count), and this side samples the child's
 * /proc status (VmRSS, VmHWM) and bytes read, which also bound a run that has to be stopped.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_NODE_FLAGS } from '../../dist/cli/node-flags.js';
import { cliEnv } from './cli-path.mjs';

const WRAPPER = fileURLToPath(new URL('./rss-wrapper.mjs', import.meta.url));

/**
 * @typedef {object} RssResult
 * @property {number} inputBytes
 * @property {number} bytesRead what the child had read when it ended (or was stopped)
 * @property {number} seconds
 * @property {number} mbps
 * @property {number | null} records
 * @property {number} peakRssMB the larger of the wrapper's maxRSS and the sampled VmHWM (MiB)
 * @property {number | null} wrapperMaxRssMB
 * @property {number} sampledHwmMB
 * @property {number | string | null} exitCode
 * @property {boolean} timedOut
 * @property {Array<[number, number]>} series [seconds, VmRSS MiB], at most ~200 points
 */

/** @param {number} pid @returns {{ rssKB: number, hwmKB: number, rchar: number } | undefined} */
function sample(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (/** @type {string} */ text, /** @type {string} */ name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rssKB: field(status, 'VmRSS'), hwmKB: field(status, 'VmHWM'), rchar: field(io, 'rchar') };
  } catch {
    return undefined;
  }
}

/**
 * `logveil redact FILE --out /dev/null` with the default workers, watched for memory, in the
 * environment and with the node flags the CLI's first line gives it.
 * @param {{ file: string, inputBytes: number, stateDir: string, timeoutSec: number }} o @returns {Promise<RssResult>}
 */
export function peakRss(o) {
  const report = join(o.stateDir, 'rss-report.json');
  const summaryPath = join(o.stateDir, 'rss-summary.json');
  rmSync(report, { force: true });
  rmSync(summaryPath, { force: true });
  // Everything but the output (security events, quarantine, keys) goes under LOGVEIL_HOME.
  const args = [...CLI_NODE_FLAGS, WRAPPER, report, 'redact', o.file, '--out', '/dev/null', '--no-summary', '--no-progress', '--summary-json', summaryPath];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: cliEnv({ ...process.env, LOGVEIL_HOME: o.stateDir }), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    let hwmKB = 0;
    let rchar = 0;
    /** @type {Array<[number, number]>} */
    const series = [];
    let timedOut = false;
    const poll = setInterval(() => {
      const s = child.pid ? sample(child.pid) : undefined;
      if (!s) return;
      hwmKB = Math.max(hwmKB, s.hwmKB);
      rchar = Math.max(rchar, s.rchar);
      series.push([(performance.now() - started) / 1000, s.rssKB / 1024]);
    }, 100);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutSec * 1000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const wrapper = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : undefined;
      const summary = existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : undefined;
      if (!timedOut && (signal || (code !== 0 && code !== 3))) {
        reject(new Error(`logveil CLI ${signal ? `killed (${signal})` : `exited ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      const wrapperMaxRssMB = wrapper ? wrapper.maxRssKB / 1024 : null;
      const bytesRead = summary?.bytesIn ?? Math.min(rchar, o.inputBytes);
      const step = Math.max(1, Math.ceil(series.length / 200));
      resolve({
        inputBytes: o.inputBytes,
        bytesRead,
        seconds,
        mbps: bytesRead / 1e6 / seconds,
        records: summary?.recordsIn ?? null,
        peakRssMB: Math.max(wrapperMaxRssMB ?? 0, hwmKB / 1024),
        wrapperMaxRssMB,
        sampledHwmMB: hwmKB / 1024,
        exitCode: signal ?? code,
        timedOut,
        series: series.filter((_, i) => i % step === 0),
      });
    });
  });
}
