import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pendingDeletes } from './pending-deletes.ts';

describe('deleting a conversation with undo', () => {
  let tenant: string | null;
  const commit = vi.fn((_id: string) => Promise.resolve());
  const settled = vi.fn();
  const make = () => pendingDeletes({ commit, currentTenant: () => tenant, settled, windowMs: 5000 });

  beforeEach(() => {
    vi.useFakeTimers();
    tenant = 't1';
    commit.mockClear();
    settled.mockClear();
  });
  afterEach(() => vi.useRealTimers());

  it('hides the conversation at once and sends the DELETE only when the window ends', async () => {
    const store = make();
    store.schedule({ id: 'c1', title: 'Hello' });
    expect(store.current.map((p) => p.id)).toEqual(['c1']);
    await vi.advanceTimersByTimeAsync(4999);
    expect(commit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(commit).toHaveBeenCalledWith('c1');
    expect(store.current).toEqual([]);
    expect(settled).toHaveBeenCalledWith();
  });

  it('never sends the DELETE of an undone deletion', async () => {
    const store = make();
    const seen = vi.fn();
    store.subscribe(seen);
    store.schedule({ id: 'c1', title: null });
    store.undo('c1');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(commit).not.toHaveBeenCalled();
    expect(store.current).toEqual([]);
    expect(seen).toHaveBeenCalledTimes(2);
  });

  it('drops a deletion whose tenant is no longer the session’s (the conversation stays)', async () => {
    const store = make();
    store.schedule({ id: 'c1', title: null });
    tenant = 't2';
    await vi.advanceTimersByTimeAsync(5000);
    expect(commit).not.toHaveBeenCalled();
    expect(settled).toHaveBeenCalledOnce();
  });

  it('reports a failed DELETE, so that the list shows the conversation again', async () => {
    const failure = new Error('offline');
    commit.mockRejectedValueOnce(failure);
    const store = make();
    store.schedule({ id: 'c1', title: null });
    await vi.advanceTimersByTimeAsync(5000);
    expect(settled).toHaveBeenCalledWith(failure);
  });
});
