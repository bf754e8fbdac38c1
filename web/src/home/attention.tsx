// The "needs your attention" cards on the home page. Each module adds its cards to
// ATTENTION_CARDS (an open case task, an alert to review, a request past its deadline...).
import { useEffect, useState } from 'react';
import type { ComponentType } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import {
  canApproveEvidence,
  canApproveMandates,
  canReadCases,
  canReviewAlerts,
  hasPermission,
} from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import { hasKey } from '../app/i18n';
import type { SessionUser, User } from '../app/types';
import { MyCasesCard } from '../cases/MyCasesCard';
import { DisposalRequestsCard, EvidenceAlertsCard } from '../evidence/alerts';
import { AwaitingMandatesCard } from '../mandates/AwaitingCard';
import { OpenAlertsCard } from '../detect/OpenAlertsCard';
import { RequestsAttentionCard } from '../requests/AttentionCard';

export interface AttentionCard {
  id: string;
  visible: (user: SessionUser) => boolean;
  Component: ComponentType;
}

function SecurityCard() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const enabled = user.totp_enabled;
  return (
    <article
      className={enabled ? 'card card-ok' : 'card card-warning'}
      data-testid="home-card-security"
      data-state={enabled ? 'totp-enabled' : 'totp-missing'}
      aria-labelledby="home-card-security-title"
    >
      <h2 id="home-card-security-title">{t('home.security.title')}</h2>
      <p>{enabled ? t('home.security.totp_on') : t('home.security.totp_off')}</p>
      {!enabled && (
        <Link to="/profile/totp" className="button button-primary" data-testid="home-totp-setup">
          {t('home.security.set_up')}
        </Link>
      )}
    </article>
  );
}

function SessionCard() {
  const { t, locale } = useI18n();
  const session = useSignedIn();
  const { user } = session;
  const roles = user.roles.map((role) => {
    const key = `role.${role}`;
    return hasKey(key) ? t(key) : role;
  });
  return (
    <article
      className="card"
      data-testid="home-card-session"
      aria-labelledby="home-card-session-title"
    >
      <h2 id="home-card-session-title">{t('home.session.title')}</h2>
      <dl className="facts">
        <dt>{t('home.session.user')}</dt>
        <dd>
          {user.display_name} ({user.username})
        </dd>
        <dt>{t('home.session.agency')}</dt>
        <dd>{user.agency_name}</dd>
        <dt>{t('home.session.roles')}</dt>
        <dd>{roles.length > 0 ? roles.join(', ') : t('common.none')}</dd>
        <dt>{t('home.session.ends')}</dt>
        <dd data-testid="home-session-ends">
          {formatDateTime(session.expires_at, locale, user.time_zone)}
        </dd>
        <dt>{t('home.session.time_zone')}</dt>
        <dd>{user.time_zone}</dd>
      </dl>
    </article>
  );
}

function LockedAccountsCard() {
  const { t } = useI18n();
  const [locked, setLocked] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    api
      .get<{ users: User[] }>('/api/v1/users')
      .then((answer) => {
        if (!cancelled) setLocked(answer.users.filter((user) => user.locked).length);
      })
      .catch((failure: unknown) => {
        if (!cancelled) setError(failure);
      });
    return () => {
      cancelled = true;
    };
  }, []);
  const state = locked === null ? 'loading' : locked > 0 ? 'locked' : 'none';
  return (
    <article
      className={locked !== null && locked > 0 ? 'card card-warning' : 'card'}
      data-testid="home-card-locked"
      data-state={state}
      aria-labelledby="home-card-locked-title"
    >
      <h2 id="home-card-locked-title">{t('home.locked.title')}</h2>
      {error !== null && <p className="form-error">{errorMessage(t, error)}</p>}
      {error === null && locked === null && <p className="loading">{t('common.loading')}</p>}
      {locked === 0 && <p>{t('home.locked.none')}</p>}
      {locked !== null && locked > 0 && (
        <>
          <p>{t('home.locked.some', { count: locked })}</p>
          <Link to="/admin/users?status=locked" className="button" data-testid="home-locked-link">
            {t('home.locked.review')}
          </Link>
        </>
      )}
    </article>
  );
}

export const ATTENTION_CARDS: readonly AttentionCard[] = [
  { id: 'security', visible: () => true, Component: SecurityCard },
  { id: 'cases', visible: canReadCases, Component: MyCasesCard },
  { id: 'evidence-alerts', visible: canApproveEvidence, Component: EvidenceAlertsCard },
  { id: 'disposals', visible: canApproveEvidence, Component: DisposalRequestsCard },
  { id: 'mandates', visible: canApproveMandates, Component: AwaitingMandatesCard },
  { id: 'alerts', visible: canReviewAlerts, Component: OpenAlertsCard },
  { id: 'requests', visible: canReadCases, Component: RequestsAttentionCard },
  {
    id: 'locked',
    visible: (user) => hasPermission(user, 'users.manage') && hasPermission(user, 'users.read'),
    Component: LockedAccountsCard,
  },
  { id: 'session', visible: () => true, Component: SessionCard },
];
