import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI_NODE_FLAGS } from '../../src/cli/node-flags.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** `node` arguments that start the built CLI as its first line does. */
export const CLI_NODE_ARGS: readonly string[] = [...CLI_NODE_FLAGS, CLI];

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `logveil` CLI with a private state directory. */
export function logveil(args: string[], options: { cwd: string; home: string; input?: string | Buffer }): CliResult {
  const r = spawnSync(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: options.cwd,
    env: { ...process.env, LOGVEIL_HOME: options.home },
    input: options.input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/**
 * {@link logveil}, without blocking this process: for a CLI that talks to a server this process
 * runs (the AWS test server). `env` adds to the environment.
 */
export function logveilAsync(args: string[], options: { cwd: string; home: string; input?: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], { cwd: options.cwd, env: { ...process.env, LOGVEIL_HOME: options.home, ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.input ?? '');
  });
}
