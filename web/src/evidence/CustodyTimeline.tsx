// An item's chain of custody: every event from ingestion on, oldest first, each with its time
// in the user's time zone, what was done and by whom, where and why, the transfer's from and
// to, the hashes before and after, the result, and the event's leaf in the ledger.
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { FormError, Loading } from '../app/ui';
import {
  ACTION_LABELS,
  actorName,
  isCustodyAction,
  isVerification,
  shortHash,
  sortEvents,
} from './types';
import type { CustodyEvent } from './types';
import { Time, VerificationBadge } from './parts';

function EventHash({ value, testId }: { value: string; testId: string }) {
  return (
    <code className="mono" title={value} data-value={value} data-testid={testId} translate="no">
      {shortHash(value)}
    </code>
  );
}

function EventItem({ event }: { event: CustodyEvent }) {
  const { t } = useI18n();
  const action = isCustodyAction(event.action) ? t(ACTION_LABELS[event.action]) : event.action;
  const who =
    event.actor === null || event.actor.user_id === null
      ? t('evidence.custody.system')
      : actorName(event.actor);
  // Empty fields may come as '' or null.
  const where = event.where ?? '';
  const why = event.why ?? '';
  const from = event.from ?? '';
  const to = event.to ?? '';
  const hashBefore = event.hash_before ?? '';
  const hashAfter = event.hash_after ?? '';
  const result = event.result ?? '';
  const leaf = event.leaf_index ?? null;
  return (
    <li
      className={`timeline-event timeline-${event.action}`}
      data-testid="custody-event"
      data-id={String(event.id)}
      data-action={event.action}
      data-leaf={leaf ?? ''}
    >
      <p className="timeline-head">
        <strong data-testid="custody-action">{action}</strong>
        <Time iso={event.at} testId="custody-time" />
        <span data-testid="custody-actor">{who}</span>
      </p>
      <dl className="facts timeline-facts">
        {where !== '' && (
          <>
            <dt>{t('evidence.custody.where')}</dt>
            <dd data-testid="custody-where">{where}</dd>
          </>
        )}
        {why !== '' && (
          <>
            <dt>{t('evidence.custody.why')}</dt>
            <dd data-testid="custody-why">{why}</dd>
          </>
        )}
        {(from !== '' || to !== '') && (
          <>
            <dt>{t('evidence.custody.from_to')}</dt>
            <dd data-testid="custody-from-to">
              {t('evidence.custody.from_to_value', { from, to })}
            </dd>
          </>
        )}
        {hashBefore !== '' && (
          <>
            <dt>{t('evidence.custody.hash_before')}</dt>
            <dd>
              <EventHash value={hashBefore} testId="custody-hash-before" />
            </dd>
          </>
        )}
        {hashAfter !== '' && (
          <>
            <dt>{t('evidence.custody.hash_after')}</dt>
            <dd>
              <EventHash value={hashAfter} testId="custody-hash-after" />
            </dd>
          </>
        )}
        {result !== '' && (
          <>
            <dt>{t('evidence.custody.result')}</dt>
            <dd data-testid="custody-result" data-result={result}>
              {isVerification(result) ? <VerificationBadge result={result} /> : result}
            </dd>
          </>
        )}
        {leaf !== null && (
          <>
            <dt>{t('evidence.custody.leaf')}</dt>
            <dd className="mono" data-testid="custody-leaf">
              {leaf}
            </dd>
          </>
        )}
      </dl>
    </li>
  );
}

export function CustodyTimeline({
  events,
  error,
  loading,
}: {
  events: readonly CustodyEvent[] | null;
  error: unknown;
  loading: boolean;
}) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="custody-title" data-testid="custody">
      <h2 id="custody-title">{t('evidence.custody.title')}</h2>
      <p className="muted">{t('evidence.custody.explain')}</p>
      {error !== null && <FormError message={errorMessage(t, error)} testId="custody-error" />}
      {events === null && error === null && <Loading />}
      {events !== null && events.length === 0 && (
        <p data-testid="custody-empty">{t('evidence.custody.none')}</p>
      )}
      {events !== null && events.length > 0 && (
        <ol className="timeline" data-testid="custody-list" aria-busy={loading}>
          {sortEvents(events).map((event) => (
            <EventItem key={String(event.id)} event={event} />
          ))}
        </ol>
      )}
    </section>
  );
}
