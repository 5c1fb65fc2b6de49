#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=25
/**
 * The `logveil` command line: argument parsing only; the commands call the library.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SAVED_EVENT_FORMATS } from '../codecs/event-file.js';
import { ConfigError, InputError, LogveilError, PolicyError } from '../errors.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit.js';

// Each command loads what it needs when it runs: `--help`, a usage error or `ledger schema` do not
// load the detectors, the engine and the AWS clients first.
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError('expected an integer from 0 to 256');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const PACK_ID = /^[a-z0-9][a-z0-9._-]*$/;
const DETECTOR_ID = /^[a-z0-9][a-z0-9-]*$/;
const CATEGORY = /^[a-z][a-z0-9-]*$/;

function matching(value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new InvalidArgumentError(`expected ${pattern.source}`);
  return value;
}

// A reader that stops early (`logveil patterns explain ... | head`) closes stdout. What was left to
// print is no longer wanted, which is no fault of the command: the reports that print to stdout
// end quietly. `redact` writes its records through its own sink, which names it (OUTPUT_CLOSED)
// and closes the run's ledger.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

async function run(action: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    if (err instanceof PolicyError || err instanceof ConfigError || err instanceof InputError) {
      process.stderr.write(`logveil: ${err.message}\n`);
      process.exitCode = ExitCode.Usage;
    } else if (err instanceof LogveilError) {
      process.stderr.write(`logveil: ${err.code}: ${err.message}\n`);
      process.exitCode = ExitCode.Failed;
    } else {
      // Unknown errors may carry data in their message; print only the type and stack frames' names.
      const e = err as Error;
      process.stderr.write(`logveil: internal error (${e?.name ?? 'Error'})\n${(e?.stack ?? '').split('\n').slice(1, 6).join('\n')}\n`);
      process.exitCode = ExitCode.Failed;
    }
  }
}

const program = new Command()
  .name('logveil')
  .description('Redact PII and secrets from logs; security events to a separate sink.')
  .version(VERSION)
  .showHelpAfterError()
  // Bad usage (an unknown option or command, a bad choice, a missing argument) exits 2, as the
  // README says, where commander exits 1; help and version exit 0. The subcommands inherit it.
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : ExitCode.Usage);
  });

/** The line formats every command that runs the engine reads. */
const LINE_FORMATS = ['auto', 'jsonl', 'text'];

/** The options of a command that runs the engine: outputs, policy, `formats` it reads, workers. */
function engineOptions(command: Command, formats: readonly string[] = LINE_FORMATS, formatHelp = 'input format'): Command {
  return command
    .option('-o, --out <file>', 'redacted output (default: stdout)')
    .option('--ledger <dir>', 'security ledger directory (default: <state>/ledger)')
    .option('--quarantine <file>', 'encrypted quarantine (default: <state>/quarantine.jsonl)')
    .option('-c, --config <file>', 'config file (YAML)')
    .option('-p, --patterns <path>', 'pattern pack file or directory (repeatable; default: built-in packs)', collect)
    .addOption(new Option('--format <format>', formatHelp).choices(formats))
    .option('-w, --workers <n>', 'worker threads (default: available cores; 0 = run on the main thread)', (v) => parseWorkers(v));
}

engineOptions(
  program.command('redact').description('redact stdin or files to stdout or --out').argument('[files...]', 'input files (default: stdin)'),
  [...LINE_FORMATS, ...SAVED_EVENT_FORMATS],
  'input format (cloudwatch, firehose, kinesis: saved Lambda events of that handler, decoded with its code and written as it writes them)',
)
  .addOption(new Option('--token-mode <mode>', 'default tokenize mode').choices(['deterministic', 'randomized']))
  .option('--no-summary', 'do not print the summary on stderr')
  .option('--summary-json <file>', 'also write the summary as JSON')
  .option('--dry-run', 'report what the policy would change, per detector, without writing any output')
  .option('--compare <path>', 'with --dry-run: a second pack file or directory to compare with (repeatable)', collect)
  .option('--json', 'with --dry-run: the report as JSON')
  .option('--examples <n>', 'with --dry-run: examples and places of new and lost findings shown per detector (default 3)', parseCount)
  .option('--no-progress', 'do not show the progress line (shown only when stderr is a terminal)')
  .action((files: string[], flags) => run(async () => (await import('./commands/redact.js')).redactCommand(files, flags)));

engineOptions(program.command('serve').description('redact over HTTP: OTLP/HTTP logs and traces (JSON or protobuf), and lines (a long-running service)'))
  .option('--host <host>', 'address to listen on (default: 127.0.0.1)')
  .option('--port <port>', 'port to listen on; 0 takes a free one (default: 4318, OTLP/HTTP)')
  .option('--max-body <bytes>', 'the largest request body taken, before and after gzip (default: 16777216)')
  .action((flags) => run(async () => (await import('./commands/serve.js')).serveCommand(flags)));

program
  .command('detokenize')
  .description('reverse tk1 tokens (audited: needs --principal and --reason)')
  .argument('[files...]', 'input files (default: stdin)')
  .option('--principal <id>', 'who is asking (recorded in the audit event)')
  .option('--reason <text>', 'why (recorded in the audit event)')
  .option('-o, --out <file>', 'output (default: stdout)')
  .option('--ledger <dir>', 'security ledger directory for the audit event (default: <state>/ledger)')
  .option('--keys-from <path>', "a deployment's security export (files or folders): its key-created events give the keys, unwrapped by KMS as you (AWS_REGION, the AWS credential chain; repeatable)", collect)
  .option('--audit-stream <name>', "the deployment's audit Firehose stream: the audit event goes there too, before any plaintext is printed (needed with --keys-from; default: LOGVEIL_AUDIT_STREAM)")
  .option('-c, --config <file>', 'config file (YAML)')
  .action((files: string[], flags) => run(async () => (await import('./commands/detokenize.js')).detokenizeCommand(files, flags)));

