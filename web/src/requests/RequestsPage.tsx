// The request tracker (/requests): due reminders at the top (dismissable), then either the list
// with its filters (state, provider, case, awaiting my approval; in the URL) or the calendar
// (?view=calendar&month=YYYY-MM), a month grid of deadlines from GET /api/v1/requests-calendar
// where deadlines shown only for comparison are drawn apart.
import { useState } from 'react';
import { api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, zonedDayStartToUtc } from '../app/time';
import { CheckboxField, FormError, Loading, PageHeader, SelectField } from '../app/ui';
import { useResource } from '../app/useResource';
import { At, RequestStateBadge, useTypeName } from './parts';
import {
  DEADLINE_KIND_LABELS,
  REMINDER_LABELS,
  REQUEST_STATES,
  STATE_LABELS,
  currentMonth,
  entriesByDay,
  filtersFromSearch,
  filtersToSearch,
  listApiPath,
  monthGrid,
  newRequestPath,
  requestPagePath,
  shiftMonth,
} from './types';
import type {
  CalendarEntry,
  DirectoryIndex,
  ProviderRequest,
  ReminderEntry,
  RequestFilters,
} from './types';

const WEEKDAY_KEYS: readonly TranslationKey[] = [
  'requests.calendar.weekday.1',
  'requests.calendar.weekday.2',
  'requests.calendar.weekday.3',
  'requests.calendar.weekday.4',
  'requests.calendar.weekday.5',
  'requests.calendar.weekday.6',
  'requests.calendar.weekday.7',
];

const MONTH_KEYS: readonly TranslationKey[] = [
  'requests.calendar.month.1',
  'requests.calendar.month.2',
  'requests.calendar.month.3',
  'requests.calendar.month.4',
  'requests.calendar.month.5',
  'requests.calendar.month.6',
  'requests.calendar.month.7',
  'requests.calendar.month.8',
  'requests.calendar.month.9',
  'requests.calendar.month.10',
  'requests.calendar.month.11',
  'requests.calendar.month.12',
];

