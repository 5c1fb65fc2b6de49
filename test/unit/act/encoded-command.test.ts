import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { bytesText, encodedBytes } from '../../../src/act/bytes-value.js';
import { encodedArgumentItems, encodedCommands, holdsProgram } from '../../../src/act/encoded-command.js';
import type { CompiledPolicy } from '../../../src/detect/compile.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

const utf16 = (script: string): string => Buffer.from(script, 'utf16le').toString('base64');
const script = (base64: string): string => Buffer.from(base64, 'base64').toString('utf16le');

async function run(policy: CompiledPolicy, lines: string[], fastPath = true): Promise<{ out: string[]; fast: number }> {
  const { keys } = await localKeys();
  const tokenKey = await keys.current();
  const r = processBatch(
    { seq: 0, file: 'in.jsonl', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
    { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey, fastPath },
  );
  return { out: Buffer.from(r.output).toString('utf8').split('\n').slice(0, lines.length), fast: r.fastPathLines };
}

describe('a PowerShell encoded command', () => {
  it('is found after the program with any prefix of the parameter, quoted or not', () => {
    const b64 = utf16('$password = "S3cret!Passw0rd"');
    for (const flag of ['-EncodedCommand', '-enc', '-e', '-EC', '/enc', '\u2013EncodedCommand']) {
      const found = encodedCommands(`"C:\\Windows\\powershell.exe" -NoProfile ${flag} "${b64}" -NonInteractive`);
      expect(found.map((c) => c.script)).toEqual([{ text: '$password = "S3cret!Passw0rd"', encoding: 'utf16le' }]);
    }
    // UTF-8 base64 of even length is read as UTF-8.
    expect(encodedCommands('powershell.exe -enc JHBhc3N3b3JkID0gIlN1cDNyUzNjcmV0UFciOyB4').map((c) => c.script)).toEqual([{ text: '$password = "Sup3rS3cretPW"; x', encoding: 'utf8' }]);
    // A script mostly in another script than Latin is read as UTF-16LE all the same.
    const cyrillic = '# подключение к базе данных клиента, затем загрузка отчётов и проверка прав доступа\n$password = "S3cret!Passw0rd"';
    expect(encodedCommands(`pwsh -enc ${utf16(cyrillic)}`).map((c) => c.script)).toEqual([{ text: cyrillic, encoding: 'utf16le' }]);
    // No program before it, another parameter, an argument too short to spell a script.
    expect(encodedCommands(`-enc ${b64} powershell`)).toEqual([]);
    expect(encodedCommands(`pwsh -ExecutionPolicy ${b64}`)).toEqual([]);
    expect(encodedCommands('pwsh -enc SQBFAFgA')).toEqual([]);
  });

  it('has a secret in its script redacted and is encoded again, on the fast path and off it', async () => {
    const policy = builtinPolicy();
    const command = `powershell.exe -NoProfile -EncodedCommand ${utf16('$password = "S3cret!Passw0rd"; Connect-Db -Server db1')}`;
    const lines = [
      JSON.stringify({ event: { CommandLine: command, ParentImage: 'C:\\Windows\\explorer.exe' } }),
      `4688 New Process: ${command}`,
      // A line where nothing but the script holds a secret.
      JSON.stringify({ msg: `running powershell.exe -EncodedCommand ${utf16('$password = "S3cret!Passw0rd"')}` }),
      // A script that holds nothing to redact, and a long base64 that is no command's.
      JSON.stringify({ CommandLine: `pwsh -enc ${utf16('Get-ChildItem C:\\Users')}` }),
      JSON.stringify({ msg: 'upload', body: utf16('$password = "S3cret!Passw0rd"') }),
    ];
    for (const fastPath of [true, false]) {
      const { out, fast } = await run(policy, lines, fastPath);
      for (const line of out.slice(0, 3)) {
        const b64 = /EncodedCommand ([A-Za-z0-9+/=]+)/.exec(line)?.[1] as string;
        expect(script(b64)).toMatch(/^\$password = \[\[PASSWORD:tk1\.[^\]]+\]\](?:; Connect-Db -Server db1)?$/);
      }
      expect(out.slice(3)).toEqual(lines.slice(3));
      if (fastPath) expect(fast).toBe(1);
    }
  });

  it("is found as an item of an argument vector, after the parameter's item", () => {
    const b64 = utf16('$password = "S3cret!Passw0rd"');
    const found = encodedArgumentItems(['powershell.exe', '-NoProfile', '-enc', b64, '-e', 'short', '--enc', b64]);
    expect([...(found ?? new Map()).entries()]).toEqual([[3, { text: '$password = "S3cret!Passw0rd"', encoding: 'utf16le' }]]);
    // Base64 that spells no text after the parameter, and a script without the parameter before it.
    expect(encodedArgumentItems(['pwsh', '-e', Buffer.from([0xff, 0x00, 0x13, 0x9c, 0x80, 0x81, 0x82, 0x83, 0x90, 0x91, 0x92, 0x93]).toString('base64') + 'AAAA'])).toBeUndefined();
    expect(encodedArgumentItems(['pwsh', b64])).toBeUndefined();
    // The text of an argument vector written as JSON.
    expect(encodedCommands(`{"args":["powershell.exe","-enc", "${b64}"]}`).map((c) => c.script.text)).toEqual(['$password = "S3cret!Passw0rd"']);
    expect(holdsProgram({ spec: { containers: [{ args: ['-enc', b64], command: ['/usr/bin/pwsh'] }] } })).toBe(true);
    expect(holdsProgram({ 'powershell.exe': 1 })).toBe(true);
    expect(holdsProgram({ args: ['-enc', b64], command: ['bash'] })).toBe(false);
  });

  it("has a secret in an argument vector's script redacted where the record names the program, on the fast path and off it", async () => {
    const policy = builtinPolicy();
    const b64 = utf16('$password = "S3cret!Passw0rd"; Connect-Db -Server db1');
    const lines = [
      JSON.stringify({ process: { args: ['powershell.exe', '-NoProfile', '-enc', b64] } }),
      // The program named after the vector, in another member; the vector written in a string.
      JSON.stringify({ spec: { containers: [{ args: ['-EncodedCommand', b64], command: ['pwsh'] }] } }),
      JSON.stringify({ msg: JSON.stringify({ args: ['powershell.exe', '-enc', b64] }) }),
      // No program named: another tool's -e.
      JSON.stringify({ args: ['-enc', b64] }),
    ];
    for (const fastPath of [true, false]) {
      const { out } = await run(policy, lines, fastPath);
      for (const line of out.slice(0, 3)) {
        const parsed = /"-(?:enc|EncodedCommand)\\?",\\?"([A-Za-z0-9+/=]+)/.exec(line)?.[1] as string;
        expect(script(parsed)).toMatch(/^\$password = \[\[PASSWORD:tk1\.[^\]]+\]\]; Connect-Db -Server db1$/);
      }
      expect(out.slice(3)).toEqual(lines.slice(3));
    }
  });

  it('reads bytes as UTF-16LE only when they spell text that way, mostly ASCII', () => {
    expect(bytesText(utf16('Get-Process'))).toEqual({ text: 'Get-Process', encoding: 'utf16le' });
    expect(encodedBytes('Get-Process', 'utf16le')).toBe(utf16('Get-Process'));
    // UTF-8 text, and a binary blob with an ASCII secret inside: as before.
    expect(bytesText(Buffer.from('héllo wörld').toString('base64'))).toEqual({ text: 'héllo wörld', encoding: 'utf8' });
    const blob = Buffer.concat([Buffer.from([0xff, 0x00, 0x13, 0x9c]), Buffer.from('sk_live_abcdef')]);
    expect(bytesText(blob.toString('base64'))?.encoding).toBe('latin1');
  });
});
