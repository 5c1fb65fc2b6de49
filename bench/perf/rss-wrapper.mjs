// @ts-check
/**
 * Runs the logveil CLI inside this process and, on exit, writes the process's peak RSS (every
 * thread, the pool's workers included) to a file: VmHWM from /proc/self/status where there is one.
 * `process.resourceUsage().maxRSS` is not used there: on Linux, getrusage's maxrss of a process
 * started by fork and exec starts at the peak of the process that forked it (the old address
 * space's high-water mark is kept across exec), so a large parent, such as the benchmark holding
 * its corpora, shows up as this process's peak.
 *
 * Start it with the CLI's environment and node flags (CLI_ENV, CLI_NODE_FLAGS; rss.mjs does), as
 * the CLI's first line does:
 *
 *   MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=25 bench/perf/rss-wrapper.mjs OUT.json redact FILE --out /dev/null ...
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CLI } from './cli-path.mjs';

const [report, ...args] = process.argv.slice(2);
if (!report) throw new Error('usage: rss-wrapper.mjs OUT.json <logveil arguments>');
process.argv = [process.argv[0] ?? 'node', CLI, ...args];
const started = performance.now();
process.on('exit', (code) => {
  const usage = process.resourceUsage();
  writeFileSync(report, JSON.stringify({ maxRssKB: ownPeakKB() ?? usage.maxRSS, exitCode: code, seconds: (performance.now() - started) / 1000, userSec: usage.userCPUTime / 1e6, systemSec: usage.systemCPUTime / 1e6 }));
});
await import(pathToFileURL(CLI).href);

/** This address space's peak resident set (kB), where /proc has it. @returns {number | undefined} */
function ownPeakKB() {
  try {
    const m = /^VmHWM:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
