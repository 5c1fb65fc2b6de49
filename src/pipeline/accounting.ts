/**
 * Per-run counts. The invariant every run keeps and every test checks:
 * records in = app out + dropped by policy + quarantined.
 */
export class Accounting {
  recordsIn = 0;
  bytesIn = 0;
  appOut = 0;
  dropped = 0;
  quarantined = 0;
  readonly findingsByDetector = new Map<string, number>();
  readonly quarantinedByCode = new Map<string, number>();

  /** Counts one batch's results: outcomes per line (see `Outcome`), findings and quarantine entries. */
  addBatch(outcomes: Uint8Array, bytes: number, findings: Readonly<Record<string, number>>, quarantined: ReadonlyArray<{ code: string }>): void {
    this.recordsIn += outcomes.length;
    this.bytesIn += bytes;
    for (const o of outcomes) {
      if (o === 0 || o === 1) this.appOut += 1;
      else if (o === 2) this.dropped += 1;
    }
    for (const q of quarantined) this.addQuarantine(q.code);
    for (const [id, n] of Object.entries(findings)) this.findingsByDetector.set(id, (this.findingsByDetector.get(id) ?? 0) + n);
  }

  /** Examples of the masked form per detector, for dry runs; at most `max` each. */
  readonly examples = new Map<string, string[]>();

  addExamples(batch: Readonly<Record<string, string[]>>, max: number): void {
    for (const [id, list] of Object.entries(batch)) {
      const kept = this.examples.get(id) ?? [];
      for (const e of list) if (kept.length < max && !kept.includes(e)) kept.push(e);
      this.examples.set(id, kept);
    }
  }

  addFinding(detectorId: string): void {
    this.findingsByDetector.set(detectorId, (this.findingsByDetector.get(detectorId) ?? 0) + 1);
  }

  addQuarantine(code: string): void {
    this.quarantined += 1;
    this.quarantinedByCode.set(code, (this.quarantinedByCode.get(code) ?? 0) + 1);
  }

  /** Adds a whole run's counts (a service's totals over its runs). */
  addSummary(s: RunSummary): void {
    this.recordsIn += s.recordsIn;
    this.bytesIn += s.bytesIn;
    this.appOut += s.appOut;
    this.dropped += s.dropped;
    this.quarantined += s.quarantined;
    for (const [id, n] of Object.entries(s.findings)) this.findingsByDetector.set(id, (this.findingsByDetector.get(id) ?? 0) + n);
    for (const [code, n] of Object.entries(s.quarantinedByCode)) this.quarantinedByCode.set(code, (this.quarantinedByCode.get(code) ?? 0) + n);
  }

  get balanced(): boolean {
    return this.recordsIn === this.appOut + this.dropped + this.quarantined;
  }

  summary(): RunSummary {
    return {
      recordsIn: this.recordsIn,
      bytesIn: this.bytesIn,
      appOut: this.appOut,
      dropped: this.dropped,
      quarantined: this.quarantined,
      balanced: this.balanced,
      findings: Object.fromEntries([...this.findingsByDetector].sort((a, b) => b[1] - a[1])),
      quarantinedByCode: Object.fromEntries(this.quarantinedByCode),
      ...(this.examples.size > 0 ? { examples: Object.fromEntries(this.examples) } : {}),
    };
  }
}

export interface RunSummary {
  recordsIn: number;
  bytesIn: number;
  appOut: number;
  dropped: number;
  quarantined: number;
  balanced: boolean;
  findings: Record<string, number>;
  quarantinedByCode: Record<string, number>;
  /** Dry runs: examples of the masked form per detector. */
  examples?: Record<string, string[]>;
}

/** The plain summary printed on stderr at the end of a run. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `records in ${s.recordsIn}, app out ${s.appOut}, dropped ${s.dropped}, quarantined ${s.quarantined}` +
      (s.balanced ? '' : ' (UNBALANCED)'),
  ];
  const findings = Object.entries(s.findings);
  const total = findings.reduce((n, [, c]) => n + c, 0);
  lines.push(`findings ${total}${findings.length ? ':' : ''}`);
  for (const [id, count] of findings) lines.push(`  ${id.padEnd(32)} ${count}`);
  const q = Object.entries(s.quarantinedByCode);
  if (q.length) lines.push(`quarantined by reason: ${q.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return lines.join('\n');
}
