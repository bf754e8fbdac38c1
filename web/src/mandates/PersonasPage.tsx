// Online personas (/personas): the covert accounts officers use under a mandate. The server
// lists only those the user may see (the controlling officer, the agency's supervisors and its
// head). Create and edit: platform, handle, display name, controlling officer (others than
// oneself only for users who may list the agency's accounts), the approved mandates it may be
// used under, and (when editing) its status.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import type { User } from '../app/types';
import {
  CheckboxField,
  FormError,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  TextField,
  useErrorText,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import type { Id, Person } from '../cases/types';
import {
  MANDATES_PATH,
  PERSONAS_PATH,
  PERSONA_STATUSES,
  PERSONA_STATUS_LABELS,
  PLATFORMS,
  isPersonaStatus,
  mandatePagePath,
  personName,
  personaPath,
} from './types';
import type { Mandate, Persona, PersonaStatus } from './types';

const PERSONA_FIELDS = [
  'platform',
  'handle',
  'display_name',
  'controller_user_id',
  'mandate_ids',
  'status',
] as const;

/** Roles whose holders may control a persona (they use monitoring). */
const CONTROLLER_ROLES = ['supervisor', 'investigator', 'analyst'];

function PersonaForm({
  persona,
  mandates,
  controllers,
  onSaved,
  onCancel,
}: {
  persona: Persona | null;
  /** Approved mandates (and those the persona already has). */
  mandates: readonly Mandate[];
  controllers: readonly Person[];
  onSaved: (saved: Persona) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [platform, setPlatform] = useState(persona?.platform ?? '');
  const [handle, setHandle] = useState(persona?.handle ?? '');
  const [displayName, setDisplayName] = useState(persona?.display_name ?? '');
  const [controller, setController] = useState(
    persona !== null ? String(persona.controller.user_id) : String(controllers[0]?.user_id ?? ''),
  );
  const [chosen, setChosen] = useState<string[]>((persona?.mandate_ids ?? []).map(String));
  const [status, setStatus] = useState<string>(persona?.status ?? 'active');
  const [problems, setProblems] = useState<
    Partial<Record<'platform' | 'handle' | 'display_name', string>>
  >({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, PERSONA_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: typeof problems = {};
    if (platform === '') found.platform = t('personas.error_platform');
    if (handle.trim() === '') found.handle = t('personas.error_handle');
    if (displayName.trim() === '') found.display_name = t('personas.error_display_name');
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    const ids: Id[] = chosen.map(
      (text) => mandates.find((mandate) => String(mandate.id) === text)?.id ?? text,
    );
    const body: Record<string, unknown> = {
      platform,
      handle: handle.trim(),
      display_name: displayName.trim(),
      mandate_ids: ids,
    };
    const person = controllers.find((candidate) => String(candidate.user_id) === controller);
    if (person !== undefined) body.controller_user_id = person.user_id;
    setBusy(true);
    try {
      if (persona === null) {
        onSaved(await api.post<Persona>(PERSONAS_PATH, body));
      } else {
        onSaved(await api.patch<Persona>(personaPath(persona.id), { ...body, status }));
      }
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  const platforms: string[] = [...PLATFORMS];
  if (platform !== '' && !platforms.includes(platform)) platforms.push(platform);
  return (
    <form
      className="panel"
      onSubmit={submit}
      noValidate
      aria-labelledby="persona-form-title"
      data-testid="persona-form"
    >
      <h2 id="persona-form-title">
        {persona === null ? t('personas.new_title') : t('personas.edit_title')}
      </h2>
      <div className="form-grid">
        <SelectField
          label={t('personas.platform')}
          value={platform}
          onChange={setPlatform}
          required
          error={problems.platform ?? errors.forField('platform')}
          testId="persona-platform"
        >
          <option value="">{t('mandates.scope.platform_choose')}</option>
          {platforms.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t('personas.handle')}
          value={handle}
          onChange={setHandle}
          required
          autoFocus
          spellCheck={false}
          maxLength={200}
          hint={t('personas.handle_hint')}
          error={problems.handle ?? errors.forField('handle')}
          testId="persona-handle"
        />
        <TextField
          label={t('personas.display_name')}
          value={displayName}
          onChange={setDisplayName}
          required
          maxLength={200}
          error={problems.display_name ?? errors.forField('display_name')}
          testId="persona-display-name"
        />
        <SelectField
          label={t('personas.controller')}
          value={controller}
          onChange={setController}
          hint={controllers.length <= 1 ? t('personas.controller_self') : undefined}
          error={errors.forField('controller_user_id')}
          testId="persona-controller"
        >
          {controllers.map((person) => (
            <option key={String(person.user_id)} value={String(person.user_id)}>
              {personName(person)}
            </option>
          ))}
        </SelectField>
        {persona !== null && (
          <SelectField
            label={t('common.status')}
            value={status}
            onChange={setStatus}
            error={errors.forField('status')}
            testId="persona-status"
          >
            {PERSONA_STATUSES.map((option) => (
              <option key={option} value={option}>
                {t(PERSONA_STATUS_LABELS[option])}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <fieldset
        className={errors.forField('mandate_ids') ? 'fieldset field-invalid' : 'fieldset'}
        data-testid="persona-mandates"
      >
        <legend>{t('personas.mandates')}</legend>
        <p className="field-hint">{t('personas.mandates_hint')}</p>
        {mandates.length === 0 && (
          <p className="muted" data-testid="persona-mandates-none">
            {t('personas.no_mandates')}
          </p>
        )}
        <div className="checks checks-column">
          {mandates.map((mandate) => (
            <CheckboxField
              key={String(mandate.id)}
              label={t('collected.mandate_choice', {
                id: String(mandate.id),
                purpose: mandate.purpose,
              })}
              checked={chosen.includes(String(mandate.id))}
              onChange={(checked) =>
                setChosen((current) =>
                  checked
                    ? [...current, String(mandate.id)]
                    : current.filter((text) => text !== String(mandate.id)),
                )
              }
              testId={`persona-mandate-${String(mandate.id)}`}
            />
          ))}
        </div>
        {errors.forField('mandate_ids') && (
          <p className="field-error" data-testid="persona-mandates-error">
            {errors.forField('mandate_ids')}
          </p>
        )}
      </fieldset>
      <FormError message={errors.forForm} testId="persona-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="persona-save"
        >
          {persona === null ? t('personas.create') : t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="persona-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const className =
    status === 'active'
      ? 'badge badge-ok'
      : status === 'suspended'
        ? 'badge badge-warning'
        : 'badge badge-muted';
  return (
    <span className={className} data-testid="persona-status-badge" data-status={status}>
      {isPersonaStatus(status) ? t(PERSONA_STATUS_LABELS[status as PersonaStatus]) : status}
    </span>
  );
}

export function PersonasPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const list = useResource<{ personas: Persona[] }>(PERSONAS_PATH);
  const mandates = useResource<{ mandates: Mandate[] }>(MANDATES_PATH);
  const mayList = hasPermission(user, 'users.read');
  const colleagues = useResource<{ users: User[] }>(
    mayList ? `/api/v1/users${buildQuery({ agency_id: String(user.agency_id) })}` : null,
  );
  const [editing, setEditing] = useState<Persona | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const self: Person = {
    user_id: user.id,
    username: user.username,
    display_name: user.display_name,
  };
  const controllers: Person[] = [
    self,
    ...(colleagues.data?.users ?? [])
      .filter(
        (candidate) =>
          String(candidate.id) !== String(user.id) &&
          !candidate.disabled &&
          candidate.roles.some((role) => CONTROLLER_ROLES.includes(role)),
      )
      .map((candidate) => ({
        user_id: candidate.id,
        username: candidate.username,
        display_name: candidate.display_name,
      })),
  ];
  const allMandates = mandates.data?.mandates ?? [];
  const mandateName = new Map(allMandates.map((mandate) => [String(mandate.id), mandate.purpose]));
  const personas = list.data?.personas ?? [];

  function formMandates(persona: Persona | null): Mandate[] {
    // Approved mandates whose mechanism is an online persona; those the persona already has
    // stay offered (so that saving keeps them).
    return allMandates.filter(
      (mandate) =>
        (mandate.state === 'approved' && mandate.mechanism === 'persona') ||
        (persona?.mandate_ids ?? []).some((id) => String(id) === String(mandate.id)),
    );
  }
  function formControllers(persona: Persona | null): Person[] {
    if (persona === null) return controllers;
    const current = persona.controller;
    return controllers.some((person) => String(person.user_id) === String(current.user_id))
      ? controllers
      : [current, ...controllers];
  }

  return (
    <section className="page" data-testid="page-personas">
      <PageHeader title={t('personas.title')} testId="page-title">
        {editing === null && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setEditing('new');
              setNotice(null);
            }}
            data-testid="personas-new"
          >
            {t('personas.new')}
          </button>
        )}
      </PageHeader>
      <p className="muted">{t('personas.explain')}</p>
      {notice !== null && (
        <Notice testId="personas-saved" tone="success">
          {notice}
        </Notice>
      )}
      {editing !== null && (mandates.loading || colleagues.loading) && <Loading />}
      {editing !== null && !mandates.loading && !colleagues.loading && (
        <PersonaForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          persona={editing === 'new' ? null : editing}
          mandates={formMandates(editing === 'new' ? null : editing)}
          controllers={formControllers(editing === 'new' ? null : editing)}
          onCancel={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setNotice(t('personas.saved', { handle: saved.handle }));
            list.reload();
          }}
        />
      )}
      {list.error !== null && (
        <FormError message={errorMessage(t, list.error)} testId="personas-error" />
      )}
      {list.data === null && list.error === null && <Loading />}
      {list.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="personas-table" aria-busy={list.loading}>
            <caption className="visually-hidden">{t('personas.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('personas.platform')}</th>
                <th scope="col">{t('personas.handle')}</th>
                <th scope="col">{t('personas.display_name')}</th>
                <th scope="col">{t('personas.controller')}</th>
                <th scope="col">{t('personas.mandates')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('personas.updated')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {personas.length === 0 && (
                <tr>
                  <td colSpan={8} data-testid="personas-empty">
                    {t('personas.empty')}
                  </td>
                </tr>
              )}
              {personas.map((persona) => (
                <tr
                  key={String(persona.id)}
                  data-testid="persona-row"
                  data-id={String(persona.id)}
                  data-handle={persona.handle}
                  data-status={persona.status}
                >
                  <td translate="no">{persona.platform}</td>
                  <td className="mono" data-testid="persona-handle-cell" translate="no">
                    {persona.handle}
                  </td>
                  <td>{persona.display_name}</td>
                  <td data-testid="persona-controller-cell">{personName(persona.controller)}</td>
                  <td>
                    {(persona.mandate_ids ?? []).length === 0 ? (
                      <span className="muted">{t('common.none')}</span>
                    ) : (
                      <ul className="plain-list">
                        {persona.mandate_ids.map((id) => (
                          <li key={String(id)}>
                            <Link to={mandatePagePath(id)} data-testid="persona-mandate-link">
                              {t('collected.mandate_choice', {
                                id: String(id),
                                purpose: mandateName.get(String(id)) ?? '',
                              })}
                            </Link>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    <StatusBadge status={persona.status} />
                  </td>
                  <td>
                    <Time iso={persona.updated_at} />
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        setEditing(persona);
                        setNotice(null);
                      }}
                      aria-label={t('personas.edit_named', { handle: persona.handle })}
                      data-testid="persona-edit"
                    >
                      {t('common.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
