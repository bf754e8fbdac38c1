// Pieces the detection pages share: the section's tabs, badges for severity and alert state,
// precision as a number and a bar, and the row errors of an import.
import { useI18n } from '../app/i18n';
import { Link, useLocation } from '../app/router';
import {
  BANKS_PAGE,
  LISTS_PAGE,
  METRICS_PAGE,
  QUEUE_PAGE,
  SEVERITY_BADGES,
  SEVERITY_LABELS,
  STATE_BADGES,
  STATE_LABELS,
  isAlertState,
  isSeverity,
  precisionPercent,
} from './types';
import type { RowError } from './types';
import './detect.css';

const TABS = [
  { path: QUEUE_PAGE, label: 'detect.tab.queue', testId: 'detect-tab-queue' },
  { path: LISTS_PAGE, label: 'detect.tab.lists', testId: 'detect-tab-lists' },
  { path: BANKS_PAGE, label: 'detect.tab.banks', testId: 'detect-tab-banks' },
  { path: METRICS_PAGE, label: 'detect.tab.metrics', testId: 'detect-tab-metrics' },
] as const;

function currentTab(pathname: string): string {
  if (pathname.startsWith('/detect/alerts')) return QUEUE_PAGE;
  return (
    TABS.find((tab) => tab.path !== QUEUE_PAGE && pathname.startsWith(tab.path))?.path ?? QUEUE_PAGE
  );
}

/** The tabs of the detection section (queue, lists, banks, metrics). */
export function DetectTabs() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const current = currentTab(pathname);
  return (
    <nav className="tabs" aria-label={t('detect.tabs')} data-testid="detect-tabs">
      {TABS.map((tab) => (
        <Link
          key={tab.path}
          to={tab.path}
          className={tab.path === current ? 'tab tab-current' : 'tab'}
          aria-current={tab.path === current ? 'page' : undefined}
          data-testid={tab.testId}
        >
          {t(tab.label)}
        </Link>
      ))}
    </nav>
  );
}

export function SeverityBadge({ severity, testId }: { severity: string; testId?: string }) {
  const { t } = useI18n();
  if (!isSeverity(severity)) return <span className="badge">{severity}</span>;
  return (
    <span className={SEVERITY_BADGES[severity]} data-severity={severity} data-testid={testId}>
      {t(SEVERITY_LABELS[severity])}
    </span>
  );
}

export function AlertStateBadge({ state, testId }: { state: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={isAlertState(state) ? STATE_BADGES[state] : 'badge'}
      data-state={state}
      data-testid={testId}
    >
      {isAlertState(state) ? t(STATE_LABELS[state]) : state}
    </span>
  );
}

export function ActiveBadge({ active, testId }: { active: boolean; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={active ? 'badge badge-ok' : 'badge badge-muted'}
      data-active={String(active)}
      data-testid={testId}
    >
      {active ? t('detect.active') : t('detect.inactive')}
    </span>
  );
}

/** Precision as "67 %" with a bar; "—" (and words for screen readers) before any decision. */
export function Precision({
  value,
  testId,
}: {
  value: number | null | undefined;
  testId?: string;
}) {
  const { t, locale } = useI18n();
  const percent = precisionPercent(value);
  if (percent === null)
    return (
      <span className="muted" data-testid={testId} data-precision="">
        <span aria-hidden="true">—</span>
        <span className="visually-hidden">{t('detect.metrics.no_precision')}</span>
      </span>
    );
  const text = new Intl.NumberFormat(locale, { style: 'percent' }).format(percent / 100);
  return (
    <span className="precision" data-testid={testId} data-precision={percent}>
      <span className="precision-value">{text}</span>
      <meter
        className="precision-bar"
        min={0}
        max={100}
        low={50}
        high={80}
        optimum={100}
        value={percent}
        aria-label={t('detect.metrics.precision')}
      />
    </span>
  );
}

/** A bar for a count among `max` (the metrics tables). */
export function CountBar({ value, max, label }: { value: number; max: number; label: string }) {
  return (
    <meter className="count-bar" min={0} max={Math.max(1, max)} value={value} aria-label={label} />
  );
}

const ERRORS_SHOWN = 50;

/** The rows an import refused, with their positions. */
export function RowErrors({ errors }: { errors: readonly RowError[] }) {
  const { t } = useI18n();
  if (errors.length === 0)
    return (
      <p className="muted" data-testid="detect-import-no-errors">
        {t('detect.import.no_errors')}
      </p>
    );
  return (
    <>
      <ul className="plain-list" data-testid="detect-import-errors">
        {errors.slice(0, ERRORS_SHOWN).map((error, index) => (
          <li
            key={`${String(error.position)}|${index}`}
            data-testid="detect-import-error"
            data-position={String(error.position)}
          >
            <span className="mono" translate="no">
              {String(error.position)}
            </span>
            {': '}
            <span translate="no">{error.error}</span>
          </li>
        ))}
      </ul>
      {errors.length > ERRORS_SHOWN && (
        <p className="muted">
          {t('detect.import.more_errors', { count: errors.length - ERRORS_SHOWN })}
        </p>
      )}
    </>
  );
}

/** A whole number in the user's locale. */
export function useNumber(): (value: number) => string {
  const { locale } = useI18n();
  return (value: number) => new Intl.NumberFormat(locale).format(value);
}
