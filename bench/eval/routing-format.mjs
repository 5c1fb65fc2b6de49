// @ts-check
/**
 * Text rendering of the routing source's report (see routing.mjs).
 */
import { table } from './format.mjs';

/** @param {number | null | undefined} x */
const f3 = (x) => (x === null || x === undefined ? null : x.toFixed(3));

/** @param {any} s */
const prf = (s) => [f3(s.precision), f3(s.recall), f3(s.f1), s.tp, s.fp, s.fn, s.tn];

/**
 * @param {any} r the routing source's result
 * @param {number} limit rows per table
 */
export function routingSection(r, limit) {
  const p = r.panther;
  const out = [
    `== routing rules — ${r.routing.rules} rules (${r.routing.withRefs} with refs), hash ${r.routing.hash.slice(0, 12)}`,
    `  panther detection cases — ${p.file}: ${p.cases} cases, ${p.coveredDetections.length} detections referenced by rules`,
    table(
      ['log type (covered cases)', 'P', 'R', 'F1', 'TP', 'FP', 'FN', 'TN', 'loose P', 'R', 'F1'],
      [
        ...Object.entries(p.byLogType).map(([k, v]) => {
          const x = /** @type {any} */ (v);
          return [k, ...prf(x.strict), f3(x.loose.precision), f3(x.loose.recall), f3(x.loose.f1)];
        }),
        ['overall', ...prf(p.overall.strict), f3(p.overall.loose.precision), f3(p.overall.loose.recall), f3(p.overall.loose.f1)],
      ],
    ),
    '  strict: a rule that refs the detection matched; loose: any routing rule matched',
  ];
  const worst = Object.entries(p.byDetection)
    .filter(([, d]) => /** @type {any} */ (d).fp + /** @type {any} */ (d).fn > 0)
    .sort(([, a], [, b]) => /** @type {any} */ (b).fp + /** @type {any} */ (b).fn - (/** @type {any} */ (a).fp + /** @type {any} */ (a).fn))
    .slice(0, limit);
  if (worst.length > 0) {
    out.push('  detections with misses or false alarms:');
    out.push(
      table(
        ['detection', 'P', 'R', 'TP', 'FP', 'FN', 'rules'],
        worst.map(([k, v]) => {
          const d = /** @type {any} */ (v);
          return [k, f3(d.precision), f3(d.recall), d.tp, d.fp, d.fn, d.rules.join(',')];
        }),
        '    ',
      ),
    );
  }
  out.push(
    `  not addressed: ${p.notAddressed.cases} covered cases of other log types (${p.notAddressed.logTypes.join(', ') || 'none'}); ` +
      `uncovered cases of addressed log types: ${p.uncoveredInAddressedTypes.cases} (a rule fired on ${p.uncoveredInAddressedTypes.fired})`,
  );
  const l = r.logs;
  out.push(`  security events in real logs — ${l.dir}: ${l.securityEvents} in ${l.files} files (routed + findings events)`);
  out.push(
    table(
      ['file', 'lines', 'events', 'routed', 'findings', 'prefilter passed', 'routed by rule'],
      Object.entries(l.byFile).map(([k, v]) => {
        const x = /** @type {any} */ (v);
        const rules = Object.entries(x.byRule).map(([id, n]) => `${id}:${n}`).join(' ');
        return [k, x.lines, x.securityEvents, x.routedEvents, x.findingsEvents, x.prefilterPassed, rules];
      }),
    ),
  );
  out.push(`  prefilter misses (must be 0): panther ${p.prefilterMisses}, logs ${l.prefilterMisses}`);
  return out.join('\n');
}
