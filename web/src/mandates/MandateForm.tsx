// The request for a monitoring mandate (/mandates/new, and /mandates/{id}/edit for a draft or a
// rejected one): purpose, case or legal predicate, level, mechanism, scope, window, storage
// period, justification. A checklist says what is still missing; "Submit for approval" does
// nothing but point at the missing fields until every essential is there. "Save as draft" needs
// only a purpose. The server's errors appear beside their field (a scope row's beside the row).
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone } from '../app/time';
import { FormError, SelectField, TextAreaField, TextField } from '../app/ui';
import type { Case, Id } from '../cases/types';
import { ScopeEditor } from './ScopeEditor';
import {
  ESSENTIALS,
  ESSENTIAL_LABELS,
  LEVELS,
  LEVEL_EXPLAINED,
  LEVEL_LABELS,
  MAX_STORAGE_DAYS,
  MECHANISMS,
  MECHANISM_EXPLAINED,
  MECHANISM_LABELS,
  MANDATES_PATH,
  checkMandateForm,
  emptyMandateForm,
  locateField,
  mandatePath,
  mandateToForm,
} from './types';
import type { Level, Mandate, MandateField, MandateFormValues, Mechanism } from './types';

type Intent = 'draft' | 'submit';

interface ChoiceProps<T extends string> {
  name: string;
  legend: string;
  options: readonly T[];
  value: T | '';
  onChange: (value: T) => void;
  label: (option: T) => string;
  explain: (option: T) => string;
  error: string | null;
  testId: string;
}

/** A radio group with a one-line explanation under each choice. */
function Choice<T extends string>({ ...props }: ChoiceProps<T>) {
  const id = useId();
  return (
    <fieldset
      className={props.error ? 'fieldset field-invalid choice' : 'fieldset choice'}
      aria-describedby={props.error ? `${id}-error` : undefined}
      data-testid={props.testId}
    >
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <div key={option} className="choice-option">
          <input
            id={`${id}-${option}`}
            type="radio"
            name={props.name}
            value={option}
            checked={props.value === option}
            onChange={() => props.onChange(option)}
            aria-describedby={`${id}-${option}-explain`}
            aria-invalid={props.error ? true : undefined}
            data-testid={`${props.testId}-${option}`}
          />
          <label htmlFor={`${id}-${option}`}>{props.label(option)}</label>
          <p id={`${id}-${option}-explain`} className="field-hint">
            {props.explain(option)}
          </p>
        </div>
      ))}
      {props.error && (
        <p id={`${id}-error`} className="field-error" data-testid={`${props.testId}-error`}>
          {props.error}
        </p>
      )}
    </fieldset>
  );
}

export interface MandateFormProps {
  /** null: a new request. */
  mandate: Mandate | null;
  /** The cases the user may see, offered as the mandate's case. */
  cases: readonly Case[];
  onSaved: (saved: Mandate, intent: Intent) => void;
  onCancel: () => void;
}

