// The form of one indicator (new or edited): kind, pattern, language, category, severity, notes.
// The server compiles the pattern; when it cannot (reason pattern_invalid), its message, which
// names the pattern and the compiler's error, is shown beside the pattern field.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { FormError, SelectField, TextAreaField, TextField, useErrorText } from '../app/ui';
import {
  INDICATOR_KINDS,
  INDICATOR_KIND_LABELS,
  INDICATOR_LANGUAGES,
  LANGUAGE_LABELS,
  SEVERITIES,
  SEVERITY_LABELS,
  indicatorPath,
  isIndicatorKind,
  isIndicatorLanguage,
  isSeverity,
  listPath,
} from './types';
import type { Indicator, IndicatorKind, IndicatorLanguage, Severity } from './types';

const PATTERN_HINTS: Record<IndicatorKind, TranslationKey> = {
  term: 'detect.indicator.pattern_hint_term',
  phrase: 'detect.indicator.pattern_hint_phrase',
  regex: 'detect.indicator.pattern_hint_regex',
};

const FIELDS = ['kind', 'pattern', 'language', 'category', 'severity', 'notes'] as const;

interface Draft {
  kind: IndicatorKind;
  pattern: string;
  language: IndicatorLanguage;
  category: string;
  severity: Severity;
  notes: string;
}

function draftOf(indicator: Indicator | null): Draft {
  return {
    kind: indicator !== null && isIndicatorKind(indicator.kind) ? indicator.kind : 'term',
    pattern: indicator?.pattern ?? '',
    language:
      indicator !== null && isIndicatorLanguage(indicator.language) ? indicator.language : 'any',
    category: indicator?.category ?? '',
    severity: indicator !== null && isSeverity(indicator.severity) ? indicator.severity : 'medium',
    notes: indicator?.notes ?? '',
  };
}

/** The server's own words for a pattern it could not compile (they name the pattern). */
function patternError(error: unknown, fallback: string | null): string | null {
  if (error instanceof ApiError && error.field === 'pattern' && error.message !== '')
    return error.message;
  return fallback;
}

export function IndicatorForm({
  listId,
  indicator,
  onSaved,
  onCancel,
}: {
  listId: string;
  /** null: a new entry. */
  indicator: Indicator | null;
  onSaved: (saved: Indicator) => void;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Draft>(() => draftOf(indicator));
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, FIELDS);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
    if (key === 'pattern') setMissing(false);
  };
  const editing = indicator !== null;
  const testPrefix = editing ? 'indicator-edit' : 'indicator';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (draft.pattern.trim() === '') {
      setMissing(true);
      return;
    }
    const body = {
      kind: draft.kind,
      pattern: draft.pattern,
      language: draft.language,
      category: draft.category.trim(),
      severity: draft.severity,
      notes: draft.notes.trim(),
    };
    setBusy(true);
    try {
      const saved = editing
        ? await api.patch<Indicator>(indicatorPath(indicator.id), body)
        : await api.post<Indicator>(`${listPath(listId)}/indicators`, body);
      setBusy(false);
      // The next entry keeps the kind, language, category and severity of the last one.
      if (!editing) setDraft((current) => ({ ...current, pattern: '', notes: '' }));
      onSaved(saved);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const titleId = `${testPrefix}-form-title`;
  return (
    <form
      className="panel panel-inner"
      onSubmit={submit}
      noValidate
      aria-labelledby={titleId}
      data-testid={`${testPrefix}-form`}
    >
      <h3 id={titleId}>
        {editing ? t('detect.indicator.edit_title') : t('detect.indicator.new_title')}
      </h3>
      <div className="form-grid">
        <SelectField
          label={t('detect.field.indicator_kind')}
          value={draft.kind}
          onChange={(value) => set('kind', isIndicatorKind(value) ? value : 'term')}
          error={errors.forField('kind')}
          testId={`${testPrefix}-kind`}
        >
          {INDICATOR_KINDS.map((value) => (
            <option key={value} value={value}>
              {t(INDICATOR_KIND_LABELS[value])}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t('detect.field.language')}
          value={draft.language}
          onChange={(value) => set('language', isIndicatorLanguage(value) ? value : 'any')}
          error={errors.forField('language')}
          testId={`${testPrefix}-language`}
        >
          {INDICATOR_LANGUAGES.map((value) => (
            <option key={value} value={value}>
              {t(LANGUAGE_LABELS[value])}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t('detect.field.severity')}
          value={draft.severity}
          onChange={(value) => set('severity', isSeverity(value) ? value : 'medium')}
          error={errors.forField('severity')}
          testId={`${testPrefix}-severity`}
        >
          {SEVERITIES.map((value) => (
            <option key={value} value={value}>
              {t(SEVERITY_LABELS[value])}
            </option>
          ))}
        </SelectField>
      </div>
      <TextField
        label={t('detect.field.pattern')}
        value={draft.pattern}
        onChange={(value) => set('pattern', value)}
        required
        maxLength={1000}
        spellCheck={false}
        inputClassName="pattern"
        hint={t(PATTERN_HINTS[draft.kind])}
        error={
          missing
            ? t('detect.error.pattern_required')
            : patternError(error, errors.forField('pattern'))
        }
        testId={`${testPrefix}-pattern`}
      />
      <TextField
        label={t('detect.field.category')}
        value={draft.category}
        onChange={(value) => set('category', value)}
        maxLength={100}
        error={errors.forField('category')}
        testId={`${testPrefix}-category`}
      />
      <TextAreaField
        label={t('detect.field.notes')}
        value={draft.notes}
        onChange={(value) => set('notes', value)}
        rows={2}
        maxLength={2000}
        error={errors.forField('notes')}
        testId={`${testPrefix}-notes`}
      />
      <FormError message={errors.forForm} testId={`${testPrefix}-error`} />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid={`${testPrefix}-save`}
        >
          {editing ? t('common.save') : t('detect.indicator.add')}
        </button>
        {onCancel !== undefined && (
          <button
            type="button"
            className="button"
            onClick={onCancel}
            data-testid={`${testPrefix}-cancel`}
          >
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
