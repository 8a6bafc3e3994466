import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import type { AssistantView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, Spinner } from '../../components/ui/card.tsx';
import { Checkbox, Field, Input, Select, Textarea } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { fieldError } from '../auth/field-error.ts';
import { getAssistant, updateAssistant, type AssistantChange } from './api.ts';
import { WidgetEmbed } from './widget-embed.tsx';

const schema = z.object({
  provider: z.enum(['builtin', 'openai_compatible']),
  model: z.string().trim().min(1, { error: 'required' }).max(200),
  welcomeMessage: z.string().trim().min(1, { error: 'required' }).max(1000),
  temperature: z.coerce.number().min(0).max(2),
  maxTokens: z.coerce.number().int().min(1).max(32768),
  baseUrl: z.string().trim().max(2000),
  apiKey: z.string().trim().max(1000),
  removeApiKey: z.boolean().optional(),
  widgetEnabled: z.boolean(),
  autoTitles: z.boolean(),
});

/** The assistant: provider, model, welcome, sampling; the provider key is write-only. */
export function AssistantPage() {
  const { t } = useI18n();
  const assistant = useQuery({ queryKey: ['assistant'], queryFn: getAssistant });
  // The form's inputs start from the saved values: it is mounted again after its own save (so the
  // write-only key field empties), but not when the embed section saves the origins (which would
  // drop unsaved edits here). "Saved" lives out here, so the new form still says it.
  const [generation, setGeneration] = useState(0);
  const [saved, setSaved] = useState(false);
  return (
    <>
      <PageHeader title={t('assistant.title')} description={t('assistant.intro')} />
      {assistant.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={assistant.error} />
      {assistant.data && (
        <AssistantForm
          key={generation}
          current={assistant.data}
          saved={saved}
          onSaving={() => setSaved(false)}
          onSaved={() => {
            setGeneration((g) => g + 1);
            setSaved(true);
          }}
        />
      )}
      {assistant.data && <WidgetEmbed assistant={assistant.data} />}
    </>
  );
}

function AssistantForm({ current, saved, onSaving, onSaved }: { current: AssistantView; saved: boolean; onSaving: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const save = useMutation({ mutationFn: (body: AssistantChange) => updateAssistant(body) });
  const form = useForm(
    schema,
    async ({ apiKey, removeApiKey, baseUrl, ...values }) => {
      onSaving();
      const body: AssistantChange = { ...values, baseUrl: baseUrl || null };
      if (apiKey) body.apiKey = apiKey;
      else if (removeApiKey) body.apiKey = null;
      const next = await save.mutateAsync(body);
      queryClient.setQueryData(['assistant'], next);
      onSaved();
    },
    ['provider', 'model', 'welcomeMessage', 'temperature', 'maxTokens', 'baseUrl', 'apiKey'],
  );
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  return (
    <Card>
      <form noValidate onSubmit={form.onSubmit} className="grid gap-4 sm:grid-cols-2">
        <Field label={t('assistant.provider')} error={e('provider')}>
          <Select name="provider" defaultValue={current.provider}>
            <option value="builtin">{t('assistant.builtin')}</option>
            <option value="openai_compatible">{t('assistant.openai')}</option>
          </Select>
        </Field>
        <Field label={t('assistant.model')} error={e('model')} hint={t('assistant.modelHint')}>
          <Input name="model" defaultValue={current.model} />
        </Field>
        <Field label={t('assistant.welcome')} error={e('welcomeMessage')} className="sm:col-span-2">
          <Textarea name="welcomeMessage" rows={2} defaultValue={current.welcomeMessage} />
        </Field>
        <Field label={t('assistant.temperature')} error={e('temperature')}>
          <Input name="temperature" type="number" step="0.1" min={0} max={2} defaultValue={current.temperature} />
        </Field>
        <Field label={t('assistant.maxTokens')} error={e('maxTokens')}>
          <Input name="maxTokens" type="number" min={1} max={32768} defaultValue={current.maxTokens} />
        </Field>
        <Field label={t('assistant.baseUrl')} error={e('baseUrl')} hint={t('assistant.baseUrlHint')}>
          <Input name="baseUrl" type="url" defaultValue={current.baseUrl ?? ''} />
        </Field>
        <Field label={t('assistant.apiKey')} error={e('apiKey')} hint={current.hasApiKey ? t('assistant.apiKeySet') : t('assistant.apiKeyUnset')}>
          <Input name="apiKey" type="password" autoComplete="off" placeholder={current.hasApiKey ? '••••••••' : ''} />
        </Field>
        <div className="space-y-2 sm:col-span-2">
          {current.hasApiKey && <Checkbox name="removeApiKey" label={t('assistant.removeApiKey')} />}
          <Checkbox name="widgetEnabled" label={t('assistant.widget')} defaultChecked={current.widgetEnabled} />
          <Checkbox name="autoTitles" label={t('assistant.autoTitles')} defaultChecked={current.autoTitles} />
        </div>
        <div className="space-y-2 sm:col-span-2">
          <ErrorMessage error={form.error} />
          {saved && (
            <p role="status" className="text-sm text-green-800 dark:text-green-300">
              {t('common.saved')}
            </p>
          )}
          <Button type="submit" pending={form.pending}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
