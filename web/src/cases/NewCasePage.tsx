// Opening a case (/cases/new). The lead is the user by default; a user who may list the
// agency's accounts (a supervisor) may name another investigator, analyst or supervisor.
import { useMemo } from 'react';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link, navigate } from '../app/router';
import { useSignedIn } from '../app/session';
import type { User } from '../app/types';
import { Loading, PageHeader } from '../app/ui';
import { useResource } from '../app/useResource';
import { buildQuery } from '../app/api';
import { CaseForm } from './CaseForm';
import type { Person } from './types';

/** Roles whose holders can work on a case they lead (cases.read, and not read-only). */
const LEAD_ROLES = ['supervisor', 'investigator', 'analyst'];

export function NewCasePage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const mayList = hasPermission(user, 'users.read');
  const colleagues = useResource<{ users: User[] }>(
    mayList ? `/api/v1/users${buildQuery({ agency_id: String(user.agency_id) })}` : null,
  );
  const self: Person = {
    user_id: user.id,
    username: user.username,
    display_name: user.display_name,
  };
  const loadedUsers = colleagues.data?.users;
  const leads = useMemo<Person[]>(() => {
    const others = (loadedUsers ?? [])
      .filter(
        (candidate) =>
          String(candidate.id) !== String(user.id) &&
          String(candidate.agency_id) === String(user.agency_id) &&
          !candidate.disabled &&
          candidate.roles.some((role) => LEAD_ROLES.includes(role)),
      )
      .sort((left, right) => left.display_name.localeCompare(right.display_name))
      .map((candidate) => ({
        user_id: candidate.id,
        username: candidate.username,
        display_name: candidate.display_name,
      }));
    return [self, ...others];
    // `self` is rebuilt each render from the same user.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loadedUsers, user.id, user.agency_id]);

  return (
    <section className="page" data-testid="page-case-new">
      <p className="breadcrumb">
        <Link to="/cases" data-testid="case-back">
          {t('cases.back_to_list')}
        </Link>
      </p>
      <PageHeader title={t('cases.new.title')} testId="page-title" />
      {mayList && colleagues.loading ? (
        <Loading />
      ) : (
        <CaseForm
          opened={null}
          leads={leads}
          onCancel={() => navigate('/cases')}
          onSaved={(created) => navigate(`/cases/${encodeURIComponent(String(created.id))}`)}
        />
      )}
    </section>
  );
}
