import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../../api/problem.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { updateAssistant } from './api.ts';

interface Row {
  key: number;
  value: string;
}

let nextKey = 0;
const row = (value: string): Row => ({ key: nextKey++, value });

/**
 * The websites whose pages may use the widget (PATCH /assistant {allowedOrigins}). The API
 * normalises and checks each origin; its errors name the origin's index, shown beside that row.
 */
export function WidgetOrigins({ current }: { current: string[] }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const headingId = useId();
  const [rows, setRows] = useState<Row[]>(() => current.map(row));
  const [fieldErrors, setFieldErrors] = useState<Record<number, string>>({});
  const [saved, setSaved] = useState(false);
  const save = useMutation({ mutationFn: (allowedOrigins: string[]) => updateAssistant({ allowedOrigins }) });

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setSaved(false);
    setFieldErrors({});
    // Blank rows are dropped; `sent[i]` remembers which row the API's `allowedOrigins.<i>` names.
    const sent = rows.filter((r) => r.value.trim() !== '');
    try {
      const next = await save.mutateAsync(sent.map((r) => r.value.trim()));
      queryClient.setQueryData(['assistant'], next);
      setRows(next.allowedOrigins.map(row)); // as the API normalised them
      setSaved(true);
    } catch (error) {
      if (!(error instanceof ApiError)) return;
      const byRow: Record<number, string> = {};
      for (const [field, message] of Object.entries(error.fieldErrors)) {
        const index = /^allowedOrigins\.(\d+)$/.exec(field)?.[1];
        const target = index === undefined ? undefined : sent[Number(index)];
        if (target) byRow[target.key] = message;
      }
      setFieldErrors(byRow);
    }
  }

  const unnamed = save.error instanceof ApiError && Object.keys(fieldErrors).length > 0 ? null : save.error;
  return (
    <form noValidate onSubmit={(e) => void onSubmit(e)} className="mt-6 space-y-3" aria-labelledby={headingId}>
      <h3 id={headingId} className="text-sm font-medium text-zinc-800 dark:text-zinc-200">
        {t('widget.origins')}
      </h3>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">{t('widget.originsHint')}</p>
      {rows.length === 0 && <p className="text-sm text-zinc-700 dark:text-zinc-300">{t('widget.originsEmpty')}</p>}
      <ul className="space-y-2">
        {rows.map((r, i) => (
          <li key={r.key} className="flex items-start gap-2">
            <Field label={<span className="sr-only">{t('widget.origin', { n: i + 1 })}</span>} error={fieldErrors[r.key]} className="flex-1">
              <Input
                type="url"
                inputMode="url"
                placeholder="https://www.example.com"
                value={r.value}
                onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
              />
            </Field>
            <Button variant="ghost" onClick={() => setRows(rows.filter((x) => x.key !== r.key))} aria-label={t('widget.removeOrigin', { n: i + 1 })}>
              {t('widget.remove')}
            </Button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" onClick={() => setRows([...rows, row('')])}>
          {t('widget.addOrigin')}
        </Button>
        <Button type="submit" pending={save.isPending}>
          {t('widget.saveOrigins')}
        </Button>
        {saved && (
          <p role="status" className="text-sm text-green-800 dark:text-green-300">
            {t('common.saved')}
          </p>
        )}
      </div>
      <ErrorMessage error={unnamed} />
    </form>
  );
}
