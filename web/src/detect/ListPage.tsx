// One indicator list (/detect/lists/{id}): its facts and compile problems, its entries (search,
// add, edit, retire), import of a CSV or JSON file (append or replace; what was added, updated,
// retired, and each refused row with its position), export links, and the version history.
import { useEffect, useId, useRef, useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canManageDetection } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading, Notice, PageHeader, SelectField, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { personName } from '../mandates/types';
import { Time } from '../evidence/parts';
import { IndicatorForm } from './IndicatorForm';
import { ActiveBadge, DetectTabs, Precision, RowErrors, SeverityBadge, useNumber } from './parts';
import {
  FILE_FORMATS,
  FORMAT_LABELS,
  IMPORT_MODES,
  INDICATOR_KIND_LABELS,
  LANGUAGE_LABELS,
  LISTS_PAGE,
  LIST_KIND_LABELS,
  MODE_LABELS,
  formatOfFile,
  indicatorPath,
  indicatorsPath,
  isIndicatorKind,
  isIndicatorLanguage,
  isListKind,
  listExportPath,
  listImportPath,
  listPath,
} from './types';
import type {
  FileFormat,
  ImportMode,
  Indicator,
  IndicatorList,
  ListImportResult,
  ListVersion,
} from './types';

const PAGE_SIZE = 50;

