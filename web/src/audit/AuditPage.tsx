// The audit viewer: filters, one page of records at a time (newest first, `before_id` cursor),
// and the CSV export of the same selection.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, formatDateTime } from '../app/time';
import type { AuditPage as AuditPageAnswer } from '../app/types';
import { FormError, Loading, PageHeader, SelectField, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { AUDIT_LIMITS, auditPath, csvPath, filtersFromSearch, filtersToSearch } from './query';
import type { AuditFilters } from './query';

export function formatDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  return JSON.stringify(detail);
}

function FilterForm({ applied, timeZone }: { applied: AuditFilters; timeZone: string }) {
  const { t } = useI18n();
  const [form, setForm] = useState<AuditFilters>(applied);
  const set = (key: keyof AuditFilters) => (value: string) =>
    setForm((current) => ({ ...current, [key]: key === 'limit' ? Number(value) : value }));

  function apply(event: FormEvent) {
    event.preventDefault();
    navigate(`/audit${filtersToSearch(form)}`);
  }

  return (
    <form
      className="filters panel"
      onSubmit={apply}
      role="search"
      aria-label={t('audit.filters')}
      data-testid="audit-filters"
    >
      <div className="form-grid">
        <TextField
          label={t('audit.actor')}
          value={form.actor}
          onChange={set('actor')}
          spellCheck={false}
          testId="audit-filter-actor"
        />
        <TextField
          label={t('audit.action')}
          value={form.action}
          onChange={set('action')}
          spellCheck={false}
          testId="audit-filter-action"
        />
        <TextField
          label={t('audit.object_type')}
          value={form.object_type}
          onChange={set('object_type')}
          spellCheck={false}
          testId="audit-filter-object-type"
        />
        <TextField
          label={t('audit.object_id')}
          value={form.object_id}
          onChange={set('object_id')}
          spellCheck={false}
          testId="audit-filter-object-id"
        />
        <TextField
          label={t('audit.from')}
          type="datetime-local"
          value={form.from}
          onChange={set('from')}
          hint={t('audit.zone_hint', { zone: timeZone })}
          testId="audit-filter-from"
        />
        <TextField
          label={t('audit.to')}
          type="datetime-local"
          value={form.to}
          onChange={set('to')}
          hint={t('audit.zone_hint', { zone: timeZone })}
          testId="audit-filter-to"
        />
        <SelectField
          label={t('audit.page_size')}
          value={String(form.limit)}
          onChange={set('limit')}
          testId="audit-filter-limit"
        >
          {AUDIT_LIMITS.map((limit) => (
            <option key={limit} value={String(limit)}>
              {limit}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="audit-apply">
          {t('audit.apply')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => navigate('/audit')}
          data-testid="audit-reset"
        >
          {t('audit.reset')}
        </button>
      </div>
    </form>
  );
}

function Results({ filters, timeZone }: { filters: AuditFilters; timeZone: string }) {
  const { t, locale } = useI18n();
  // The cursors of the pages seen so far; the last one is the page shown. null: newest page.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const beforeId = cursors[cursors.length - 1] ?? null;
  const page = useResource<AuditPageAnswer>(auditPath(filters, timeZone, beforeId));
  const nextBeforeId = page.data?.next_before_id ?? null;

  return (
    <section aria-labelledby="audit-results-title">
      <div className="toolbar">
        <h2 id="audit-results-title" className="section-title">
          {t('audit.results')}
        </h2>
        <a
          className="button"
          href={csvPath(filters, timeZone)}
          download="audit.csv"
          data-testid="audit-export"
        >
          {t('audit.export_csv')}
        </a>
      </div>
      {page.error !== null && (
        <FormError message={errorMessage(t, page.error)} testId="audit-error" />
      )}
      {page.loading && page.data === null && <Loading />}
      {page.data !== null && (
        <div className="table-wrap">
          <table className="table table-dense" data-testid="audit-table" aria-busy={page.loading}>
            <caption className="visually-hidden">{t('audit.results')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.object')}</th>
                <th scope="col">{t('audit.outcome')}</th>
                <th scope="col">{t('audit.client')}</th>
                <th scope="col">{t('audit.request_id')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.records.length === 0 && (
                <tr>
                  <td colSpan={8} data-testid="audit-empty">
                    {t('audit.empty')}
                  </td>
                </tr>
              )}
              {page.data.records.map((record) => (
                <tr
                  key={record.id}
                  data-testid="audit-row"
                  data-id={record.id}
                  data-action={record.action}
                >
                  <td className="nowrap">
                    <time dateTime={record.at}>{formatDateTime(record.at, locale, timeZone)}</time>
                  </td>
                  <td>
                    {record.actor_name ?? (record.actor_id !== null ? String(record.actor_id) : '')}
                  </td>
                  <td className="mono" data-testid="audit-action">
                    {record.action}
                  </td>
                  <td className="mono">
                    {[record.object_type, record.object_id]
                      .filter((part) => part !== null && part !== '')
                      .join(' ')}
                  </td>
                  <td>
                    <span
                      className={
                        record.outcome === 'ok' || record.outcome === 'success'
                          ? 'badge badge-ok'
                          : 'badge badge-warning'
                      }
                    >
                      {record.outcome}
                    </span>
                  </td>
                  <td className="mono">{record.client ?? ''}</td>
                  <td className="mono">{record.request_id ?? ''}</td>
                  <td className="mono detail">{formatDetail(record.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label={t('audit.pages')}>
        <button
          type="button"
          className="button"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((current) => current.slice(0, -1))}
          data-testid="audit-prev"
        >
          {t('audit.previous')}
        </button>
        <span className="pager-position" data-testid="audit-page">
          {t('audit.page', { page: cursors.length })}
        </span>
        <button
          type="button"
          className="button"
          disabled={nextBeforeId === null || page.loading}
          onClick={() =>
            setCursors((current) => (nextBeforeId === null ? current : [...current, nextBeforeId]))
          }
          data-testid="audit-next"
        >
          {t('audit.next')}
        </button>
      </nav>
    </section>
  );
}

export function AuditPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const { search } = useLocation();
  const timeZone = effectiveTimeZone(user.time_zone);
  const filters = filtersFromSearch(search);
  return (
    <section className="page" data-testid="page-audit">
      <PageHeader title={t('audit.title')} testId="page-title" />
      <FilterForm key={`form${search}`} applied={filters} timeZone={timeZone} />
      <Results key={`results${search}${timeZone}`} filters={filters} timeZone={timeZone} />
    </section>
  );
}
