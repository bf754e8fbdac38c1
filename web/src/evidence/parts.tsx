// Pieces the evidence pages share: a hash (whole or shortened) with a copy button, a size in
// words, the badges of an item's state and last verification, a time in the user's time zone.
import { useState } from 'react';
import { useI18n } from '../app/i18n';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import {
  STATE_LABELS,
  VERIFICATION_LABELS,
  formatSize,
  isEvidenceState,
  isVerification,
  shortHash,
} from './types';
import type { EvidenceItem } from './types';

/** Formats byte counts in the user's language ("7.5 MB"). */
export function useSizeFormatter(): (bytes: number) => string {
  const { t, locale } = useI18n();
  const units = [t('units.b'), t('units.kb'), t('units.mb'), t('units.gb'), t('units.tb')] as const;
  return (bytes: number) => formatSize(bytes, locale, units);
}

/** A size in words; the exact byte count in its title and `data-bytes`. */
export function Size({ bytes, testId }: { bytes: number; testId?: string }) {
  const { t, locale } = useI18n();
  const format = useSizeFormatter();
  return (
    <span
      className="nowrap"
      title={t('evidence.bytes', { count: new Intl.NumberFormat(locale).format(bytes) })}
      data-bytes={bytes}
      data-testid={testId}
    >
      {format(bytes)}
    </span>
  );
}

/** A time in the user's time zone, as a <time> element. */
export function Time({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  const { locale } = useI18n();
  const { user } = useSignedIn();
  if (iso === null || iso === undefined || iso === '') return null;
  return (
    <time className="nowrap" dateTime={iso} data-testid={testId}>
      {formatDateTime(iso, locale, user.time_zone)}
    </time>
  );
}

/** Copies `value`; `label` names what (for the accessible name: "Copy SHA-256"). */
export function CopyButton({
  value,
  label,
  testId,
}: {
  value: string;
  label: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  if (typeof navigator === 'undefined' || navigator.clipboard === undefined) return null;
  return (
    <button
      type="button"
      className="button button-small"
      aria-label={t('evidence.copy_named', { name: label })}
      onClick={() =>
        void navigator.clipboard.writeText(value).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
      data-testid={testId}
    >
      {copied ? t('common.copied') : t('common.copy')}
    </button>
  );
}

/**
 * A hash in monospace (shortened when `short`, the whole value in its title and `data-value`)
 * and a button that copies the whole value.
 */
export function HashValue({
  value,
  label,
  short = false,
  testId,
}: {
  value: string;
  label: string;
  short?: boolean;
  testId: string;
}) {
  if (value === '') return null;
  return (
    <span className="hash">
      <code className="mono hash-value" title={value} data-value={value} data-testid={testId}>
        {short ? shortHash(value) : value}
      </code>
      <CopyButton value={value} label={label} testId={`${testId}-copy`} />
    </span>
  );
}

/** The item's state (active, disposal pending, disposed) and "sealed". */
export function ItemBadges({ item, testId }: { item: EvidenceItem; testId?: string }) {
  const { t } = useI18n();
  const state = item.state;
  const stateClass =
    state === 'disposed'
      ? 'badge badge-muted'
      : state === 'disposal_pending'
        ? 'badge badge-warning'
        : 'badge badge-ok';
  return (
    <span className="badges">
      <span className={stateClass} data-state={state} data-testid={testId}>
        {isEvidenceState(state) ? t(STATE_LABELS[state]) : state}
      </span>
      {item.sealed && (
        <span
          className="badge badge-info"
          data-testid={testId === undefined ? undefined : `${testId}-sealed`}
        >
          {item.seal_number !== ''
            ? t('evidence.sealed_number', { number: item.seal_number })
            : t('evidence.sealed')}
        </span>
      )}
    </span>
  );
}

/** The result of a verification: match (green), mismatch or missing (red), none yet. */
export function VerificationBadge({
  result,
  testId,
}: {
  result: string | null | undefined;
  testId?: string;
}) {
  const { t } = useI18n();
  if (result === null || result === undefined || result === '') {
    return (
      <span className="muted" data-result="" data-testid={testId}>
        {t('evidence.verification.never')}
      </span>
    );
  }
  return (
    <span
      className={result === 'match' ? 'badge badge-ok' : 'badge badge-danger'}
      data-result={result}
      data-testid={testId}
    >
      {isVerification(result) ? t(VERIFICATION_LABELS[result]) : result}
    </span>
  );
}
