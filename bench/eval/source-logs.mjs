// @ts-check
/**
 * Real loghub logs (`logs/*_2k.log.gz`): the false-positive budget. Each line is scanned on its
 * own; findings are counted per 10,000 lines per file and per detector. Secret/credential findings
 * are listed apart: these logs hold no secrets, so every one is a false positive to explain.
 * Examples are masked (first 2 characters, an ellipsis, the length, and the character shape) so
 * the report itself leaks nothing. Every finding is also explained (log-explain.mjs): what kind of
 * value it is, counted per detector; those no rule explains are counted apart.
 */
import { basename, join } from 'node:path';
import { explainLogFinding, UNEXPLAINED } from './log-explain.mjs';
import { isSecretFinding } from './refs.mjs';
import { listLogFiles, readLogLines } from './readers.mjs';

export const DIR = 'logs';
const EXAMPLES = 3;

/**
 * A masked rendering of a redacted value: `10…(10)`.
 * @param {string} value
 */
export function maskValue(value) {
  const len = [...value].length;
  const head = [...value].slice(0, Math.min(2, Math.max(0, len - 2))).join('');
  return `${head}…(${len})`;
}

/**
 * The character classes of a value, runs compressed: `10.11.10.1` -> `9{2}.9{2}.9{2}.9`.
 * Upper-case letters -> A, lower-case -> a, digits -> 9, anything else kept; at most 48 chars.
 * @param {string} value
 */
export function shapeOf(value) {
  const classes = value.replace(/[A-Z]/g, 'A').replace(/[a-z]/g, 'a').replace(/[0-9]/g, '9');
  let out = '';
  for (let i = 0; i < classes.length; ) {
    const ch = /** @type {string} */ (classes[i]);
    let j = i + 1;
    while (j < classes.length && classes[j] === ch) j++;
    out += j - i > 1 ? `${ch}{${j - i}}` : ch;
    i = j;
  }
  return out.length > 48 ? `${out.slice(0, 47)}…` : out;
}

/**
 * @typedef {{ findings: number, per10k: number, category: string, examples: Array<{ masked: string, shape: string }> }} DetectorLogStats
 */

/**
 * @param {import('./policy.mjs').EvalPolicy} policy
 * @param {string} root corpora root
 */
export function evaluateLogs(policy, root) {
  const files = listLogFiles(join(root, DIR));
  /** @type {Record<string, object>} */
  const byFile = {};
  /** @type {Map<string, { findings: number, secret: boolean, category: string, files: Set<string> }>} */
  const totals = new Map();
  let totalLines = 0;
  let totalFindings = 0;
  let totalSecret = 0;
  /** @type {Map<string, { detector: string, explanation: string, findings: number, files: Set<string> }>} */
  const explained = new Map();

  for (const path of files) {
    const name = basename(path).replace(/\.log(\.gz)?$/, '');
    const lines = readLogLines(path);
    totalLines += lines.length;
    /** @type {Map<string, { findings: number, category: string, examples: Array<{ masked: string, shape: string }>, seen: Set<string> }>} */
    const perDetector = new Map();
    let findings = 0;
    let secret = 0;
    let linesWithFindings = 0;
    for (const line of lines) {
      const found = policy.scan(line);
      if (found.length > 0) linesWithFindings++;
      for (const f of found) {
        findings++;
        if (isSecretFinding(f)) secret++;
        let d = perDetector.get(f.id);
        if (!d) perDetector.set(f.id, (d = { findings: 0, category: f.category, examples: [], seen: new Set() }));
        d.findings++;
        const explanation = explainLogFinding(f, line);
        const key = `${f.id}\0${explanation}`;
        const e = explained.get(key) ?? { detector: f.id, explanation, findings: 0, files: new Set() };
        e.findings++;
        e.files.add(name);
        explained.set(key, e);
        const value = line.slice(f.start, f.end);
        if (d.examples.length < EXAMPLES && !d.seen.has(value)) {
          d.seen.add(value);
          d.examples.push({ masked: maskValue(value), shape: shapeOf(value) });
        }
      }
    }
    totalFindings += findings;
    totalSecret += secret;
    const per = (/** @type {number} */ n) => per10k(n, lines.length);
    /** @type {Record<string, DetectorLogStats>} */
    const detectors = {};
    for (const [id, d] of [...perDetector.entries()].sort((a, b) => b[1].findings - a[1].findings)) {
      detectors[id] = { findings: d.findings, per10k: per(d.findings), category: d.category, examples: d.examples };
      const t = totals.get(id) ?? { findings: 0, secret: isSecretFinding(d), category: d.category, files: new Set() };
      t.findings += d.findings;
      t.files.add(name);
      totals.set(id, t);
    }
    byFile[name] = {
      lines: lines.length,
      linesWithFindings,
      findings,
      per10k: per(findings),
      secretFindings: secret,
      secretPer10k: per(secret),
      detectors,
    };
  }

  const byDetector = Object.fromEntries(
    [...totals.entries()]
      .sort((a, b) => b[1].findings - a[1].findings)
      .map(([id, t]) => [id, { category: t.category, findings: t.findings, per10k: per10k(t.findings, totalLines), files: [...t.files].sort() }]),
  );
  return {
    source: 'logs',
    dir: DIR,
    unit: 'line',
    files: files.length,
    lines: totalLines,
    findings: totalFindings,
    per10k: per10k(totalFindings, totalLines),
    secretFindings: totalSecret,
    secretPer10k: per10k(totalSecret, totalLines),
    byDetector,
    secretByDetector: Object.fromEntries(Object.entries(byDetector).filter(([, d]) => isSecretFinding(d))),
    explained: [...explained.values()]
      .sort((a, b) => b.findings - a.findings || (a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0))
      .map((e) => ({ detector: e.detector, explanation: e.explanation, findings: e.findings, files: [...e.files].sort() })),
    unexplained: [...explained.values()].filter((e) => e.explanation === UNEXPLAINED).reduce((n, e) => n + e.findings, 0),
    byFile,
  };
}

/**
 * @param {number} n
 * @param {number} lines
 */
export function per10k(n, lines) {
  return lines === 0 ? 0 : Math.round((n / lines) * 10000 * 10) / 10;
}
