// @ts-check
/**
 * Renders the report object as compact text tables: the worst detectors first, then one section
 * per source. Everything shown is also in the JSON report.
 */
import { worstByF1, worstByFalsePositives } from './detectors.mjs';
import { optInSection } from './opt-in-format.mjs';
import { categorySection } from './category-format.mjs';
import { routingSection } from './routing-format.mjs';

/**
 * A plain text table; numbers right-aligned.
 * @param {string[]} head
 * @param {Array<Array<string | number | null | undefined>>} rows
 * @param {string} [indent]
 */
export function table(head, rows, indent = '  ') {
  const cells = [head, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c))))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number' || /^[\d.—-]+%?$/.test(String(r[i]))));
  const line = (/** @type {string[]} */ r) =>
    indent +
    r
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length));
        return numeric[i] && i > 0 ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(/** @type {string[]} */ (cells[0])), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/**
 * @param {string} s
 * @param {number} max
 */
const clip = (s, max) => ([...s].length > max ? `${[...s].slice(0, max - 1).join('')}…` : s);

/**
 * Splits a long line at spaces.
 * @param {string} text
 * @param {number} width
 * @param {string} first indent of the first line
 * @param {string} rest indent of the following lines
 */
function wrap(text, width, first, rest) {
  const lines = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.trim().length > 0 && line.length + word.length + 1 > width) {
      lines.push(line.trimEnd());
      line = rest;
    }
    line += `${word} `;
  }
  lines.push(line.trimEnd());
  return lines;
}

/** @param {number | null | undefined} x */
export const f3 = (x) => (x === null || x === undefined ? null : x.toFixed(3));

/**
 * @param {import('./metrics.mjs').Scored} s
 * @returns {Array<string | number | null>}
 */
const prf = (s) => [f3(s.precision), f3(s.recall), f3(s.f1), s.tp, s.fp, s.fn];
const PRF_HEAD = ['P', 'R', 'F1', 'TP', 'FP', 'FN'];

/**
 * The rows of a by-group score map, worst first (lowest F1, then most FP+FN), limited.
 * @param {Record<string, import('./metrics.mjs').Scored>} byGroup
 * @param {number} limit
 */
function worstGroups(byGroup, limit) {
  return Object.entries(byGroup)
    .sort(([, a], [, b]) => (a.f1 ?? -1) - (b.f1 ?? -1) || b.fp + b.fn - (a.fp + a.fn))
    .slice(0, limit);
}

/**
 * @param {any} r gitleaks or detect-secrets result
 * @param {string} title
 * @param {number} limit rows per table
 */
function caseSection(r, title, limit) {
  return [
    `== ${title} (case-level, by ${r.groupBy}) — ${r.file}`,
    `  ${r.cases} cases (${r.positives} positive); covered: ${r.covered.groups.length} ${r.groupBy}s, ${r.covered.cases} cases; ` +
      `uncovered: ${r.uncovered.groups} ${r.groupBy}s, ${r.uncovered.cases} cases (${r.uncovered.positives} positive)`,
    ...(r.covered.cases === 0 ? ['  no detector covers any case of this source'] : coveredSection(r, limit)),
    ...wholeFileSection(r, limit),
  ].join('\n');
}

/**
 * The covered-only scores of a case-level result: overall, then the worst groups.
 * @param {any} r
 * @param {number} limit rows of the per-group table
 * @returns {string[]}
 */
