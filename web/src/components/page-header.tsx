import type { ReactNode } from 'react';

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold text-zinc-900 dark:text-zinc-100">{title}</h1>
        {description && <p className="mt-1 max-w-2xl text-sm text-zinc-700 dark:text-zinc-300">{description}</p>}
      </div>
      {actions}
    </div>
  );
}
