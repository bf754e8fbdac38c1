// Home page card: how many open cases the user is a member of (lead, member or viewer), with a
// link to that list. One GET /api/v1/cases; open tasks assigned to the user would need one more
// request per case (each audited as case.tasks_read), so the card counts cases instead.
import { useEffect, useState } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canCreateCases } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { CASE_LIST_LIMIT, casesPath, filtersToSearch } from './query';
import type { CaseFilters } from './query';
import { sameId } from './types';
import type { Case } from './types';

const MY_OPEN_CASES: CaseFilters = { q: '', status: 'open', article: '', mine: true };

export function MyCasesCard() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const userId = user.id;
  const [count, setCount] = useState<number | null>(null);
  const [limited, setLimited] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .get<{ cases: Case[] }>(casesPath(MY_OPEN_CASES, CASE_LIST_LIMIT))
      .then((answer) => {
        if (cancelled) return;
        setCount(
          answer.cases.filter((opened) =>
            opened.members.some((member) => sameId(member.user_id, userId)),
          ).length,
        );
        setLimited(answer.cases.length >= CASE_LIST_LIMIT);
      })
      .catch((failure: unknown) => {
        if (!cancelled) setError(failure);
      });
    return () => {
      cancelled = true;
    };
  }, [userId]);

  const state = count === null ? 'loading' : count > 0 ? 'some' : 'none';
  return (
    <article
      className="card"
      data-testid="home-card-cases"
      data-state={state}
      data-count={count ?? undefined}
      aria-labelledby="home-card-cases-title"
    >
      <h2 id="home-card-cases-title">{t('home.cases.title')}</h2>
      {error !== null && <p className="form-error">{errorMessage(t, error)}</p>}
      {error === null && count === null && <p className="loading">{t('common.loading')}</p>}
      {count === 0 && <p>{t('home.cases.none')}</p>}
      {count !== null && count > 0 && (
        <p data-testid="home-cases-count">
          {limited ? t('home.cases.some_at_least', { count }) : t('home.cases.some', { count })}
        </p>
      )}
      <div className="form-actions">
        {count !== null && count > 0 && (
          <Link
            to={`/cases${filtersToSearch(MY_OPEN_CASES)}`}
            className="button button-primary"
            data-testid="home-cases-link"
          >
            {t('home.cases.review')}
          </Link>
        )}
        {count === 0 && canCreateCases(user) && (
          <Link to="/cases/new" className="button" data-testid="home-cases-new">
            {t('cases.new.button')}
          </Link>
        )}
      </div>
    </article>
  );
}
