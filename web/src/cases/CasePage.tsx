// One case (/cases/{id}): header (number, title, status, articles, lead), editing, status and
// lead (the lead and the agency's supervisors), members, prosecutors, notes, tasks, and the
// evidence with its bundles (web/src/evidence). A case the user may not see answers 404, like
// one that does not exist.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import { FormError, Loading, Notice, PageHeader, SelectField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import { EvidenceSection } from '../evidence/EvidenceSection';
import { CaseRequestsSection } from '../requests/CaseRequestsSection';
import { CaseForm } from './CaseForm';
import { NotesSection } from './NotesSection';
import { MembersSection, SharesSection } from './PeopleSections';
import { StatusBadge } from './StatusBadge';
import { TasksSection } from './TasksSection';
import { CASE_STATUSES, STATUS_LABELS, caseAccess, casePath, leadOf, sameId } from './types';
import type { Candidates, Case, CaseStatus, Person } from './types';

const MANAGE_FIELDS = ['status', 'lead_user_id'] as const;

function ManagePanel({
  opened,
  candidates,
  onChanged,
}: {
  opened: Case;
  candidates: Candidates | null;
  onChanged: (updated: Case, message: string) => void;
}) {
  const { t } = useI18n();
  const [status, setStatus] = useState<string>(opened.status);
  const [lead, setLead] = useState(String(opened.lead_user_id));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, MANAGE_FIELDS);
  const current = leadOf(opened);
  // Who may lead: the agency's active users (candidates), and whoever leads now.
  const leads: Person[] = [...(candidates?.members ?? [])];
  if (current !== undefined && !leads.some((person) => sameId(person.user_id, current.user_id)))
    leads.unshift(current);

  async function save(body: Record<string, unknown>, message: string) {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.patch<Case>(casePath(opened.id), body), message);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function changeStatus(event: FormEvent) {
    event.preventDefault();
    const label = (CASE_STATUSES as readonly string[]).includes(status)
      ? t(STATUS_LABELS[status as CaseStatus])
      : status;
    void save({ status }, t('cases.manage.status_changed', { status: label }));
  }

  function changeLead(event: FormEvent) {
    event.preventDefault();
    const person = leads.find((candidate) => String(candidate.user_id) === lead);
    if (person === undefined) return;
    void save(
      { lead_user_id: person.user_id },
      t('cases.manage.lead_changed', { name: person.display_name || person.username }),
    );
  }

  return (
    <section className="panel" aria-labelledby="case-manage-title" data-testid="case-manage">
      <h2 id="case-manage-title">{t('cases.manage.title')}</h2>
      <FormError message={errors.forForm} testId="case-manage-error" />
      <div className="manage-grid">
        <form
          className="inline-form"
          onSubmit={changeStatus}
          noValidate
          aria-label={t('cases.manage.status_form')}
        >
          <SelectField
            label={t('common.status')}
            value={status}
            onChange={setStatus}
            error={errors.forField('status')}
            testId="case-status-select"
          >
            {CASE_STATUSES.map((choice) => (
              <option key={choice} value={choice}>
                {t(STATUS_LABELS[choice])}
              </option>
            ))}
          </SelectField>
          <div className="form-actions">
            <button
              type="submit"
              className="button"
              disabled={busy || status === opened.status}
              data-testid="case-status-save"
            >
              {t('cases.manage.change_status')}
            </button>
          </div>
        </form>
        <form
          className="inline-form"
          onSubmit={changeLead}
          noValidate
          aria-label={t('cases.manage.lead_form')}
        >
          <SelectField
            label={t('cases.field.lead')}
            value={lead}
            onChange={setLead}
            error={errors.forField('lead_user_id')}
            testId="case-lead-select"
          >
            {leads.map((person) => (
              <option key={String(person.user_id)} value={String(person.user_id)}>
                {`${person.display_name || person.username} (${person.username})`}
              </option>
            ))}
          </SelectField>
          <div className="form-actions">
            <button
              type="submit"
              className="button"
              disabled={busy || sameId(lead, opened.lead_user_id)}
              data-testid="case-lead-save"
            >
              {t('cases.manage.change_lead')}
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}