const patterns = program.command('patterns').description('test, explain and import pattern packs');

patterns
  .command('test')
  .description("run every pack's tests.match / tests.nomatch cases")
  .option('-p, --patterns <path>', 'pack file or directory (repeatable; default: built-in packs)', collect)
  .option('--pack <file>', 'test only this pack file')
  .option('-c, --config <file>', 'config file (YAML)')
  .option('--json', 'report as JSON')
  .action((flags) => run(async () => (await import('./commands/patterns.js')).patternsTestCommand(flags)));

patterns
  .command('explain')
  .description('why a string is or is not redacted, detector by detector')
  .argument('<text>', 'the text to explain')
  .option('-p, --patterns <path>', 'pack file or directory (repeatable; default: built-in packs)', collect)
  .option('-c, --config <file>', 'config file (YAML)')
  .option('--all', 'also list detectors with no prefilter hit')
  .option('--json', 'report as JSON')
  .action((text: string, flags) => run(async () => (await import('./commands/patterns.js')).patternsExplainCommand(text, flags)));

const importCommand = patterns.command('import').description('convert another tool\'s rules to a pattern pack');

importCommand
  .command('gitleaks')
  .description('a gitleaks config (TOML) as a pack; every rule not imported is reported with its reason')
  .argument('<config>', 'gitleaks config file, e.g. gitleaks.toml')
  .option('-o, --out <file>', 'pack file to write (default: stdout)')
  .option('--pack-id <id>', 'pack id (default: gitleaks)', (v) => matching(v, PACK_ID))
  .option('--prefix <text>', 'put before every detector id (default: none)', (v) => matching(v, DETECTOR_ID))
  .option('--category <name>', 'category of every detector (default: secret)', (v) => matching(v, CATEGORY))
  .addOption(new Option('--severity <level>', 'severity of every detector (default: high)').choices(['low', 'medium', 'high', 'critical']))
  .option('--report <file>', 'also write the report as JSON')
  .action((config: string, flags) => run(async () => (await import('./commands/patterns.js')).patternsImportGitleaksCommand(config, flags)));

const ledger = program.command('ledger').description('verify and read the security ledger');

ledger
  .command('verify')
  .description('check the chain, order, segment links and checkpoint signatures; report the first bad entry')
  .argument('[paths...]', 'ledger directory or segment/checkpoint files (default: <state>/ledger)')
  .option('--pubkey <pem>', 'trusted public key (PEM) for checkpoint signatures (repeatable; default: keys next to the ledger)', collect)
  .option('--allow-partial', 'accept a ledger whose first segments were archived elsewhere')
  .option('--accept-unsigned <from-to>', 'entries found unsigned that were reviewed (a process that died before its checkpoint): not a reason for exit 9 (repeatable)', collect)
  .option('--export', "the paths are the security stream's export (S3 objects of the Lambda handlers' chains, gzipped or not, folders read recursively); --pubkey is needed for its checkpoints")
  .option('-c, --config <file>', 'config file (YAML)')
  .option('--json', 'report as JSON')
  .addHelpText('after', '\nExit codes: 0 valid, 7 invalid (tampered or damaged), 8 torn last line (a crash; recovered when the ledger is next opened), 9 intact but some entries carry no signature (a process still writing or one that died before its checkpoint, or a rewrite), 2 nothing to verify or no public key.')
  .action((paths: string[], flags) => run(async () => (await import('./commands/ledger.js')).ledgerVerifyCommand(paths, flags)));

ledger
  .command('show')
  .description('print ledger events, filtered by type, time, detector or rule, and severity')
  .argument('[paths...]', 'ledger directory or segment files (default: <state>/ledger)')
  .option('-t, --type <type>', 'event type, e.g. findings, routed, run-start, heartbeat (repeatable or comma-separated)', collect)
  .option('--since <time>', 'events at or after: ISO 8601, or a duration back from now (30m, 12h, 7d)')
  .option('--until <time>', 'events at or before: ISO 8601, or a duration back from now')
  .option('--detector <id>', 'events naming this detector or routing rule id')
  .addOption(new Option('--severity <level>', 'events at or above this severity').choices(['low', 'medium', 'high', 'critical']))
  .option('-n, --limit <n>', 'at most this many events', (v) => parseCount(v))
  .option('-c, --config <file>', 'config file (YAML)')
  .option('--export', "the paths are the security stream's export (gzipped or not, folders read recursively)")
  .option('--json', 'JSON lines: {seq, file, line, event}')
  .action((paths: string[], flags) => run(async () => (await import('./commands/ledger.js')).ledgerShowCommand(paths, flags)));

ledger
  .command('schema')
  .description('print the JSON schema of security events (or of one ledger line with --entry)')
  .option('--entry', 'the schema of a ledger line')
  .action((flags) => run(async () => (await import('./commands/ledger.js')).ledgerSchemaCommand(flags)));

await program.parseAsync(process.argv);
