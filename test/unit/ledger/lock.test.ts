import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE, releaseLock, TAKEOVER_FILE } from '../../../src/sinks/ledger/lock.js';
import { tempDir } from './fixtures.js';

/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid as number;
const aged = (path: string, seconds: number): void => utimesSync(path, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

describe('the ledger lock', () => {
  it('takes over a lock whose process is gone, and leaves no takeover file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
    releaseLock(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses while a live process holds it, takes it over, or is writing it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid}\n`);
    expect(() => acquireLock(dir)).toThrow(`is in use by process ${process.pid}`);
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    writeFileSync(join(dir, TAKEOVER_FILE), `${process.pid}\n`);
    expect(() => acquireLock(dir)).toThrow('another process is taking over its stale lock');
    writeFileSync(join(dir, LOCK_FILE), '');
    expect(() => acquireLock(dir)).toThrow('is being locked by another process');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('');
  });

  it('clears what a crash left: an empty lock and a takeover file of a process that is gone, once old', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), '');
    aged(join(dir, LOCK_FILE), 60);
    writeFileSync(join(dir, TAKEOVER_FILE), `${deadPid()}\n`);
    expect(() => acquireLock(dir)).toThrow('another process is taking over its stale lock');
    aged(join(dir, TAKEOVER_FILE), 60);
    acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    releaseLock(dir);
  });

  // The old takeover (read the pid, remove the lock, create it) let two of them take it in one
  // round of three on this machine's two cores.
  it.each([1, 2, 3])('lets one process of many that find the same stale lock take it (round %i)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = fileURLToPath(new URL('../../../dist/sinks/ledger/lock.js', import.meta.url));
    const go = join(dir, 'go');
    // Each waits for the same moment, tries once, and holds what it took until the others have tried.
    const script = `
      const { existsSync } = await import('node:fs');
      const { acquireLock } = await import(${JSON.stringify(lock)});
      while (!existsSync(${JSON.stringify(go)})) {}
      let took = false;
      try { acquireLock(${JSON.stringify(dir)}); took = true; } catch (err) { if (err.code !== 'LEDGER_LOCKED') throw err; }
      process.stdout.write(took ? 'took' : 'refused');
      setTimeout(() => {}, 1500);`;
    const children = Array.from({ length: 8 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outputs = children.map(
      (c) =>
        new Promise<string>((done) => {
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.on('close', () => done(out));
        }),
    );
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(go, '');
    const results = await Promise.all(outputs);
    expect(results.filter((r) => r === 'took')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused')).toHaveLength(7);
  });
});
