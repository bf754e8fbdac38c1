// Home page card for reviewers: how many alerts wait in the review queue, with a link to it.
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { useResource } from '../app/useResource';
import { ALERTS_PATH, QUEUE_PAGE } from './types';
import type { AlertPage } from './types';

export function OpenAlertsCard() {
  const { t, locale } = useI18n();
  const open = useResource<AlertPage>(`${ALERTS_PATH}?state=open&limit=1`);
  const count = open.data === null ? null : (open.data.total ?? open.data.alerts.length);
  const state = count === null ? 'loading' : count > 0 ? 'some' : 'none';
  return (
    <article
      className={count !== null && count > 0 ? 'card card-warning' : 'card'}
      data-testid="home-card-detect-alerts"
      data-state={state}
      data-count={count ?? undefined}
      aria-labelledby="home-card-detect-alerts-title"
    >
      <h2 id="home-card-detect-alerts-title">{t('home.alerts.title')}</h2>
      {open.error !== null && <p className="form-error">{errorMessage(t, open.error)}</p>}
      {open.error === null && count === null && <p className="loading">{t('common.loading')}</p>}
      {count === 0 && <p>{t('home.alerts.none')}</p>}
      {count !== null && count > 0 && (
        <>
          <p data-testid="home-detect-alerts-count">
            {t('home.alerts.some', { count: new Intl.NumberFormat(locale).format(count) })}
          </p>
          <Link
            to={QUEUE_PAGE}
            className="button button-primary"
            data-testid="home-detect-alerts-link"
          >
            {t('home.alerts.review')}
          </Link>
        </>
      )}
    </article>
  );
}
