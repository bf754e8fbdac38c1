// Integrity alerts (an item whose bytes no longer hash to what was recorded at ingestion, or that
// is missing) and the home page's cards for supervisors (permission evidence.approve): the open
// alerts with an Acknowledge button, and the disposal requests waiting for approval.
import { useState } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { FormError } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from './parts';
import { ALERT_KIND_LABELS, alertPath, evidencePagePath, isAlertKind, shortHash } from './types';
import type { Disposal, IntegrityAlert } from './types';

export const OPEN_ALERTS_PATH = '/api/v1/evidence-alerts?state=open';

function HashPair({ alert }: { alert: IntegrityAlert }) {
  const { t } = useI18n();
  return (
    <dl className="hash-pair">
      <dt>{t('evidence.alerts.expected')}</dt>
      <dd>
        <code
          className="mono"
          title={alert.expected_sha256}
          data-value={alert.expected_sha256}
          data-testid="alert-expected"
          translate="no"
        >
          {shortHash(alert.expected_sha256)}
        </code>
      </dd>
      <dt>{t('evidence.alerts.found')}</dt>
      <dd>
        {alert.found_sha256 === '' || alert.found_sha256 === null ? (
          <span className="muted" data-testid="alert-found" data-value="">
            {t('evidence.alerts.found_nothing')}
          </span>
        ) : (
          <code
            className="mono"
            title={alert.found_sha256}
            data-value={alert.found_sha256}
            data-testid="alert-found"
            translate="no"
          >
            {shortHash(alert.found_sha256)}
          </code>
        )}
      </dd>
    </dl>
  );
}