function CaseHeader({ opened }: { opened: Case }) {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const lead = leadOf(opened);
  return (
    <section className="panel" aria-label={t('cases.details')} data-testid="case-header">
      <dl className="facts">
        <dt>{t('cases.field.number')}</dt>
        <dd className="mono" data-testid="case-number">
          {opened.number}
        </dd>
        <dt>{t('common.status')}</dt>
        <dd>
          <StatusBadge status={opened.status} testId="case-status" />
        </dd>
        <dt>{t('cases.field.articles')}</dt>
        <dd data-testid="case-articles">
          {opened.articles.length === 0 ? (
            t('cases.articles.none_short')
          ) : (
            <span className="badges">
              {opened.articles.map((article) => (
                <span key={article} className="badge" data-testid="case-article">
                  {article}
                </span>
              ))}
            </span>
          )}
        </dd>
        <dt>{t('cases.field.lead')}</dt>
        <dd data-testid="case-lead">
          {lead !== undefined ? lead.display_name || lead.username : String(opened.lead_user_id)}
        </dd>
        <dt>{t('common.created')}</dt>
        <dd>{formatDateTime(opened.created_at, locale, user.time_zone)}</dd>
        <dt>{t('cases.field.updated')}</dt>
        <dd>{formatDateTime(opened.updated_at, locale, user.time_zone)}</dd>
      </dl>
      <h2 className="subheading">{t('cases.field.description')}</h2>
      {opened.description.trim() === '' ? (
        <p className="muted" data-testid="case-description">
          {t('cases.no_description')}
        </p>
      ) : (
        <p className="case-description" data-testid="case-description">
          {opened.description}
        </p>
      )}
    </section>
  );
}

export function CasePage({ caseId }: { caseId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const loaded = useResource<Case>(casePath(caseId));
  // The case as the last change answered it; until then, as loaded.
  const [changed, setChanged] = useState<Case | null>(null);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const opened = changed ?? loaded.data;
  const access = opened !== null ? caseAccess(user, opened) : { write: false, manage: false };
  const candidates = useResource<Candidates>(
    opened !== null && access.manage ? `${casePath(caseId)}/candidates` : null,
  );

  function onChanged(updated: Case, message: string) {
    setChanged(updated);
    setNotice(message);
  }

  if (loaded.error !== null && opened === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-case"
        data-state={notFound ? 'not-found' : 'error'}
      >
        <PageHeader
          title={notFound ? t('cases.not_found.title') : t('cases.title')}
          testId="page-title"
        />
        <FormError
          message={notFound ? t('cases.not_found.text') : errorMessage(t, loaded.error)}
          testId="case-error"
        />
        <Link to="/cases" className="button" data-testid="case-back">
          {t('cases.back_to_list')}
        </Link>
      </section>
    );
  }
  if (opened === null) {
    return (
      <section className="page" data-testid="page-case" data-state="loading">
        <PageHeader title={t('cases.case')} testId="page-title" />
        <Loading />
      </section>
    );
  }

  return (
    <section
      className="page"
      data-testid="page-case"
      data-state="loaded"
      data-id={String(opened.id)}
    >
      <p className="breadcrumb">
        <Link to="/cases" data-testid="case-back">
          {t('cases.back_to_list')}
        </Link>
      </p>
      <PageHeader
        title={t('cases.page_title', { number: opened.number, title: opened.title })}
        testId="page-title"
      >
        {access.write && !editing && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setNotice(null);
              setEditing(true);
            }}
            data-testid="case-edit"
          >
            {t('cases.edit.button')}
          </button>
        )}
      </PageHeader>
      {notice !== null && (
        <Notice testId="case-saved" tone="success">
          {notice}
        </Notice>
      )}
      {!access.write && <Notice testId="case-read-only">{t('cases.read_only')}</Notice>}
      {editing ? (
        <CaseForm
          opened={opened}
          onCancel={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            onChanged(saved, t('cases.edit.saved'));
          }}
        />
      ) : (
        <CaseHeader opened={opened} />
      )}
      {access.manage && (
        <ManagePanel
          key={`${opened.status}|${String(opened.lead_user_id)}`}
          opened={opened}
          candidates={candidates.data}
          onChanged={onChanged}
        />
      )}
      <MembersSection
        opened={opened}
        access={access}
        candidates={candidates.data}
        candidatesError={candidates.error}
        onChanged={onChanged}
      />
      <SharesSection
        opened={opened}
        access={access}
        candidates={candidates.data}
        onChanged={onChanged}
      />
      <NotesSection opened={opened} access={access} onAdded={setNotice} />
      <TasksSection opened={opened} access={access} onChanged={setNotice} />
      <EvidenceSection opened={opened} access={access} onChanged={setNotice} />
      <CaseRequestsSection opened={opened} write={access.write} />
    </section>
  );
}
