import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/problem.ts';
import { followReply, postMessage, regenerateReply, stopReply } from './api.ts';
import { applyReplyEvent, initialReply, readReply, type ReplyState } from './stream.ts';

export interface LiveExchange {
  /** The user's message being answered (absent for a regenerate or a re-attach). */
  question?: string;
  reply: ReplyState;
}

/**
 * One conversation's reply in flight: send, stop, regenerate, follow one already running. The
 * stored messages stay the truth: when a reply settles, the messages are read again.
 */
export function useReply(conversationId: string) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<LiveExchange | null>(null);
  const controller = useRef<AbortController | null>(null);
  const messageId = useRef<string | undefined>(undefined);

  useEffect(() => () => controller.current?.abort(), [conversationId]);

  const settle = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: ['messages', conversationId] });
    void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    // A generated title (the tenant's autoTitles) is written by a job a moment after the reply.
    setTimeout(() => void queryClient.invalidateQueries({ queryKey: ['conversations'] }), 4000);
    setLive(null);
  }, [queryClient, conversationId]);

  const run = useCallback(
    async (question: string | undefined, open: (signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>) => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      messageId.current = undefined;
      let state = initialReply();
      setLive({ ...(question !== undefined ? { question } : {}), reply: state });
      try {
        const body = await open(abort.signal);
        for await (const event of readReply(body)) {
          state = applyReplyEvent(state, event);
          messageId.current = state.messageId;
          setLive({ ...(question !== undefined ? { question } : {}), reply: state });
        }
        if (state.status === 'failed') {
          // Keep the failure on screen until the stored messages (with the failed reply) are read.
          await queryClient.invalidateQueries({ queryKey: ['messages', conversationId] });
          setLive(null);
          return;
        }
        await settle();
      } catch (error) {
        if (abort.signal.aborted) {
          await settle();
          return;
        }
        const problem = error instanceof ApiError ? { status: error.status, code: error.code, detail: error.detail ?? error.message } : { detail: String(error) };
        setLive({ ...(question !== undefined ? { question } : {}), reply: { ...state, status: 'failed', problem } });
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [conversationId, queryClient, settle],
  );

  const send = useCallback((content: string) => void run(content, (signal) => postMessage(conversationId, content, signal)), [run, conversationId]);

  const follow = useCallback((id: string) => run(undefined, (signal) => followReply(conversationId, id, signal)), [run, conversationId]);

  /** Regenerates the last reply in place (also the retry of a failed one). */
  const regenerate = useCallback(
    (assistantMessageId: string) => void run(undefined, (signal) => regenerateReply(conversationId, assistantMessageId, signal)),
    [run, conversationId],
  );

  const stop = useCallback(async () => {
    const id = messageId.current;
    // The server stops the generation itself where it can; closing the stream stops it otherwise.
    if (id) await stopReply(conversationId, id).catch(() => undefined);
    controller.current?.abort();
  }, [conversationId]);

  return { live, send, follow, regenerate, stop, streaming: live?.reply.status === 'streaming' };
}