function ImportForm({ list, onImported }: { list: IndicatorList; onImported: () => void }) {
  const { t } = useI18n();
  const number = useNumber();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<FileFormat | ''>('');
  const [mode, setMode] = useState<ImportMode>('append');
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ListImportResult | null>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);

  function choose(event: ChangeEvent<HTMLInputElement>) {
    setFile(event.target.files?.[0] ?? null);
    setMissing(false);
    setResult(null);
    setError(null);
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
    try {
      const chosen = format === '' ? formatOfFile(file.name) : format;
      const answer = await api.upload<ListImportResult>(
        listImportPath(list.id, chosen, mode),
        file,
        {
          signal: abort.signal,
        },
      );
      setResult(answer);
      onImported();
    } catch (failure) {
      if (!(failure instanceof DOMException && failure.name === 'AbortError')) setError(failure);
    } finally {
      controller.current = null;
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={send}
      noValidate
      aria-labelledby={`${fileId}-title`}
      data-testid="list-import-form"
      data-state={busy ? 'sending' : result !== null ? 'done' : error !== null ? 'failed' : 'idle'}
    >
      <h3 id={`${fileId}-title`}>{t('detect.import.list_title')}</h3>
      <p className="muted">{t('detect.import.list_explain')}</p>
      <div className={missing ? 'field field-invalid' : 'field'}>
        <input
          id={fileId}
          className="file-input"
          type="file"
          accept=".csv,.json,text/csv,application/json"
          onChange={choose}
          disabled={busy}
          aria-describedby={missing ? `${fileId}-hint ${fileId}-error` : `${fileId}-hint`}
          aria-invalid={missing ? true : undefined}
          data-testid="list-import-file"
        />
        <label htmlFor={fileId} className="button file-button">
          {file === null
            ? t('detect.import.choose')
            : t('detect.import.chosen', { name: file.name })}
        </label>
        <p id={`${fileId}-hint`} className="field-hint">
          {t('detect.import.file_hint')}
        </p>
        {missing && (
          <p id={`${fileId}-error`} className="field-error" data-testid="list-import-file-error">
            {t('detect.import.no_file')}
          </p>
        )}
      </div>
      <div className="form-grid">
        <SelectField
          label={t('detect.import.format')}
          value={format}
          onChange={(value) => setFormat(value === 'csv' || value === 'json' ? value : '')}
          testId="list-import-format"
        >
          <option value="">{t('detect.import.format_auto')}</option>
          {FILE_FORMATS.map((value) => (
            <option key={value} value={value}>
              {t(FORMAT_LABELS[value])}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t('detect.import.mode')}
          value={mode}
          onChange={(value) => setMode(value === 'replace' ? 'replace' : 'append')}
          hint={
            mode === 'replace'
              ? t('detect.import.mode_replace_hint')
              : t('detect.import.mode_append_hint')
          }
          testId="list-import-mode"
        >
          {IMPORT_MODES.map((value) => (
            <option key={value} value={value}>
              {t(MODE_LABELS[value])}
            </option>
          ))}
        </SelectField>
      </div>
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="list-import-error"
      />
      {result !== null && (
        <section
          className="import-result"
          aria-label={t('detect.import.result')}
          data-testid="list-import-result"
          data-added={result.added}
          data-updated={result.updated}
          data-retired={result.retired}
          data-errors={result.errors.length}
        >
          <h4>{t('detect.import.result')}</h4>
          <dl className="facts">
            <dt>{t('detect.import.added')}</dt>
            <dd data-testid="list-import-added">{number(result.added)}</dd>
            <dt>{t('detect.import.updated')}</dt>
            <dd data-testid="list-import-updated">{number(result.updated)}</dd>
            <dt>{t('detect.import.retired')}</dt>
            <dd data-testid="list-import-retired">{number(result.retired)}</dd>
            <dt>{t('detect.import.errors')}</dt>
            <dd>
              <RowErrors errors={result.errors} />
            </dd>
          </dl>
        </section>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="list-import-submit"
        >
          {busy ? t('detect.import.sending') : t('detect.import.submit')}
        </button>
      </div>
    </form>
  );
}

function Entries({
  list,
  manage,
  generation,
  onChanged,
}: {
  list: IndicatorList;
  manage: boolean;
  generation: number;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const number = useNumber();
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<Indicator | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const page = useResource<{ indicators: Indicator[]; total: number }>(
    indicatorsPath(list.id, q, offset, PAGE_SIZE),
  );
  const rows = page.data?.indicators ?? [];
  const total = page.data?.total ?? rows.length;

  function search(event: FormEvent) {
    event.preventDefault();
    setOffset(0);
    setQ(typed);
  }

  async function retire(indicator: Indicator) {
    setActionError(null);
    try {
      await api.delete(indicatorPath(indicator.id));
      onChanged(t('detect.indicator.retired', { pattern: indicator.pattern }));
      page.reload();
    } catch (failure) {
      setActionError(failure);
    }
  }

  const reloadPage = page.reload;
  useEffect(() => {
    if (generation > 0) reloadPage();
  }, [generation, reloadPage]);

  return (
    <section className="panel" aria-labelledby="entries-title" data-testid="list-entries">
      <h2 id="entries-title">{t('detect.list.entries')}</h2>
      <form
        className="inline-form"
        role="search"
        onSubmit={search}
        aria-label={t('detect.list.search')}
      >
        <TextField
          label={t('detect.list.search')}
          type="search"
          value={typed}
          onChange={setTyped}
          spellCheck={false}
          testId="indicators-search"
        />
        <button type="submit" className="button" data-testid="indicators-search-submit">
          {t('common.search')}
        </button>
      </form>
      {editing !== null && (
        <IndicatorForm
          key={String(editing.id)}
          listId={String(list.id)}
          indicator={editing}
          onSaved={(saved) => {
            setEditing(null);
            onChanged(t('detect.indicator.saved', { pattern: saved.pattern }));
            page.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="indicator-action-error"
      />
      {page.error !== null && (
        <FormError message={errorMessage(t, page.error)} testId="indicators-error" />
      )}
      {page.data === null && page.error === null && <Loading />}
      {page.data !== null && (
        <>
          <p className="muted" data-testid="indicators-total" data-total={total}>
            {t('detect.list.total', { count: number(total) })}
          </p>
          <div className="table-wrap">
            <table
              className="table table-dense"
              data-testid="indicators-table"
              data-q={q}
              aria-busy={page.loading}
            >
              <caption className="visually-hidden">{t('detect.list.entries')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('detect.field.pattern')}</th>
                  <th scope="col">{t('detect.field.indicator_kind')}</th>
                  <th scope="col">{t('detect.field.language')}</th>
                  <th scope="col">{t('detect.field.category')}</th>
                  <th scope="col">{t('detect.field.severity')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('detect.field.alert_count')}</th>
                  <th scope="col">{t('detect.metrics.precision')}</th>
                  {manage && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={manage ? 9 : 8} data-testid="indicators-empty">
                      {t('detect.list.empty')}
                    </td>
                  </tr>
                )}
                {rows.map((indicator) => (
                  <tr
                    key={String(indicator.id)}
                    data-testid="indicator-row"
                    data-id={String(indicator.id)}
                    data-pattern={indicator.pattern}
                    data-active={String(indicator.active)}
                  >
                    <td className="pattern" translate="no" data-testid="indicator-pattern">
                      {indicator.pattern}
                      {indicator.notes !== '' && (
                        <span className="muted cell-note">{indicator.notes}</span>
                      )}
                    </td>
                    <td>
                      {isIndicatorKind(indicator.kind)
                        ? t(INDICATOR_KIND_LABELS[indicator.kind])
                        : indicator.kind}
                    </td>
                    <td>
                      {isIndicatorLanguage(indicator.language)
                        ? t(LANGUAGE_LABELS[indicator.language])
                        : indicator.language}
                    </td>
                    <td>{indicator.category}</td>
                    <td>
                      <SeverityBadge severity={indicator.severity} />
                    </td>
                    <td>
                      <ActiveBadge active={indicator.active} />
                    </td>
                    <td>{number(indicator.alerts)}</td>
                    <td>
                      <Precision value={indicator.precision} />
                    </td>
                    {manage && (
                      <td className="actions">
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => setEditing(indicator)}
                          aria-label={t('detect.indicator.edit_named', {
                            pattern: indicator.pattern,
                          })}
                          data-testid="indicator-edit"
                        >
                          {t('common.edit')}
                        </button>
                        {indicator.active && (
                          <button
                            type="button"
                            className="button button-small button-danger"
                            onClick={() => void retire(indicator)}
                            aria-label={t('detect.indicator.retire_named', {
                              pattern: indicator.pattern,
                            })}
                            data-testid="indicator-retire"
                          >
                            {t('detect.indicator.retire')}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label={t('detect.pages')}>
            <button
              type="button"
              className="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
              data-testid="indicators-prev"
            >
              {t('collected.prev')}
            </button>
            <button
              type="button"
              className="button"
              disabled={offset + rows.length >= total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
              data-testid="indicators-next"
            >
              {t('collected.next')}
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function Versions({ listId, generation }: { listId: string; generation: number }) {
  const { t } = useI18n();
  const versions = useResource<{ versions: ListVersion[] }>(`${listPath(listId)}/versions`);
  const reloadVersions = versions.reload;
  useEffect(() => {
    if (generation > 0) reloadVersions();
  }, [generation, reloadVersions]);
  const rows = versions.data?.versions ?? [];
  return (
    <section className="panel" aria-labelledby="versions-title" data-testid="list-versions">
      <h2 id="versions-title">{t('detect.list.versions')}</h2>
      {versions.error !== null && (
        <FormError message={errorMessage(t, versions.error)} testId="list-versions-error" />
      )}
      {versions.data === null && versions.error === null && <Loading />}
      {versions.data !== null && (
        <div className="table-wrap">
          <table className="table table-dense" data-testid="list-versions-table">
            <caption className="visually-hidden">{t('detect.list.versions')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('detect.field.version')}</th>
                <th scope="col">{t('detect.field.when')}</th>
                <th scope="col">{t('detect.field.who')}</th>
                <th scope="col">{t('detect.field.change')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((version) => (
                <tr
                  key={version.version}
                  data-testid="list-version-row"
                  data-version={version.version}
                >
                  <td>{version.version}</td>
                  <td>
                    <Time iso={version.created_at} />
                  </td>
                  <td>{version.created_by === null ? '' : personName(version.created_by)}</td>
                  <td translate="no">{version.change}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function ListPage({ listId }: { listId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const number = useNumber();
  const manage = canManageDetection(user);
  const loaded = useResource<IndicatorList>(listPath(listId));
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const list = loaded.data;

  function changed(message: string | null) {
    if (message !== null) setNotice(message);
    setGeneration((value) => value + 1);
    loaded.reload();
  }

  async function toggleActive(current: IndicatorList) {
    setActionError(null);
    try {
      await api.patch<IndicatorList>(listPath(current.id), { active: !current.active });
      changed(current.active ? t('detect.list.deactivated') : t('detect.list.activated'));
    } catch (failure) {
      setActionError(failure);
    }
  }

  if (list === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-detect-list"
        data-state={loaded.error !== null ? 'error' : 'loading'}
      >
        <PageHeader title={t('detect.list.title_loading')} testId="page-title" />
        <DetectTabs />
        {loaded.error !== null ? (
          <FormError
            message={notFound ? t('detect.list.not_found') : errorMessage(t, loaded.error)}
            testId="list-error"
          />
        ) : (
          <Loading />
        )}
        <Link to={LISTS_PAGE} data-testid="list-back">
          {t('detect.lists.back')}
        </Link>
      </section>
    );
  }

  const problems = list.problems ?? [];
  return (
    <section
      className="page"
      data-testid="page-detect-list"
      data-state="loaded"
      data-id={String(list.id)}
      data-version={list.version}
    >
      <PageHeader title={list.name} testId="page-title">
        {manage && (
          <button
            type="button"
            className="button"
            onClick={() => void toggleActive(list)}
            data-testid="list-toggle-active"
          >
            {list.active ? t('detect.list.deactivate') : t('detect.list.activate')}
          </button>
        )}
      </PageHeader>
      <DetectTabs />
      <p>
        <Link to={LISTS_PAGE} data-testid="list-back">
          {t('detect.lists.back')}
        </Link>
      </p>
      {notice !== null && (
        <Notice testId="list-saved" tone="success">
          {notice}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="list-action-error"
      />
      <section className="panel" aria-labelledby="list-facts-title">
        <h2 id="list-facts-title" className="visually-hidden">
          {t('detect.list.facts')}
        </h2>
        <dl className="facts" data-testid="list-facts">
          <dt>{t('detect.field.list_kind')}</dt>
          <dd data-testid="list-kind-value" data-kind={list.kind}>
            {isListKind(list.kind) ? t(LIST_KIND_LABELS[list.kind]) : list.kind}
          </dd>
          <dt>{t('detect.field.version')}</dt>
          <dd data-testid="list-version-value">{number(list.version)}</dd>
          <dt>{t('common.status')}</dt>
          <dd>
            <ActiveBadge active={list.active} testId="list-active-value" />
          </dd>
          <dt>{t('detect.field.indicator_count')}</dt>
          <dd data-testid="list-indicator-count-value">{number(list.indicator_count)}</dd>
          <dt>{t('detect.field.alert_count')}</dt>
          <dd>{number(list.alert_count)}</dd>
          {list.description !== '' && (
            <>
              <dt>{t('detect.field.description')}</dt>
              <dd className="detail-text">{list.description}</dd>
            </>
          )}
          <dt>{t('detect.field.export')}</dt>
          <dd className="inline-list">
            {(['csv', 'json'] as const).map((format) => (
              <a
                key={format}
                className="button button-small"
                href={listExportPath(list.id, format)}
                download
                data-testid={`list-export-${format}`}
              >
                {t('detect.list.export_as', { format: t(FORMAT_LABELS[format]) })}
              </a>
            ))}
          </dd>
        </dl>
      </section>
      <section
        className={problems.length > 0 ? 'panel panel-warning' : 'panel'}
        aria-labelledby="list-problems-title"
        data-testid="list-problems"
        data-count={problems.length}
      >
        <h2 id="list-problems-title">{t('detect.list.problems')}</h2>
        {problems.length === 0 ? (
          <p className="muted" data-testid="list-problems-none">
            {t('detect.list.problems_none')}
          </p>
        ) : (
          <ul className="plain-list">
            {problems.map((problem) => (
              <li
                key={String(problem.indicator_id)}
                data-testid="list-problem"
                data-indicator-id={String(problem.indicator_id)}
              >
                <span className="pattern" translate="no">
                  {problem.pattern}
                </span>
                {': '}
                <span translate="no">{problem.error}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {manage && (
        <section className="panel" aria-labelledby="list-manage-title">
          <h2 id="list-manage-title">{t('detect.list.manage')}</h2>
          {adding ? (
            <IndicatorForm
              listId={String(list.id)}
              indicator={null}
              onSaved={(saved) => changed(t('detect.indicator.added', { pattern: saved.pattern }))}
              onCancel={() => setAdding(false)}
            />
          ) : (
            <div className="section-actions">
              <button
                type="button"
                className="button button-primary"
                onClick={() => setAdding(true)}
                data-testid="indicator-new"
              >
                {t('detect.indicator.new')}
              </button>
            </div>
          )}
          <ImportForm list={list} onImported={() => changed(null)} />
        </section>
      )}
      <Entries list={list} manage={manage} generation={generation} onChanged={changed} />
      <Versions listId={String(list.id)} generation={generation} />
    </section>
  );
}
