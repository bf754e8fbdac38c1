// The two decisions that need words: confirm (into an existing case or a new one, with the legal
// basis) and dismiss (with a reason). Native modal <dialog>s: focus stays inside, Escape closes,
// and the queue's shortcuts do not fire while one is open.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canCreateCases, canReadCases } from '../app/permissions';
import { useSignedIn } from '../app/session';
import { FormError, SelectField, TextAreaField, TextField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case } from '../cases/types';
import { alertPath } from './types';
import type { Alert } from './types';

function Modal({
  titleId,
  testId,
  onClose,
  children,
}: {
  titleId: string;
  testId: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="decision-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid={testId}
    >
      {children}
    </dialog>
  );
}

const CONFIRM_FIELDS = ['case_id', 'new_case', 'title', 'legal_basis', 'description'] as const;

export function ConfirmDialog({
  alert,
  onDone,
  onClose,
}: {
  alert: Alert;
  onDone: (decided: Alert) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const mayCreate = canCreateCases(user);
  const cases = useResource<{ cases: Case[] }>(
    canReadCases(user) ? '/api/v1/cases?status=open&limit=1000' : null,
  );
  const [target, setTarget] = useState<'new' | 'existing'>(mayCreate ? 'new' : 'existing');
  const [caseId, setCaseId] = useState('');
  const [title, setTitle] = useState('');
  const [legalBasis, setLegalBasis] = useState('');
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState<
    Partial<Record<'case' | 'title' | 'legal_basis', string>>
  >({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, CONFIRM_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: typeof problems = {};
    if (target === 'existing' && caseId === '') found.case = t('detect.confirm.error_case');
    if (target === 'new' && title.trim() === '') found.title = t('detect.confirm.error_title');
    if (legalBasis.trim() === '') found.legal_basis = t('detect.confirm.error_legal_basis');
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    const body: Record<string, unknown> = { decision: 'confirm', legal_basis: legalBasis.trim() };
    if (target === 'existing') {
      body.case_id = cases.data?.cases.find((opened) => String(opened.id) === caseId)?.id ?? caseId;
    } else {
      body.new_case = { title: title.trim() };
    }
    if (description.trim() !== '') body.description = description.trim();
    setBusy(true);
    try {
      onDone(await api.post<Alert>(`${alertPath(alert.id)}/decision`, body));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <Modal titleId="confirm-title" testId="confirm-dialog" onClose={onClose}>
      <form onSubmit={submit} noValidate data-testid="confirm-form">
        <h2 id="confirm-title">{t('detect.confirm.title')}</h2>
        <p className="muted">{t('detect.confirm.explain')}</p>
        <fieldset className="fieldset">
          <legend>{t('detect.confirm.case')}</legend>
          {mayCreate && (
            <div className="field field-check">
              <input
                id="confirm-target-new"
                type="radio"
                name="confirm-target"
                checked={target === 'new'}
                onChange={() => setTarget('new')}
                data-testid="confirm-target-new"
              />
              <label htmlFor="confirm-target-new">{t('detect.confirm.new_case')}</label>
            </div>
          )}
          <div className="field field-check">
            <input
              id="confirm-target-existing"
              type="radio"
              name="confirm-target"
              checked={target === 'existing'}
              onChange={() => setTarget('existing')}
              data-testid="confirm-target-existing"
            />
            <label htmlFor="confirm-target-existing">{t('detect.confirm.existing_case')}</label>
          </div>
        </fieldset>
        {target === 'new' ? (
          <TextField
            label={t('detect.confirm.case_title')}
            value={title}
            onChange={setTitle}
            required
            maxLength={500}
            autoFocus
            error={problems.title ?? errors.forField('title') ?? errors.forField('new_case')}
            testId="confirm-case-title"
          />
        ) : (
          <SelectField
            label={t('detect.confirm.case_choose')}
            value={caseId}
            onChange={setCaseId}
            required
            error={problems.case ?? errors.forField('case_id')}
            testId="confirm-case"
          >
            <option value="">
              {cases.loading ? t('common.loading') : t('collected.promote.case_choose')}
            </option>
            {(cases.data?.cases ?? []).map((opened) => (
              <option key={String(opened.id)} value={String(opened.id)}>
                {t('mandates.form.case_choice', { number: opened.number, title: opened.title })}
              </option>
            ))}
          </SelectField>
        )}
        {cases.error !== null && target === 'existing' && (
          <FormError message={errorMessage(t, cases.error)} testId="confirm-cases-error" />
        )}
        <TextField
          label={t('collected.promote.legal_basis')}
          value={legalBasis}
          onChange={setLegalBasis}
          required
          maxLength={2000}
          hint={t('collected.promote.legal_basis_hint')}
          error={problems.legal_basis ?? errors.forField('legal_basis')}
          testId="confirm-legal-basis"
        />
        <TextAreaField
          label={t('collected.promote.description')}
          value={description}
          onChange={setDescription}
          rows={2}
          maxLength={2000}
          error={errors.forField('description')}
          testId="confirm-description"
        />
        <FormError message={errors.forForm} testId="confirm-error" />
        <div className="form-actions">
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={busy || undefined}
            data-testid="confirm-submit"
          >
            {t('detect.decision.confirm')}
          </button>
          <button type="button" className="button" onClick={onClose} data-testid="confirm-cancel">
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function DismissDialog({
  alert,
  onDone,
  onClose,
}: {
  alert: Alert;
  onDone: (decided: Alert) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, ['reason'] as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (reason.trim() === '') {
      setMissing(true);
      return;
    }
    setBusy(true);
    try {
      onDone(
        await api.post<Alert>(`${alertPath(alert.id)}/decision`, {
          decision: 'dismiss',
          reason: reason.trim(),
        }),
      );
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <Modal titleId="dismiss-title" testId="dismiss-dialog" onClose={onClose}>
      <form onSubmit={submit} noValidate data-testid="dismiss-form">
        <h2 id="dismiss-title">{t('detect.dismiss.title')}</h2>
        <TextField
          label={t('detect.dismiss.reason')}
          value={reason}
          onChange={(value) => {
            setReason(value);
            setMissing(false);
          }}
          required
          maxLength={2000}
          autoFocus
          hint={t('detect.dismiss.reason_hint')}
          error={missing ? t('detect.dismiss.error_reason') : errors.forField('reason')}
          testId="dismiss-reason"
        />
        <FormError message={errors.forForm} testId="dismiss-error" />
        <div className="form-actions">
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={busy || undefined}
            data-testid="dismiss-submit"
          >
            {t('detect.decision.dismiss')}
          </button>
          <button type="button" className="button" onClick={onClose} data-testid="dismiss-cancel">
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Escalation needs no words (an optional reason is not asked for from the keyboard). */
export async function escalate(alert: Alert): Promise<Alert> {
  return api.post<Alert>(`${alertPath(alert.id)}/decision`, { decision: 'escalate' });
}