export function MandateForm({ mandate, cases, onSaved, onCancel }: MandateFormProps) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const timeZone = effectiveTimeZone(user.time_zone);
  const checklistId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<MandateFormValues>(() =>
    mandate === null ? emptyMandateForm() : mandateToForm(mandate, timeZone),
  );
  const [attempt, setAttempt] = useState<Intent | null>(null);
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Once a new request is saved, later saves change it instead of making another.
  const [savedId, setSavedId] = useState<Id | null>(mandate?.id ?? null);
  const [focusError, setFocusError] = useState(0);

  const caseIds = useMemo(
    () => new Map<string, Id>(cases.map((opened) => [String(opened.id), opened.id])),
    [cases],
  );
  const check = checkMandateForm(values, attempt ?? 'draft', timeZone, caseIds);
  const ready = check.missing.length === 0;

  // After a refused attempt, the first field with an error takes the focus.
  useEffect(() => {
    if (focusError === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusError]);

  function set<K extends keyof MandateFormValues>(key: K, value: MandateFormValues[K]) {
    setValues((current) => ({ ...current, [key]: value }));
  }

  // The server's error: beside its field, beside a scope row, or for the form.
  const located = serverError instanceof ApiError ? locateField(serverError.field) : null;
  const serverMessage = serverError === null ? null : errorMessage(t, serverError);
  const serverRows = new Map<number, { part: 'platform' | 'value'; message: string }>();
  let serverField: MandateField | null = null;
  if (located?.kind === 'row' && serverMessage !== null) {
    const row = values.scope[located.index];
    if (row !== undefined) serverRows.set(row.key, { part: located.part, message: serverMessage });
    else serverField = 'scope';
  } else if (located?.kind === 'field') serverField = located.field;
  const formMessage = serverMessage !== null && located === null ? serverMessage : null;

  function fieldError(field: MandateField): string | null {
    if (serverField === field && serverMessage !== null) return serverMessage;
    const key = check.fields[field];
    if (key === undefined) return null;
    // Before any attempt, only values typed wrong are pointed out, not empty fields.
    if (attempt === null) {
      const typed: Record<string, string> = {
        starts_at: values.startsLocal,
        ends_at: values.endsLocal,
        storage_days: values.storageDays,
      };
      return (typed[field] ?? '') !== '' ? t(key) : null;
    }
    return t(key);
  }

  async function save(intent: Intent) {
    if (busy) return;
    setServerError(null);
    setAttempt(intent);
    const result = checkMandateForm(values, intent, timeZone, caseIds);
    if (result.body === null || (intent === 'submit' && result.missing.length > 0)) {
      setFocusError((value) => value + 1);
      return;
    }
    setBusy(true);
    try {
      let saved =
        savedId === null
          ? await api.post<Mandate>(MANDATES_PATH, result.body)
          : await api.put<Mandate>(mandatePath(savedId), result.body);
      setSavedId(saved.id);
      if (intent === 'submit') saved = await api.post<Mandate>(`${mandatePath(saved.id)}/submit`);
      onSaved(saved, intent);
    } catch (failure) {
      setServerError(failure);
      setFocusError((value) => value + 1);
      setBusy(false);
    }
  }

  // Enter in a field does not send the request for approval: only the buttons act.
  function onSubmit(event: FormEvent) {
    event.preventDefault();
  }

  return (
    <form
      ref={formRef}
      className="panel"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="mandate-form-heading"
      data-testid="mandate-form"
      data-saved-id={savedId === null ? undefined : String(savedId)}
    >
      <h2 id="mandate-form-heading">
        {mandate === null ? t('mandates.new.form_title') : t('mandates.edit.form_title')}
      </h2>
      <p className="muted">{t('mandates.form.intro')}</p>
      <TextField
        label={t('mandates.field.purpose')}
        value={values.purpose}
        onChange={(value) => set('purpose', value)}
        required
        autoFocus
        maxLength={500}
        hint={t('mandates.form.purpose_hint')}
        error={fieldError('purpose')}
        testId="mandate-purpose"
      />
      <div className="form-grid">
        <SelectField
          label={t('mandates.field.case')}
          value={values.caseId}
          onChange={(value) => set('caseId', value)}
          hint={t('mandates.form.case_hint')}
          error={fieldError('case_id')}
          testId="mandate-case"
        >
          <option value="">{t('mandates.form.no_case')}</option>
          {cases.map((opened) => (
            <option key={String(opened.id)} value={String(opened.id)}>
              {t('mandates.form.case_choice', { number: opened.number, title: opened.title })}
            </option>
          ))}
        </SelectField>
      </div>
      <TextAreaField
        label={t('mandates.field.predicate')}
        value={values.predicate}
        onChange={(value) => set('predicate', value)}
        rows={2}
        maxLength={2000}
        hint={t('mandates.form.predicate_hint')}
        error={fieldError('predicate')}
        testId="mandate-predicate"
      />
      <Choice<Level>
        name="level"
        legend={t('mandates.field.level')}
        options={LEVELS}
        value={values.level}
        onChange={(value) => set('level', value)}
        label={(level) => t(LEVEL_LABELS[level])}
        explain={(level) => t(LEVEL_EXPLAINED[level])}
        error={fieldError('level')}
        testId="mandate-level"
      />
      <Choice<Mechanism>
        name="mechanism"
        legend={t('mandates.field.mechanism')}
        options={MECHANISMS}
        value={values.mechanism}
        onChange={(value) => set('mechanism', value)}
        label={(mechanism) => t(MECHANISM_LABELS[mechanism])}
        explain={(mechanism) => t(MECHANISM_EXPLAINED[mechanism])}
        error={fieldError('mechanism')}
        testId="mandate-mechanism"
      />
      <ScopeEditor
        rows={values.scope}
        onChange={(rows) => set('scope', rows)}
        showAll={attempt !== null}
        serverErrors={serverRows}
        error={fieldError('scope')}
      />
      <div className="form-grid">
        <TextField
          label={t('mandates.field.starts_at')}
          type="datetime-local"
          value={values.startsLocal}
          onChange={(value) => set('startsLocal', value)}
          required
          hint={t('mandates.form.zone_hint', { zone: timeZone })}
          error={fieldError('starts_at')}
          testId="mandate-starts"
        />
        <TextField
          label={t('mandates.field.ends_at')}
          type="datetime-local"
          value={values.endsLocal}
          onChange={(value) => set('endsLocal', value)}
          required
          hint={t('mandates.form.zone_hint', { zone: timeZone })}
          error={fieldError('ends_at')}
          testId="mandate-ends"
        />
        <TextField
          label={t('mandates.field.storage_days')}
          value={values.storageDays}
          onChange={(value) => set('storageDays', value)}
          inputMode="numeric"
          required
          maxLength={5}
          hint={t('mandates.form.storage_hint', { max: MAX_STORAGE_DAYS })}
          error={fieldError('storage_days')}
          testId="mandate-storage-days"
        />
      </div>
      <TextAreaField
        label={t('mandates.field.justification')}
        value={values.justification}
        onChange={(value) => set('justification', value)}
        rows={4}
        required
        maxLength={10000}
        hint={t('mandates.form.justification_hint')}
        error={fieldError('justification')}
        testId="mandate-justification"
      />
      <section
        id={checklistId}
        className={ready ? 'checklist checklist-ready' : 'checklist'}
        aria-label={t('mandates.checklist.title')}
        data-testid="mandate-checklist"
        data-ready={String(ready)}
      >
        <h3>{ready ? t('mandates.checklist.ready') : t('mandates.checklist.title')}</h3>
        <ul className="plain-list">
          {ESSENTIALS.map((essential) => {
            const done = !check.missing.includes(essential);
            return (
              <li
                key={essential}
                className={done ? 'checklist-done' : 'checklist-missing'}
                data-testid="mandate-essential"
                data-essential={essential}
                data-done={String(done)}
              >
                <span aria-hidden="true" className="checklist-mark">
                  {done ? '✓' : '•'}
                </span>{' '}
                {t(ESSENTIAL_LABELS[essential])}
                <span className="visually-hidden">
                  {done ? t('mandates.checklist.given') : t('mandates.checklist.missing')}
                </span>
              </li>
            );
          })}
        </ul>
      </section>
      <FormError message={formMessage} testId="mandate-form-error" />
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          aria-disabled={!ready || busy || undefined}
          aria-describedby={checklistId}
          onClick={() => void save('submit')}
          data-testid="mandate-submit"
        >
          {t('mandates.form.submit')}
        </button>
        <button
          type="button"
          className="button"
          aria-disabled={busy || undefined}
          onClick={() => void save('draft')}
          data-testid="mandate-save"
        >
          {t('mandates.form.save_draft')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="mandate-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