function coveredSection(r, limit) {
  const out = [];
  out.push(...wrap(`covered ${r.groupBy}s: ${r.covered.groups.join(', ')}`, 110, '  ', '    '));
  out.push(
    table(
      ['view', ...PRF_HEAD, 'TN'],
      [
        ['loose: any secret/credential finding', ...prf(r.loose.overall), r.loose.overall.tn],
        ['strict: a mapped detector fired', ...prf(r.strict.overall), r.strict.overall.tn],
      ],
    ),
  );
  const groups = worstGroups(r.strict.byGroup, limit);
  const shown = groups.length < Object.keys(r.strict.byGroup).length ? `worst ${groups.length} of ${Object.keys(r.strict.byGroup).length}` : 'all';
  out.push(`  per ${r.groupBy} (${shown}, by strict F1):`);
  out.push(
    table(
      [r.groupBy, 'strict P', 'R', 'F1', 'TP', 'FP', 'FN', 'loose P', 'R', 'F1', 'detectors'],
      groups.map(([k, s]) => {
        const l = r.loose.byGroup[k];
        return [k, ...prf(s), f3(l.precision), f3(l.recall), f3(l.f1), clip((r.covered.detectors[k] ?? []).join(','), 60)];
      }),
      '    ',
    ),
  );
  return out;
}

/**
 * The whole-file rows of the gitleaks result (every case, the policy alone and with the imported
 * gitleaks pack), and the rules that keep the latter below 1. Nothing when the result has none.
 * @param {any} r
 * @param {number} limit rows of the per-rule table
 * @returns {string[]}
 */
function wholeFileSection(r, limit) {
  const w = r.wholeFile;
  if (!w) return [];
  const variants = [w.policy, w.withImport];
  const out = [
    `  whole file: all ${w.cases} cases (${w.positives} positive), ${w.groups} ${r.groupBy}s, nothing excluded; ` +
      `a case whose ${r.groupBy} no detector maps is a strict miss (loose still scans it)`,
    '  (loose: the secret was redacted; strict: a detector mapped to the case\'s rule won the span, so a wider match of another detector costs strict only)',
    table(
      ['policy', 'view', ...PRF_HEAD, 'TN', `${r.groupBy}s mapped`],
      variants.flatMap((v) => [
        [v.label, 'loose', ...prf(v.loose.overall), v.loose.overall.tn, `${v.covered.groups.length}/${w.groups}`],
        [v.label, 'strict', ...prf(v.strict.overall), v.strict.overall.tn, `${v.covered.groups.length}/${w.groups}`],
      ]),
    ),
  ];
  const imp = w.withImport.import;
  const skipped = imp.skipped.map((/** @type {any} */ s) => `${s.ruleId} (${s.category}, ${s.cases} cases${s.mappedBy.length > 0 ? `, mapped by ${s.mappedBy.join(',')}` : ', counted as misses'})`);
  out.push(
    ...wrap(
      `import of ${imp.config}: ${imp.rules} rules, ${imp.imported} imported as ${imp.prefix}*, ${imp.skipped.length} not imported` +
        (skipped.length > 0 ? `: ${skipped.join('; ')}` : '') +
        (imp.rulesNotInConfig.length > 0 ? `; ${r.groupBy}s of the examples not in the config: ${imp.rulesNotInConfig.join(', ')}` : ''),
      110,
      '  ',
      '    ',
    ),
  );
  const v = w.withImport;
  const below = Object.fromEntries(Object.entries(v.strict.byGroup).filter(([k, s]) => /** @type {any} */ (s).f1 !== 1 || v.loose.byGroup[k].f1 !== 1));
  const groups = worstGroups(below, limit);
  if (groups.length === 0) {
    out.push(`  per ${r.groupBy} with the import: every ${r.groupBy} at F1 1 (strict and loose)`);
    return out;
  }
  const shown = groups.length < Object.keys(below).length ? `worst ${groups.length} of ${Object.keys(below).length}` : `all ${groups.length}`;
  out.push(`  per ${r.groupBy} with the import (${shown} below F1 1, by strict F1):`);
  out.push(
    table(
      [r.groupBy, 'strict P', 'R', 'F1', 'TP', 'FP', 'FN', 'loose P', 'R', 'F1', 'detectors'],
      groups.map(([k, s]) => {
        const l = v.loose.byGroup[k];
        return [k, ...prf(s), f3(l.precision), f3(l.recall), f3(l.f1), clip((v.covered.detectors[k] ?? []).join(',') || '(none)', 60)];
      }),
      '    ',
    ),
  );
  return out;
}

