// Small form and page pieces shared by every module: a label for every control, errors tied
// to their field with aria-describedby, and stable data-testid names (web/TESTIDS.md).
import { useId } from 'react';
import type { ChangeEvent, KeyboardEvent, ReactNode } from 'react';
import { errorField, errorMessage } from './errors';
import { useI18n } from './i18n';

interface FieldShell {
  label: string;
  testId: string;
  error?: string | null | undefined;
  hint?: string | undefined;
}

function describedBy(
  hintId: string,
  errorId: string,
  hint?: string,
  error?: string | null,
): string | undefined {
  const ids = [hint !== undefined ? hintId : null, error ? errorId : null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldNotes({
  hint,
  error,
  hintId,
  errorId,
  testId,
}: {
  hint?: string | undefined;
  error?: string | null | undefined;
  hintId: string;
  errorId: string;
  testId: string;
}) {
  return (
    <>
      {hint !== undefined && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error ? (
        <p id={errorId} className="field-error" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

export interface TextFieldProps extends FieldShell {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'password' | 'email' | 'search' | 'datetime-local' | 'date';
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'email' | 'search';
  required?: boolean;
  maxLength?: number;
  pattern?: string;
  autoFocus?: boolean;
  readOnly?: boolean;
  spellCheck?: boolean;
  name?: string;
  inputClassName?: string;
  onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
}

export function TextField(props: TextFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={props.error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        className={props.inputClassName}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(event: ChangeEvent<HTMLInputElement>) => props.onChange(event.target.value)}
        autoComplete={props.autoComplete}
        inputMode={props.inputMode}
        required={props.required}
        maxLength={props.maxLength}
        pattern={props.pattern}
        autoFocus={props.autoFocus}
        readOnly={props.readOnly}
        spellCheck={props.spellCheck}
        onKeyDown={props.onKeyDown}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId, props.hint, props.error)}
        data-testid={props.testId}
      />
      <FieldNotes
        hint={props.hint}
        error={props.error}
        hintId={hintId}
        errorId={errorId}
        testId={props.testId}
      />
    </div>
  );
}

export interface TextAreaFieldProps extends FieldShell {
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  maxLength?: number;
  rows?: number;
  autoFocus?: boolean;
}

export function TextAreaField(props: TextAreaFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={props.error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        value={props.value}
        onChange={(event: ChangeEvent<HTMLTextAreaElement>) => props.onChange(event.target.value)}
        required={props.required}
        maxLength={props.maxLength}
        rows={props.rows ?? 4}
        autoFocus={props.autoFocus}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId, props.hint, props.error)}
        data-testid={props.testId}
      />
      <FieldNotes
        hint={props.hint}
        error={props.error}
        hintId={hintId}
        errorId={errorId}
        testId={props.testId}
      />
    </div>
  );
}

export interface SelectFieldProps extends FieldShell {
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
  required?: boolean;
}

export function SelectField(props: SelectFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={props.error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId, props.hint, props.error)}
        data-testid={props.testId}
      >
        {props.children}
      </select>
      <FieldNotes
        hint={props.hint}
        error={props.error}
        hintId={hintId}
        errorId={errorId}
        testId={props.testId}
      />
    </div>
  );
}

export interface CheckboxFieldProps extends FieldShell {
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function CheckboxField(props: CheckboxFieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  return (
    <div className={props.error ? 'field field-check field-invalid' : 'field field-check'}>
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        onChange={(event) => props.onChange(event.target.checked)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId, props.hint, props.error)}
        data-testid={props.testId}
      />
      <label htmlFor={id}>{props.label}</label>
      <FieldNotes
        hint={props.hint}
        error={props.error}
        hintId={hintId}
        errorId={errorId}
        testId={props.testId}
      />
    </div>
  );
}

/** A failed request's message, beside `field` when the server named it, else for the form. */
export function useErrorText<F extends string>(error: unknown, fields: readonly F[]) {
  const { t } = useI18n();
  const field = errorField(error, fields);
  const message = error === null || error === undefined ? null : errorMessage(t, error);
  return {
    forField: (name: F): string | null => (field === name ? message : null),
    forForm: field === null ? message : null,
  };
}

export function FormError({ message, testId }: { message: string | null; testId: string }) {
  if (message === null) return null;
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

export function Notice({
  children,
  testId,
  tone = 'info',
}: {
  children: ReactNode;
  testId: string;
  tone?: 'info' | 'success' | 'warning';
}) {
  return (
    <p className={`notice notice-${tone}`} role="status" data-testid={testId}>
      {children}
    </p>
  );
}

export function PageHeader({
  title,
  testId,
  children,
}: {
  title: string;
  testId: string;
  children?: ReactNode;
}) {
  return (
    <div className="page-header">
      <h1 data-testid={testId} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" data-testid="loading">
      {t('common.loading')}
    </p>
  );
}
