// The mandate page's collection sources: each with its kind, name, state (active, or stopped and
// why), counts (collected, duplicates, errors) and what was refused, per reason in plain words;
// a form to add one (an approved mandate only; a feed takes its URL and how often to poll);
// Import for file sources, "Poll now" and "Stop" for feeds; a link to the source's items.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { FormError, Loading, Notice, SelectField, TextField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { STATE_LABELS, isMandateState } from '../mandates/types';
import type { Mandate } from '../mandates/types';
import { ImportPanel, ImportResultView } from './ImportPanel';
import {
  SOURCE_KINDS,
  SOURCE_KIND_HINTS,
  SOURCE_KIND_LABELS,
  isFileSource,
  isSourceKind,
  mandateSourcesPath,
  refusalLines,
  refusalText,
  sourcePath,
} from './types';
import type { ImportResult, Source, SourceKind } from './types';

const SOURCE_FIELDS = ['kind', 'name', 'url', 'poll_minutes'] as const;
const DEFAULT_POLL_MINUTES = '60';

function AddSourceForm({
  mandate,
  onAdded,
  onCancel,
}: {
  mandate: Mandate;
  onAdded: (source: Source) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState<SourceKind>('jsonl');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [poll, setPoll] = useState(DEFAULT_POLL_MINUTES);
  const [problems, setProblems] = useState<
    Partial<Record<'name' | 'url' | 'poll_minutes', string>>
  >({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, SOURCE_FIELDS);
  const feed = kind === 'feed';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: typeof problems = {};
    if (name.trim() === '') found.name = t('collect.source.error_name');
    if (feed && !/^https?:\/\/\S+$/i.test(url.trim())) found.url = t('collect.source.error_url');
    const minutes = Number(poll.trim());
    if (feed && (!/^\d+$/.test(poll.trim()) || minutes < 1))
      found.poll_minutes = t('collect.source.error_poll');
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body: Record<string, unknown> = { kind, name: name.trim() };
      if (feed) {
        body.url = url.trim();
        body.poll_minutes = minutes;
      }
      onAdded(await api.post<Source>(mandateSourcesPath(mandate.id), body));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={submit}
      noValidate
      aria-labelledby="source-form-title"
      data-testid="source-form"
    >
      <h3 id="source-form-title">{t('collect.source.add_title')}</h3>
      <div className="form-grid">
        <SelectField
          label={t('collect.source.kind')}
          value={kind}
          onChange={(value) => setKind(value as SourceKind)}
          hint={t(SOURCE_KIND_HINTS[kind])}
          error={errors.forField('kind')}
          testId="source-kind"
        >
          {SOURCE_KINDS.map((option) => (
            <option key={option} value={option}>
              {t(SOURCE_KIND_LABELS[option])}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t('collect.source.name')}
          value={name}
          onChange={setName}
          required
          autoFocus
          maxLength={300}
          hint={t('collect.source.name_hint')}
          error={problems.name ?? errors.forField('name')}
          testId="source-name"
        />
        {feed && (
          <TextField
            label={t('collect.source.url')}
            value={url}
            onChange={setUrl}
            required
            spellCheck={false}
            maxLength={2000}
            hint={t('collect.source.url_hint')}
            error={problems.url ?? errors.forField('url')}
            testId="source-url"
          />
        )}
        {feed && (
          <TextField
            label={t('collect.source.poll_minutes')}
            value={poll}
            onChange={setPoll}
            inputMode="numeric"
            required
            maxLength={5}
            error={problems.poll_minutes ?? errors.forField('poll_minutes')}
            testId="source-poll-minutes"
          />
        )}
      </div>
      <FormError message={errors.forForm} testId="source-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="source-save"
        >
          {t('collect.source.add')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="source-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function StateCell({ source }: { source: Source }) {
  const { t } = useI18n();
  const active = source.state === 'active';
  return (
    <>
      <span
        className={active ? 'badge badge-ok' : 'badge badge-muted'}
        data-testid="source-state"
        data-state={source.state}
      >
        {active
          ? t('collect.source.active')
          : source.state === 'stopped'
            ? t('collect.source.stopped')
            : source.state}
      </span>
      {!active && source.stop_reason ? (
        <span className="cell-note detail-text" data-testid="source-stop-reason">
          {source.stop_reason}
        </span>
      ) : null}
    </>
  );
}

function Refusals({ source }: { source: Source }) {
  const { t, locale } = useI18n();
  const lines = refusalLines(source.counts?.refused);
  if (lines.length === 0) return <span className="muted">{t('collect.refused.none')}</span>;
  return (
    <ul className="plain-list">
      {lines.map(([reason, count]) => (
        <li key={reason} data-testid="source-refusal" data-reason={reason} data-count={count}>
          {refusalText(t, locale, reason, count)}
        </li>
      ))}
    </ul>
  );
}

export function SourcesSection({ mandate }: { mandate: Mandate }) {
  const { t, locale } = useI18n();
  const list = useResource<{ sources: Source[] }>(mandateSourcesPath(mandate.id));
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [polled, setPolled] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const sources = list.data?.sources ?? [];
  const open = mandate.state === 'approved';
  const importSource = sources.find((source) => String(source.id) === importing) ?? null;
  const number = (value: number | undefined) => new Intl.NumberFormat(locale).format(value ?? 0);

  async function act(source: Source, action: 'poll' | 'stop') {
    if (busy !== null) return;
    setBusy(String(source.id));
    setError(null);
    setPolled(null);
    try {
      const answer = await api.post<{ import?: ImportResult } | Source>(
        `${sourcePath(source.id)}/${action}`,
      );
      if (action === 'poll' && answer !== undefined && 'import' in answer && answer.import)
        setPolled(answer.import);
      setNotice(
        action === 'poll'
          ? t('collect.source.polled', { name: source.name })
          : t('collect.source.stopped_done', { name: source.name }),
      );
      list.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="panel" aria-labelledby="sources-title" data-testid="sources-section">
      <h2 id="sources-title">{t('collect.sources.title')}</h2>
      <p className="muted">
        {open
          ? t('collect.sources.explain')
          : t('collect.sources.closed', {
              state: isMandateState(mandate.state) ? t(STATE_LABELS[mandate.state]) : mandate.state,
            })}
      </p>
      {notice !== null && (
        <Notice testId="sources-saved" tone="success">
          {notice}
        </Notice>
      )}
      {list.error !== null && (
        <FormError message={errorMessage(t, list.error)} testId="sources-error" />
      )}
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="source-action-error"
      />
      {polled !== null && <ImportResultView result={polled} testId="poll-result" />}
      {list.data === null && list.error === null && <Loading />}
      {list.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="sources-table" aria-busy={list.loading}>
            <caption className="visually-hidden">{t('collect.sources.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('collect.source.name')}</th>
                <th scope="col">{t('collect.source.kind')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('collect.counts.collected')}</th>
                <th scope="col">{t('collect.counts.duplicates')}</th>
                <th scope="col">{t('collect.counts.errors')}</th>
                <th scope="col">{t('collect.counts.refused')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {sources.length === 0 && (
                <tr>
                  <td colSpan={8} data-testid="sources-empty">
                    {t('collect.sources.none')}
                  </td>
                </tr>
              )}
              {sources.map((source) => {
                const active = source.state === 'active';
                const feed = source.kind === 'feed';
                return (
                  <tr
                    key={String(source.id)}
                    data-testid="source-row"
                    data-id={String(source.id)}
                    data-kind={source.kind}
                    data-state={source.state}
                    data-name={source.name}
                  >
                    <td className="detail">
                      <span data-testid="source-row-name">{source.name}</span>
                      {feed && source.url ? (
                        <span className="cell-note mono" translate="no">
                          {source.url}
                        </span>
                      ) : null}
                      {feed && source.last_polled_at ? (
                        <span className="cell-note muted">
                          {t('collect.source.last_polled')}{' '}
                          <Time iso={source.last_polled_at} testId="source-last-polled" />
                        </span>
                      ) : null}
                    </td>
                    <td data-testid="source-row-kind">
                      {isSourceKind(source.kind) ? t(SOURCE_KIND_LABELS[source.kind]) : source.kind}
                    </td>
                    <td>
                      <StateCell source={source} />
                    </td>
                    <td data-testid="source-collected" data-count={source.counts?.collected ?? 0}>
                      {number(source.counts?.collected)}
                    </td>
                    <td data-testid="source-duplicates" data-count={source.counts?.duplicates ?? 0}>
                      {number(source.counts?.duplicates)}
                    </td>
                    <td data-testid="source-errors" data-count={source.counts?.errors ?? 0}>
                      {number(source.counts?.errors)}
                    </td>
                    <td className="detail">
                      <Refusals source={source} />
                    </td>
                    <td className="actions">
                      {active && isFileSource(source) && (
                        <button
                          type="button"
                          className="button button-small button-primary"
                          aria-expanded={importing === String(source.id)}
                          onClick={() =>
                            setImporting((current) =>
                              current === String(source.id) ? null : String(source.id),
                            )
                          }
                          aria-label={t('collect.source.import_named', { name: source.name })}
                          data-testid="source-import"
                        >
                          {t('collect.source.import')}
                        </button>
                      )}
                      {active && feed && (
                        <button
                          type="button"
                          className="button button-small"
                          aria-disabled={busy === String(source.id) || undefined}
                          onClick={() => void act(source, 'poll')}
                          aria-label={t('collect.source.poll_named', { name: source.name })}
                          data-testid="source-poll"
                        >
                          {t('collect.source.poll')}
                        </button>
                      )}
                      {active && feed && (
                        <button
                          type="button"
                          className="button button-small"
                          aria-disabled={busy === String(source.id) || undefined}
                          onClick={() => void act(source, 'stop')}
                          aria-label={t('collect.source.stop_named', { name: source.name })}
                          data-testid="source-stop"
                        >
                          {t('collect.source.stop')}
                        </button>
                      )}
                      <Link
                        to={`/collected${buildQuery({
                          mandate_id: String(mandate.id),
                          source_id: String(source.id),
                        })}`}
                        className="button button-small"
                        aria-label={t('collect.source.items_named', { name: source.name })}
                        data-testid="source-items"
                      >
                        {t('collect.source.items')}
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {importSource !== null && (
        <ImportPanel
          key={String(importSource.id)}
          source={importSource}
          onImported={() => list.reload()}
          onClose={() => setImporting(null)}
        />
      )}
      {open && !adding && (
        <div className="form-actions section-actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              setAdding(true);
              setNotice(null);
            }}
            data-testid="source-new"
          >
            {t('collect.source.add_title')}
          </button>
        </div>
      )}
      {open && adding && (
        <AddSourceForm
          mandate={mandate}
          onCancel={() => setAdding(false)}
          onAdded={(source) => {
            setAdding(false);
            setNotice(t('collect.source.added', { name: source.name }));
            if (isFileSource(source)) setImporting(String(source.id));
            list.reload();
          }}
        />
      )}
    </section>
  );
}
