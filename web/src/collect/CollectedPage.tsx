// The item browser (/collected): full-text search and filters (platform, author, days, mandate;
// a source when coming from a mandate's source), in the page URL; results with the matching
// snippet (the server marks the matches), author, platform, times, and a link to each item;
// pages of PAGE_SIZE with the total. Only items of mandates the user may see are listed.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone } from '../app/time';
import { FormError, Loading, Notice, PageHeader, SelectField, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { MANDATES_PATH, PLATFORMS } from '../mandates/types';
import type { Mandate } from '../mandates/types';
import {
  PAGE_SIZE,
  collectedFiltersFromSearch,
  collectedFiltersToSearch,
  collectedListPath,
  collectedPagePath,
  pagePosition,
  snippetParts,
} from './types';
import type { CollectedFilters, CollectedItem, CollectedPage as Page } from './types';

/** How much of an item's text stands in for a snippet when nothing was searched for. */
const EXCERPT_CHARACTERS = 300;

export function Snippet({
  snippet,
  text,
  testId,
}: {
  snippet: string;
  /** The item's whole text, to tell its own «quotes» from the server's marks. */
  text?: string;
  testId: string;
}) {
  return (
    <p className="snippet detail-text" data-testid={testId}>
      {snippetParts(snippet, text).map((part, index) =>
        part.marked ? (
          <mark key={index} data-testid="collected-mark">
            {part.text}
          </mark>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </p>
  );
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARACTERS ? `${text.slice(0, EXCERPT_CHARACTERS)}…` : text;
}

function FilterForm({
  applied,
  mandates,
}: {
  applied: CollectedFilters;
  mandates: readonly Mandate[];
}) {
  const { t } = useI18n();
  const [form, setForm] = useState<CollectedFilters>(applied);
  const set = <K extends keyof CollectedFilters>(key: K, value: CollectedFilters[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  function apply(event: FormEvent) {
    event.preventDefault();
    navigate(`/collected${collectedFiltersToSearch({ ...form, offset: 0 })}`);
  }

  // A mandate named in the URL but not (or no longer) listed is still offered.
  const known = mandates.some((mandate) => String(mandate.id) === form.mandateId);
  return (
    <form
      className="filters panel"
      onSubmit={apply}
      role="search"
      aria-label={t('collected.filters')}
      data-testid="collected-filters"
    >
      <TextField
        label={t('collected.search')}
        type="search"
        value={form.q}
        onChange={(q) => set('q', q)}
        hint={t('collected.search_hint')}
        testId="collected-search"
      />
      <div className="form-grid">
        <SelectField
          label={t('collected.platform')}
          value={form.platform}
          onChange={(platform) => set('platform', platform)}
          testId="collected-filter-platform"
        >
          <option value="">{t('common.all')}</option>
          {PLATFORMS.map((platform) => (
            <option key={platform} value={platform}>
              {platform}
            </option>
          ))}
          {form.platform !== '' && !(PLATFORMS as readonly string[]).includes(form.platform) && (
            <option value={form.platform}>{form.platform}</option>
          )}
        </SelectField>
        <TextField
          label={t('collected.author')}
          value={form.author}
          onChange={(author) => set('author', author)}
          hint={t('collected.author_hint')}
          spellCheck={false}
          testId="collected-filter-author"
        />
        <TextField
          label={t('collected.from')}
          type="date"
          value={form.from}
          onChange={(from) => set('from', from)}
          testId="collected-filter-from"
        />
        <TextField
          label={t('collected.to')}
          type="date"
          value={form.to}
          onChange={(to) => set('to', to)}
          testId="collected-filter-to"
        />
        <SelectField
          label={t('collected.mandate')}
          value={form.mandateId}
          onChange={(mandateId) => setForm((current) => ({ ...current, mandateId, sourceId: '' }))}
          testId="collected-filter-mandate"
        >
          <option value="">{t('common.all')}</option>
          {mandates.map((mandate) => (
            <option key={String(mandate.id)} value={String(mandate.id)}>
              {t('collected.mandate_choice', { id: String(mandate.id), purpose: mandate.purpose })}
            </option>
          ))}
          {form.mandateId !== '' && !known && (
            <option value={form.mandateId}>
              {t('collected.mandate_choice', { id: form.mandateId, purpose: '' })}
            </option>
          )}
        </SelectField>
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          data-testid="collected-search-submit"
        >
          {t('common.search')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => navigate('/collected')}
          data-testid="collected-reset"
        >
          {t('collected.reset')}
        </button>
      </div>
    </form>
  );
}

function ResultItem({ item, searched }: { item: CollectedItem; searched: boolean }) {
  const { t } = useI18n();
  const marked = searched && item.snippet ? item.snippet : null;
  const author = item.author_name || item.author_id || t('collected.author_unknown');
  return (
    <li className="result" data-testid="collected-item" data-id={String(item.id)}>
      <p className="result-head">
        <Link
          to={collectedPagePath(item.id)}
          aria-label={t('collected.open_named', { author, id: String(item.id) })}
          data-testid="collected-link"
        >
          {author}
        </Link>
        <span className="badge" data-testid="collected-platform" translate="no">
          {item.platform}
        </span>
        {item.promoted_evidence_id !== null && item.promoted_evidence_id !== undefined && (
          <span className="badge badge-ok" data-testid="collected-promoted">
            {t('collected.promoted_badge')}
          </span>
        )}
      </p>
      {marked !== null ? (
        <Snippet snippet={marked} text={item.text} testId="collected-snippet" />
      ) : (
        <p className="snippet detail-text" data-testid="collected-snippet">
          {excerpt(item.text ?? '')}
        </p>
      )}
      <p className="result-meta muted">
        <span>
          {t('collected.created')}{' '}
          {item.created_at ? (
            <Time iso={item.created_at} testId="collected-created" />
          ) : (
            t('collected.unknown_time')
          )}
        </span>
        <span>
          {t('collected.collected')} <Time iso={item.collected_at} testId="collected-collected" />
        </span>
        {item.author_id && item.author_name ? (
          <span data-testid="collected-author" translate="no">
            {item.author_id}
          </span>
        ) : null}
      </p>
    </li>
  );
}

function Results({ filters }: { filters: CollectedFilters }) {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const timeZone = effectiveTimeZone(user.time_zone);
  const page = useResource<Page>(collectedListPath(filters, timeZone));
  if (page.error !== null)
    return <FormError message={errorMessage(t, page.error)} testId="collected-error" />;
  if (page.data === null) return <Loading />;
  const items = page.data.items ?? [];
  const total = page.data.total ?? items.length;
  const position = pagePosition(filters.offset, items.length, total);
  const number = (value: number) => new Intl.NumberFormat(locale).format(value);
  const go = (offset: number) =>
    navigate(`/collected${collectedFiltersToSearch({ ...filters, offset })}`);
  return (
    <section
      aria-label={t('collected.results')}
      data-testid="collected-results"
      data-total={total}
      data-filters={collectedFiltersToSearch(filters)}
      aria-busy={page.loading}
    >
      <p className="muted" data-testid="collected-total">
        {t('collected.total', { count: number(total) })}
      </p>
      {items.length === 0 ? (
        <p className="panel" data-testid="collected-empty">
          {t('collected.empty')}
        </p>
      ) : (
        <ol className="results">
          {items.map((item) => (
            <ResultItem key={String(item.id)} item={item} searched={filters.q.trim() !== ''} />
          ))}
        </ol>
      )}
      <nav className="pager" aria-label={t('collected.pages')}>
        <button
          type="button"
          className="button"
          disabled={filters.offset === 0}
          onClick={() => go(Math.max(0, filters.offset - PAGE_SIZE))}
          data-testid="collected-prev"
        >
          {t('collected.prev')}
        </button>
        <span className="pager-position" data-testid="collected-position">
          {position === null
            ? ''
            : t('collected.position', {
                first: number(position.first),
                last: number(position.last),
                total: number(total),
              })}
        </span>
        <button
          type="button"
          className="button"
          disabled={filters.offset + items.length >= total}
          onClick={() => go(filters.offset + PAGE_SIZE)}
          data-testid="collected-next"
        >
          {t('collected.next')}
        </button>
      </nav>
    </section>
  );
}

export function CollectedPage() {
  const { t } = useI18n();
  const { search } = useLocation();
  const filters = collectedFiltersFromSearch(search);
  const mandates = useResource<{ mandates: Mandate[] }>(MANDATES_PATH);
  const usable = (mandates.data?.mandates ?? []).filter((mandate) =>
    ['approved', 'expired', 'revoked'].includes(mandate.state),
  );
  return (
    <section className="page" data-testid="page-collected">
      <PageHeader title={t('collected.title')} testId="page-title" />
      <FilterForm key={`form${search}`} applied={filters} mandates={usable} />
      {filters.sourceId !== '' && (
        <>
          <Notice testId="collected-source-filter">
            {t('collected.source_only', { id: filters.sourceId })}
          </Notice>
          <p>
            <Link
              to={`/collected${collectedFiltersToSearch({ ...filters, sourceId: '', offset: 0 })}`}
              data-testid="collected-source-clear"
            >
              {t('collected.source_clear')}
            </Link>
          </p>
        </>
      )}
      <Results key={`results${search}`} filters={filters} />
    </section>
  );
}
