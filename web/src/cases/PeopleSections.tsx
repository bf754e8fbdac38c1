// Who works on a case (members: lead, member, viewer) and which prosecutors it is shared with.
// The lead and the agency's supervisors add and remove them; everyone who sees the case sees
// the lists. Candidates come from GET /api/v1/cases/{id}/candidates.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { FormError, SelectField, useErrorText } from '../app/ui';
import { useMemberRoleName } from './StatusBadge';
import { ASSIGNABLE_ROLES, ROLE_LABELS, casePath, sameId } from './types';
import type { Candidates, Case, CaseAccess, Person } from './types';

interface SectionProps {
  opened: Case;
  access: CaseAccess;
  candidates: Candidates | null;
  candidatesError: unknown;
  onChanged: (updated: Case, message: string) => void;
}

function personName(person: Person): string {
  return person.display_name || person.username;
}

const MEMBER_FIELDS = ['user_id', 'role'] as const;

export function MembersSection({
  opened,
  access,
  candidates,
  candidatesError,
  onChanged,
}: SectionProps) {
  const { t } = useI18n();
  const roleName = useMemberRoleName();
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<(typeof ASSIGNABLE_ROLES)[number]>('member');
  const [addError, setAddError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const addErrors = useErrorText(addError, MEMBER_FIELDS);
  const available = (candidates?.members ?? []).filter(
    (person) => !opened.members.some((member) => sameId(member.user_id, person.user_id)),
  );
  const chosen = available.find((person) => String(person.user_id) === userId) ?? available[0];

  async function add(event: FormEvent) {
    event.preventDefault();
    if (chosen === undefined) return;
    setBusy(true);
    setAddError(null);
    setActionError(null);
    try {
      const updated = await api.put<Case>(
        `${casePath(opened.id)}/members/${encodeURIComponent(String(chosen.user_id))}`,
        { role },
      );
      setUserId('');
      onChanged(updated, t('cases.members.added', { name: personName(chosen) }));
    } catch (failure) {
      setAddError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function remove(person: Person) {
    setAddError(null);
    setActionError(null);
    try {
      const updated = await api.delete<Case>(
        `${casePath(opened.id)}/members/${encodeURIComponent(String(person.user_id))}`,
      );
      onChanged(updated, t('cases.members.removed', { name: personName(person) }));
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section className="panel" aria-labelledby="case-members-title" data-testid="case-members">
      <h2 id="case-members-title">{t('cases.members.title')}</h2>
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="members-error"
      />
      <div className="table-wrap">
        <table className="table" data-testid="members-table">
          <caption className="visually-hidden">{t('cases.members.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('cases.person.name')}</th>
              <th scope="col">{t('cases.person.username')}</th>
              <th scope="col">{t('cases.members.role')}</th>
              {access.manage && <th scope="col">{t('common.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {opened.members.map((member) => (
              <tr
                key={String(member.user_id)}
                data-testid={`member-row-${member.username}`}
                data-role={member.role}
              >
                <td>{personName(member)}</td>
                <td className="mono">{member.username}</td>
                <td>
                  <span className={member.role === 'lead' ? 'badge badge-info' : 'badge'}>
                    {roleName(member.role)}
                  </span>
                </td>
                {access.manage && (
                  <td className="actions">
                    {member.role !== 'lead' && (
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => void remove(member)}
                        aria-label={t('cases.members.remove_named', { name: personName(member) })}
                        data-testid={`member-remove-${member.username}`}
                      >
                        {t('common.remove')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {access.manage && (
        <form
          className="inline-form"
          onSubmit={add}
          noValidate
          aria-label={t('cases.members.add_title')}
          data-testid="member-add-form"
        >
          {candidatesError !== null && (
            <FormError message={errorMessage(t, candidatesError)} testId="candidates-error" />
          )}
          {candidates !== null && available.length === 0 && (
            <p className="field-hint" data-testid="member-add-none">
              {t('cases.members.no_candidates')}
            </p>
          )}
          {available.length > 0 && (
            <>
              <SelectField
                label={t('cases.members.person')}
                value={chosen === undefined ? '' : String(chosen.user_id)}
                onChange={setUserId}
                error={addErrors.forField('user_id')}
                testId="member-add-user"
              >
                {available.map((person) => (
                  <option key={String(person.user_id)} value={String(person.user_id)}>
                    {`${personName(person)} (${person.username})`}
                  </option>
                ))}
              </SelectField>
              <SelectField
                label={t('cases.members.role')}
                value={role}
                onChange={(value) => setRole(value === 'viewer' ? 'viewer' : 'member')}
                error={addErrors.forField('role')}
                testId="member-add-role"
              >
                {ASSIGNABLE_ROLES.map((choice) => (
                  <option key={choice} value={choice}>
                    {t(ROLE_LABELS[choice])}
                  </option>
                ))}
              </SelectField>
              <div className="form-actions">
                <button type="submit" className="button" disabled={busy} data-testid="member-add">
                  {t('cases.members.add')}
                </button>
              </div>
            </>
          )}
          <FormError message={addErrors.forForm} testId="member-add-error" />
        </form>
      )}
    </section>
  );
}

export function SharesSection({
  opened,
  access,
  candidates,
  onChanged,
}: Omit<SectionProps, 'candidatesError'>) {
  const { t } = useI18n();
  const [userId, setUserId] = useState('');
  const [addError, setAddError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const addErrors = useErrorText(addError, ['user_id'] as const);
  const available = (candidates?.prosecutors ?? []).filter(
    (person) => !opened.shared_with.some((shared) => sameId(shared.user_id, person.user_id)),
  );
  const chosen = available.find((person) => String(person.user_id) === userId) ?? available[0];

  async function add(event: FormEvent) {
    event.preventDefault();
    if (chosen === undefined) return;
    setBusy(true);
    setAddError(null);
    setActionError(null);
    try {
      const updated = await api.put<Case>(
        `${casePath(opened.id)}/shares/${encodeURIComponent(String(chosen.user_id))}`,
        {},
      );
      setUserId('');
      onChanged(updated, t('cases.shares.added', { name: personName(chosen) }));
    } catch (failure) {
      setAddError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function remove(person: Person) {
    setAddError(null);
    setActionError(null);
    try {
      const updated = await api.delete<Case>(
        `${casePath(opened.id)}/shares/${encodeURIComponent(String(person.user_id))}`,
      );
      onChanged(updated, t('cases.shares.removed', { name: personName(person) }));
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section className="panel" aria-labelledby="case-shares-title" data-testid="case-shares">
      <h2 id="case-shares-title">{t('cases.shares.title')}</h2>
      <p className="field-hint">{t('cases.shares.explain')}</p>
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="shares-error"
      />
      {opened.shared_with.length === 0 ? (
        <p data-testid="shares-empty">{t('cases.shares.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="shares-table">
            <caption className="visually-hidden">{t('cases.shares.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cases.person.name')}</th>
                <th scope="col">{t('cases.person.username')}</th>
                {access.manage && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {opened.shared_with.map((person) => (
                <tr key={String(person.user_id)} data-testid={`share-row-${person.username}`}>
                  <td>{personName(person)}</td>
                  <td className="mono">{person.username}</td>
                  {access.manage && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => void remove(person)}
                        aria-label={t('cases.shares.remove_named', { name: personName(person) })}
                        data-testid={`share-remove-${person.username}`}
                      >
                        {t('cases.shares.remove')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {access.manage && (
        <form
          className="inline-form"
          onSubmit={add}
          noValidate
          aria-label={t('cases.shares.add_title')}
          data-testid="share-add-form"
        >
          {candidates !== null && available.length === 0 && (
            <p className="field-hint" data-testid="share-add-none">
              {t('cases.shares.no_candidates')}
            </p>
          )}
          {available.length > 0 && (
            <>
              <SelectField
                label={t('cases.shares.person')}
                value={chosen === undefined ? '' : String(chosen.user_id)}
                onChange={setUserId}
                error={addErrors.forField('user_id')}
                testId="share-add-user"
              >
                {available.map((person) => (
                  <option key={String(person.user_id)} value={String(person.user_id)}>
                    {`${personName(person)} (${person.username})`}
                  </option>
                ))}
              </SelectField>
              <div className="form-actions">
                <button type="submit" className="button" disabled={busy} data-testid="share-add">
                  {t('cases.shares.add')}
                </button>
              </div>
            </>
          )}
          <FormError message={addErrors.forForm} testId="share-add-error" />
        </form>
      )}
    </section>
  );
}
