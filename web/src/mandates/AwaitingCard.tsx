// Home page card for supervisors (and the head of the agency): how many mandates wait for their
// approval, with a link to the inbox (/mandates?awaiting=me).
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { useResource } from '../app/useResource';
import { errorMessage } from '../app/errors';
import { mandatesListPath } from './types';
import type { Mandate } from './types';

const AWAITING_ME = mandatesListPath({ state: '', awaiting: true });

export function AwaitingMandatesCard() {
  const { t } = useI18n();
  const list = useResource<{ mandates: Mandate[] }>(AWAITING_ME);
  const count = list.data?.mandates.length ?? null;
  const covert = (list.data?.mandates ?? []).filter((mandate) => mandate.level === 'covert').length;
  const state = count === null ? 'loading' : count > 0 ? 'some' : 'none';
  return (
    <article
      className={count !== null && count > 0 ? 'card card-warning' : 'card'}
      data-testid="home-card-mandates"
      data-state={state}
      data-count={count ?? undefined}
      aria-labelledby="home-card-mandates-title"
    >
      <h2 id="home-card-mandates-title">{t('home.mandates.title')}</h2>
      {list.error !== null && <p className="form-error">{errorMessage(t, list.error)}</p>}
      {list.error === null && count === null && <p className="loading">{t('common.loading')}</p>}
      {count === 0 && <p>{t('home.mandates.none')}</p>}
      {count !== null && count > 0 && (
        <>
          <p data-testid="home-mandates-count">{t('home.mandates.some', { count })}</p>
          {covert > 0 && <p>{t('home.mandates.covert', { count: covert })}</p>}
          <Link
            to="/mandates?awaiting=me"
            className="button button-primary"
            data-testid="home-mandates-link"
          >
            {t('home.mandates.review')}
          </Link>
        </>
      )}
    </article>
  );
}
