// @ts-check
/**
 * Routing-rule quality. Two parts:
 *
 * 1. Panther detection test cases (`routing/panther_rule_cases.jsonl.gz`: a log event, the
 *    detection it exercises and whether that detection should alert). A case is covered when a
 *    routing rule lists its detection in `refs` (`panther:AWS.CloudTrail.Stopped`); its log type is
 *    the event's `p_log_type`, else the detection's only log type. Over the covered cases of the
 *    log types logveil's rules are written for: strict (a rule that refs the detection matched)
 *    and loose (any routing rule matched) precision and recall, per log type and per detection.
 *    Rules are scored per record: a threshold rule counts its per-record condition.
 * 2. Real logs (`logs/*_2k.log.gz`): the security events each file yields, line by line as the
 *    engine sees them (raw-line prefilter, decode, route, threshold gate): routed events by rule,
 *    and findings events (lines with a detector finding).
 *
 * Each event is also checked against the raw-line prefilter: `prefilterMisses` counts lines a rule
 * matched although `mightMatch` said no, or although `candidates` (the rules the engine tries)
 * left that rule out, and must be 0.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeLine } from '../../dist/codecs/jsonl.js';
import { builtinRoutingDir } from '../../dist/route/builtin.js';
import { CompiledRouting } from '../../dist/route/compile.js';
import { loadRoutingRules } from '../../dist/route/load.js';
import { ThresholdGate } from '../../dist/route/threshold.js';
import { emptyCounts, score } from './metrics.mjs';
import { listLogFiles, readJsonLines, readLogLines } from './readers.mjs';
import { normalizeRef } from './refs.mjs';

export const FILE = 'routing/panther_rule_cases.jsonl.gz';
export const LOG_DIR = 'logs';

/** The log types the built-in routing rules are written for. */
export const ADDRESSED_LOG_TYPES = Object.freeze([
  'AWS.CloudTrail',
  'Amazon.EKS.Audit',
  'Azure.MonitorActivity',
  'GCP.AuditLog',
  'Okta.SystemLog',
  'OneLogin.Events',
  'GSuite.ActivityEvent',
  'Azure.Audit',
  'Microsoft365.Audit.AzureActiveDirectory',
  'Auth0.Events',
  'Duo.Authentication',
  'GitHub.Audit',
]);

const LIMITS = { maxRecordBytes: 1024 * 1024 };

/**
 * The routing packs to evaluate: the `routing/` folder of each pattern directory given, else the
 * built-in ones.
 * @param {string[]} patternPaths
 */
export function routingPathsFor(patternPaths) {
  const dirs = patternPaths.map((p) => join(p, 'routing')).filter((p) => existsSync(p) && statSync(p).isDirectory());
  return dirs.length > 0 ? dirs : [builtinRoutingDir()];
}

/**
 * @param {{ paths: string[], scan: (text: string) => unknown[] }} policy
 * @param {string} root corpora root
 */
export function evaluateRouting(policy, root) {
  const paths = routingPathsFor(policy.paths);
  const routing = new CompiledRouting(loadRoutingRules(paths));
  return {
    source: 'routing',
    routing: { paths, hash: routing.hash, rules: routing.rules.length, withRefs: routing.rules.filter((r) => r.refs.length > 0).length },
    panther: evaluatePanther(routing, root),
    logs: evaluateLogEvents(routing, policy, root),
  };
}

/**
 * @param {any} routing CompiledRouting
 * @param {string} root
 */
