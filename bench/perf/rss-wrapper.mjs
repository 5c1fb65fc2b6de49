// @ts-check
/**
 * Runs the logveil CLI inside this process and, on exit, writes the process's peak RSS
 * (`process.resourceUsage().maxRSS`: every thread, the pool's workers included) to a file.
 *
 *   node bench/perf/rss-wrapper.mjs OUT.json redact FILE --out /dev/null ...
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CLI } from './cli-path.mjs';

const [report, ...args] = process.argv.slice(2);
if (!report) throw new Error('usage: rss-wrapper.mjs OUT.json <logveil arguments>');
process.argv = [process.argv[0] ?? 'node', CLI, ...args];
const started = performance.now();
process.on('exit', (code) => {
  const usage = process.resourceUsage();
  writeFileSync(report, JSON.stringify({ maxRssKB: usage.maxRSS, exitCode: code, seconds: (performance.now() - started) / 1000, userSec: usage.userCPUTime / 1e6, systemSec: usage.systemCPUTime / 1e6 }));
});
await import(pathToFileURL(CLI).href);
