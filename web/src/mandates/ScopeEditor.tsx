// The scope of a mandate: rows of kind (domain, account, URL prefix, platform), platform and
// value, added and removed one by one. Each kind says what it expects; a row's problem shows
// beside its field once the row has a value, or after the user tried to save.
import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../app/i18n';
import { SelectField, TextField } from '../app/ui';
import {
  PLATFORMS,
  SCOPE_KINDS,
  SCOPE_KIND_HINTS,
  SCOPE_KIND_LABELS,
  checkScopeRow,
} from './types';
import type { ScopeKind, ScopeProblem, ScopeRow } from './types';

export interface ScopeEditorProps {
  rows: ScopeRow[];
  onChange: (rows: ScopeRow[]) => void;
  /** Show every row's problem (after an attempt to save), not only those of filled rows. */
  showAll: boolean;
  /** The server's errors for rows, by row key. */
  serverErrors: ReadonlyMap<number, { part: 'platform' | 'value'; message: string }>;
  /** An error for the scope as a whole (none given, or the server's). */
  error: string | null;
}

export function ScopeEditor({ rows, onChange, showAll, serverErrors, error }: ScopeEditorProps) {
  const { t } = useI18n();
  const id = useId();
  const nextKey = useRef(rows.reduce((most, row) => Math.max(most, row.key), 0) + 1);
  const [focusKey, setFocusKey] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  // A new row takes the focus (its kind), so that keyboard users go on where they are.
  useEffect(() => {
    if (focusKey === null) return;
    document.getElementById(`${id}-row-${focusKey}`)?.querySelector('select')?.focus();
    setFocusKey(null);
  }, [focusKey, id]);

  function add() {
    const key = nextKey.current++;
    onChange([...rows, { key, kind: 'domain', platform: '', value: '' }]);
    setFocusKey(key);
  }

  function change(key: number, update: Partial<ScopeRow>) {
    onChange(rows.map((row) => (row.key === key ? { ...row, ...update } : row)));
  }

  function remove(key: number) {
    onChange(rows.filter((row) => row.key !== key));
    addButton.current?.focus();
  }

  function problemText(row: ScopeRow, problem: ScopeProblem, part: 'platform' | 'value') {
    const server = serverErrors.get(row.key);
    if (server !== undefined && server.part === part) return server.message;
    const key = problem[part];
    if (key === undefined) return null;
    const touched = part === 'value' ? row.value.trim() !== '' : false;
    return showAll || touched ? t(key) : null;
  }

  return (
    <fieldset
      className={error ? 'fieldset field-invalid' : 'fieldset'}
      aria-describedby={`${id}-explain${error ? ` ${id}-error` : ''}`}
      data-testid="mandate-scope"
    >
      <legend>{t('mandates.field.scope')}</legend>
      <p id={`${id}-explain`} className="field-hint">
        {t('mandates.scope.explain')}
      </p>
      {rows.length === 0 && (
        <p className="muted" data-testid="scope-empty">
          {t('mandates.scope.none')}
        </p>
      )}
      {rows.map((row, index) => {
        const problem = checkScopeRow(row);
        const number = index + 1;
        const needsPlatform = row.kind === 'account' || row.kind === 'platform';
        return (
          <fieldset
            key={row.key}
            id={`${id}-row-${row.key}`}
            className="scope-row"
            data-testid="scope-row"
            data-index={index}
            data-kind={row.kind}
          >
            <legend>{t('mandates.scope.entry', { number })}</legend>
            <div className="scope-row-fields">
              <SelectField
                label={t('mandates.scope.kind')}
                value={row.kind}
                onChange={(kind) => change(row.key, { kind: kind as ScopeKind })}
                hint={t(SCOPE_KIND_HINTS[row.kind])}
                testId="scope-kind"
              >
                {SCOPE_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {t(SCOPE_KIND_LABELS[kind])}
                  </option>
                ))}
              </SelectField>
              {needsPlatform && (
                <SelectField
                  label={t('mandates.scope.platform')}
                  value={row.platform}
                  onChange={(platform) => change(row.key, { platform })}
                  error={problemText(row, problem, 'platform')}
                  testId="scope-platform"
                >
                  <option value="">{t('mandates.scope.platform_choose')}</option>
                  {PLATFORMS.map((platform) => (
                    <option key={platform} value={platform}>
                      {platform}
                    </option>
                  ))}
                </SelectField>
              )}
              {row.kind !== 'platform' && (
                <TextField
                  label={
                    row.kind === 'account'
                      ? t('mandates.scope.value_account')
                      : row.kind === 'domain'
                        ? t('mandates.scope.value_domain')
                        : t('mandates.scope.value_url')
                  }
                  value={row.value}
                  onChange={(value) => change(row.key, { value })}
                  spellCheck={false}
                  autoComplete="off"
                  maxLength={2000}
                  error={problemText(row, problem, 'value')}
                  testId="scope-value"
                />
              )}
              <button
                type="button"
                className="button button-small scope-remove"
                onClick={() => remove(row.key)}
                aria-label={t('mandates.scope.remove_named', { number })}
                data-testid="scope-remove"
              >
                {t('common.remove')}
              </button>
            </div>
          </fieldset>
        );
      })}
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid="mandate-scope-error">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button
          ref={addButton}
          type="button"
          className="button"
          onClick={add}
          data-testid="scope-add"
        >
          {t('mandates.scope.add')}
        </button>
      </div>
    </fieldset>
  );
}
