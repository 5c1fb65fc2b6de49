#!/usr/bin/env node
// @ts-check
/**
 * Detection-quality evaluation of logveil's pattern packs against public corpora
 * (gitleaks and detect-secrets cases, Presidio recognizer cases and labelled sentences, real
 * loghub logs; routing rules against Panther detection cases). Prints tables (or the JSON with --json) and writes
 * bench/results/eval-<YYYY-MM-DD>.json. Quality numbers are reported, never asserted: the exit
 * code is 0 unless the evaluation itself fails (1) or the command line is wrong (2).
 *
 *   node bench/eval.mjs [--only gitleaks,detect-secrets,presidio-recognizer,presidio-generated,logs,routing]
 *                       [--json] [--all] [--patterns <dir-or-file>[,...]] [--corpora <dir>] [--out <file>]
 *
 * Uses the compiled library in dist/ (run `npm run build` first). Corpora root: --corpora, else
 * $LOGVEIL_CORPORA, else ../shared/corpora next to the project.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { parseArgs } from 'node:util';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = `usage: node bench/eval.mjs [--only <source,...>] [--json] [--all] [--patterns <path,...>] [--corpora <dir>] [--out <file>]
  sources: gitleaks, detect-secrets, presidio-recognizer, presidio-generated, logs, routing
  aliases: all, secrets (gitleaks,detect-secrets), presidio / pii (both presidio sources)`;

async function main() {
  /** @type {ReturnType<typeof parseArgs>} */
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        only: { type: 'string' },
        json: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        patterns: { type: 'string' },
        corpora: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    });
  } catch (err) {
    process.stderr.write(`eval: ${/** @type {Error} */ (err).message}\n${USAGE}\n`);
    return 2;
  }
  const v = /** @type {Record<string, string | boolean | undefined>} */ (parsed.values);
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(join(PROJECT, 'dist', 'detect', 'scan.js'))) {
    process.stderr.write('eval: dist/ is missing; run `npm run build` first\n');
    return 1;
  }
  warnIfStale();

  // Imported here, not at the top, so a missing dist/ gets the message above.
  const { runEval, selectSources, UsageError } = await import('./eval/run.mjs');
  const { formatReport } = await import('./eval/format.mjs');
  let sources;
  try {
    sources = selectSources(typeof v.only === 'string' ? v.only : undefined);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`eval: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const patterns = typeof v.patterns === 'string' ? v.patterns.split(',').filter(Boolean).map((p) => resolve(p)) : undefined;
  const report = runEval({
    sources,
    ...(patterns ? { patterns } : {}),
    ...(typeof v.corpora === 'string' ? { root: resolve(v.corpora) } : {}),
  });

  const out = typeof v.out === 'string' ? resolve(v.out) : join(PROJECT, 'bench', 'results', `eval-${report.generatedAt.slice(0, 10)}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (v.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`report: ${out}\n`);
  } else {
    process.stdout.write(`${formatReport(report, { all: v.all === true })}\n\nreport: ${out}\n`);
  }
  return 0;
}

/** Warns (stderr) when a file under src/ is newer than the compiled dist/ the eval runs on. */
function warnIfStale() {
  try {
    const built = statSync(join(PROJECT, 'dist', 'detect', 'scan.js')).mtimeMs;
    const newest = newestMtime(join(PROJECT, 'src'));
    if (newest > built) process.stderr.write('eval: warning: src/ is newer than dist/; run `npm run build` to evaluate the current code\n');
  } catch {
    // best effort only
  }
}

/** @param {string} dir */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const e = /** @type {Error & { problems?: unknown[], code?: string }} */ (err);
    process.stderr.write(`eval: internal error: ${e.message}\n`);
    if (e.code === 'ENOENT') process.stderr.write('eval: a corpus file is missing; set LOGVEIL_CORPORA or --corpora to the shared corpora folder\n');
    else if (!Array.isArray(e.problems) && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  },
);
