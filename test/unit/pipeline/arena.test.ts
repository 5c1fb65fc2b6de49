import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputRoom, SharedArena } from '../../../src/pipeline/arena.js';

describe('SharedArena', () => {
  it('hands out views of one shared memory, reuses it once released, and says when it has no room', () => {
    const arena = new SharedArena(100);
    const a = arena.alloc(40) as Uint8Array;
    const b = arena.alloc(40) as Uint8Array;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.buffer).toBe(a.buffer);
    expect([a.byteOffset, b.byteOffset]).toEqual([0, 40]);
    // 20 bytes are left at the end; the start is taken.
    expect(arena.alloc(30)).toBeUndefined();
    arena.release(a);
    // The ring wraps to the start, before the oldest slot still out.
    const c = arena.alloc(30) as Uint8Array;
    expect(c.byteOffset).toBe(0);
    expect(arena.alloc(11)).toBeUndefined();
    expect(arena.used).toBe(70);
    arena.release(b);
    arena.release(c);
    expect(arena.used).toBe(0);
    expect((arena.alloc(100) as Uint8Array).byteLength).toBe(100);
  });

  it('reclaims a slot released out of order only with the slots before it', () => {
    const arena = new SharedArena(90);
    const a = arena.alloc(30) as Uint8Array;
    const b = arena.alloc(30) as Uint8Array;
    arena.alloc(30);
    arena.release(b);
    expect(arena.alloc(1)).toBeUndefined();
    arena.release(a);
    expect((arena.alloc(60) as Uint8Array).byteOffset).toBe(0);
  });

  it('ignores views it did not hand out, and a slot given back twice', () => {
    const arena = new SharedArena(64);
    const a = arena.alloc(32) as Uint8Array;
    arena.release(new Uint8Array(32));
    arena.release(new Uint8Array(new SharedArrayBuffer(64), 0, 32));
    expect(arena.used).toBe(32);
    arena.release(a);
    const b = arena.alloc(16) as Uint8Array;
    arena.release(a);
    expect(arena.used).toBe(16);
    expect(b.byteOffset).toBe(0);
    expect(arena.alloc(0)).toBeUndefined();
    expect(arena.alloc(65)).toBeUndefined();
    expect(() => new SharedArena(0)).toThrow(RangeError);
  });

  it('never hands out memory a slot still out holds (model check over random sequences)', () => {
    const op = fc.oneof(fc.record({ alloc: fc.integer({ min: 1, max: 70 }) }), fc.record({ release: fc.nat() }));
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 200 }), fc.array(op, { maxLength: 80 }), (size, ops) => {
        const arena = new SharedArena(size);
        const out: Array<{ view: Uint8Array; mark: number }> = [];
        let mark = 0;
        for (const o of ops) {
          if ('alloc' in o) {
            const view = arena.alloc(o.alloc);
            if (out.length === 0 && o.alloc <= size) expect(view).toBeDefined();
            if (!view) continue;
            expect(view.byteLength).toBe(o.alloc);
            expect(view.byteOffset + view.byteLength).toBeLessThanOrEqual(size);
            mark = (mark % 255) + 1;
            view.fill(mark);
            out.push({ view, mark });
          } else if (out.length > 0) {
            const [gone] = out.splice(o.release % out.length, 1);
            arena.release((gone as { view: Uint8Array }).view);
          }
          // Every slot still out holds what was written into it.
          for (const { view, mark: m } of out) expect(view.every((b) => b === m)).toBe(true);
        }
        for (const { view } of out) arena.release(view);
        expect(arena.used).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('sets aside room for a batch output longer than its input', () => {
    expect(outputRoom(512 * 1024)).toBe(512 * 1024 + 128 * 1024 + 16 * 1024);
    expect(outputRoom(0)).toBe(16 * 1024);
  });
});
