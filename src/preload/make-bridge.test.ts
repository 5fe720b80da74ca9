import { describe, expect, it } from 'vitest';
import { CALL_NAMES } from '../shared/api/index';
import type { Result } from '../shared/result';
import { makeBridge } from './make-bridge';

function fakeTransport() {
  const sent: { name: string; input: unknown; token: string | null }[] = [];
  const picks: { kind: string; token: string | null }[] = [];
  let listener: ((p: unknown) => void) | null = null;
  return {
    sent,
    picks,
    emit: (p: unknown) => listener?.(p),
    transport: {
      invoke: (name: string, input: unknown, token: string | null): Promise<Result<unknown>> => {
        sent.push({ name, input, token });
        return Promise.resolve({ ok: true, value: { echoed: name } });
      },
      pick: (kind: string, token: string | null): Promise<Result<unknown>> => {
        picks.push({ kind, token });
        return Promise.resolve({ ok: true, value: null });
      },
      subscribe: (l: (p: unknown) => void) => {
        listener = l;
        return () => {
          listener = null;
        };
      },
    },
  };
}

describe('preload bridge', () => {
  it('passes every call of the contract through with its input and token', async () => {
    const f = fakeTransport();
    const bridge = makeBridge(f.transport, CALL_NAMES);
    expect(bridge.transport).toBe('ipc');
    for (const name of CALL_NAMES) await expect(bridge.call(name, { a: 1 }, 'tok')).resolves.toEqual({ ok: true, value: { echoed: name } });
    expect(f.sent).toHaveLength(CALL_NAMES.length);
    expect(f.sent[0]).toEqual({ name: CALL_NAMES[0], input: { a: 1 }, token: 'tok' });
  });

  it('refuses names outside the contract without sending anything', async () => {
    const f = fakeTransport();
    const bridge = makeBridge(f.transport, CALL_NAMES);
    for (const name of ['tickets.drop', '__proto__', 'constructor', 'toString', '', 'x'.repeat(500)]) {
      const r = await bridge.call(name, {}, null);
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('unknown_call');
    }
    const r = await bridge.call(42 as unknown as string, {}, null);
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(f.sent).toEqual([]);
  });

  it('refuses a token that is not text', async () => {
    const f = fakeTransport();
    const bridge = makeBridge(f.transport, CALL_NAMES);
    const r = await bridge.call('session.me', {}, { steal: true } as unknown as string);
    expect(r).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(f.sent).toEqual([]);
  });

  it('delivers well-formed events and stops after unsubscribe', () => {
    const f = fakeTransport();
    const bridge = makeBridge(f.transport, CALL_NAMES);
    const seen: unknown[] = [];
    const off = bridge.onEvent((e) => seen.push(e));
    f.emit({ type: 'changed', domain: 'tickets', ids: ['1'] });
    f.emit('junk');
    f.emit(null);
    off();
    f.emit({ type: 'changed', domain: 'tickets', ids: ['2'] });
    expect(seen).toEqual([{ type: 'changed', domain: 'tickets', ids: ['1'] }]);
  });

  it('cannot be modified by the page', () => {
    const bridge = makeBridge(fakeTransport().transport, CALL_NAMES);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('asks the main process for a kind of import file only, never a path', async () => {
    const f = fakeTransport();
    const bridge = makeBridge(f.transport, CALL_NAMES);
    await expect(bridge.pickFile('servicenow-events', 'tok')).resolves.toEqual({ ok: true, value: null });
    await expect(bridge.pickFile('assets', null)).resolves.toEqual({ ok: true, value: null });
    for (const kind of ['/etc/passwd', 'C:\\Users\\me\\export.csv', '__proto__', 'toString', '']) {
      const r = await bridge.pickFile(kind as 'assets', 'tok');
      expect(r.ok, kind).toBe(false);
    }
    expect(f.picks).toEqual([
      { kind: 'servicenow-events', token: 'tok' },
      { kind: 'assets', token: null },
    ]);
  });
});
