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

  addFinding(detectorId: string): void {
    this.findingsByDetector.set(detectorId, (this.findingsByDetector.get(detectorId) ?? 0) + 1);
  }

  addQuarantine(code: string): void {
    this.quarantined += 1;
    this.quarantinedByCode.set(code, (this.quarantinedByCode.get(code) ?? 0) + 1);
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
