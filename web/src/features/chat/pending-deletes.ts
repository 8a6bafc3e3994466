/**
 * Deleting a conversation with Undo: the conversation leaves the list at once, and the DELETE is
 * sent only when the undo window ends. Nothing is lost if the tab closes inside the window: the
 * request was never sent, so the conversation is still there (the delete did not happen, rather
 * than a delete that cannot be taken back). A deletion scheduled in one tenant is dropped if the
 * session has moved to another by then. Kept outside React so that leaving the chat page does not
 * cancel a deletion the user meant.
 */
export const UNDO_WINDOW_MS = 6000;

export interface PendingDelete {
  id: string;
  title: string | null;
  tenantId: string | null;
}

interface Options {
  commit: (id: string) => Promise<unknown>;
  currentTenant: () => string | null;
  /** After the DELETE answered (or failed): the list reloads either way. */
  settled: (error?: unknown) => void;
  windowMs?: number;
}

export function pendingDeletes({ commit, currentTenant, settled, windowMs = UNDO_WINDOW_MS }: Options) {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let pending: PendingDelete[] = [];
  const listeners = new Set<() => void>();
  const set = (next: PendingDelete[]) => {
    pending = next;
    for (const listener of listeners) listener();
  };
  const drop = (id: string) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
    if (pending.some((p) => p.id === id)) set(pending.filter((p) => p.id !== id));
  };

  return {
    schedule(item: Omit<PendingDelete, 'tenantId'>): void {
      drop(item.id);
      const scheduled: PendingDelete = { ...item, tenantId: currentTenant() };
      set([...pending, scheduled]);
      timers.set(
        item.id,
        setTimeout(() => {
          drop(item.id);
          if (scheduled.tenantId !== currentTenant()) return settled();
          commit(item.id).then(
            () => settled(),
            (error: unknown) => settled(error),
          );
        }, windowMs),
      );
    },
    undo: drop,
    get current(): PendingDelete[] {
      return pending;
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
