// One mandate (/mandates/{id}): every field, the scope, the approvals with names and times, what
// the caller may do now (edit, submit, approve, reject, revoke: the server's `can`), the written
// request as a PDF in each language, the collection sources with their counts and refusals
// (web/src/collect), and the version history. A mandate the user may not see answers 404.
import { useEffect, useState } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { LANGUAGES } from '../app/i18n';
import { Link, useLocation } from '../app/router';
import { FormError, Loading, Notice, PageHeader } from '../app/ui';
import { useResource } from '../app/useResource';
import { SourcesSection } from '../collect/SourcesSection';
import { Time } from '../evidence/parts';
import { ActionError, LevelBadge, MandateStateBadge, ReasonForm, useMechanismName } from './parts';
import {
  LEVEL_EXPLAINED,
  SCOPE_KIND_LABELS,
  changedFields,
  isLevel,
  isScopeKind,
  mandateEditPath,
  mandatePath,
  nextApprover,
  personName,
  requestPdfPath,
  sortVersions,
} from './types';
import type { Mandate, VersionField } from './types';
import type { TranslationKey } from '../app/i18n';

const VERSION_FIELD_LABELS: Record<VersionField, TranslationKey> = {
  purpose: 'mandates.field.purpose',
  case_id: 'mandates.field.case',
  predicate: 'mandates.field.predicate',
  level: 'mandates.field.level',
  mechanism: 'mandates.field.mechanism',
  scope: 'mandates.field.scope',
  starts_at: 'mandates.field.starts_at',
  ends_at: 'mandates.field.ends_at',
  storage_days: 'mandates.field.storage_days',
  justification: 'mandates.field.justification',
  state: 'common.status',
  approved_by: 'mandates.approvals',
  head_approved_by: 'mandates.approvals',
};

function Text({ value, testId }: { value: string | null | undefined; testId: string }) {
  const { t } = useI18n();
  if (value === null || value === undefined || value.trim() === '')
    return (
      <dd className="muted" data-testid={testId}>
        {t('mandates.not_set')}
      </dd>
    );
  return (
    <dd className="detail-text" data-testid={testId}>
      {value}
    </dd>
  );
}

function DetailsPanel({ mandate }: { mandate: Mandate }) {
  const { t } = useI18n();
  const mechanismName = useMechanismName();
  return (
    <section
      className="panel"
      aria-labelledby="mandate-details-title"
      data-testid="mandate-details"
    >
      <h2 id="mandate-details-title">{t('mandates.details')}</h2>
      <dl className="facts">
        <dt>{t('mandates.field.purpose')}</dt>
        <Text value={mandate.purpose} testId="mandate-purpose-text" />
        <dt>{t('mandates.field.case')}</dt>
        {mandate.case_id === null || mandate.case_id === undefined ? (
          <dd className="muted" data-testid="mandate-case-none">
            {t('mandates.no_case')}
          </dd>
        ) : (
          <dd>
            <Link
              to={`/cases/${encodeURIComponent(String(mandate.case_id))}`}
              data-testid="mandate-case-link"
            >
              {mandate.case_number || `#${String(mandate.case_id)}`}
            </Link>
          </dd>
        )}
        <dt>{t('mandates.field.predicate')}</dt>
        <Text value={mandate.predicate} testId="mandate-predicate-text" />
        <dt>{t('mandates.field.level')}</dt>
        <dd>
          <LevelBadge level={mandate.level} testId="mandate-level" />{' '}
          {isLevel(mandate.level) && (
            <span className="muted">{t(LEVEL_EXPLAINED[mandate.level])}</span>
          )}
        </dd>
        <dt>{t('mandates.field.mechanism')}</dt>
        <dd data-testid="mandate-mechanism" data-mechanism={mandate.mechanism}>
          {mechanismName(mandate.mechanism)}
        </dd>
        <dt>{t('mandates.field.starts_at')}</dt>
        <dd>
          {mandate.starts_at ? (
            <Time iso={mandate.starts_at} testId="mandate-starts-at" />
          ) : (
            <span className="muted">{t('mandates.not_set')}</span>
          )}
        </dd>
        <dt>{t('mandates.field.ends_at')}</dt>
        <dd>
          {mandate.ends_at ? (
            <Time iso={mandate.ends_at} testId="mandate-ends-at" />
          ) : (
            <span className="muted">{t('mandates.not_set')}</span>
          )}
        </dd>
        <dt>{t('mandates.field.storage_days')}</dt>
        <dd data-testid="mandate-storage" data-days={mandate.storage_days ?? ''}>
          {mandate.storage_days
            ? t('mandates.storage_value', { days: mandate.storage_days })
            : t('mandates.not_set')}
        </dd>
        <dt>{t('mandates.field.justification')}</dt>
        <Text value={mandate.justification} testId="mandate-justification-text" />
        <dt>{t('mandates.field.requester')}</dt>
        <dd data-testid="mandate-requester">
          {personName(mandate.requester)} <Time iso={mandate.created_at} />
        </dd>
        <dt>{t('mandates.field.version')}</dt>
        <dd data-testid="mandate-version">
          {t('mandates.version_value', { version: mandate.version })}{' '}
          <Time iso={mandate.updated_at} />
        </dd>
      </dl>
    </section>
  );
}

