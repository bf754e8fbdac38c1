import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { hasKey, useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import { ROLES } from '../app/types';
import type { Agency, User } from '../app/types';
import {
  CheckboxField,
  FormError,
  Loading,
  Notice,
  SelectField,
  TextField,
  useErrorText,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { generatePassword } from './password';

const USER_FIELDS = [
  'username',
  'display_name',
  'email',
  'agency_id',
  'roles',
  'password',
] as const;

export type StatusFilter = 'all' | 'active' | 'locked' | 'disabled';
const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'active', 'locked', 'disabled'];

export function matchesStatus(user: User, filter: StatusFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'active':
      return !user.disabled && !user.locked;
    case 'locked':
      return user.locked;
    case 'disabled':
      return user.disabled;
  }
}

function useRoleName() {
  const { t } = useI18n();
  return (role: string): string => {
    const key = `role.${role}`;
    return hasKey(key) ? t(key) : role;
  };
}

function UserForm({
  user,
  agencies,
  defaultAgencyId,
  onSaved,
  onCancel,
}: {
  user: User | null;
  agencies: Agency[];
  defaultAgencyId: string;
  onSaved: (user: User, password: string | null) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const roleName = useRoleName();
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.display_name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [agencyId, setAgencyId] = useState(
    user !== null ? String(user.agency_id) : defaultAgencyId,
  );
  const [roles, setRoles] = useState<string[]>(user?.roles ?? []);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, USER_FIELDS);

  function toggleRole(role: string, checked: boolean) {
    setRoles((current) =>
      checked ? [...current.filter((r) => r !== role), role] : current.filter((r) => r !== role),
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const agency = agencies.find((candidate) => String(candidate.id) === agencyId);
    const agencyValue =
      agency?.id ??
      (user !== null && String(user.agency_id) === agencyId ? user.agency_id : agencyId);
    const orderedRoles = ROLES.filter((role) => roles.includes(role)) as string[];
    try {
      if (user === null) {
        const body: Record<string, unknown> = {
          username: username.trim(),
          display_name: displayName.trim(),
          agency_id: agencyValue,
          roles: orderedRoles,
          password,
        };
        if (email.trim() !== '') body.email = email.trim();
        const created = await api.post<User>('/api/v1/users', body);
        onSaved(created, password);
      } else {
        const updated = await api.patch<User>(
          `/api/v1/users/${encodeURIComponent(String(user.id))}`,
          {
            display_name: displayName.trim(),
            email: email.trim(),
            roles: orderedRoles,
            agency_id: agencyValue,
          },
        );
        onSaved(updated, null);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const rolesError = errors.forField('roles');
  return (
    <form
      className="panel"
      onSubmit={submit}
      noValidate
      data-testid="user-form"
      aria-labelledby="user-form-title"
    >
      <h2 id="user-form-title">
        {user === null
          ? t('admin.users.new_title')
          : t('admin.users.edit_title', { username: user.username })}
      </h2>
      <div className="form-grid">
        {user === null && (
          <TextField
            label={t('admin.users.username')}
            value={username}
            onChange={setUsername}
            required
            autoFocus
            autoComplete="off"
            spellCheck={false}
            error={errors.forField('username')}
            testId="user-username"
          />
        )}
        <TextField
          label={t('admin.users.display_name')}
          value={displayName}
          onChange={setDisplayName}
          required
          autoFocus={user !== null}
          autoComplete="off"
          error={errors.forField('display_name')}
          testId="user-display-name"
        />
        <TextField
          label={t('admin.users.email')}
          type="email"
          value={email}
          onChange={setEmail}
          autoComplete="off"
          error={errors.forField('email')}
          testId="user-email"
        />
        <SelectField
          label={t('admin.users.agency')}
          value={agencyId}
          onChange={setAgencyId}
          required
          error={errors.forField('agency_id')}
          testId="user-agency"
        >
          {agencies.length === 0 && (
            <option value={agencyId}>{user?.agency_name ?? agencyId}</option>
          )}
          {agencies.map((agency) => (
            <option key={String(agency.id)} value={String(agency.id)}>
              {agency.name}
            </option>
          ))}
        </SelectField>
      </div>
      <fieldset className="fieldset" aria-describedby={rolesError ? 'user-roles-error' : undefined}>
        <legend>{t('admin.users.roles')}</legend>
        <div className="checks">
          {ROLES.map((role) => (
            <CheckboxField
              key={role}
              label={roleName(role)}
              checked={roles.includes(role)}
              onChange={(checked) => toggleRole(role, checked)}
              testId={`user-role-${role}`}
            />
          ))}
        </div>
        {rolesError && (
          <p id="user-roles-error" className="field-error" data-testid="user-roles-error">
            {rolesError}
          </p>
        )}
      </fieldset>
      {user === null && (
        <div className="field-row">
          <TextField
            label={t('admin.users.password')}
            type="text"
            value={password}
            onChange={setPassword}
            required
            autoComplete="new-password"
            spellCheck={false}
            hint={t('admin.users.password_hint')}
            error={errors.forField('password')}
            testId="user-password"
          />
          <button
            type="button"
            className="button"
            onClick={() => setPassword(generatePassword())}
            data-testid="user-password-generate"
          >
            {t('admin.users.generate')}
          </button>
        </div>
      )}
      <FormError message={errors.forForm} testId="user-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="user-save"
        >
          {t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="user-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** A password shown once: after "Done" it is gone from the page. */
function OneTimePassword({
  heading,
  username,
  password,
  testId,
  onDone,
}: {
  heading: string;
  username: string;
  password: string;
  testId: string;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <section className="panel panel-secret" role="alert" data-testid={`${testId}-panel`}>
      <h2>{heading}</h2>
      <p>{t('admin.users.password_once', { username })}</p>
      <code className="secret" data-testid={`${testId}-value`}>
        {password}
      </code>
      <div className="form-actions">
        {navigator.clipboard !== undefined && (
          <button
            type="button"
            className="button"
            onClick={() =>
              void navigator.clipboard.writeText(password).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
            data-testid={`${testId}-copy`}
          >
            {copied ? t('common.copied') : t('common.copy')}
          </button>
        )}
        <button
          type="button"
          className="button button-primary"
          onClick={onDone}
          data-testid={`${testId}-done`}
        >
          {t('common.done')}
        </button>
      </div>
    </section>
  );
}

export function UsersPanel() {
  const { t, locale } = useI18n();
  const roleName = useRoleName();
  const { user: me } = useSignedIn();
  const { search } = useLocation();
  const canManage = hasPermission(me, 'users.manage');
  const initialStatus = new URLSearchParams(search).get('status');
  const [status, setStatus] = useState<StatusFilter>(
    STATUS_FILTERS.includes(initialStatus as StatusFilter)
      ? (initialStatus as StatusFilter)
      : 'all',
  );
  const [queryInput, setQueryInput] = useState('');
  const [query, setQuery] = useState('');
  const [agencyFilter, setAgencyFilter] = useState('');
  const agencies = useResource<{ agencies: Agency[] }>(
    hasPermission(me, 'org.read') ? '/api/v1/agencies' : null,
  );
  const users = useResource<{ users: User[] }>(
    `/api/v1/users${buildQuery({ agency_id: agencyFilter, q: query })}`,
  );
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [confirmReset, setConfirmReset] = useState<User | null>(null);
  const [oneTime, setOneTime] = useState<{
    kind: 'created' | 'reset';
    username: string;
    password: string;
  } | null>(null);
  const agencyList = agencies.data?.agencies ?? [];

  function startAction() {
    setActionError(null);
    setNotice(null);
    setOneTime(null);
  }

  async function act(user: User, action: 'disable' | 'enable' | 'unlock') {
    startAction();
    try {
      await api.post<User>(`/api/v1/users/${encodeURIComponent(String(user.id))}/${action}`);
      setNotice(t(`admin.users.done_${action}`, { username: user.username }));
      users.reload();
    } catch (failure) {
      setActionError(failure);
    }
  }

  async function resetPassword(user: User) {
    startAction();
    setConfirmReset(null);
    try {
      const answer = await api.post<{ password: string }>(
        `/api/v1/users/${encodeURIComponent(String(user.id))}/reset-password`,
      );
      setOneTime({ kind: 'reset', username: user.username, password: answer.password });
      users.reload();
    } catch (failure) {
      setActionError(failure);
    }
  }

  function applySearch(event: FormEvent) {
    event.preventDefault();
    setQuery(queryInput.trim());
  }

  const shown = (users.data?.users ?? []).filter((user) => matchesStatus(user, status));

  return (
    <section aria-labelledby="users-title" data-testid="admin-users">
      <div className="toolbar">
        <h2 id="users-title" className="section-title">
          {t('admin.tab.users')}
        </h2>
        {canManage && editing === null && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              startAction();
              setEditing('new');
            }}
            data-testid="user-new"
          >
            {t('admin.users.new')}
          </button>
        )}
      </div>
      <form
        className="filters"
        onSubmit={applySearch}
        role="search"
        aria-label={t('admin.users.filters')}
      >
        <TextField
          label={t('admin.users.search')}
          type="search"
          value={queryInput}
          onChange={setQueryInput}
          testId="users-search"
        />
        {agencyList.length > 0 && (
          <SelectField
            label={t('admin.users.agency')}
            value={agencyFilter}
            onChange={setAgencyFilter}
            testId="users-filter-agency"
          >
            <option value="">{t('common.all')}</option>
            {agencyList.map((agency) => (
              <option key={String(agency.id)} value={String(agency.id)}>
                {agency.name}
              </option>
            ))}
          </SelectField>
        )}
        <SelectField
          label={t('common.status')}
          value={status}
          onChange={(value) => setStatus(value as StatusFilter)}
          testId="users-filter-status"
        >
          {STATUS_FILTERS.map((filter) => (
            <option key={filter} value={filter}>
              {t(`admin.users.status.${filter}`)}
            </option>
          ))}
        </SelectField>
        <div className="form-actions">
          <button type="submit" className="button" data-testid="users-search-submit">
            {t('common.search')}
          </button>
        </div>
      </form>

      {notice !== null && (
        <Notice testId="admin-saved" tone="success">
          {notice}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="users-action-error"
      />
      {oneTime !== null && (
        <OneTimePassword
          heading={
            oneTime.kind === 'reset'
              ? t('admin.users.reset_done_title')
              : t('admin.users.created_title')
          }
          username={oneTime.username}
          password={oneTime.password}
          testId={oneTime.kind === 'reset' ? 'reset-password' : 'created-password'}
          onDone={() => setOneTime(null)}
        />
      )}
      {confirmReset !== null && (
        <section
          className="panel panel-confirm"
          role="alertdialog"
          aria-labelledby="reset-confirm-title"
          data-testid="reset-confirm"
        >
          <h2 id="reset-confirm-title">
            {t('admin.users.reset_confirm_title', { username: confirmReset.username })}
          </h2>
          <p>{t('admin.users.reset_confirm_text')}</p>
          <div className="form-actions">
            <button
              type="button"
              className="button button-danger"
              onClick={() => void resetPassword(confirmReset)}
              data-testid="user-reset-confirm"
              autoFocus
            >
              {t('admin.users.reset')}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => setConfirmReset(null)}
              data-testid="user-reset-cancel"
            >
              {t('common.cancel')}
            </button>
          </div>
        </section>
      )}
      {editing !== null && (
        <UserForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          user={editing === 'new' ? null : editing}
          agencies={agencyList}
          defaultAgencyId={String(me.agency_id)}
          onCancel={() => setEditing(null)}
          onSaved={(saved, password) => {
            setEditing(null);
            if (password !== null)
              setOneTime({ kind: 'created', username: saved.username, password });
            else setNotice(t('admin.saved', { name: saved.username }));
            users.reload();
          }}
        />
      )}

      {users.error !== null && (
        <FormError message={errorMessage(t, users.error)} testId="users-error" />
      )}
      {users.data === null && users.error === null && <Loading />}
      {users.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="users-table">
            <caption className="visually-hidden">{t('admin.tab.users')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.users.username')}</th>
                <th scope="col">{t('admin.users.display_name')}</th>
                <th scope="col">{t('admin.users.agency')}</th>
                <th scope="col">{t('admin.users.roles')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('common.created')}</th>
                {canManage && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {shown.length === 0 && (
                <tr>
                  <td colSpan={canManage ? 7 : 6}>{t('common.empty')}</td>
                </tr>
              )}
              {shown.map((user) => (
                <tr
                  key={String(user.id)}
                  data-testid={`user-row-${user.username}`}
                  data-locked={user.locked}
                  data-disabled={user.disabled}
                >
                  <td>{user.username}</td>
                  <td>{user.display_name}</td>
                  <td>{user.agency_name}</td>
                  <td>{user.roles.map(roleName).join(', ')}</td>
                  <td>
                    <span className="badges">
                      {user.disabled ? (
                        <span
                          className="badge badge-muted"
                          data-testid={`user-disabled-${user.username}`}
                        >
                          {t('common.disabled')}
                        </span>
                      ) : (
                        <span className="badge badge-ok">{t('common.active')}</span>
                      )}
                      {user.locked && (
                        <span
                          className="badge badge-warning"
                          data-testid={`user-locked-${user.username}`}
                        >
                          {t('admin.users.locked')}
                        </span>
                      )}
                      <span className={user.totp_enabled ? 'badge badge-ok' : 'badge badge-muted'}>
                        {user.totp_enabled ? t('admin.users.totp_on') : t('admin.users.totp_off')}
                      </span>
                    </span>
                  </td>
                  <td>{formatDateTime(user.created_at, locale, me.time_zone)}</td>
                  {canManage && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => {
                          startAction();
                          setEditing(user);
                        }}
                        aria-label={t('admin.edit_named', { name: user.username })}
                        data-testid={`user-edit-${user.username}`}
                      >
                        {t('common.edit')}
                      </button>
                      {user.locked && (
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => void act(user, 'unlock')}
                          aria-label={t('admin.users.unlock_named', { name: user.username })}
                          data-testid={`user-unlock-${user.username}`}
                        >
                          {t('admin.users.unlock')}
                        </button>
                      )}
                      {String(user.id) !== String(me.id) && (
                        <>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => void act(user, user.disabled ? 'enable' : 'disable')}
                            aria-label={t(
                              user.disabled ? 'admin.enable_named' : 'admin.disable_named',
                              { name: user.username },
                            )}
                            data-testid={`user-toggle-${user.username}`}
                          >
                            {user.disabled ? t('common.enable') : t('common.disable')}
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => {
                              startAction();
                              setConfirmReset(user);
                            }}
                            aria-label={t('admin.users.reset_named', { name: user.username })}
                            data-testid={`user-reset-${user.username}`}
                          >
                            {t('admin.users.reset')}
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
