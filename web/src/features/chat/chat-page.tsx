import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { MessageView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { EmptyState, Spinner } from '../../components/ui/card.tsx';
import { CopyButton } from '../../components/ui/copy-button.tsx';
import { useT } from '../../i18n/index.tsx';
import { listMessages } from './api.ts';
import { ConversationList } from './conversation-list.tsx';
import { Markdown } from './markdown.tsx';
import { nextAnnouncement, type ReplyProblem } from './stream.ts';
import { useReply } from './use-reply.ts';

export function ChatPage() {
  const t = useT();
  const { conversationId } = useParams({ strict: false }) as { conversationId?: string };
  return (
    <div className="grid gap-4 lg:h-[calc(100vh-7rem)] lg:grid-cols-[16rem_1fr]">
      <aside aria-label={t('chat.conversations')} className="lg:min-h-0">
        <ConversationList activeId={conversationId} />
      </aside>
      <section className="flex min-h-[60vh] min-w-0 flex-col rounded-lg border border-zinc-200 bg-white lg:min-h-0 dark:border-zinc-700 dark:bg-zinc-900">
        {conversationId ? (
          <Thread key={conversationId} conversationId={conversationId} />
        ) : (
          <div className="p-6">
            <h1 className="sr-only">{t('nav.chat')}</h1>
            <EmptyState title={t('chat.pick')} />
          </div>
        )}
      </section>
    </div>
  );
}

function Thread({ conversationId }: { conversationId: string }) {
  const t = useT();
  const messages = useQuery({ queryKey: ['messages', conversationId], queryFn: () => listMessages(conversationId) });
  const welcome = useQuery<string | null>({ queryKey: ['welcome', conversationId], queryFn: () => null, staleTime: Infinity });
  const { live, send, follow, regenerate, stop, streaming } = useReply(conversationId);
  const bottom = useRef<HTMLDivElement>(null);
  /** The reply this page re-attached to (once per reply). */
  const followed = useRef<string | null>(null);

  const stored = messages.data ?? [];
  const last = stored.at(-1);
  // A page opened in the middle of a reply: re-attach, and follow it to the end.
  useEffect(() => {
    if (!last || last.role !== 'assistant' || last.status !== 'pending' || live || followed.current === last.id) return;
    followed.current = last.id;
    void follow(last.id);
  }, [last, live, follow]);

  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [stored.length, live?.reply.text]);

  // While a reply streams, the stored pending message is the live one: show it once.
  const visible = live ? stored.filter((m) => !(m.status === 'pending' && m.role === 'assistant')) : stored;
  const lastAssistant = [...visible].reverse().find((m) => m.role === 'assistant');

  return (
    <>
      <h1 className="sr-only">{t('chat.thread')}</h1>
      <div className="min-h-0 flex-1 space-y-4 overflow-y-auto p-4" aria-busy={streaming}>
        {messages.isPending && <Spinner label={t('common.loading')} />}
        <ErrorMessage error={messages.error} />
        {welcome.data && <Bubble role="assistant">{welcome.data}</Bubble>}
        {visible.map((m) => (
          <StoredMessage
            key={m.id}
            message={m}
            isLast={m === lastAssistant && !live}
            onRegenerate={() => regenerate(m.id)}
            busy={streaming}
          />
        ))}
        {live?.question !== undefined && <Bubble role="user">{live.question}</Bubble>}
        {live && (
          <div data-testid="live-reply">
            <Bubble role="assistant">{live.reply.text ? <Markdown text={live.reply.text} /> : <span className="text-zinc-500">{t('chat.thinking')}</span>}</Bubble>
            {live.reply.status === 'failed' && <FailedReply problem={live.reply.problem} onRetry={() => live.question !== undefined && send(live.question)} />}
          </div>
        )}
        <div ref={bottom} />
      </div>
      <Announcer text={live?.reply.text ?? ''} final={live ? live.reply.status !== 'streaming' : true} />
      <Composer streaming={streaming} onSend={send} onStop={() => void stop()} />
    </>
  );
}