function ScopePanel({ mandate }: { mandate: Mandate }) {
  const { t } = useI18n();
  const scope = mandate.scope ?? [];
  return (
    <section
      className="panel"
      aria-labelledby="mandate-scope-title"
      data-testid="mandate-scope-panel"
    >
      <h2 id="mandate-scope-title">{t('mandates.field.scope')}</h2>
      <div className="table-wrap">
        <table className="table table-dense" data-testid="mandate-scope-table">
          <caption className="visually-hidden">{t('mandates.field.scope')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('mandates.scope.kind')}</th>
              <th scope="col">{t('mandates.scope.platform')}</th>
              <th scope="col">{t('mandates.scope.value')}</th>
            </tr>
          </thead>
          <tbody>
            {scope.length === 0 && (
              <tr>
                <td colSpan={3} data-testid="mandate-scope-empty">
                  {t('mandates.scope.none')}
                </td>
              </tr>
            )}
            {scope.map((entry, index) => (
              <tr
                key={`${entry.kind}|${entry.platform ?? ''}|${entry.value}|${index}`}
                data-testid="mandate-scope-row"
                data-kind={entry.kind}
                data-platform={entry.platform ?? ''}
                data-value={entry.value}
              >
                <td>{isScopeKind(entry.kind) ? t(SCOPE_KIND_LABELS[entry.kind]) : entry.kind}</td>
                <td translate="no">{entry.platform || '—'}</td>
                <td className="mono detail" translate="no">
                  {entry.kind === 'platform' ? '—' : entry.value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ApprovalsPanel({ mandate }: { mandate: Mandate }) {
  const { t } = useI18n();
  const next = nextApprover(mandate);
  const covert = mandate.level === 'covert' || mandate.needs_head_approval;
  return (
    <section
      className="panel"
      aria-labelledby="mandate-approvals-title"
      data-testid="mandate-approvals"
    >
      <h2 id="mandate-approvals-title">{t('mandates.approvals')}</h2>
      <p className="muted">{covert ? t('mandates.approvals_two') : t('mandates.approvals_one')}</p>
      <dl className="facts">
        <dt>{t('mandates.approval.supervisor')}</dt>
        {mandate.approved_by ? (
          <dd data-testid="mandate-approval" data-kind="supervisor">
            <span data-testid="mandate-approval-name">{personName(mandate.approved_by)}</span>{' '}
            <Time iso={mandate.approved_at} testId="mandate-approval-time" />
          </dd>
        ) : (
          <dd className="muted" data-testid="mandate-approval-none" data-kind="supervisor">
            {next === 'supervisor' ? t('mandates.approval.awaited') : t('mandates.approval.none')}
          </dd>
        )}
        {covert && (
          <>
            <dt>{t('mandates.approval.head')}</dt>
            {mandate.head_approved_by ? (
              <dd data-testid="mandate-approval" data-kind="head">
                <span data-testid="mandate-approval-name">
                  {personName(mandate.head_approved_by)}
                </span>{' '}
                <Time iso={mandate.head_approved_at} testId="mandate-approval-time" />
              </dd>
            ) : (
              <dd className="muted" data-testid="mandate-approval-none" data-kind="head">
                {next === 'head'
                  ? t('mandates.approval.awaited')
                  : next === 'supervisor'
                    ? t('mandates.approval.after_supervisor')
                    : t('mandates.approval.none')}
              </dd>
            )}
          </>
        )}
      </dl>
    </section>
  );
}

type OpenForm = 'reject' | 'revoke' | null;

function ActionsPanel({
  mandate,
  onChanged,
}: {
  mandate: Mandate;
  onChanged: (updated: Mandate, message: string) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState<OpenForm>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const can = mandate.can ?? {};

  async function act(action: 'submit' | 'approve', message: (updated: Mandate) => string) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const updated = await api.post<Mandate>(`${mandatePath(mandate.id)}/${action}`);
      onChanged(updated, message(updated));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const anything = can.edit || can.submit || can.approve || can.reject || can.revoke;
  return (
    <section
      className="panel"
      aria-labelledby="mandate-actions-title"
      data-testid="mandate-actions"
    >
      <h2 id="mandate-actions-title">{t('common.actions')}</h2>
      {anything && (
        <div className="form-actions">
          {can.edit && (
            <Link to={mandateEditPath(mandate.id)} className="button" data-testid="mandate-edit">
              {t('common.edit')}
            </Link>
          )}
          {can.submit && (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={busy || undefined}
              onClick={() => void act('submit', () => t('mandates.submitted'))}
              data-testid="mandate-submit-now"
            >
              {t('mandates.form.submit')}
            </button>
          )}
          {can.approve && (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={busy || undefined}
              onClick={() =>
                void act('approve', (updated) =>
                  nextApprover(updated) === 'head'
                    ? t('mandates.approved_needs_head', { name: mandate.purpose })
                    : t('mandates.approved_done', { name: mandate.purpose }),
                )
              }
              data-testid="mandate-approve"
            >
              {t('mandates.approve')}
            </button>
          )}
          {can.reject && (
            <button
              type="button"
              className="button"
              aria-expanded={open === 'reject'}
              onClick={() => setOpen((current) => (current === 'reject' ? null : 'reject'))}
              data-testid="mandate-reject"
            >
              {t('mandates.reject')}
            </button>
          )}
          {can.revoke && (
            <button
              type="button"
              className="button button-danger"
              aria-expanded={open === 'revoke'}
              onClick={() => setOpen((current) => (current === 'revoke' ? null : 'revoke'))}
              data-testid="mandate-revoke"
            >
              {t('mandates.revoke')}
            </button>
          )}
        </div>
      )}
      {!anything && (
        <p className="muted" data-testid="mandate-no-actions">
          {t('mandates.no_actions')}
        </p>
      )}
      <ActionError error={error} testId="mandate-action-error" />
      {open === 'reject' && (
        <ReasonForm
          title={t('mandates.reject_named', { name: mandate.purpose })}
          label={t('mandates.reject_reason')}
          submit={t('mandates.reject')}
          testId="mandate-reject"
          onCancel={() => setOpen(null)}
          onSubmit={async (reason) => {
            const updated = await api.post<Mandate>(`${mandatePath(mandate.id)}/reject`, {
              reason,
            });
            setOpen(null);
            onChanged(updated, t('mandates.rejected_done', { name: mandate.purpose }));
          }}
        />
      )}
      {open === 'revoke' && (
        <ReasonForm
          title={t('mandates.revoke_named', { name: mandate.purpose })}
          label={t('mandates.revoke_reason')}
          submit={t('mandates.revoke')}
          testId="mandate-revoke"
          onCancel={() => setOpen(null)}
          onSubmit={async (reason) => {
            const updated = await api.post<Mandate>(`${mandatePath(mandate.id)}/revoke`, {
              reason,
            });
            setOpen(null);
            onChanged(updated, t('mandates.revoked_done', { name: mandate.purpose }));
          }}
        />
      )}
      <h3>{t('mandates.pdf.title')}</h3>
      <ul className="plain-list inline-list" data-testid="mandate-pdfs">
        {LANGUAGES.map((language) => (
          <li key={language}>
            <a
              href={requestPdfPath(mandate.id, language)}
              className="button button-small"
              data-testid={`mandate-pdf-${language}`}
            >
              {t('mandates.pdf.link', { language: t(`language.name.${language}`) })}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function VersionsPanel({ mandateId, generation }: { mandateId: string; generation: number }) {
  const { t } = useI18n();
  const versions = useResource<{ versions: Mandate[] }>(`${mandatePath(mandateId)}/versions`);
  const { reload } = versions;
  // Every action on the page makes a version.
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const sorted = sortVersions(versions.data?.versions ?? []);
  return (
    <section
      className="panel"
      aria-labelledby="mandate-versions-title"
      data-testid="mandate-versions"
    >
      <h2 id="mandate-versions-title">{t('mandates.versions.title')}</h2>
      {versions.error !== null && (
        <FormError message={errorMessage(t, versions.error)} testId="mandate-versions-error" />
      )}
      {versions.data === null && versions.error === null && <Loading />}
      {versions.data !== null && (
        <div className="table-wrap">
          <table className="table table-dense" data-testid="mandate-versions-table">
            <caption className="visually-hidden">{t('mandates.versions.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('mandates.field.version')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('mandates.versions.when')}</th>
                <th scope="col">{t('mandates.versions.changes')}</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((version, index) => {
                const changes = changedFields(
                  index === 0 ? null : (sorted[index - 1] ?? null),
                  version,
                );
                return (
                  <tr
                    key={version.version}
                    data-testid="mandate-version-row"
                    data-version={version.version}
                    data-state={version.state}
                  >
                    <td>{version.version}</td>
                    <td>
                      <MandateStateBadge state={version.state} />
                    </td>
                    <td>
                      <Time iso={version.updated_at} />
                    </td>
                    <td data-testid="mandate-version-changes">
                      {index === 0
                        ? t('mandates.versions.first')
                        : changes.length === 0
                          ? t('mandates.versions.no_change')
                          : [
                              ...new Set(changes.map((field) => t(VERSION_FIELD_LABELS[field]))),
                            ].join(', ')}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const SAVED_NOTICES: Record<string, TranslationKey> = {
  draft: 'mandates.saved_draft',
  submitted: 'mandates.submitted',
};

export function MandatePage({ mandateId }: { mandateId: string }) {
  const { t } = useI18n();
  const { search } = useLocation();
  const loaded = useResource<Mandate>(mandatePath(mandateId));
  const [changed, setChanged] = useState<Mandate | null>(null);
  const [notice, setNotice] = useState<string | null>(() => {
    const saved = new URLSearchParams(search).get('saved') ?? '';
    const key = SAVED_NOTICES[saved];
    return key === undefined ? null : t(key);
  });
  const [generation, setGeneration] = useState(0);
  const mandate = changed ?? loaded.data;

  if (loaded.error !== null && mandate === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-mandate"
        data-state={notFound ? 'not-found' : 'error'}
      >
        <PageHeader title={t('mandates.mandate')} testId="page-title" />
        <FormError
          message={notFound ? t('mandates.not_found') : errorMessage(t, loaded.error)}
          testId="mandate-error"
        />
        <Link to="/mandates" className="button" data-testid="mandate-back">
          {t('mandates.back_to_list')}
        </Link>
      </section>
    );
  }
  if (mandate === null) {
    return (
      <section className="page" data-testid="page-mandate" data-state="loading">
        <PageHeader title={t('mandates.mandate')} testId="page-title" />
        <Loading />
      </section>
    );
  }

  const next = nextApprover(mandate);
  return (
    <section
      className="page"
      data-testid="page-mandate"
      data-state="loaded"
      data-id={String(mandate.id)}
      data-mandate-state={mandate.state}
      data-level={mandate.level}
    >
      <p className="breadcrumb">
        <Link to="/mandates" data-testid="mandate-back">
          {t('mandates.back_to_list')}
        </Link>
      </p>
      <PageHeader
        title={t('mandates.page_title', {
          name: mandate.purpose || t('mandates.untitled', { id: String(mandate.id) }),
        })}
        testId="page-title"
      >
        <span className="badges">
          <MandateStateBadge state={mandate.state} testId="mandate-state" />
          <LevelBadge level={mandate.level} />
        </span>
      </PageHeader>
      {notice !== null && (
        <Notice testId="mandate-saved" tone="success">
          {notice}
        </Notice>
      )}
      {next === 'head' && (
        <Notice testId="mandate-needs-head" tone="warning">
          {t('mandates.needs_head')}
        </Notice>
      )}
      {mandate.state === 'rejected' && (
        <Notice testId="mandate-rejection" tone="warning">
          {t('mandates.rejection', { reason: mandate.rejection_reason || t('mandates.not_set') })}
        </Notice>
      )}
      {mandate.state === 'revoked' && (
        <Notice testId="mandate-revocation" tone="warning">
          {t('mandates.revocation', {
            reason: mandate.revocation_reason || t('mandates.not_set'),
          })}
        </Notice>
      )}
      <ActionsPanel
        mandate={mandate}
        onChanged={(updated, message) => {
          setChanged(updated);
          setNotice(message);
          setGeneration((value) => value + 1);
        }}
      />
      <DetailsPanel mandate={mandate} />
      <ScopePanel mandate={mandate} />
      <ApprovalsPanel mandate={mandate} />
      <SourcesSection mandate={mandate} />
      <VersionsPanel mandateId={mandateId} generation={generation} />
    </section>
  );
}
