// Monitoring mandates (/mandates): the list with its state filter, and for supervisors the
// approval inbox (/mandates?awaiting=me), where each mandate waiting for the caller can be
// approved or rejected with a reason. The server lists only the mandates the user may see and
// decides which await whom; it refuses an approval by the requester (or by the first approver
// of a covert mandate a second time) with 403, reason two_person_rule, shown beside the row.
import { useState } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canApproveMandates } from '../app/permissions';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading, Notice, PageHeader, SelectField } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { ActionError, LevelBadge, MandateStateBadge, MandateWindow, ReasonForm } from './parts';
import {
  MANDATE_STATES,
  STATE_LABELS,
  mandateFiltersFromSearch,
  mandateFiltersToSearch,
  mandatePagePath,
  mandatePath,
  mandatesListPath,
  nextApprover,
  personName,
} from './types';
import type { Mandate, MandateFilters, MandateState } from './types';

function Tabs({ filters }: { filters: MandateFilters }) {
  const { t } = useI18n();
  const entries = [
    { awaiting: false, label: t('mandates.tab.all'), testId: 'mandates-tab-all' },
    { awaiting: true, label: t('mandates.tab.awaiting'), testId: 'mandates-tab-awaiting' },
  ];
  return (
    <nav className="tabs" aria-label={t('mandates.tabs_label')}>
      {entries.map((entry) => {
        const current = entry.awaiting === filters.awaiting;
        return (
          <Link
            key={entry.testId}
            to={`/mandates${entry.awaiting ? '?awaiting=me' : ''}`}
            className={current ? 'tab tab-current' : 'tab'}
            aria-current={current ? 'page' : undefined}
            data-testid={entry.testId}
          >
            {entry.label}
          </Link>
        );
      })}
    </nav>
  );
}

/** Who is to approve next, in words: a supervisor, or (covert, after the first) the head. */
function AwaitingNote({ mandate }: { mandate: Mandate }) {
  const { t } = useI18n();
  const next = nextApprover(mandate);
  if (next === null) return null;
  return (
    <span
      className={next === 'head' ? 'badge badge-warning' : 'muted'}
      data-testid="mandate-awaits"
      data-awaits={next}
    >
      {next === 'head' ? t('mandates.awaits_head') : t('mandates.awaits_supervisor')}
    </span>
  );
}