function Bubble({ role, children }: { role: 'user' | 'assistant'; children: React.ReactNode }) {
  const t = useT();
  return (
    <div className={role === 'user' ? 'flex justify-end' : 'flex justify-start'}>
      <div
        className={
          role === 'user'
            ? 'max-w-[85%] rounded-lg bg-indigo-600 px-3 py-2 text-sm whitespace-pre-wrap text-white'
            : 'max-w-[85%] min-w-0 rounded-lg bg-zinc-100 px-3 py-2 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100'
        }
      >
        <span className="sr-only">{role === 'user' ? t('chat.you') : t('chat.assistant')}: </span>
        {children}
      </div>
    </div>
  );
}

function StoredMessage({ message, isLast, onRegenerate, busy }: { message: MessageView; isLast: boolean; onRegenerate(): void; busy: boolean }) {
  const t = useT();
  if (message.role === 'user') return <Bubble role="user">{message.content}</Bubble>;
  return (
    <div>
      <Bubble role="assistant">
        {message.content ? <Markdown text={message.content} /> : <span className="text-zinc-500">{t('chat.thinking')}</span>}
      </Bubble>
      {message.status === 'failed' ? (
        <FailedReply problem={{ detail: message.error ?? undefined }} onRetry={isLast ? onRegenerate : undefined} />
      ) : (
        (message.status === 'complete' || message.status === 'stopped') && (
          <div className="mt-1 flex items-center gap-2">
            {message.status === 'stopped' && <span className="text-sm text-zinc-500">{t('chat.stopped')}</span>}
            <CopyButton text={message.content} label={t('chat.copyReply')} copiedLabel={t('common.copied')} />
            {isLast && (
              <Button variant="secondary" size="sm" disabled={busy} onClick={onRegenerate}>
                {t('chat.regenerate')}
              </Button>
            )}
          </div>
        )
      )}
    </div>
  );
}

function FailedReply({ problem, onRetry }: { problem: ReplyProblem | undefined; onRetry: (() => void) | undefined }) {
  const t = useT();
  return (
    <div role="alert" className="mt-1 flex flex-wrap items-center gap-2 text-sm text-red-800 dark:text-red-300">
      <span>{t('chat.failed', { reason: problem?.detail ?? problem?.code ?? t('error.generic') })}</span>
      {onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </div>
  );
}

/** Polite announcements of the streamed reply, sentence by sentence: never the whole reply again. */
function Announcer({ text, final }: { text: string; final: boolean }) {
  const [said, setSaid] = useState('');
  const announced = useRef(0);
  useEffect(() => {
    if (text.length < announced.current) announced.current = 0;
    const next = nextAnnouncement(text, announced.current, final);
    announced.current = next.announced;
    if (next.say) setSaid(next.say);
  }, [text, final]);
  return (
    <div aria-live="polite" aria-atomic="true" className="sr-only" data-testid="reply-announcer">
      {said}
    </div>
  );
}

function Composer({ streaming, onSend, onStop }: { streaming: boolean; onSend(content: string): void; onStop(): void }) {
  const t = useT();
  const [text, setText] = useState('');
  const submit = () => {
    const content = text.trim();
    if (!content || streaming) return;
    onSend(content);
    setText('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  return (
    <form
      className="flex items-end gap-2 border-t border-zinc-200 p-3 dark:border-zinc-700"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor="composer" className="sr-only">
        {t('chat.message')}
      </label>
      <textarea
        id="composer"
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder={t('chat.placeholder')}
        className="block min-h-10 flex-1 resize-y rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-600 dark:bg-zinc-950"
      />
      {streaming ? (
        <Button variant="danger" onClick={onStop}>
          {t('chat.stop')}
        </Button>
      ) : (
        <Button type="submit" disabled={!text.trim()}>
          {t('chat.send')}
        </Button>
      )}
    </form>
  );
}
