import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { DataKey, type KeyTransfer } from '../../../src/crypto/keys/cache.js';
import { loadPolicy } from '../../../src/detect/load.js';
import type { WorkerTask } from '../../../src/pipeline/protocol.js';
import { taskRunner } from '../../../src/pipeline/worker-runner.js';

const transfer = (kid: string): KeyTransfer => ({ kid, created: Date.now(), keys: [Uint8Array.from(randomBytes(32)), Uint8Array.from(randomBytes(32))] });

const task = (tokenKid: string | undefined, quarantineKid: string): WorkerTask => ({
  task: { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from('{"mail":"eve@example.com"}\n') },
  tokenKey: tokenKid === undefined ? { error: { code: 'KMS_UNAVAILABLE', message: 'no key' } } : transfer(tokenKid),
  quarantineKey: transfer(quarantineKid),
});

afterEach(() => vi.restoreAllMocks());

describe('a pool worker\'s keys', () => {
  it('keeps the keys of its last task only: one a task comes without is zeroed at once', () => {
    const run = taskRunner({ policy: loadPolicy([builtinPatternsDir()]), actions: {}, format: 'auto', limits: { maxRecordBytes: 1 << 20, maxDepth: 64 }, fastPath: true });
    const retire = vi.spyOn(DataKey.prototype, 'retire');
    const retired = (): string[] => retire.mock.contexts.map((k) => (k as DataKey).kid);
    run(task('tok1aaaaaaaa', 'qua1aaaaaaaa'));
    run(task('tok1aaaaaaaa', 'qua1aaaaaaaa'));
    expect(retired()).toEqual([]);
    // The token key rotated: the old one goes with the first task that comes without it.
    run(task('tok2aaaaaaaa', 'qua1aaaaaaaa'));
    expect(retired()).toEqual(['tok1aaaaaaaa']);
    // A key-provider outage: only the quarantine key is kept.
    run(task(undefined, 'qua1aaaaaaaa'));
    expect(retired()).toEqual(['tok1aaaaaaaa', 'tok2aaaaaaaa']);
    run(task('tok3aaaaaaaa', 'qua2aaaaaaaa'));
    expect(retired()).toEqual(['tok1aaaaaaaa', 'tok2aaaaaaaa', 'qua1aaaaaaaa']);
  });
});
