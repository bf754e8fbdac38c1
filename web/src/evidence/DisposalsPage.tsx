// Disposals and integrity alerts (/disposals), for supervisors (permission evidence.approve):
// open integrity alerts; disposal requests to approve or reject (the server refuses the
// requester's own approval with 403, and its message is shown); the queue of approved disposals,
// carried out seven days after approval unless recovered (cancelled); and those carried out.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { Link } from '../app/router';
import { FormError, Loading, Notice, PageHeader, TextAreaField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import { AlertsSection } from './alerts';
import { Time } from './parts';
import { actorName, disposalPath, evidencePagePath } from './types';
import type { Disposal } from './types';

type ListKind = 'pending' | 'approved' | 'done';

const LISTS: Record<
  ListKind,
  { title: TranslationKey; empty: TranslationKey; explain: TranslationKey; testId: string }
> = {
  pending: {
    title: 'evidence.disposals.pending_title',
    empty: 'evidence.disposals.pending_none',
    explain: 'evidence.disposals.pending_explain',
    testId: 'disposals-pending',
  },
  approved: {
    title: 'evidence.disposals.queue_title',
    empty: 'evidence.disposals.queue_none',
    explain: 'evidence.disposals.queue_explain',
    testId: 'disposals-queue',
  },
  done: {
    title: 'evidence.disposals.done_title',
    empty: 'evidence.disposals.done_none',
    explain: 'evidence.disposals.done_explain',
    testId: 'disposals-done',
  },
};

function RejectForm({
  disposal,
  onDone,
  onCancel,
}: {
  disposal: Disposal;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, ['reason'] as const);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    setMissing(reason.trim() === '');
    if (reason.trim() === '') return;
    setBusy(true);
    try {
      await api.post<Disposal>(`${disposalPath(disposal.id)}/reject`, { reason: reason.trim() });
      onDone(t('evidence.disposals.rejected', { name: disposal.item_name }));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      className="inline-form"
      onSubmit={submit}
      noValidate
      aria-label={t('evidence.disposals.reject_named', { name: disposal.item_name })}
      data-testid="disposal-reject-form"
    >
      <TextAreaField
        label={t('evidence.disposals.reject_reason')}
        value={reason}
        onChange={setReason}
        rows={2}
        required
        error={missing ? t('evidence.required') : errors.forField('reason')}
        maxLength={2000}
        testId="disposal-reject-reason"
      />
      <FormError message={errors.forForm} testId="disposal-reject-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-danger"
          aria-disabled={busy || undefined}
          data-testid="disposal-reject-submit"
        >
          {t('evidence.disposals.reject')}
        </button>
        <button
          type="button"
          className="button"
          onClick={onCancel}
          data-testid="disposal-reject-cancel"
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function DisposalList({
  kind,
  generation,
  onChanged,
}: {
  kind: ListKind;
  /** Changes after any action on the page, so that every list reloads. */
  generation: number;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const spec = LISTS[kind];
  const list = useResource<{ disposals: Disposal[] }>(`/api/v1/disposals?state=${kind}`);
  const { reload } = list;
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rejecting, setRejecting] = useState<string | null>(null);

  async function act(disposal: Disposal, action: 'approve' | 'cancel', message: string) {
    if (busy !== null) return;
    setBusy(String(disposal.id));
    setError(null);
    try {
      await api.post<Disposal>(`${disposalPath(disposal.id)}/${action}`);
      onChanged(message);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  }

  const rows = list.data?.disposals ?? [];
  return (
    <section className="panel" aria-labelledby={`${spec.testId}-title`} data-testid={spec.testId}>
      <h2 id={`${spec.testId}-title`}>{t(spec.title)}</h2>
      <p className="muted">{t(spec.explain)}</p>
      {list.error !== null && (
        <FormError message={errorMessage(t, list.error)} testId={`${spec.testId}-load-error`} />
      )}
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="disposal-action-error"
      />
      {list.data === null && list.error === null && <Loading />}
      {list.data !== null && (
        <div className="table-wrap">
          <table className="table" aria-busy={list.loading} data-testid={`${spec.testId}-table`}>
            <caption className="visually-hidden">{t(spec.title)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('evidence.item')}</th>
                <th scope="col">{t('evidence.field.case')}</th>
                <th scope="col">{t('evidence.disposals.reason')}</th>
                <th scope="col">{t('evidence.disposals.requested')}</th>
                {kind !== 'pending' && <th scope="col">{t('evidence.disposals.approved')}</th>}
                {kind === 'approved' && <th scope="col">{t('evidence.disposal.scheduled_for')}</th>}
                {kind === 'done' && <th scope="col">{t('evidence.disposals.done_at')}</th>}
                {kind !== 'done' && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={6} data-testid={`${spec.testId}-empty`}>
                    {t(spec.empty)}
                  </td>
                </tr>
              )}
              {rows.map((disposal) => (
                <tr
                  key={String(disposal.id)}
                  data-testid="disposal-row"
                  data-id={String(disposal.id)}
                  data-item-id={String(disposal.item_id)}
                  data-state={disposal.state}
                >
                  <td className="detail">
                    <Link to={evidencePagePath(disposal.item_id)} data-testid="disposal-item-link">
                      {disposal.item_name}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/cases/${encodeURIComponent(String(disposal.case_id))}`}>
                      {disposal.case_number}
                    </Link>
                  </td>
                  <td className="detail detail-text" data-testid="disposal-reason">
                    {disposal.reason}
                  </td>
                  <td>
                    <span data-testid="disposal-requested-by">
                      {disposal.requested_by === null
                        ? t('evidence.disposals.by_system')
                        : actorName(disposal.requested_by)}
                    </span>{' '}
                    <Time iso={disposal.requested_at} />
                  </td>
                  {kind !== 'pending' && (
                    <td>
                      {actorName(disposal.approved_by)} <Time iso={disposal.approved_at} />
                    </td>
                  )}
                  {kind === 'approved' && (
                    <td>
                      <Time iso={disposal.scheduled_for} testId="disposal-scheduled" />
                    </td>
                  )}
                  {kind === 'done' && (
                    <td>
                      <Time iso={disposal.done_at} testId="disposal-done-at" />
                    </td>
                  )}
                  {kind === 'pending' && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small button-primary"
                        aria-disabled={busy === String(disposal.id) || undefined}
                        onClick={() =>
                          void act(
                            disposal,
                            'approve',
                            t('evidence.disposals.approved_done', { name: disposal.item_name }),
                          )
                        }
                        aria-label={t('evidence.disposals.approve_named', {
                          name: disposal.item_name,
                        })}
                        data-testid="disposal-approve"
                      >
                        {t('evidence.disposals.approve')}
                      </button>
                      <button
                        type="button"
                        className="button button-small"
                        aria-expanded={rejecting === String(disposal.id)}
                        onClick={() =>
                          setRejecting((current) =>
                            current === String(disposal.id) ? null : String(disposal.id),
                          )
                        }
                        aria-label={t('evidence.disposals.reject_named', {
                          name: disposal.item_name,
                        })}
                        data-testid="disposal-reject"
                      >
                        {t('evidence.disposals.reject')}
                      </button>
                      {rejecting === String(disposal.id) && (
                        <RejectForm
                          disposal={disposal}
                          onCancel={() => setRejecting(null)}
                          onDone={(message) => {
                            setRejecting(null);
                            onChanged(message);
                          }}
                        />
                      )}
                    </td>
                  )}
                  {kind === 'approved' && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        aria-disabled={busy === String(disposal.id) || undefined}
                        onClick={() =>
                          void act(
                            disposal,
                            'cancel',
                            t('evidence.disposals.recovered', { name: disposal.item_name }),
                          )
                        }
                        aria-label={t('evidence.disposals.recover_named', {
                          name: disposal.item_name,
                        })}
                        data-testid="disposal-recover"
                      >
                        {t('evidence.disposal.recover')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function DisposalsPage() {
  const { t } = useI18n();
  const [notice, setNotice] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  function changed(message: string) {
    setNotice(message);
    setGeneration((value) => value + 1);
  }

  return (
    <section className="page" data-testid="page-disposals">
      <PageHeader title={t('evidence.disposals.title')} testId="page-title" />
      {notice !== null && (
        <Notice testId="disposals-saved" tone="success">
          {notice}
        </Notice>
      )}
      <AlertsSection onChanged={setNotice} />
      {(['pending', 'approved', 'done'] as const).map((kind) => (
        <DisposalList key={kind} kind={kind} generation={generation} onChanged={changed} />
      ))}
    </section>
  );
}