/** Due reminders with a dismiss button each; nothing when there are none. */
export function RemindersBar() {
  const { t } = useI18n();
  const reminders = useResource<{ reminders: ReminderEntry[] }>('/api/v1/reminders');
  const [dismissed, setDismissed] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const list = (reminders.data?.reminders ?? []).filter(
    (reminder) => !dismissed.includes(String(reminder.id)),
  );
  if (list.length === 0 && error === null) return null;
  return (
    <section
      className="panel panel-warning"
      aria-labelledby="reminders-title"
      data-testid="reminders"
    >
      <h2 id="reminders-title">{t('requests.reminders.due')}</h2>
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="reminders-error"
      />
      <ul className="plain-list">
        {list.map((reminder) => (
          <li key={String(reminder.id)} data-testid="reminder" data-id={String(reminder.id)}>
            <Link to={requestPagePath(reminder.request_id)}>{reminder.reference}</Link>{' '}
            {REMINDER_LABELS[reminder.label]
              ? t(REMINDER_LABELS[reminder.label] ?? 'requests.reminder.at_deadline')
              : reminder.label}
            {': '}
            {DEADLINE_KIND_LABELS[reminder.deadline_kind]
              ? t(
                  DEADLINE_KIND_LABELS[reminder.deadline_kind] ??
                    'requests.deadline.preservation_expires',
                )
              : reminder.deadline_kind}{' '}
            <At value={reminder.due_at} />{' '}
            <button
              type="button"
              className="button button-small"
              aria-label={t('requests.reminders.dismiss_named', { reference: reminder.reference })}
              onClick={() => {
                setError(null);
                api
                  .post(`/api/v1/reminders/${encodeURIComponent(String(reminder.id))}/dismiss`)
                  .then(() => setDismissed((current) => [...current, String(reminder.id)]))
                  .catch((failure: unknown) => setError(failure));
              }}
              data-testid="reminder-dismiss"
            >
              {t('requests.reminders.dismiss')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RequestTable({ filters }: { filters: RequestFilters }) {
  const { t } = useI18n();
  const typeName = useTypeName();
  const list = useResource<{ requests: ProviderRequest[] }>(listApiPath(filters));
  if (list.error !== null)
    return <FormError message={errorMessage(t, list.error)} testId="requests-error" />;
  if (list.data === null) return <Loading />;
  const requests = list.data.requests;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="requests-table">
        <caption className="visually-hidden">{t('requests.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('requests.field.reference')}</th>
            <th scope="col">{t('requests.field.type')}</th>
            <th scope="col">{t('requests.field.addressee')}</th>
            <th scope="col">{t('requests.field.case')}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col">{t('requests.field.updated')}</th>
          </tr>
        </thead>
        <tbody>
          {requests.length === 0 && (
            <tr>
              <td colSpan={6} data-testid="requests-empty">
                {t('requests.empty')}
              </td>
            </tr>
          )}
          {requests.map((request) => (
            <tr
              key={String(request.id)}
              data-testid="request-row"
              data-id={String(request.id)}
              data-state={request.state}
              data-provider={request.provider ?? ''}
            >
              <td>
                <Link to={requestPagePath(request.id)} data-testid="request-link">
                  {request.reference}
                </Link>
              </td>
              <td>{typeName(String(request.type))}</td>
              <td>{request.entity_name || request.provider || request.country}</td>
              <td>{request.case_number}</td>
              <td>
                <RequestStateBadge state={String(request.state)} />
              </td>
              <td>
                <At value={request.updated_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Calendar({ month, zone }: { month: string; zone: string }) {
  const { t } = useI18n();
  const typeName = useTypeName();
  const grid = monthGrid(month);
  const from = zonedDayStartToUtc(grid.weeks[0]?.[0] ?? grid.first, zone);
  const lastWeek = grid.weeks[grid.weeks.length - 1] ?? [];
  const afterGrid = new Date(Date.parse(`${lastWeek[6] ?? grid.afterLast}T00:00:00Z`) + 86_400_000)
    .toISOString()
    .slice(0, 10);
  const to = zonedDayStartToUtc(afterGrid, zone);
  const calendar = useResource<{ entries: CalendarEntry[] }>(
    from === null || to === null
      ? null
      : `/api/v1/requests-calendar${buildQuery({ from: Date.parse(from), to: Date.parse(to) })}`,
  );
  const byDay = entriesByDay(calendar.data?.entries ?? [], zone);
  // Names from the translations: browsers may have no Kazakh calendar data.
  const weekdays = WEEKDAY_KEYS.map((key) => t(key));
  const monthKey = MONTH_KEYS[Number(month.slice(5, 7)) - 1] ?? 'requests.calendar.month.1';
  const title = t('requests.calendar.title', { month: t(monthKey), year: month.slice(0, 4) });
  return (
    <section aria-labelledby="calendar-title" data-testid="requests-calendar" data-month={month}>
      <div className="toolbar">
        <Link
          to={`/requests${filtersToSearch({ ...filtersFromSearch(''), view: 'calendar', month: shiftMonth(month, -1) })}`}
          className="button button-small"
          data-testid="calendar-previous"
        >
          {t('requests.calendar.previous')}
        </Link>
        <h2 id="calendar-title" data-testid="calendar-title">
          {title}
        </h2>
        <Link
          to={`/requests${filtersToSearch({ ...filtersFromSearch(''), view: 'calendar', month: shiftMonth(month, 1) })}`}
          className="button button-small"
          data-testid="calendar-next"
        >
          {t('requests.calendar.next')}
        </Link>
      </div>
      <p className="muted">{t('requests.calendar.legend', { zone })}</p>
      {calendar.error !== null && (
        <FormError message={errorMessage(t, calendar.error)} testId="calendar-error" />
      )}
      {calendar.data === null && calendar.error === null && <Loading />}
      <table className="calendar">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            {weekdays.map((day) => (
              <th key={day} scope="col">
                {day}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.weeks.map((week) => (
            <tr key={week[0]}>
              {week.map((day) => {
                const inMonth = day.startsWith(month);
                const entries = byDay.get(day) ?? [];
                return (
                  <td
                    key={day}
                    className={inMonth ? undefined : 'calendar-other'}
                    data-testid="calendar-day"
                    data-day={day}
                    data-count={entries.length}
                  >
                    <span className="calendar-day">{Number(day.slice(8, 10))}</span>
                    {entries.map((entry, index) => {
                      const kind = DEADLINE_KIND_LABELS[entry.deadline.kind];
                      return (
                        <Link
                          key={`${String(entry.request_id)}-${entry.deadline.rule_id}-${index}`}
                          to={requestPagePath(entry.request_id)}
                          className={
                            entry.deadline.comparison_only
                              ? 'calendar-entry calendar-entry-comparison'
                              : 'calendar-entry'
                          }
                          title={`${entry.deadline.rule_id}: ${entry.deadline.source}`}
                          data-testid="calendar-entry"
                          data-request-id={String(entry.request_id)}
                          data-kind={entry.deadline.kind}
                          data-comparison={String(entry.deadline.comparison_only)}
                        >
                          {`${entry.reference} · ${kind === undefined ? entry.deadline.kind : t(kind)} · ${entry.target || typeName(entry.type)}`}
                          {entry.deadline.comparison_only &&
                            ` (${t('requests.deadlines.comparison')})`}
                        </Link>
                      );
                    })}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function RequestsPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const zone = effectiveTimeZone(user.time_zone);
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const directory = useResource<DirectoryIndex>('/api/v1/directory');
  const month = filters.month || currentMonth(zone);
  const go = (next: RequestFilters) => navigate(`/requests${filtersToSearch(next)}`);
  const approver = hasPermission(user, 'requests.approve');
  return (
    <section className="page" data-testid="page-requests" data-view={filters.view}>
      <PageHeader title={t('requests.title')} testId="page-title">
        {hasPermission(user, 'requests.draft') && (
          <Link
            to={newRequestPath({ caseId: filters.caseId || null })}
            className="button button-primary"
            data-testid="requests-new"
          >
            {t('requests.new.button')}
          </Link>
        )}
      </PageHeader>
      <RemindersBar />
      <nav className="tabs" aria-label={t('requests.views')}>
        <Link
          to={`/requests${filtersToSearch({ ...filters, view: 'list' })}`}
          className={filters.view === 'list' ? 'tab tab-current' : 'tab'}
          aria-current={filters.view === 'list' ? 'page' : undefined}
          data-testid="requests-tab-list"
        >
          {t('requests.view.list')}
        </Link>
        <Link
          to={`/requests${filtersToSearch({ ...filters, view: 'calendar', month })}`}
          className={filters.view === 'calendar' ? 'tab tab-current' : 'tab'}
          aria-current={filters.view === 'calendar' ? 'page' : undefined}
          data-testid="requests-tab-calendar"
        >
          {t('requests.view.calendar')}
        </Link>
      </nav>
      {filters.view === 'list' && (
        <>
          <div className="filters" data-testid="requests-filters">
            <SelectField
              label={t('common.status')}
              value={filters.state}
              onChange={(state) => go({ ...filters, state })}
              testId="requests-filter-state"
            >
              <option value="">{t('common.all')}</option>
              {REQUEST_STATES.map((state) => (
                <option key={state} value={state}>
                  {t(STATE_LABELS[state])}
                </option>
              ))}
            </SelectField>
            <SelectField
              label={t('requests.field.provider')}
              value={filters.provider}
              onChange={(provider) => go({ ...filters, provider })}
              testId="requests-filter-provider"
            >
              <option value="">{t('common.all')}</option>
              {(directory.data?.providers ?? []).map((provider) => (
                <option key={provider.id} value={provider.id}>
                  {provider.names.join(', ')}
                </option>
              ))}
            </SelectField>
            {approver && (
              <CheckboxField
                label={t('requests.filter.awaiting')}
                checked={filters.awaiting}
                onChange={(awaiting) => go({ ...filters, awaiting })}
                testId="requests-filter-awaiting"
              />
            )}
          </div>
          <RequestTable key={listApiPath(filters)} filters={filters} />
        </>
      )}
      {filters.view === 'calendar' && <Calendar key={month} month={month} zone={zone} />}
    </section>
  );
}
