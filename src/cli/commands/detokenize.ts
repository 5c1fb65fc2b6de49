/**
 * `logveil detokenize`: reverses tk1 tokens for an identified caller with a stated reason. The
 * audit event (who, why, which kids, how many tokens, outcome) is durable before any plaintext is
 * printed; a denied or failed attempt is recorded too. Keys come from the local key registry, or,
 * with `--keys-from`, from the key-created events of a deployment's security export, unwrapped by
 * KMS (see crypto/keys/export-keys.ts).
 */
import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';
import { loadConfig } from '../../config/config.js';
import { detokenizeText } from '../../crypto/detokenize.js';
import { openExportKeys, type ExportKeys } from '../../crypto/keys/export-keys.js';
import { maskedText } from '../../act/replace.js';
import { openRuntime } from '../../pipeline/runtime.js';
import { LineWriter } from '../../sinks/line-writer.js';
import type { DetokenizeAuditEvent } from '../../telemetry/events.js';
import { ExitCode } from '../exit.js';
import { checkInputs } from '../inputs.js';

export interface DetokenizeFlags {
  reason?: string;
  principal?: string;
  config?: string;
  ledger?: string;
  out?: string;
  /** Security export paths whose key-created events hold the keys (a deployment in AWS). */
  keysFrom?: string[];
}

const MIN_REASON_CHARS = 8;

export async function detokenizeCommand(files: string[], flags: DetokenizeFlags): Promise<number> {
  const config = loadConfig(flags.config);
  const runtime = await openRuntime(config, flags.ledger ? { ledgerDir: flags.ledger } : {});
  const principal = flags.principal?.trim() || null;
  // The reason goes to the ledger as the policy would leave it: it may quote a secret. (The
  // principal stays as given: an audit names who asked, e-mail address or not.)
  const reason = flags.reason?.trim() ? maskedText(runtime.policy, flags.reason.trim()) : null;
  const audit = async (e: Omit<DetokenizeAuditEvent, 'type' | 'ts' | 'principal' | 'reason'>): Promise<void> => {
    await runtime.security.write([{ type: 'detokenize', ts: new Date().toISOString(), principal, reason, ...e }]);
    await runtime.security.flush();
  };
  try {
    if (!principal || !reason || reason.length < MIN_REASON_CHARS) {
      const detail = !principal
        ? 'no --principal given'
        : `--reason must state why (at least ${MIN_REASON_CHARS} characters)`;
      await audit({ outcome: 'denied', tokens: 0, failed: 0, kids: [], detail });
      process.stderr.write(`logveil: detokenize denied: ${detail}\n`);
      return ExitCode.Denied;
    }
    try {
      checkInputs(files);
    } catch (err) {
      await audit({ outcome: 'failed', tokens: 0, failed: 0, kids: [], detail: 'input files cannot be read' });
      throw err;
    }
    const input =
      files.length === 0
        ? await readStream(process.stdin)
        : // A file whose last line has no end does not run into the next file's first line.
          (await Promise.all(files.map((f) => readFile(f, 'utf8')))).map((t, i, all) => (i < all.length - 1 && t !== '' && !t.endsWith('\n') ? `${t}\n` : t)).join('');
    let exported: ExportKeys | undefined;
    if (flags.keysFrom?.length) {
      try {
        exported = await openExportKeys(flags.keysFrom, process.env.LOGVEIL_AWS_ENDPOINT ? { endpoint: process.env.LOGVEIL_AWS_ENDPOINT } : {});
      } catch (err) {
        await audit({ outcome: 'failed', tokens: 0, failed: 0, kids: [], detail: 'the keys of --keys-from cannot be read' });
        throw err;
      }
    }
    let result: Awaited<ReturnType<typeof detokenizeText>>;
    try {
      result = await detokenizeText(input, exported?.keys ?? runtime.keys);
    } finally {
      exported?.close();
    }
    await audit({
      outcome: result.failures.length > 0 ? 'failed' : 'allowed',
      tokens: result.tokens,
      failed: result.failures.length,
      kids: result.kids,
      ...(result.failures.length > 0 ? { detail: [...new Set(result.failures.map((f) => f.code))].join(', ') } : {}),
    });
    const out = LineWriter.open(flags.out, { what: `--out ${flags.out}` });
    await out.write(result.text.endsWith('\n') ? result.text.slice(0, -1) : result.text);
    await out.close();
    for (const f of result.failures) {
      process.stderr.write(`logveil: token at offset ${f.start}${f.kid ? ` (kid ${f.kid})` : ''}: ${f.code}: ${f.message}\n`);
    }
    process.stderr.write(`detokenized ${result.tokens - result.failures.length} of ${result.tokens} tokens\n`);
    return result.failures.length > 0 ? ExitCode.TokenFailures : ExitCode.Ok;
  } finally {
    await runtime.close();
  }
}

