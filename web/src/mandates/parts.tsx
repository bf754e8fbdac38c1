// Pieces the mandate pages share: state and level badges, the window, the reason form of a
// rejection or revocation, and an action's error with the server's reason.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey, TranslationParams } from '../app/i18n';
import { TextAreaField, useErrorText, FormError } from '../app/ui';
import { Time } from '../evidence/parts';
import {
  LEVEL_BADGES,
  LEVEL_LABELS,
  MECHANISM_LABELS,
  STATE_BADGES,
  STATE_LABELS,
  isLevel,
  isMandateState,
  isMechanism,
} from './types';
import type { Mandate } from './types';

export function MandateStateBadge({ state, testId }: { state: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={isMandateState(state) ? STATE_BADGES[state] : 'badge'}
      data-state={state}
      data-testid={testId}
    >
      {isMandateState(state) ? t(STATE_LABELS[state]) : state}
    </span>
  );
}

export function LevelBadge({ level, testId }: { level: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={isLevel(level) ? LEVEL_BADGES[level] : 'badge'}
      data-level={level}
      data-testid={testId}
    >
      {isLevel(level) ? t(LEVEL_LABELS[level]) : level}
    </span>
  );
}

export function useMechanismName() {
  const { t } = useI18n();
  return (mechanism: string): string =>
    isMechanism(mechanism) ? t(MECHANISM_LABELS[mechanism]) : mechanism;
}

/** "from – to" in the user's time zone; "not set" for a missing end. */
export function MandateWindow({ mandate, testId }: { mandate: Mandate; testId?: string }) {
  const { t } = useI18n();
  const start = mandate.starts_at;
  const end = mandate.ends_at;
  return (
    <span data-testid={testId}>
      {start ? (
        <Time iso={start} testId={testId && `${testId}-start`} />
      ) : (
        <span className="muted">{t('mandates.not_set')}</span>
      )}
      <span aria-hidden="true"> – </span>
      <span className="visually-hidden">{t('mandates.window_until')}</span>
      {end ? (
        <Time iso={end} testId={testId && `${testId}-end`} />
      ) : (
        <span className="muted">{t('mandates.not_set')}</span>
      )}
    </span>
  );
}

type Translate = (key: TranslationKey, params?: TranslationParams) => string;

/** Words for a refused decision: the two-person rule in plain terms, with the server's words. */
export function decisionErrorText(t: Translate, error: unknown): string {
  if (error instanceof ApiError && error.reason === 'two_person_rule') {
    const general = t('mandates.error.two_person_rule');
    return error.message === ''
      ? general
      : t('error.with_detail', { message: general, detail: error.message });
  }
  return errorMessage(t, error);
}

/** A failed action's message; `data-reason` holds the server's reason (or code). */
export function ActionError({ error, testId }: { error: unknown; testId: string }) {
  const { t } = useI18n();
  if (error === null || error === undefined) return null;
  const reason = error instanceof ApiError ? (error.reason ?? error.code) : 'unknown';
  return (
    <p className="form-error" role="alert" data-testid={testId} data-reason={reason}>
      {decisionErrorText(t, error)}
    </p>
  );
}

/**
 * A reason, then a button: rejecting or revoking a mandate. `testId` prefixes the form's ids
 * (`-form`, `-reason`, `-submit`, `-cancel`, `-error`).
 */
export function ReasonForm({
  label,
  title,
  submit,
  testId,
  onSubmit,
  onCancel,
}: {
  label: string;
  title: string;
  submit: string;
  testId: string;
  onSubmit: (reason: string) => Promise<void>;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, ['reason'] as const);

  async function send(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    setMissing(reason.trim() === '');
    if (reason.trim() === '') return;
    setBusy(true);
    try {
      await onSubmit(reason.trim());
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      className="inline-form"
      onSubmit={send}
      noValidate
      aria-label={title}
      data-testid={`${testId}-form`}
    >
      <TextAreaField
        label={label}
        value={reason}
        onChange={setReason}
        rows={2}
        required
        autoFocus
        maxLength={2000}
        error={missing ? t('mandates.reason_required') : errors.forField('reason')}
        testId={`${testId}-reason`}
      />
      <FormError
        message={errors.forForm === null ? null : decisionErrorText(t, error)}
        testId={`${testId}-error`}
      />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-danger"
          aria-disabled={busy || undefined}
          data-testid={`${testId}-submit`}
        >
          {submit}
        </button>
        <button
          type="button"
          className="button"
          onClick={onCancel}
          data-testid={`${testId}-cancel`}
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