function InboxActions({
  mandate,
  onDone,
}: {
  mandate: Mandate;
  onDone: (message: string) => void;
}) {
  const { t } = useI18n();
  const [rejecting, setRejecting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const name = mandate.purpose;

  async function approve() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const updated = await api.post<Mandate>(`${mandatePath(mandate.id)}/approve`);
      onDone(
        nextApprover(updated) === 'head'
          ? t('mandates.approved_needs_head', { name })
          : t('mandates.approved_done', { name }),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className="button button-small button-primary"
        aria-disabled={busy || undefined}
        onClick={() => void approve()}
        aria-label={t('mandates.approve_named', { name })}
        data-testid="mandate-approve"
      >
        {t('mandates.approve')}
      </button>
      <button
        type="button"
        className="button button-small"
        aria-expanded={rejecting}
        onClick={() => setRejecting((open) => !open)}
        aria-label={t('mandates.reject_named', { name })}
        data-testid="mandate-reject"
      >
        {t('mandates.reject')}
      </button>
      <ActionError error={error} testId="mandate-action-error" />
      {rejecting && (
        <ReasonForm
          title={t('mandates.reject_named', { name })}
          label={t('mandates.reject_reason')}
          submit={t('mandates.reject')}
          testId="mandate-reject"
          onCancel={() => setRejecting(false)}
          onSubmit={async (reason) => {
            await api.post<Mandate>(`${mandatePath(mandate.id)}/reject`, { reason });
            setRejecting(false);
            onDone(t('mandates.rejected_done', { name }));
          }}
        />
      )}
    </>
  );
}

/** The list; remounted (so loaded again) after every decision taken in it. */
function MandateTable({
  filters,
  onChanged,
}: {
  filters: MandateFilters;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const list = useResource<{ mandates: Mandate[] }>(mandatesListPath(filters));
  const rows = list.data?.mandates ?? [];
  if (list.error !== null)
    return <FormError message={errorMessage(t, list.error)} testId="mandates-error" />;
  if (list.data === null) return <Loading />;
  return (
    <div className="table-wrap">
      <table
        className="table"
        data-testid="mandates-table"
        data-filters={mandateFiltersToSearch(filters)}
        aria-busy={list.loading}
      >
        <caption className="visually-hidden">
          {filters.awaiting ? t('mandates.tab.awaiting') : t('mandates.title')}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('mandates.field.purpose')}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col">{t('mandates.field.level')}</th>
            <th scope="col">{t('mandates.field.window')}</th>
            <th scope="col">{t('mandates.field.requester')}</th>
            <th scope="col">{t('mandates.field.updated')}</th>
            {filters.awaiting && <th scope="col">{t('common.actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={filters.awaiting ? 7 : 6} data-testid="mandates-empty">
                {filters.awaiting ? t('mandates.inbox_empty') : t('mandates.empty')}
              </td>
            </tr>
          )}
          {rows.map((mandate) => (
            <tr
              key={String(mandate.id)}
              data-testid="mandate-row"
              data-id={String(mandate.id)}
              data-state={mandate.state}
              data-level={mandate.level}
            >
              <td className="detail cell-wide">
                <Link to={mandatePagePath(mandate.id)} data-testid="mandate-link">
                  {mandate.purpose || t('mandates.untitled', { id: String(mandate.id) })}
                </Link>
                {mandate.case_number ? (
                  <span className="muted cell-note">
                    {t('mandates.case_short', { number: mandate.case_number })}
                  </span>
                ) : null}
              </td>
              <td>
                <span className="badges">
                  <MandateStateBadge state={mandate.state} testId="mandate-state" />
                  <AwaitingNote mandate={mandate} />
                </span>
              </td>
              <td>
                <LevelBadge level={mandate.level} testId="mandate-level" />
              </td>
              <td>
                <MandateWindow mandate={mandate} />
              </td>
              <td data-testid="mandate-requester">{personName(mandate.requester)}</td>
              <td>
                <Time iso={mandate.updated_at} />
              </td>
              {filters.awaiting && (
                <td className="actions">
                  <InboxActions mandate={mandate} onDone={onChanged} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MandatesPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const { search } = useLocation();
  const filters = mandateFiltersFromSearch(search);
  const [notice, setNotice] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const approver = canApproveMandates(user);

  return (
    <section className="page" data-testid="page-mandates" data-awaiting={String(filters.awaiting)}>
      <PageHeader
        title={filters.awaiting ? t('mandates.inbox_title') : t('mandates.title')}
        testId="page-title"
      >
        <Link to="/mandates/new" className="button button-primary" data-testid="mandates-new">
          {t('mandates.new.button')}
        </Link>
      </PageHeader>
      {(approver || filters.awaiting) && <Tabs filters={filters} />}
      {filters.awaiting ? (
        <p className="muted">{t('mandates.inbox_explain')}</p>
      ) : (
        <form
          className="filters"
          role="search"
          aria-label={t('mandates.filters')}
          onSubmit={(event) => event.preventDefault()}
          data-testid="mandates-filters"
        >
          <SelectField
            label={t('mandates.filter_state')}
            value={filters.state}
            onChange={(state) =>
              navigate(
                `/mandates${mandateFiltersToSearch({ state: state as MandateState | '', awaiting: false })}`,
              )
            }
            testId="mandates-filter-state"
          >
            <option value="">{t('common.all')}</option>
            {MANDATE_STATES.map((state) => (
              <option key={state} value={state}>
                {t(STATE_LABELS[state])}
              </option>
            ))}
          </SelectField>
        </form>
      )}
      {notice !== null && (
        <Notice testId="mandates-saved" tone="success">
          {notice}
        </Notice>
      )}
      <MandateTable
        key={`${search}|${generation}`}
        filters={filters}
        onChanged={(message) => {
          setNotice(message);
          setGeneration((value) => value + 1);
        }}
      />
    </section>
  );
}
