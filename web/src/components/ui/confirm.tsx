import type { ReactNode } from 'react';
import { useT } from '../../i18n/index.tsx';
import { ErrorMessage } from '../error-display.tsx';
import { Button } from './button.tsx';
import { Dialog } from './dialog.tsx';

interface ConfirmProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  pending?: boolean;
  error?: unknown;
  children?: ReactNode;
  disabled?: boolean;
}

/** Every destructive action asks first, in words that say what will happen. */
export function Confirm({ open, onOpenChange, title, description, confirmLabel, onConfirm, pending, error, children, disabled }: ConfirmProps) {
  const t = useT();
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={title} description={description}>
      <div className="space-y-4">
        {children}
        <ErrorMessage error={error} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            {t('common.cancel')}
          </Button>
          <Button variant="danger" pending={pending} disabled={disabled} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
