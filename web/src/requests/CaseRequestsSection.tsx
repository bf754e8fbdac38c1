// The case page's requests to service providers: the case's requests with their state, a link
// to the tracker filtered by the case, and "new request for this case".
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading } from '../app/ui';
import { useResource } from '../app/useResource';
import { errorMessage } from '../app/errors';
import type { Case } from '../cases/types';
import { RequestStateBadge, useTypeName } from './parts';
import { REQUESTS_API, newRequestPath, requestPagePath } from './types';
import type { ProviderRequest } from './types';

export function CaseRequestsSection({ opened, write }: { opened: Case; write: boolean }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const typeName = useTypeName();
  const caseId = String(opened.id);
  const list = useResource<{ requests: ProviderRequest[] }>(
    `${REQUESTS_API}?case_id=${encodeURIComponent(caseId)}`,
  );
  const requests = list.data?.requests ?? [];
  return (
    <section className="panel" aria-labelledby="case-requests-title" data-testid="case-requests">
      <div className="section-actions">
        <h2 id="case-requests-title">{t('requests.case.title')}</h2>
        {write && hasPermission(user, 'requests.draft') && (
          <Link
            to={newRequestPath({ caseId: opened.id })}
            className="button button-primary"
            data-testid="case-new-request"
          >
            {t('requests.case.new')}
          </Link>
        )}
        <Link
          to={`/requests?case_id=${encodeURIComponent(caseId)}`}
          className="button"
          data-testid="case-requests-link"
        >
          {t('requests.case.all')}
        </Link>
      </div>
      {list.error !== null && (
        <FormError message={errorMessage(t, list.error)} testId="case-requests-error" />
      )}
      {list.data === null && list.error === null && <Loading />}
      {list.data !== null && requests.length === 0 && (
        <p className="muted" data-testid="case-requests-empty">
          {t('requests.case.none')}
        </p>
      )}
      {requests.length > 0 && (
        <ul className="plain-list">
          {requests.map((request) => (
            <li key={String(request.id)} data-testid="case-request" data-id={String(request.id)}>
              <Link to={requestPagePath(request.id)}>{request.reference}</Link>{' '}
              {typeName(String(request.type))}{' '}
              <span className="muted">
                {request.entity_name || request.provider || request.country}
              </span>{' '}
              <RequestStateBadge state={String(request.state)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
