import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { PromptView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle, EmptyState, Spinner } from '../../components/ui/card.tsx';
import { Field, Textarea } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { diffLines } from '../../lib/diff.ts';
import { createPrompt, listPrompts, publishPrompt } from './api.ts';

/** Prompt versions: each with author and time, a diff against the published one, publish and roll back. */
export function PromptsPage() {
  const { t, formatDate } = useI18n();
  const queryClient = useQueryClient();
  const prompts = useQuery({ queryKey: ['prompts'], queryFn: listPrompts });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['prompts'] });
    await queryClient.invalidateQueries({ queryKey: ['assistant'] });
  };
  const create = useMutation({
    mutationFn: ({ template }: { template: string; form: HTMLFormElement }) => createPrompt(template),
    onSuccess: async (_, { form }) => {
      form.reset();
      await refresh();
    },
  });
  const publish = useMutation({ mutationFn: (version: number) => publishPrompt(version), onSuccess: refresh });
  const versions = prompts.data?.data ?? [];
  const published = versions.find((p) => p.active);
  return (
    <>
      <PageHeader title={t('prompts.title')} description={t('prompts.intro')} />
      <div className="space-y-6">
        <Card>
          <CardTitle>{t('prompts.new')}</CardTitle>
          <form
            className="space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
              const form = e.currentTarget;
              const template = new FormData(form).get('template');
              if (typeof template === 'string' && template.trim()) create.mutate({ template, form });
            }}
          >
            <Field label={t('prompts.template')} hint={t('prompts.templateHint')}>
              <Textarea name="template" rows={5} required />
            </Field>
            <ErrorMessage error={create.error} />
            <Button type="submit" pending={create.isPending}>
              {t('prompts.save')}
            </Button>
          </form>
        </Card>
        {prompts.isPending && <Spinner label={t('common.loading')} />}
        <ErrorMessage error={prompts.error ?? publish.error} />
        {prompts.isSuccess && versions.length === 0 && <EmptyState title={t('prompts.empty')} />}
        <ol className="space-y-4">
          {versions.map((p) => (
            <li key={p.version}>
              <Version prompt={p} published={published} onPublish={() => publish.mutate(p.version)} pending={publish.isPending && publish.variables === p.version} formatDate={formatDate} />
            </li>
          ))}
        </ol>
      </div>
    </>
  );
}

function Version({
  prompt,
  published,
  onPublish,
  pending,
  formatDate,
}: {
  prompt: PromptView;
  published: PromptView | undefined;
  onPublish(): void;
  pending: boolean;
  formatDate(v: string): string;
}) {
  const { t } = useI18n();
  const [showDiff, setShowDiff] = useState(false);
  const older = published !== undefined && prompt.version < published.version;
  return (
    <Card aria-label={t('prompts.version', { n: prompt.version })}>
      <CardTitle
        actions={
          prompt.active ? (
            <Badge tone="green">{t('prompts.published')}</Badge>
          ) : (
            <div className="flex gap-2">
              {published && (
                <Button variant="secondary" size="sm" aria-expanded={showDiff} onClick={() => setShowDiff((s) => !s)}>
                  {t('prompts.diff')}
                </Button>
              )}
              <Button size="sm" pending={pending} onClick={onPublish}>
                {older ? t('prompts.rollback', { n: prompt.version }) : t('prompts.publish', { n: prompt.version })}
              </Button>
            </div>
          )
        }
      >
        {t('prompts.version', { n: prompt.version })}
      </CardTitle>
      <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">
        {t('prompts.by', { who: prompt.createdBy ?? t('prompts.system'), when: formatDate(prompt.createdAt) })}
      </p>
      {showDiff && published ? (
        <pre className="overflow-x-auto rounded bg-zinc-50 p-3 text-sm dark:bg-zinc-950" aria-label={t('prompts.diffLabel', { n: published.version })}>
          {diffLines(published.template, prompt.template).map((line, i) => (
            <div
              key={i}
              className={line.kind === 'added' ? 'bg-green-100 dark:bg-green-950' : line.kind === 'removed' ? 'bg-red-100 line-through dark:bg-red-950' : ''}
            >
              <span aria-hidden>{line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}</span>
              <span className="sr-only">{line.kind === 'added' ? t('prompts.added') : line.kind === 'removed' ? t('prompts.removed') : ''}</span>
              {line.text}
            </div>
          ))}
        </pre>
      ) : (
        <pre className="overflow-x-auto rounded bg-zinc-50 p-3 text-sm whitespace-pre-wrap dark:bg-zinc-950">{prompt.template}</pre>
      )}
    </Card>
  );
}
