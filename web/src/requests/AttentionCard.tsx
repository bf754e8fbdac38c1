// Home page card: due deadline reminders of requests to providers and, for approvers, the
// requests awaiting their approval, with links to the tracker.
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { useResource } from '../app/useResource';
import type { ProviderRequest, ReminderEntry } from './types';

export function RequestsAttentionCard() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const approver = hasPermission(user, 'requests.approve');
  const reminders = useResource<{ reminders: ReminderEntry[] }>('/api/v1/reminders');
  const awaiting = useResource<{ requests: ProviderRequest[] }>(
    approver ? '/api/v1/requests?awaiting_approval=1' : null,
  );
  const due = reminders.data?.reminders.length ?? null;
  const waiting = approver ? (awaiting.data?.requests.length ?? null) : 0;
  const error = reminders.error ?? awaiting.error;
  const some = (due ?? 0) + (waiting ?? 0) > 0;
  const state = due === null || waiting === null ? 'loading' : some ? 'some' : 'none';
  return (
    <article
      className={some ? 'card card-warning' : 'card'}
      data-testid="home-card-requests"
      data-state={state}
      data-reminders={due ?? undefined}
      data-awaiting={waiting ?? undefined}
      aria-labelledby="home-card-requests-title"
    >
      <h2 id="home-card-requests-title">{t('home.requests.title')}</h2>
      {error !== null && <p className="form-error">{errorMessage(t, error)}</p>}
      {error === null && state === 'loading' && <p className="loading">{t('common.loading')}</p>}
      {state === 'none' && <p>{t('home.requests.none')}</p>}
      {due !== null && due > 0 && <p>{t('home.requests.reminders', { count: due })}</p>}
      {waiting !== null && waiting > 0 && <p>{t('home.requests.awaiting', { count: waiting })}</p>}
      {some && (
        <Link
          to={waiting !== null && waiting > 0 ? '/requests?awaiting=1' : '/requests'}
          className="button button-primary"
          data-testid="home-requests-link"
        >
          {t('home.requests.open')}
        </Link>
      )}
    </article>
  );
}
