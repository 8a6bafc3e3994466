import type { ReactNode } from 'react';
import ReactMarkdown from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { CopyButton } from '../../components/ui/copy-button.tsx';
import { useT } from '../../i18n/index.tsx';

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (node && typeof node === 'object' && 'props' in node) return textOf((node.props as { children?: ReactNode }).children);
  return '';
}

function CodeBlock({ children }: { children?: ReactNode }) {
  const t = useT();
  const code = textOf(children).replace(/\n$/, '');
  return (
    <div className="relative">
      <div className="absolute top-1 right-1">
        <CopyButton text={code} label={t('chat.copyCode')} copiedLabel={t('common.copied')} />
      </div>
      <pre className="overflow-x-auto rounded-md bg-zinc-900 p-3 pt-10 text-sm text-zinc-100">{children}</pre>
    </div>
  );
}

/** A reply's markdown: GitHub flavour, sanitized (no raw HTML, no script URLs), code blocks with a copy button. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-chat text-sm leading-relaxed break-words">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]} components={{ pre: CodeBlock }}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