/**
 * @param {any} r a span-level result (recognizer cases or one sentence set)
 * @param {string} title
 */
function spanSection(r, title) {
  const out = [`== ${title}`];
  if (r.coveredTypes.length === 0) return [...out, '  no detector refs any evaluated presidio entity type'].join('\n');
  out.push(
    table(
      ['type', ...PRF_HEAD, 'texts', 'fully covered', 'detectors'],
      [
        ...Object.entries(r.byType).map(([t, s]) => [t, ...prf(/** @type {any} */ (s)), /** @type {any} */ (s).texts, /** @type {any} */ (s).fullyCovered, clip(/** @type {any} */ (s).detectors.join(','), 60)]),
        ['overall', ...prf(r.overall), null, null, ''],
      ],
    ),
  );
  const uncovered = Array.isArray(r.uncoveredTypes) ? r.uncoveredTypes : Object.keys(r.uncoveredTypes ?? {});
  if (uncovered.length > 0) out.push(`  uncovered types: ${uncovered.join(', ')}`);
  return out.join('\n');
}

/** @param {any} r */
function generatedSection(r) {
  const out = [];
  for (const [name, set] of Object.entries(r.sets)) {
    const s = /** @type {any} */ (set);
    out.push(spanSection(s, `presidio labelled sentences: ${name} (span-level) — ${s.file}, ${s.sentences} sentences`));
    const noisy = Object.entries(s.findingsByDetector).filter(([, d]) => /** @type {any} */ (d).unlabelled > 0);
    if (noisy.length === 0) out.push('  findings overlapping no labelled span: none');
    else {
      out.push('  findings overlapping no labelled span (potential false positives):');
      out.push(
        table(
          ['detector', 'unlabelled', 'findings', 'overlapped labels'],
          noisy.map(([id, d]) => {
            const x = /** @type {any} */ (d);
            return [id, x.unlabelled, x.findings, Object.entries(x.overlapsLabel).map(([k, v]) => `${k}:${v}`).join(' ')];
          }),
          '    ',
        ),
      );
    }
  }
  return out.join('\n');
}

/**
 * @param {any} r
 * @param {number} limit
 */
function logsSection(r, limit) {
  const out = [
    `== real logs (false-positive budget) — ${r.files} files, ${r.lines} lines: ${r.findings} findings (${r.per10k}/10k lines), ` +
      `${r.secretFindings} secret/credential findings (${r.secretPer10k}/10k lines)`,
  ];
  out.push(
    table(
      ['file', 'lines', 'findings', 'per 10k', 'secret', 'top detectors'],
      Object.entries(r.byFile).map(([name, f]) => {
        const x = /** @type {any} */ (f);
        const top = Object.entries(x.detectors)
          .slice(0, 3)
          .map(([id, d]) => `${id}:${/** @type {any} */ (d).findings}`)
          .join(' ');
        return [name, x.lines, x.findings, x.per10k, x.secretFindings, top];
      }),
    ),
  );
  const dets = Object.entries(r.byDetector).slice(0, limit);
  if (dets.length > 0) {
    out.push('  by detector (all files):');
    out.push(
      table(
        ['detector', 'category', 'findings', 'per 10k', 'files'],
        dets.map(([id, d]) => {
          const x = /** @type {any} */ (d);
          return [id, x.category, x.findings, x.per10k, x.files.length];
        }),
        '    ',
      ),
    );
  }
  const secret = Object.keys(r.secretByDetector);
  out.push(secret.length > 0 ? '  secret/credential findings (each a false positive), masked examples:' : '  secret/credential findings: none');
  out.push(...examples(r, secret));
  if (r.explained) {
    out.push(`  every finding, by what it is: ${r.unexplained} unexplained`);
    out.push(
      table(
        ['detector', 'what the value is', 'findings', 'files'],
        r.explained.map((/** @type {any} */ e) => [e.detector, e.explanation, e.findings, e.files.join(' ')]),
        '    ',
      ),
    );
  }
  const others = Object.keys(r.byDetector).filter((id) => !secret.includes(id));
  if (others.length > 0) {
    out.push('  other findings, masked examples (value prefix…(length) and character shape):');
    out.push(...examples(r, others.slice(0, limit)));
  }
  return out.join('\n');
}