/** Acknowledges one alert; `busy` holds the id being acknowledged. */
function useAcknowledge(onDone: (alert: IntegrityAlert) => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function acknowledge(alert: IntegrityAlert) {
    if (busy !== null) return;
    setBusy(String(alert.id));
    setError(null);
    try {
      await api.post<IntegrityAlert>(`${alertPath(alert.id)}/acknowledge`);
      onDone(alert);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  }
  return { busy, error, acknowledge };
}

function AcknowledgeButton({
  alert,
  busy,
  onClick,
  testId,
}: {
  alert: IntegrityAlert;
  busy: boolean;
  onClick: () => void;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="button button-small"
      aria-disabled={busy || undefined}
      onClick={onClick}
      aria-label={t('evidence.alerts.acknowledge_named', { name: alert.item_name })}
      data-testid={testId}
    >
      {t('evidence.alerts.acknowledge')}
    </button>
  );
}

function KindBadge({ kind }: { kind: string }) {
  const { t } = useI18n();
  return (
    <span className="badge badge-danger" data-testid="alert-kind" data-kind={kind}>
      {isAlertKind(kind) ? t(ALERT_KIND_LABELS[kind]) : kind}
    </span>
  );
}

/** The open alerts as a table (the disposals and alerts page). */
export function AlertsSection({ onChanged }: { onChanged: (message: string) => void }) {
  const { t } = useI18n();
  const alerts = useResource<{ alerts: IntegrityAlert[] }>(OPEN_ALERTS_PATH);
  const { busy, error, acknowledge } = useAcknowledge((alert) => {
    alerts.reload();
    onChanged(t('evidence.alerts.acknowledged', { name: alert.item_name }));
  });
  const list = alerts.data?.alerts ?? [];
  return (
    <section className="panel" aria-labelledby="alerts-title" data-testid="alerts-section">
      <h2 id="alerts-title">{t('evidence.alerts.title')}</h2>
      {alerts.error !== null && (
        <FormError message={errorMessage(t, alerts.error)} testId="alerts-load-error" />
      )}
      <FormError message={error === null ? null : errorMessage(t, error)} testId="alerts-error" />
      {alerts.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="alerts-table" aria-busy={alerts.loading}>
            <caption className="visually-hidden">{t('evidence.alerts.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('evidence.item')}</th>
                <th scope="col">{t('evidence.field.case')}</th>
                <th scope="col">{t('evidence.alerts.kind')}</th>
                <th scope="col">{t('evidence.hash.sha256')}</th>
                <th scope="col">{t('evidence.alerts.detected_at')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && (
                <tr>
                  <td colSpan={6} data-testid="alerts-empty">
                    {t('evidence.alerts.none')}
                  </td>
                </tr>
              )}
              {list.map((alert) => (
                <tr
                  key={String(alert.id)}
                  data-testid="alert-row"
                  data-id={String(alert.id)}
                  data-item-id={String(alert.item_id)}
                >
                  <td className="detail">
                    <Link to={evidencePagePath(alert.item_id)} data-testid="alert-item-link">
                      {alert.item_name}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/cases/${encodeURIComponent(String(alert.case_id))}`}>
                      {alert.case_number}
                    </Link>
                  </td>
                  <td>
                    <KindBadge kind={alert.kind} />
                  </td>
                  <td>
                    <HashPair alert={alert} />
                  </td>
                  <td>
                    <Time iso={alert.detected_at} testId="alert-detected" />
                  </td>
                  <td className="actions">
                    <AcknowledgeButton
                      alert={alert}
                      busy={busy === String(alert.id)}
                      onClick={() => void acknowledge(alert)}
                      testId="alert-acknowledge"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const CARD_LIMIT = 5;

/** Home card: open integrity alerts, the newest few, each with Acknowledge. */
export function EvidenceAlertsCard() {
  const { t } = useI18n();
  const alerts = useResource<{ alerts: IntegrityAlert[] }>(OPEN_ALERTS_PATH);
  const { busy, error, acknowledge } = useAcknowledge(() => alerts.reload());
  const list = alerts.data?.alerts ?? null;
  const state = list === null ? 'loading' : list.length > 0 ? 'open' : 'none';
  const shown = [...(list ?? [])]
    .sort((left, right) => right.detected_at.localeCompare(left.detected_at))
    .slice(0, CARD_LIMIT);
  return (
    <article
      className={list !== null && list.length > 0 ? 'card card-danger' : 'card'}
      data-testid="home-card-evidence-alerts"
      data-state={state}
      data-count={list?.length ?? undefined}
      aria-labelledby="home-card-evidence-alerts-title"
    >
      <h2 id="home-card-evidence-alerts-title">{t('home.evidence_alerts.title')}</h2>
      {alerts.error !== null && <p className="form-error">{errorMessage(t, alerts.error)}</p>}
      {error !== null && (
        <p className="form-error" role="alert">
          {errorMessage(t, error)}
        </p>
      )}
      {alerts.error === null && list === null && <p className="loading">{t('common.loading')}</p>}
      {list !== null && list.length === 0 && <p>{t('home.evidence_alerts.none')}</p>}
      {list !== null && list.length > 0 && (
        <>
          <p>{t('home.evidence_alerts.some', { count: list.length })}</p>
          <ul className="card-list">
            {shown.map((alert) => (
              <li
                key={String(alert.id)}
                data-testid="home-alert"
                data-id={String(alert.id)}
                data-item-id={String(alert.item_id)}
              >
                <p className="card-list-head">
                  <Link to={evidencePagePath(alert.item_id)} data-testid="home-alert-item">
                    {alert.item_name}
                  </Link>{' '}
                  <span className="muted">{alert.case_number}</span>
                </p>
                <KindBadge kind={alert.kind} /> <Time iso={alert.detected_at} />
                <HashPair alert={alert} />
                <AcknowledgeButton
                  alert={alert}
                  busy={busy === String(alert.id)}
                  onClick={() => void acknowledge(alert)}
                  testId="home-alert-acknowledge"
                />
              </li>
            ))}
          </ul>
        </>
      )}
      {list !== null && list.length > 0 && (
        <div className="form-actions">
          <Link to="/disposals" className="button" data-testid="home-alerts-link">
            {t('home.evidence_alerts.review')}
          </Link>
        </div>
      )}
    </article>
  );
}

/** Home card: how many disposal requests wait for approval. */
export function DisposalRequestsCard() {
  const { t } = useI18n();
  const pending = useResource<{ disposals: Disposal[] }>('/api/v1/disposals?state=pending');
  const count = pending.data?.disposals.length ?? null;
  return (
    <article
      className={count !== null && count > 0 ? 'card card-warning' : 'card'}
      data-testid="home-card-disposals"
      data-state={count === null ? 'loading' : count > 0 ? 'some' : 'none'}
      data-count={count ?? undefined}
      aria-labelledby="home-card-disposals-title"
    >
      <h2 id="home-card-disposals-title">{t('home.disposals.title')}</h2>
      {pending.error !== null && <p className="form-error">{errorMessage(t, pending.error)}</p>}
      {pending.error === null && count === null && <p className="loading">{t('common.loading')}</p>}
      {count === 0 && <p>{t('home.disposals.none')}</p>}
      {count !== null && count > 0 && (
        <>
          <p data-testid="home-disposals-count">{t('home.disposals.some', { count })}</p>
          <div className="form-actions">
            <Link
              to="/disposals"
              className="button button-primary"
              data-testid="home-disposals-link"
            >
              {t('home.disposals.review')}
            </Link>
          </div>
        </>
      )}
    </article>
  );
}
