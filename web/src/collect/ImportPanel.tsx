// Importing a file into a source (a Telegram export's result.json, a VK API response, JSON
// Lines, a WARC file): the raw file is POSTed with XMLHttpRequest, like an evidence upload, so
// that a progress bar moves while it is sent; then the server's result: records read, stored,
// duplicates, refused per reason in plain words, and the first errors with their positions.
import { useEffect, useId, useRef, useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { api } from '../app/api';
import { useI18n } from '../app/i18n';
import { FormError } from '../app/ui';
import { percentOf, uploadErrorText } from '../evidence/types';
import { useSizeFormatter } from '../evidence/parts';
import { SOURCE_KIND_HINTS, importPath, isSourceKind, refusalLines, refusalText } from './types';
import type { ImportResult, Source } from './types';

/** How many of the import's errors are listed. */
const ERRORS_SHOWN = 20;

export function ImportResultView({ result, testId }: { result: ImportResult; testId: string }) {
  const { t, locale } = useI18n();
  const refused = refusalLines(result.refused);
  const refusedTotal = refused.reduce((sum, [, count]) => sum + count, 0);
  const errors = result.errors ?? [];
  const number = (value: number) => new Intl.NumberFormat(locale).format(value);
  return (
    <section
      className="import-result"
      aria-label={t('collect.import.result')}
      data-testid={testId}
      data-records={result.records}
      data-stored={result.stored}
      data-duplicates={result.duplicates}
      data-refused={refusedTotal}
      data-errors={errors.length}
    >
      <h4>{t('collect.import.result')}</h4>
      <dl className="facts">
        <dt>{t('collect.import.records')}</dt>
        <dd data-testid="import-records">{number(result.records)}</dd>
        <dt>{t('collect.import.stored')}</dt>
        <dd data-testid="import-stored">{number(result.stored)}</dd>
        <dt>{t('collect.import.duplicates')}</dt>
        <dd data-testid="import-duplicates">{number(result.duplicates)}</dd>
        <dt>{t('collect.import.refused')}</dt>
        <dd>
          {refused.length === 0 ? (
            <span className="muted">{t('collect.refused.none')}</span>
          ) : (
            <ul className="plain-list">
              {refused.map(([reason, count]) => (
                <li
                  key={reason}
                  data-testid="import-refused"
                  data-reason={reason}
                  data-count={count}
                >
                  {refusalText(t, locale, reason, count)}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>{t('collect.import.errors')}</dt>
        <dd>
          {errors.length === 0 ? (
            <span className="muted">{t('collect.import.no_errors')}</span>
          ) : (
            <>
              <ul className="plain-list" data-testid="import-errors">
                {errors.slice(0, ERRORS_SHOWN).map((error, index) => (
                  <li
                    key={`${error.position}|${index}`}
                    data-testid="import-error-item"
                    data-position={error.position}
                  >
                    <span className="mono" translate="no">
                      {error.position}
                    </span>
                    {': '}
                    <span translate="no">{error.error}</span>
                  </li>
                ))}
              </ul>
              {errors.length > ERRORS_SHOWN && (
                <p className="muted">
                  {t('collect.import.more_errors', { count: errors.length - ERRORS_SHOWN })}
                </p>
              )}
            </>
          )}
        </dd>
      </dl>
    </section>
  );
}

export function ImportPanel({
  source,
  onImported,
  onClose,
}: {
  source: Source;
  onImported: (result: ImportResult) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const format = useSizeFormatter();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState(false);
  const [loaded, setLoaded] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  function choose(event: ChangeEvent<HTMLInputElement>) {
    setFile(event.target.files?.[0] ?? null);
    setMissing(false);
    setResult(null);
    setError(null);
    setLoaded(0);
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (file === null) {
      setMissing(true);
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setBusy(true);
    setError(null);
    setResult(null);
    setLoaded(0);
    try {
      const answer = await api.upload<{ import: ImportResult }>(importPath(source.id), file, {
        signal: abort.signal,
        onProgress: (progress) => setLoaded(progress.loaded),
      });
      setLoaded(file.size);
      setResult(answer.import);
      onImported(answer.import);
    } catch (failure) {
      if (!(failure instanceof DOMException && failure.name === 'AbortError')) setError(failure);
      else setLoaded(0);
    } finally {
      controller.current = null;
      setBusy(false);
    }
  }

  const percent = file === null ? 0 : result !== null ? 100 : percentOf(loaded, file.size);
  const sent =
    file === null
      ? ''
      : t('collect.import.bytes_of', {
          sent: format(result !== null ? file.size : loaded),
          total: format(file.size),
        });
  return (
    <form
      className="panel panel-inner"
      onSubmit={send}
      noValidate
      aria-labelledby={`${fileId}-title`}
      data-testid="import-form"
      data-source-id={String(source.id)}
      data-state={busy ? 'sending' : result !== null ? 'done' : error !== null ? 'failed' : 'idle'}
    >
      <h3 id={`${fileId}-title`}>{t('collect.import.title', { name: source.name })}</h3>
      <div className={missing ? 'field field-invalid' : 'field'}>
        <input
          id={fileId}
          className="file-input"
          type="file"
          onChange={choose}
          disabled={busy}
          aria-describedby={missing ? `${fileId}-hint ${fileId}-error` : `${fileId}-hint`}
          aria-invalid={missing ? true : undefined}
          data-testid="import-file"
        />
        <label htmlFor={fileId} className="button file-button">
          {t('collect.import.choose')}
        </label>
        <p id={`${fileId}-hint`} className="field-hint">
          {isSourceKind(source.kind) ? t(SOURCE_KIND_HINTS[source.kind]) : ''}
        </p>
        {missing && (
          <p id={`${fileId}-error`} className="field-error" data-testid="import-file-error">
            {t('collect.import.no_file')}
          </p>
        )}
      </div>
      {file !== null && (
        <div className="upload-file" data-testid="import-file-row">
          <div className="upload-file-head">
            <span className="upload-file-name" data-testid="import-file-name" translate="no">
              {file.name}
            </span>
            <span className="muted" data-testid="import-bytes">
              {sent}
            </span>
          </div>
          <div
            className="upload-progress"
            role="progressbar"
            aria-label={t('collect.import.progress_named', { name: file.name })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={sent}
            data-testid="import-progress"
          >
            <progress value={percent} max={100} aria-hidden="true" />
          </div>
        </div>
      )}
      <FormError
        message={error === null ? null : uploadErrorText(t, error)}
        testId="import-error"
      />
      {result !== null && <ImportResultView result={result} testId="import-result" />}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="import-submit"
        >
          {busy ? t('collect.import.sending') : t('collect.import.submit')}
        </button>
        {busy ? (
          <button
            type="button"
            className="button"
            onClick={() => controller.current?.abort()}
            data-testid="import-cancel"
          >
            {t('common.cancel')}
          </button>
        ) : (
          <button type="button" className="button" onClick={onClose} data-testid="import-close">
            {t('collect.import.close')}
          </button>
        )}
      </div>
    </form>
  );
}
