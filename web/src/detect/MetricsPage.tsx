// Detection metrics (/detect/metrics): alerts, confirmed, dismissed and precision per list, per
// bank and per indicator (the 200 with most alerts), as tables with bars; the scanner's status
// (scanned through which item, how many wait, recent scans) and a rescan (detect.manage).
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canManageDetection } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading, Notice, PageHeader, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { CountBar, DetectTabs, Precision, useNumber } from './parts';
import { METRICS_PATH, RESCAN_PATH, STATUS_PATH, bankPage, listPage } from './types';
import type { DetectStatus, IndicatorMetric, MetricRow, Metrics, Scan } from './types';

/** While a scan runs the status is asked again this often. */
const RUNNING_REFRESH_MS = 3000;

function MetricTable({
  rows,
  kind,
  testId,
  caption,
}: {
  rows: readonly MetricRow[];
  kind: 'list' | 'bank';
  testId: string;
  caption: string;
}) {
  const { t } = useI18n();
  const number = useNumber();
  const max = Math.max(1, ...rows.map((row) => row.alerts));
  return (
    <div className="table-wrap">
      <table className="table table-dense" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('detect.field.name')}</th>
            <th scope="col">{t('detect.metrics.alerts')}</th>
            <th scope="col">{t('detect.metrics.confirmed')}</th>
            <th scope="col">{t('detect.metrics.dismissed')}</th>
            <th scope="col">{t('detect.metrics.open')}</th>
            <th scope="col">{t('detect.metrics.precision')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                {t('detect.metrics.none')}
              </td>
            </tr>
          )}
          {rows.map((row) => {
            const id = kind === 'list' ? row.list_id : row.bank_id;
            return (
              <tr
                key={String(id)}
                data-testid={`${testId}-row`}
                data-id={String(id)}
                data-name={row.name}
                data-alerts={row.alerts}
                data-confirmed={row.confirmed}
                data-dismissed={row.dismissed}
              >
                <td>
                  {id !== undefined ? (
                    <Link to={kind === 'list' ? listPage(id) : bankPage(id)}>{row.name}</Link>
                  ) : (
                    row.name
                  )}
                </td>
                <td>
                  <span className="metric-cell">
                    <span>{number(row.alerts)}</span>
                    <CountBar
                      value={row.alerts}
                      max={max}
                      label={t('detect.metrics.alerts_of', { name: row.name })}
                    />
                  </span>
                </td>
                <td>{number(row.confirmed)}</td>
                <td>{number(row.dismissed)}</td>
                <td>{number(row.open)}</td>
                <td>
                  <Precision value={row.precision} testId={`${testId}-precision`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function IndicatorTable({
  rows,
  lists,
}: {
  rows: readonly IndicatorMetric[];
  lists: readonly MetricRow[];
}) {
  const { t } = useI18n();
  const number = useNumber();
  const max = Math.max(1, ...rows.map((row) => row.alerts));
  return (
    <div className="table-wrap">
      <table className="table table-dense" data-testid="metrics-indicators">
        <caption>{t('detect.metrics.per_indicator')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('detect.field.pattern')}</th>
            <th scope="col">{t('detect.metrics.alerts')}</th>
            <th scope="col">{t('detect.metrics.confirmed')}</th>
            <th scope="col">{t('detect.metrics.dismissed')}</th>
            <th scope="col">{t('detect.metrics.precision')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                {t('detect.metrics.none')}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr
              key={String(row.indicator_id)}
              data-testid="metrics-indicators-row"
              data-id={String(row.indicator_id)}
              data-pattern={row.pattern}
              data-alerts={row.alerts}
              data-confirmed={row.confirmed}
              data-dismissed={row.dismissed}
            >
              <td>
                <Link to={listPage(row.list_id)} className="pattern" translate="no">
                  {row.pattern}
                </Link>
                <span className="muted cell-note">
                  {lists.find((list) => String(list.list_id) === String(row.list_id))?.name ?? ''}
                </span>
              </td>
              <td>
                <span className="metric-cell">
                  <span>{number(row.alerts)}</span>
                  <CountBar
                    value={row.alerts}
                    max={max}
                    label={t('detect.metrics.alerts_of', { name: row.pattern })}
                  />
                </span>
              </td>
              <td>{number(row.confirmed)}</td>
              <td>{number(row.dismissed)}</td>
              <td>
                <Precision value={row.precision} testId="metrics-indicators-precision" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScanStatus({ manage }: { manage: boolean }) {
  const { t } = useI18n();
  const number = useNumber();
  const status = useResource<DetectStatus>(STATUS_PATH);
  const [days, setDays] = useState('');
  const [daysError, setDaysError] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState<Scan | null>(null);
  const [busy, setBusy] = useState(false);
  const reload = status.reload;
  const scans = status.data?.scans ?? [];
  const running = scans.some((scan) => scan.state === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = window.setTimeout(reload, RUNNING_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [running, status.data, reload]);

  async function rescan(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const body: Record<string, unknown> = {};
    if (days.trim() !== '') {
      const value = Number(days.trim());
      if (!/^\d+$/.test(days.trim()) || value < 1 || value > 365) {
        setDaysError(t('detect.rescan.error_days'));
        return;
      }
      body.days = value;
    }
    setDaysError(null);
    setBusy(true);
    try {
      const answer = await api.post<{ scan: Scan }>(RESCAN_PATH, body);
      setStarted(answer.scan);
      reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const data = status.data;
  return (
    <section className="panel" aria-labelledby="scan-status-title" data-testid="detect-status">
      <h2 id="scan-status-title">{t('detect.rescan.status')}</h2>
      {status.error !== null && (
        <FormError message={errorMessage(t, status.error)} testId="detect-status-error" />
      )}
      {data === null && status.error === null && <Loading />}
      {data !== null && (
        <dl className="facts" data-running={String(running)}>
          <dt>{t('detect.rescan.scanned_through')}</dt>
          <dd data-testid="detect-scanned-through">
            {data.scanned_through_item === null
              ? t('common.none')
              : String(data.scanned_through_item)}
          </dd>
          <dt>{t('detect.rescan.pending')}</dt>
          <dd data-testid="detect-pending" data-count={data.pending_items}>
            {number(data.pending_items)}
          </dd>
          <dt>{t('detect.rescan.indicators')}</dt>
          <dd>{number(data.indicators)}</dd>
          <dt>{t('detect.rescan.problems')}</dt>
          <dd>{number(data.problems)}</dd>
          <dt>{t('detect.rescan.bank_hashes')}</dt>
          <dd>{number(data.bank_hashes)}</dd>
        </dl>
      )}
      {scans.length > 0 && (
        <div className="table-wrap">
          <table className="table table-dense" data-testid="detect-scans">
            <caption>{t('detect.rescan.scans')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('detect.rescan.reason')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('detect.rescan.progress')}</th>
                <th scope="col">{t('detect.metrics.alerts')}</th>
                <th scope="col">{t('detect.rescan.started')}</th>
              </tr>
            </thead>
            <tbody>
              {scans.map((scan) => (
                <tr key={String(scan.id)} data-testid="detect-scan-row" data-state={scan.state}>
                  <td>
                    {scan.reason === 'manual'
                      ? t('detect.rescan.reason_manual')
                      : scan.reason === 'lists_changed'
                        ? t('detect.rescan.reason_lists_changed')
                        : scan.reason}
                  </td>
                  <td>
                    {scan.state === 'running'
                      ? t('detect.rescan.running')
                      : t('detect.rescan.done')}
                  </td>
                  <td>
                    {t('detect.rescan.scanned_of', {
                      scanned: number(scan.scanned),
                      items: number(scan.items),
                    })}
                  </td>
                  <td>{number(scan.alerts)}</td>
                  <td>
                    <Time iso={scan.started_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manage && (
        <form className="inline-form" onSubmit={rescan} noValidate data-testid="rescan-form">
          <TextField
            label={t('detect.rescan.days')}
            value={days}
            onChange={setDays}
            inputMode="numeric"
            hint={t('detect.rescan.days_hint')}
            error={daysError}
            testId="rescan-days"
          />
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={busy || undefined}
            data-testid="rescan-submit"
          >
            {t('detect.rescan.start')}
          </button>
        </form>
      )}
      <FormError message={error === null ? null : errorMessage(t, error)} testId="rescan-error" />
      {started !== null && (
        <Notice testId="rescan-started" tone="success">
          {t('detect.rescan.started_notice', { items: number(started.items) })}
        </Notice>
      )}
    </section>
  );
}

export function MetricsPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const metrics = useResource<Metrics>(METRICS_PATH);
  const data = metrics.data;
  return (
    <section className="page" data-testid="page-detect-metrics">
      <PageHeader title={t('detect.metrics.title')} testId="page-title">
        <button
          type="button"
          className="button"
          onClick={metrics.reload}
          data-testid="metrics-refresh"
        >
          {t('detect.queue.refresh')}
        </button>
      </PageHeader>
      <DetectTabs />
      <p className="muted">{t('detect.metrics.explain')}</p>
      {metrics.error !== null && (
        <FormError message={errorMessage(t, metrics.error)} testId="metrics-error" />
      )}
      {data === null && metrics.error === null && <Loading />}
      {data !== null && (
        <section className="panel" aria-label={t('detect.metrics.title')} data-testid="metrics">
          <MetricTable
            rows={data.lists}
            kind="list"
            testId="metrics-lists"
            caption={t('detect.metrics.per_list')}
          />
          <MetricTable
            rows={data.banks}
            kind="bank"
            testId="metrics-banks"
            caption={t('detect.metrics.per_bank')}
          />
          <IndicatorTable rows={data.indicators} lists={data.lists} />
        </section>
      )}
      <ScanStatus manage={canManageDetection(user)} />
    </section>
  );
}