function evaluatePanther(routing, root) {
  /** @type {Map<string, string[]>} panther detection -> rule ids */
  const byRef = new Map();
  for (const rule of routing.rules) {
    for (const ref of rule.refs) {
      const key = normalizeRef(ref);
      if (!key.startsWith('panther:')) continue;
      byRef.set(key.slice('panther:'.length), [...(byRef.get(key.slice('panther:'.length)) ?? []), rule.id]);
    }
  }
  const rows = readJsonLines(join(root, FILE));
  /** @type {Record<string, { strict: any, loose: any, detections: Set<string> }>} */
  const byLogType = {};
  /** @type {Record<string, any>} */
  const byDetection = {};
  const overall = { strict: emptyCounts(), loose: emptyCounts() };
  const notAddressed = { cases: 0, logTypes: new Set() };
  let prefilterMisses = 0;
  let uncovered = 0;
  let uncoveredFired = 0;
  rows.forEach((row, i) => {
    const logType = typeof row.log?.p_log_type === 'string' ? row.log.p_log_type : row.log_types?.length === 1 ? row.log_types[0] : undefined;
    const text = JSON.stringify(row.log);
    const record = decodeLine(Buffer.from(text), { file: FILE, line: i + 1 }, 'auto', LIMITS);
    const matched = routing.route(record).map((/** @type {any} */ m) => m.ruleId);
    if (matched.length > 0 && missed(routing, Buffer.from(text), record)) prefilterMisses++;
    const rules = byRef.get(String(row.rule_id));
    if (!rules) {
      if (logType && ADDRESSED_LOG_TYPES.includes(logType)) {
        uncovered++;
        if (matched.length > 0) uncoveredFired++;
      }
      return;
    }
    if (!logType || !ADDRESSED_LOG_TYPES.includes(logType)) {
      notAddressed.cases++;
      notAddressed.logTypes.add(logType ?? '(unknown)');
      return;
    }
    const expected = row.expected === true;
    const strict = matched.some((/** @type {string} */ id) => rules.includes(id));
    const loose = matched.length > 0;
    const lt = (byLogType[logType] ??= { strict: emptyCounts(), loose: emptyCounts(), detections: new Set() });
    lt.detections.add(String(row.rule_id));
    const d = (byDetection[row.rule_id] ??= { logTypes: new Set(), rules, strict: emptyCounts() });
    d.logTypes.add(logType);
    for (const [counts, predicted] of /** @type {Array<[any, boolean]>} */ ([
      [lt.strict, strict],
      [lt.loose, loose],
      [overall.strict, strict],
      [overall.loose, loose],
      [d.strict, strict],
    ])) {
      if (expected && predicted) counts.tp++;
      else if (expected) counts.fn++;
      else if (predicted) counts.fp++;
      else counts.tn++;
    }
  });
  return {
    file: FILE,
    cases: rows.length,
    addressedLogTypes: [...ADDRESSED_LOG_TYPES],
    coveredDetections: [...byRef.keys()].sort(),
    overall: { strict: score(overall.strict), loose: score(overall.loose) },
    byLogType: Object.fromEntries(
      Object.entries(byLogType)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, { detections: [...v.detections].sort(), strict: score(v.strict), loose: score(v.loose) }]),
    ),
    byDetection: Object.fromEntries(
      Object.entries(byDetection)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, { rules: v.rules, logTypes: [...v.logTypes].sort(), ...score(v.strict) }]),
    ),
    notAddressed: { cases: notAddressed.cases, logTypes: [...notAddressed.logTypes].sort() },
    uncoveredInAddressedTypes: { cases: uncovered, fired: uncoveredFired },
    prefilterMisses,
  };
}

/**
 * @param {any} routing CompiledRouting
 * @param {{ scan: (text: string) => unknown[] }} policy
 * @param {string} root
 */
function evaluateLogEvents(routing, policy, root) {
  /** @type {Record<string, any>} */
  const byFile = {};
  let total = 0;
  let prefilterMisses = 0;
  for (const path of listLogFiles(join(root, LOG_DIR))) {
    const name = basename(path).replace(/\.log(\.gz)?$/, '');
    const lines = readLogLines(path);
    const gate = new ThresholdGate();
    /** @type {Record<string, number>} */
    const byRule = {};
    let routed = 0;
    let findings = 0;
    let passed = 0;
    const started = Date.now();
    lines.forEach((line, i) => {
      if (policy.scan(line).length > 0) findings++;
      const bytes = Buffer.from(line);
      const might = routing.mightMatch(bytes);
      if (might) passed++;
      let record;
      try {
        record = decodeLine(bytes, { file: name, line: i + 1 }, 'auto', LIMITS);
      } catch {
        return;
      }
      const matches = routing.route(record);
      if (matches.length > 0 && (!might || missed(routing, bytes, record))) prefilterMisses++;
      // Loghub lines carry no machine-readable time the engine would use: arrival time, as in a run.
      const fired = gate.admit(matches, started + i);
      if (fired.length > 0) routed++;
      for (const m of fired) byRule[m.ruleId] = (byRule[m.ruleId] ?? 0) + 1;
    });
    total += routed + findings;
    byFile[name] = { lines: lines.length, securityEvents: routed + findings, routedEvents: routed, findingsEvents: findings, byRule, prefilterPassed: passed };
  }
  return { dir: LOG_DIR, files: Object.keys(byFile).length, securityEvents: total, byFile, prefilterMisses };
}

/**
 * True when the raw-line prefilter would keep the engine from some rule that matches `record`:
 * the line passes no pattern, or its candidate rules route it differently from all rules.
 * @param {any} routing @param {Buffer} bytes @param {any} record
 */
function missed(routing, bytes, record) {
  const rules = routing.candidates(bytes);
  const all = routing.route(record).map((/** @type {any} */ m) => m.ruleId).join(',');
  return !routing.mightMatch(bytes) || rules === undefined || routing.route(record, rules).map((/** @type {any} */ m) => m.ruleId).join(',') !== all;
}
