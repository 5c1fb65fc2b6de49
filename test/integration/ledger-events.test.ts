import { Ajv } from 'ajv';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { logveil } from '../helpers/cli.js';
import { tempDir } from '../helpers/keys.js';
import { readLedgerEvents } from '../../src/sinks/ledger/reader.js';
import { SECURITY_EVENT_SCHEMA } from '../../src/telemetry/events-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMAIL = 'jane.roe@example.com';

/** The events a run wrote to its ledger. */
function emitted(home: string): unknown[] {
  return [...readLedgerEvents([join(home, 'ledger')])].map((e) => e.event);
}

describe('events the pipeline emits', () => {
  const dir = tempDir('logveil-events-');
  const home = join(dir, 'state');
  let events: unknown[] = [];

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    }
    const input = Buffer.concat([
      Buffer.from(`{"msg":"hello ${EMAIL}"}\n`),
      Buffer.from('{"msg":"bad '),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
      Buffer.from('plain line\n'),
    ]);
    writeFileSync(join(dir, 'in.log'), input);
    const redacted = logveil(['redact', 'in.log', '--out', 'out.log', '--workers', '0', '--no-summary'], { cwd: dir, home });
    expect(redacted.status).toBe(3);
    logveil(['detokenize', 'out.log'], { cwd: dir, home });
    logveil(['detokenize', 'out.log', '--principal', 'auditor', '--reason', 'incident 42 review', '--out', 'plain.log'], { cwd: dir, home });
    events = emitted(home);
  });

  it('are all valid against the one event schema, and never hold the value', () => {
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile(SECURITY_EVENT_SCHEMA);
    for (const e of events) expect(validate(e) ? '' : `${JSON.stringify(e)}: ${ajv.errorsText(validate.errors)}`).toBe('');
    expect(JSON.stringify(events)).not.toContain(EMAIL);
  });

  it('cover the run, key, findings, quarantine and detokenize events', () => {
    const types = new Set(events.map((e) => (e as { type: string }).type));
    for (const t of ['run-start', 'run-stop', 'key-created', 'findings', 'quarantine', 'detokenize']) expect(types, t).toContain(t);
  });
});