/**
 * One line per detector and file: count and masked examples.
 * @param {any} r logs result
 * @param {string[]} ids
 */
function examples(r, ids) {
  const out = [];
  for (const id of ids) {
    for (const [file, f] of Object.entries(r.byFile)) {
      const d = /** @type {any} */ (f).detectors[id];
      if (!d) continue;
      const ex = d.examples.map((/** @type {any} */ e) => `${e.masked} ${e.shape}`).join(' | ');
      out.push(`    ${id} in ${file}: ${d.findings} — ${ex}`);
    }
  }
  return out;
}

/**
 * @param {any} report
 * @param {{ all?: boolean, limit?: number }} [options]
 */
export function formatReport(report, options = {}) {
  const limit = options.all ? Infinity : (options.limit ?? 12);
  const p = report.policy;
  const cats = Object.entries(p.byCategory).map(([k, v]) => `${k}:${v}`).join(' ');
  const out = [
    `logveil detection-quality eval — policy ${p.hash.slice(0, 12)}: ${p.detectors} detectors in ${p.packs.length} packs (${cats || 'none'}), ${p.withRefs} with refs`,
  ];
  if (p.detectors === 0) out.push(`  WARNING: no detectors loaded from ${p.paths.join(', ')}; every source will show no coverage`);
  // The worst detectors first: what a pattern author looks at before the sources' details.
  const byF1 = worstByF1(report.detectors, limit);
  const byFp = worstByFalsePositives(report.detectors, limit);
  out.push('', '== worst detectors: lowest F1 of the rule/plugin/type they answer (own precision alongside)');
  out.push(
    byF1.length === 0
      ? '  none with labelled data'
      : table(
          ['detector', 'category', 'own P', 'TP', 'FP', 'worst group', 'P', 'R', 'F1', 'support', 'FP total'],
          byF1.map((d) => {
            const g = /** @type {import('./detectors.mjs').GroupScore} */ (d.worstGroup);
            return [d.id, d.category, f3(d.own?.precision), d.own?.tp, d.own?.fp, `${g.source}: ${g.group}`, f3(g.precision), f3(g.recall), f3(g.f1), g.support, d.falsePositives.total];
          }),
        ),
  );
  out.push('', '== worst detectors: most false positives');
  out.push(
    byFp.length === 0
      ? '  none'
      : table(
          ['detector', 'category', 'total', 'labelled', 'other rules', 'unlabelled text', 'log secrets', 'log /10k'],
          byFp.map((d) => {
            const f = d.falsePositives;
            return [d.id, d.category, f.total, f.labelled, f.otherRules, f.unlabelledText, f.logSecrets, d.logPer10k];
          }),
        ),
  );
  if (report.categories) out.push('', categorySection(report.categories));
  const s = report.sources;
  if (s.gitleaks) out.push('', caseSection(s.gitleaks, 'gitleaks examples', limit));
  if (s['detect-secrets']) out.push('', caseSection(s['detect-secrets'], 'detect-secrets cases', limit));
  if (s['presidio-recognizer']) {
    const r = s['presidio-recognizer'];
    out.push('', spanSection(r, `presidio recognizer cases (span-level) — ${r.file}, ${r.casesEvaluated} of ${r.cases} cases evaluated`));
  }
  if (s['presidio-generated']) out.push('', generatedSection(s['presidio-generated']));
  if (s.logs) out.push('', logsSection(s.logs, limit));
  if (s.routing) out.push('', routingSection(s.routing, limit));
  if (report.optIn) out.push('', optInSection(report.optIn));

  out.push('', `done in ${report.durationMs} ms (${Object.entries(report.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  return out.join('\n');
}
