/**
 * `logveil detokenize`: reverses tk1 tokens for an identified caller with a stated reason. The
 * audit event (who, why, which kids, how many tokens, outcome) is durable before any plaintext is
 * printed; a denied or failed attempt is recorded too. Keys come from the local key registry, or,
 * with `--keys-from`, from the key-created events of a deployment's security export, unwrapped by
 * KMS (see crypto/keys/export-keys.ts). The tokens of a deployment are its records: reversing them
 * is recorded in the deployment too, in its audit Firehose stream (`--audit-stream`: a chain of the
 * command's own, beside the functions' security stream, which an auditor may not write), besides
 * the local ledger; no plaintext is printed unless that stream took the event.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { joinParts } from '../../sinks/firehose/parts.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { text as readStream } from 'node:stream/consumers';
import { loadConfig } from '../../config/config.js';
import { detokenizeText } from '../../crypto/detokenize.js';
import { openExportKeys, type ExportKeys } from '../../crypto/keys/export-keys.js';
import { MASTER_KEY_FILE } from '../../crypto/keys/local.js';
import { maskedText } from '../../act/masked-text.js';
import { openRuntime } from '../../pipeline/runtime.js';
import { FirehoseSecuritySink } from '../../sinks/firehose/security.js';
import { createFirehoseClient, FirehoseStream } from '../../sinks/firehose/stream.js';
import { LineWriter } from '../../sinks/line-writer.js';
import type { DetokenizeAuditEvent } from '../../telemetry/events.js';
import { LogveilError } from '../../errors.js';
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
  /** The deployment's audit Firehose stream, for the audit event (default with --keys-from: LOGVEIL_AUDIT_STREAM). */
  auditStream?: string;
}

const MIN_REASON_CHARS = 8;

export async function detokenizeCommand(files: string[], flags: DetokenizeFlags): Promise<number> {
  const config = loadConfig(flags.config);
  // The local keys are the state directory's that wrote the tokens: opening a directory without
  // them would make a new master key, a new registry and a new ledger, none of which reverse a
  // token, and record the attempt where no one looks.
  if (!flags.keysFrom?.length && !existsSync(join(config.stateDir, MASTER_KEY_FILE))) {
    process.stderr.write(`logveil: no key state in ${config.stateDir} (${MASTER_KEY_FILE} is missing): detokenize reads the keys of the state directory that wrote the tokens (set LOGVEIL_HOME, or state.dir in the config, or give --keys-from); nothing was created\n`);
    return ExitCode.Usage;
  }
  const runtime = await openRuntime(config, flags.ledger ? { ledgerDir: flags.ledger } : {});
  const principal = flags.principal?.trim() || null;
  // The reason goes to the ledger as the policy would leave it: it may quote a secret. (The
  // principal stays as given: an audit names who asked, e-mail address or not.)
  const reason = flags.reason?.trim() ? maskedText(runtime.policy, flags.reason.trim()) : null;
  const streamName = flags.auditStream ?? (flags.keysFrom?.length ? process.env.LOGVEIL_AUDIT_STREAM : undefined);
  const region = process.env.AWS_REGION;
  const remote = streamName && region ? auditSink(streamName, region) : undefined;
  const local = async (event: DetokenizeAuditEvent): Promise<void> => {
    await runtime.security.write([event]);
    await runtime.security.flush();
  };
  const audit = async (e: Omit<DetokenizeAuditEvent, 'type' | 'ts' | 'principal' | 'reason'>): Promise<void> => {
    const event: DetokenizeAuditEvent = { type: 'detokenize', ts: new Date().toISOString(), principal, reason, ...e };
    if (remote) {
      try {
        await remote.write([event]);
        await remote.flush();
      } catch (err) {
        // Said where it can be: the attempt, and that its record did not reach the deployment.
        const code = err instanceof LogveilError ? err.code : 'error';
        await local({ ...event, outcome: 'failed', detail: `the audit event was not delivered to Firehose stream ${streamName} (${code})${e.detail ? `; ${e.detail}` : ''}` });
        throw err;
      }
    }
    await local(event);
  };
  try {
    const detail = !principal
      ? 'no --principal given'
      : !reason || reason.length < MIN_REASON_CHARS
        ? `--reason must state why (at least ${MIN_REASON_CHARS} characters)`
        : flags.keysFrom?.length && !streamName
          ? "--keys-from needs --audit-stream (or LOGVEIL_AUDIT_STREAM): the deployment's audit stream records the audit"
          : streamName && !region
            ? `--audit-stream ${streamName} needs AWS_REGION`
            : undefined;
    if (detail !== undefined) {
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
    const input = joinedInput(
      files.length === 0
        ? await readStream(process.stdin)
        : // A file whose last line has no end does not run into the next file's first line.
          (await Promise.all(files.map((f) => readFile(f, 'utf8')))).map((t, i, all) => (i < all.length - 1 && t !== '' && !t.endsWith('\n') ? `${t}\n` : t)).join(''),
    );
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


/**
 * The input with each line a Firehose stream split (a quarantine entry of a large record, in an
 * export of the quarantine stream) joined back from its parts, so that its token is whole. A line
 * whose parts are not all there is left as it is: its token fails, and is reported.
 */
function joinedInput(text: string): string {
  if (!text.includes('{"logveilPart":')) return text;
  const ends = text.endsWith('\n');
  const { lines } = joinParts((ends ? text.slice(0, -1) : text).split('\n').map((line) => ({ text: line, where: 0 })), true);
  return lines.map((l) => l.text).join('\n') + (ends ? '\n' : '');
}

/**
 * The deployment's audit stream as the audit's sink: the events are sealed into a chain of this
 * command's own (`logveil-detokenize:<host>/<uuid>`), which `ledger verify --export` checks. AWS_REGION and the AWS credential chain name the account;
 * LOGVEIL_AWS_ENDPOINT overrides the endpoint.
 */
function auditSink(streamName: string, region: string): FirehoseSecuritySink {
  const endpoint = process.env.LOGVEIL_AWS_ENDPOINT;
  const client = createFirehoseClient({ region, ...(endpoint ? { endpoint } : {}) });
  return new FirehoseSecuritySink(new FirehoseStream({ client, streamName }), () => ({}), `logveil-detokenize:${hostname()}`);
}
