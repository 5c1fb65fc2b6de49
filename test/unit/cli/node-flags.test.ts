import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_ENV, CLI_ENV_ASSIGNMENTS, CLI_NODE_FLAGS } from '../../../src/cli/node-flags.js';
import { CLI } from '../../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const firstLine = (file: string): string => readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';

describe('the node flags the CLI runs with', () => {
  const shebang = `#!/usr/bin/env -S ${CLI_ENV_ASSIGNMENTS.join(' ')} node ${CLI_NODE_FLAGS.join(' ')}`;

  it('are the first line of the CLI, in the source and as built', () => {
    expect(CLI_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(firstLine(join(ROOT, 'src/cli/main.ts'))).toBe(shebang);
    expect(firstLine(CLI)).toBe(shebang);
  });

  it('start `npm start` too', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pkg.scripts['start']?.startsWith(`${CLI_ENV_ASSIGNMENTS.join(' ')} node ${CLI_NODE_FLAGS.join(' ')} ${pkg.bin['logveil']} `)).toBe(true);
  });

  it('are taken by node as the first line gives them', () => {
    // What the kernel runs for `logveil`: the first line's program with its arguments, then the file.
    const [program = '', ...rest] = shebang.slice(2).split(' ');
    const r = spawnSync(program, [...rest, CLI, '--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // node is given the environment the line sets.
    const env = spawnSync(program, [...rest, '-p', 'JSON.stringify(process.env)'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(JSON.parse(env.stdout) as Record<string, string>).toMatchObject(CLI_ENV);
    // Objects that survive a few scavenges each grow node's default young generation to 2 x 16 MiB;
    // the flags hold it to two semi-spaces of 2 MiB.
    const grow = "const a = []; for (let i = 0; i < 4e6; i++) { a.push({ i }); if (a.length > 200000) a.length = 0; }";
    const youngSize = "require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size";
    const heap = spawnSync(program, [...rest, '-p', `${grow} ${youngSize}`], { encoding: 'utf8' });
    expect(heap.status).toBe(0);
    expect(Number(heap.stdout)).toBeGreaterThan(0);
    expect(Number(heap.stdout)).toBeLessThanOrEqual(4 * 2 ** 20);
  });
});
