import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/pipeline/accounting.js';
import { RedactServer, type RedactInput } from '../../../src/serve/server.js';

const summary = (recordsIn: number): RunSummary => ({ recordsIn, bytesIn: 0, appOut: recordsIn, dropped: 0, quarantined: 0, balanced: true, findings: {}, quarantinedByCode: {} });

async function withServer(redact: RedactInput, test: (url: string, failures: unknown[], server: RedactServer) => Promise<void>, maxQueued = 8): Promise<void> {
  const failures: unknown[] = [];
  const server = new RedactServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxQueued, redact, onFailure: (err) => failures.push(err) });
  const address = await server.listen();
  try {
    await test(`http://127.0.0.1:${address.port}`, failures, server);
  } finally {
    await server.close();
  }
}

describe('RedactServer', () => {
  it('runs requests one at a time, in the order taken', async () => {
    const order: string[] = [];
    let active = 0;
    const redact: RedactInput = async (name, body) => {
      active += 1;
      expect(active).toBe(1);
      order.push(body.toString().trim());
      await new Promise((r) => setTimeout(r, 20));
      active -= 1;
      return summary(1);
    };
    await withServer(redact, async (url) => {
      const answers = await Promise.all(['a', 'b', 'c'].map((x) => fetch(`${url}/v1/lines`, { method: 'POST', body: x }).then((r) => r.json())));
      expect(answers).toEqual(Array(3).fill({ recordsIn: 1, appOut: 1, dropped: 0, quarantined: 0 }));
      expect(order.sort()).toEqual(['a', 'b', 'c']);
    });
  });

  it('answers 503 with Retry-After when too many requests wait', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await withServer(
      async () => {
        await gate;
        return summary(1);
      },
      async (url) => {
        const first = fetch(`${url}/v1/lines`, { method: 'POST', body: 'a' });
        await new Promise((r) => setTimeout(r, 50));
        const second = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'b' });
        expect(second.status).toBe(503);
        expect(second.headers.get('retry-after')).toBe('1');
        release();
        expect((await first).status).toBe(200);
      },
      1,
    );
  });

  it('answers 500 with the code alone when the engine fails, and says so to stop the service', async () => {
    const err = Object.assign(new Error('ledger /secret/path holds maria.lopez@corp-mail.net'), { code: 'LEDGER_WRITE_FAILED' });
    await withServer(
      async () => {
        throw err;
      },
      async (url, failures, server) => {
        const r = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x' });
        expect(r.status).toBe(500);
        expect(await r.json()).toEqual({ error: 'the request could not be processed (LEDGER_WRITE_FAILED)' });
        expect(failures).toEqual([err]);
        expect(server.totals.failed).toBe(1);
      },
    );
  });

  it('refuses a body over the limit, declared or sent, and a gzip body that grows past it', async () => {
    const { gzipSync } = await import('node:zlib');
    await withServer(async () => summary(1), async (url) => {
      const big = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x'.repeat(2000) });
      expect([big.status, await big.json()]).toEqual([413, { error: 'the body is larger than 1000 bytes' }]);
      const bomb = await fetch(`${url}/v1/lines`, { method: 'POST', body: gzipSync('x'.repeat(100_000)), headers: { 'content-encoding': 'gzip' } });
      expect([bomb.status, await bomb.json()]).toEqual([413, { error: 'the body is larger than 1000 bytes once gunzipped' }]);
      const other = await fetch(`${url}/v1/lines`, { method: 'POST', body: 'x', headers: { 'content-encoding': 'br' } });
      expect(other.status).toBe(415);
      const get = await fetch(`${url}/v1/logs`);
      expect(get.status).toBe(405);
    });
  });
});
