// The case list: search (number or title), status, article, "only mine"; newest change first.
// Filters live in the page URL. Only the cases the user may see are listed (need-to-know is the
// server's).
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canCreateCases } from '../app/permissions';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import {
  CheckboxField,
  FormError,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  TextField,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { CASE_LIST_LIMIT, casesPath, filtersFromSearch, filtersToSearch } from './query';
import type { CaseFilters } from './query';
import { StatusBadge } from './StatusBadge';
import { CASE_STATUSES, STATUS_LABELS, isMemberOf, leadOf } from './types';
import type { Case, CaseStatus } from './types';

function FilterForm({ applied }: { applied: CaseFilters }) {
  const { t } = useI18n();
  const [form, setForm] = useState<CaseFilters>(applied);

  function apply(event: FormEvent) {
    event.preventDefault();
    navigate(`/cases${filtersToSearch(form)}`);
  }

  return (
    <form
      className="filters panel"
      onSubmit={apply}
      role="search"
      aria-label={t('cases.filters')}
      data-testid="cases-filters"
    >
      <div className="form-grid">
        <TextField
          label={t('cases.search')}
          type="search"
          value={form.q}
          onChange={(q) => setForm((current) => ({ ...current, q }))}
          testId="cases-search"
        />
        <SelectField
          label={t('common.status')}
          value={form.status}
          onChange={(status) =>
            setForm((current) => ({ ...current, status: status as CaseStatus | '' }))
          }
          testId="cases-filter-status"
        >
          <option value="">{t('common.all')}</option>
          {CASE_STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(STATUS_LABELS[status])}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t('cases.filter_article')}
          value={form.article}
          onChange={(article) => setForm((current) => ({ ...current, article }))}
          hint={t('cases.filter_article_hint')}
          spellCheck={false}
          testId="cases-filter-article"
        />
      </div>
      <CheckboxField
        label={t('cases.filter_mine')}
        checked={form.mine}
        onChange={(mine) => setForm((current) => ({ ...current, mine }))}
        testId="cases-filter-mine"
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="cases-search-submit">
          {t('common.search')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => navigate('/cases')}
          data-testid="cases-reset"
        >
          {t('cases.reset')}
        </button>
      </div>
    </form>
  );
}

function CaseTable({ filters }: { filters: CaseFilters }) {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const list = useResource<{ cases: Case[] }>(casesPath(filters));
  const all = list.data?.cases ?? [];
  const shown = filters.mine ? all.filter((opened) => isMemberOf(user, opened)) : all;

  if (list.error !== null)
    return <FormError message={errorMessage(t, list.error)} testId="cases-error" />;
  if (list.data === null) return <Loading />;
  return (
    <>
      {all.length >= CASE_LIST_LIMIT && (
        <Notice testId="cases-limited" tone="warning">
          {t('cases.limited', { count: CASE_LIST_LIMIT })}
        </Notice>
      )}
      <div className="table-wrap">
        <table
          className="table"
          data-testid="cases-table"
          data-filters={filtersToSearch(filters)}
          aria-busy={list.loading}
        >
          <caption className="visually-hidden">{t('cases.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('cases.field.number')}</th>
              <th scope="col">{t('cases.field.title')}</th>
              <th scope="col">{t('cases.field.articles')}</th>
              <th scope="col">{t('common.status')}</th>
              <th scope="col">{t('cases.field.lead')}</th>
              <th scope="col">{t('cases.field.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} data-testid="cases-empty">
                  {t('cases.empty')}
                </td>
              </tr>
            )}
            {shown.map((opened) => {
              const lead = leadOf(opened);
              return (
                <tr
                  key={String(opened.id)}
                  data-testid="case-row"
                  data-id={String(opened.id)}
                  data-number={opened.number}
                  data-status={opened.status}
                >
                  <td className="nowrap">
                    <Link
                      to={`/cases/${encodeURIComponent(String(opened.id))}`}
                      aria-label={t('cases.open_named', {
                        number: opened.number,
                        title: opened.title,
                      })}
                      data-testid="case-link"
                    >
                      {opened.number}
                    </Link>
                  </td>
                  <td data-testid="case-row-title">{opened.title}</td>
                  <td>{opened.articles.join('; ')}</td>
                  <td>
                    <StatusBadge status={opened.status} />
                  </td>
                  <td>{lead !== undefined ? lead.display_name || lead.username : ''}</td>
                  <td className="nowrap">
                    <time dateTime={opened.updated_at}>
                      {formatDateTime(opened.updated_at, locale, user.time_zone)}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function CasesPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  return (
    <section className="page" data-testid="page-cases">
      <PageHeader title={t('cases.title')} testId="page-title">
        {canCreateCases(user) && (
          <Link to="/cases/new" className="button button-primary" data-testid="cases-new">
            {t('cases.new.button')}
          </Link>
        )}
      </PageHeader>
      <FilterForm key={`form${search}`} applied={filters} />
      <CaseTable key={`table${search}`} filters={filters} />
    </section>
  );
}
