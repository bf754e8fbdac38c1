// The request wizard (/requests/new?case_id=&previous_id=&type=, /requests/{id}/edit for a
// draft): type and case -> addressee (provider, the user's country and the legal entity that
// serves it; or the requested State) -> legal basis -> data (identifiers, with the case's known
// ones one click away; date range; categories) -> emergency facts (emergency disclosures) ->
// language and review. "Next" stays disabled while the step misses an essential or the linter
// reports an error on one of its fields; the linter (POST /api/v1/requests/lint, debounced)
// speaks beside the field it names, in the user's language, with reason and source. Saving
// makes a draft (POST) or changes it (PATCH with its version); the server's 4xx appear beside
// their field.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError, api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone } from '../app/time';
import {
  CheckboxField,
  FormError,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  TextAreaField,
  TextField,
} from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case } from '../cases/types';
import { DeadlineList, FieldWarnings, RetentionList, useTypeName } from './parts';
import {
  CATEGORIES,
  CATEGORY_LABELS,
  DOCUMENT_LANGUAGES,
  ESSENTIAL_LABELS,
  IDENTIFIER_KINDS,
  KIND_LABELS,
  PROCESS_LABELS,
  REQUESTS_API,
  REQUEST_TYPES,
  STEP_LABELS,
  TYPE_EXPLAINED,
  TYPE_LABELS,
  continueChain,
  countryPagePath,
  emptyWizard,
  followingTypes,
  identifierIndex,
  identifierRow,
  isCategory,
  isIdentifierKind,
  mayFollow,
  missingEssentials,
  providerApiPath,
  providerPagePath,
  requestApiPath,
  requestPagePath,
  requestToWizard,
  stepErrors,
  stepOfField,
  stepsFor,
  toState,
  warningsByField,
  wizardBody,
} from './types';
import type {
  CaseIdentifier,
  DirectoryIndex,
  LegalEntity,
  LintAnswer,
  LintWarning,
  ProviderEntry,
  ProviderRequest,
  RequestView,
  Step,
  WizardValues,
} from './types';

const LINT_DELAY_MS = 400;

function entityName(entity: ProviderEntry['entity_for_country']): string {
  if (entity === null || entity === undefined) return '';
  return typeof entity === 'string' ? entity : entity.name;
}

/** The server's error about `field` (ApiError.field), or null. */
function serverErrorFor(error: unknown, field: string, t: Parameters<typeof errorMessage>[0]) {
  if (!(error instanceof ApiError) || error.field !== field) return null;
  return errorMessage(t, error);
}

interface WizardProps {
  initial: WizardValues;
  /** The draft being edited; null for a new request. */
  existing: ProviderRequest | null;
}

export function RequestWizard({ initial, existing }: WizardProps) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const zone = effectiveTimeZone(user.time_zone);
  const typeName = useTypeName();
  const formRef = useRef<HTMLFormElement>(null);
  const missingId = useId();
  const [values, setValues] = useState<WizardValues>(initial);
  const [step, setStep] = useState<Step>('start');
  const [lint, setLint] = useState<LintAnswer | null>(null);
  const [lintState, setLintState] = useState<'idle' | 'checking' | 'done' | 'failed'>('idle');
  const [serverError, setServerError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [triedNext, setTriedNext] = useState(false);

  const directory = useResource<DirectoryIndex>('/api/v1/directory');
  const cases = useResource<{ cases: Case[] }>('/api/v1/cases?status=open');
  const provider = useResource<ProviderEntry>(
    values.provider === '' || toState(values.type)
      ? null
      : providerApiPath(
          values.provider,
          /^[A-Za-z]{2}$/.test(values.userCountry.trim())
            ? values.userCountry.trim().toUpperCase()
            : undefined,
        ),
  );
  const caseIdentifiers = useResource<{ identifiers: CaseIdentifier[] }>(
    /^\d+$/.test(values.caseId)
      ? `/api/v1/cases/${encodeURIComponent(values.caseId)}/identifiers`
      : null,
  );
  const caseRequests = useResource<{ requests: ProviderRequest[] }>(
    /^\d+$/.test(values.caseId) ? `${REQUESTS_API}${buildQuery({ case_id: values.caseId })}` : null,
  );

  const steps = stepsFor(values.type);
  const stepIndex = Math.max(0, steps.indexOf(step));
  const requiredEmergency = (provider.data?.emergency?.required_fields ?? []).map(
    (field) => field.key,
  );
  const missing = missingEssentials(step, values, requiredEmergency);
  const warnings = lint?.warnings ?? [];
  const byField = warningsByField(warnings);
  const blockingErrors = stepErrors(warnings, step);
  const blocked = missing.length > 0 || blockingErrors.length > 0;
  const body = useMemo(() => wizardBody(values, zone), [values, zone]);
  const bodyText = JSON.stringify(body);

  // The linter, a moment after the last change.
  useEffect(() => {
    if (!REQUEST_TYPES.includes(body.type as never) || String(body.case_id) === '') return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      setLintState('checking');
      api
        .request<LintAnswer>('POST', `${REQUESTS_API}/lint`, JSON.parse(bodyText), {
          signal: controller.signal,
        })
        .then((answer) => {
          setLint(answer);
          setLintState('done');
        })
        .catch(() => {
          if (!controller.signal.aborted) setLintState('failed');
        });
    }, LINT_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
    // bodyText holds everything body does.
  }, [bodyText]);

  // The entity that serves the user's country is picked when none is chosen yet.
  const served = entityName(provider.data?.entity_for_country);
  useEffect(() => {
    if (served !== '' && values.entityName === '' && !toState(values.type))
      setValues((current) => ({ ...current, entityName: served }));
  }, [served, values.entityName, values.type]);

  function set<K extends keyof WizardValues>(key: K, value: WizardValues[K]) {
    setServerError(null);
    setValues((current) => ({ ...current, [key]: value }));
  }

  function goTo(next: Step) {
    setTriedNext(false);
    setStep(next);
    window.setTimeout(() => formRef.current?.querySelector<HTMLElement>('h2')?.focus(), 0);
  }

  function next() {
    if (blocked) {
      setTriedNext(true);
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const following = steps[stepIndex + 1];
    if (following !== undefined) goTo(following);
  }

  async function save(submit: boolean) {
    if (busy) return;
    setBusy(true);
    setServerError(null);
    try {
      let view: RequestView =
        existing === null
          ? await api.post<RequestView>(REQUESTS_API, body)
          : await api.patch<RequestView>(requestApiPath(existing.id), {
              version: existing.version,
              ...body,
            });
      let saved = 'draft';
      if (submit) {
        try {
          view = await api.post<RequestView>(`${requestApiPath(view.request.id)}/submit`);
          saved = 'submitted';
        } catch (failure) {
          saved = 'submit_refused';
          if (!(failure instanceof ApiError)) throw failure;
        }
      }
      navigate(`${requestPagePath(view.request.id)}?saved=${saved}`);
    } catch (failure) {
      setServerError(failure);
      if (failure instanceof ApiError && failure.field !== undefined) {
        const where = stepOfField(failure.field);
        if (steps.includes(where)) setStep(where);
      }
      setBusy(false);
    }
  }

  const errorAt = (field: string) => serverErrorFor(serverError, field, t);
  const lintAt = (field: string, testId = `lint-${field}`) => (
    <FieldWarnings warnings={byField.get(field)} testId={testId} />
  );
  const located = serverError instanceof ApiError ? (serverError.field ?? null) : null;
  const formMessage =
    serverError !== null && located === null ? errorMessage(t, serverError) : null;
  const unplacedServer =
    serverError !== null && located !== null && !shownBesideField(located)
      ? `${located}: ${errorMessage(t, serverError)}`
      : null;

  const providers = directory.data?.providers ?? [];
  const countries = directory.data?.countries ?? [];
  const entities: LegalEntity[] = provider.data?.legal_entities?.entries ?? [];
  const caseList = cases.data?.cases ?? [];
  const previousChoices = (caseRequests.data?.requests ?? []).filter(
    (request) =>
      values.type !== '' &&
      mayFollow(String(request.type), values.type) &&
      (existing === null || String(request.id) !== String(existing.id)),
  );

  function stepBody(): ReactNode {
    switch (step) {
      case 'start':
        return (
          <>
            <fieldset className="fieldset choice" data-testid="wizard-type">
              <legend>{t('requests.field.type')}</legend>
              {REQUEST_TYPES.map((type) => (
                <div key={type} className="choice-option">
                  <input
                    id={`${missingId}-type-${type}`}
                    type="radio"
                    name="type"
                    value={type}
                    checked={values.type === type}
                    onChange={() => set('type', type)}
                    aria-invalid={triedNext && missing.includes('type') ? true : undefined}
                    data-testid={`wizard-type-${type}`}
                  />
                  <label htmlFor={`${missingId}-type-${type}`}>{t(TYPE_LABELS[type])}</label>
                  <p className="field-hint">{t(TYPE_EXPLAINED[type])}</p>
                </div>
              ))}
            </fieldset>
            {lintAt('type')}
            <SelectField
              label={t('requests.field.case')}
              value={values.caseId}
              onChange={(value) => set('caseId', value)}
              error={
                errorAt('case_id') ??
                (triedNext && missing.includes('case') ? t(ESSENTIAL_LABELS.case) : null)
              }
              testId="wizard-case"
            >
              <option value="">{t('requests.wizard.choose')}</option>
              {values.caseId !== '' &&
                !caseList.some((opened) => String(opened.id) === values.caseId) && (
                  <option value={values.caseId}>{`#${values.caseId}`}</option>
                )}
              {caseList.map((opened) => (
                <option key={String(opened.id)} value={String(opened.id)}>
                  {t('requests.wizard.case_choice', { number: opened.number, title: opened.title })}
                </option>
              ))}
            </SelectField>
            {lintAt('case_id')}
            {(values.previousId !== '' || previousChoices.length > 0) && (
              <SelectField
                label={t('requests.field.previous')}
                value={values.previousId}
                onChange={(value) => set('previousId', value)}
                hint={t('requests.wizard.previous_hint')}
                error={
                  errorAt('previous_id') ??
                  (triedNext && missing.includes('previous') ? t(ESSENTIAL_LABELS.previous) : null)
                }
                testId="wizard-previous"
              >
                <option value="">{t('requests.wizard.no_previous')}</option>
                {values.previousId !== '' &&
                  !previousChoices.some((request) => String(request.id) === values.previousId) && (
                    <option value={values.previousId}>{`#${values.previousId}`}</option>
                  )}
                {previousChoices.map((request) => (
                  <option key={String(request.id)} value={String(request.id)}>
                    {`${request.reference} · ${typeName(String(request.type))}`}
                  </option>
                ))}
              </SelectField>
            )}
            {lintAt('previous_id')}
          </>
        );
      case 'addressee':
        if (toState(values.type))
          return (
            <>
              <SelectField
                label={t('requests.field.state')}
                value={values.country}
                onChange={(value) => set('country', value)}
                hint={t('requests.wizard.state_hint')}
                error={errorAt('country')}
                testId="wizard-country"
              >
                <option value="">{t('requests.wizard.choose')}</option>
                {countries.map((country) => (
                  <option key={country.code} value={country.code}>
                    {`${country.name} (${country.code})`}
                  </option>
                ))}
              </SelectField>
              {lintAt('country')}
              {values.country !== '' && (
                <p>
                  <Link to={countryPagePath(values.country)} data-testid="wizard-country-link">
                    {t('requests.wizard.country_profile')}
                  </Link>
                </p>
              )}
            </>
          );
        return (
          <>
            <SelectField
              label={t('requests.field.provider')}
              value={values.provider}
              onChange={(value) => {
                setServerError(null);
                setValues((current) => ({ ...current, provider: value, entityName: '' }));
              }}
              error={errorAt('provider')}
              testId="wizard-provider"
            >
              <option value="">{t('requests.wizard.choose')}</option>
              {providers.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.names.join(', ')}
                </option>
              ))}
            </SelectField>
            {lintAt('provider')}
            <TextField
              label={t('requests.field.user_country')}
              value={values.userCountry}
              onChange={(value) => set('userCountry', value.toUpperCase().slice(0, 2))}
              maxLength={2}
              hint={t('requests.wizard.user_country_hint')}
              error={errorAt('user_country')}
              testId="wizard-user-country"
            />
            {lintAt('user_country')}
            {values.provider !== '' && provider.data === null && provider.error === null && (
              <Loading />
            )}
            {served !== '' && (
              <Notice testId="wizard-served-by">
                {t('requests.wizard.served_by', {
                  country: values.userCountry.toUpperCase(),
                  entity: served,
                })}
              </Notice>
            )}
            {entities.length > 0 && (
              <fieldset className="fieldset choice" data-testid="wizard-entity">
                <legend>{t('requests.field.entity')}</legend>
                {entities.map((entity, index) => (
                  <div key={entity.name} className="choice-option">
                    <input
                      id={`${missingId}-entity-${index}`}
                      type="radio"
                      name="entity"
                      value={entity.name}
                      checked={values.entityName === entity.name}
                      onChange={() => set('entityName', entity.name)}
                      data-testid="wizard-entity-option"
                      data-name={entity.name}
                    />
                    <label htmlFor={`${missingId}-entity-${index}`}>
                      {entity.name}{' '}
                      {entity.name === served && (
                        <span className="badge badge-ok">{t('requests.wizard.serves')}</span>
                      )}
                    </label>
                    <p className="field-hint">
                      {`${entity.applies_to_text} · ${entity.jurisdiction} · ${entity.time_zone}`}
                    </p>
                  </div>
                ))}
              </fieldset>
            )}
            {errorAt('entity_name') && (
              <p className="field-error" data-testid="wizard-entity-error">
                {errorAt('entity_name')}
              </p>
            )}
            {lintAt('entity_name')}
            {values.provider !== '' && (
              <p>
                <Link to={providerPagePath(values.provider)} data-testid="wizard-provider-link">
                  {t('requests.wizard.provider_page')}
                </Link>
              </p>
            )}
          </>
        );
      case 'basis':
        return (
          <>
            <TextField
              label={t('requests.field.legal_basis')}
              value={values.legalBasis}
              onChange={(value) => set('legalBasis', value)}
              maxLength={2000}
              hint={t('requests.wizard.legal_basis_hint')}
              error={
                errorAt('legal_basis') ??
                (triedNext && missing.includes('legal_basis')
                  ? t(ESSENTIAL_LABELS.legal_basis)
                  : null)
              }
              testId="wizard-legal-basis"
            />
            {lintAt('legal_basis')}
            <TextField
              label={t('requests.field.offence_article')}
              value={values.offenceArticle}
              onChange={(value) => set('offenceArticle', value)}
              maxLength={500}
              hint={t('requests.wizard.offence_article_hint')}
              error={
                errorAt('offence_article') ??
                (triedNext && missing.includes('offence_article')
                  ? t(ESSENTIAL_LABELS.offence_article)
                  : null)
              }
              testId="wizard-offence-article"
            />
            {lintAt('offence_article')}
            <TextAreaField
              label={t('requests.field.offence_summary')}
              value={values.offenceSummary}
              onChange={(value) => set('offenceSummary', value)}
              rows={3}
              maxLength={16000}
              error={errorAt('offence_summary')}
              testId="wizard-offence-summary"
            />
            {lintAt('offence_summary')}
            <TextAreaField
              label={t('requests.field.necessity')}
              value={values.necessity}
              onChange={(value) => set('necessity', value)}
              rows={3}
              maxLength={16000}
              hint={t('requests.wizard.necessity_hint')}
              error={errorAt('necessity')}
              testId="wizard-necessity"
            />
            {lintAt('necessity')}
            <TextAreaField
              label={t('requests.field.urgency')}
              value={values.urgency}
              onChange={(value) => set('urgency', value)}
              rows={2}
              maxLength={16000}
              error={errorAt('urgency')}
              testId="wizard-urgency"
            />
            {lintAt('urgency')}
            <TextField
              label={t('requests.field.prosecution_and_court')}
              value={values.prosecutionAndCourt}
              onChange={(value) => set('prosecutionAndCourt', value)}
              maxLength={2000}
              error={errorAt('prosecution_and_court')}
              testId="wizard-prosecution"
            />
            <CheckboxField
              label={t('requests.field.confidential')}
              checked={values.confidential}
              onChange={(checked) => set('confidential', checked)}
              testId="wizard-confidential"
            />
          </>
        );
      case 'data':
        return dataStep();
      case 'emergency':
        return (
          <>
            {provider.data?.emergency?.criterion && (
              <Notice testId="wizard-emergency-criterion">
                {t('requests.wizard.criterion', { criterion: provider.data.emergency.criterion })}
              </Notice>
            )}
            <TextAreaField
              label={t('requests.field.criterion')}
              value={values.emergencyFields.criterion ?? ''}
              onChange={(value) =>
                set('emergencyFields', { ...values.emergencyFields, criterion: value })
              }
              rows={3}
              maxLength={16000}
              error={
                errorAt('emergency_fields.criterion') ??
                (triedNext && (values.emergencyFields.criterion ?? '').trim() === ''
                  ? t(ESSENTIAL_LABELS.criterion)
                  : null)
              }
              testId="wizard-emergency-criterion-text"
            />
            {lintAt('emergency_fields.criterion', 'lint-emergency-criterion')}
            {(provider.data?.emergency?.required_fields ?? []).map((field) => (
              <div key={field.key}>
                <TextAreaField
                  label={field.text}
                  value={values.emergencyFields[field.key] ?? ''}
                  onChange={(value) =>
                    set('emergencyFields', { ...values.emergencyFields, [field.key]: value })
                  }
                  rows={2}
                  maxLength={16000}
                  error={
                    errorAt(`emergency_fields.${field.key}`) ??
                    (triedNext && (values.emergencyFields[field.key] ?? '').trim() === ''
                      ? t(ESSENTIAL_LABELS.emergency_fields)
                      : null)
                  }
                  testId={`wizard-emergency-${field.key}`}
                />
                {lintAt(`emergency_fields.${field.key}`, `lint-emergency-${field.key}`)}
              </div>
            ))}
          </>
        );
      case 'review':
        return (
          <>
            <SelectField
              label={t('requests.field.language')}
              value={values.language}
              onChange={(value) => set('language', value)}
              error={errorAt('language')}
              testId="wizard-language"
            >
              {DOCUMENT_LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {t(`language.name.${code}`)}
                </option>
              ))}
            </SelectField>
            {lintAt('language')}
            <CheckboxField
              label={t('requests.field.english_translation')}
              checked={values.englishTranslation}
              onChange={(checked) => set('englishTranslation', checked)}
              hint={t('requests.wizard.translation_hint')}
              testId="wizard-translation"
            />
            {lintAt('english_translation')}
            <TextAreaField
              label={t('requests.field.notes')}
              value={values.notes}
              onChange={(value) => set('notes', value)}
              rows={2}
              maxLength={16000}
              hint={t('requests.wizard.notes_hint')}
              error={errorAt('notes')}
              testId="wizard-notes"
            />
            <h3>{t('requests.deadlines.preview')}</h3>
            <DeadlineList
              deadlines={lint?.deadlines}
              problems={lint?.problems}
              testId="wizard-deadlines"
            />
            <RetentionList retention={lint?.retention} />
            <h3>{t('requests.lint.all')}</h3>
            {warnings.length === 0 ? (
              <p className="muted" data-testid="lint-none">
                {lintState === 'done' ? t('requests.lint.clean') : t('common.loading')}
              </p>
            ) : (
              <FieldWarnings warnings={warnings} testId="lint-all" />
            )}
          </>
        );
    }
  }

  function dataStep(): ReactNode {
    const known = caseIdentifiers.data?.identifiers ?? [];
    const categoryProcess = new Map(
      (provider.data?.data_categories?.entries ?? []).map((entry) => [entry.category, entry]),
    );
    const rowErrors = (index: number) =>
      warnings.filter((warning) => identifierIndex(warning.field) === index);
    const present = (kind: string, value: string) =>
      values.identifiers.some((row) => row.kind === kind && row.value.trim() === value);
    return (
      <>
        <fieldset className="fieldset" data-testid="wizard-identifiers">
          <legend>{t('requests.field.identifiers')}</legend>
          {values.identifiers.length === 0 && (
            <p className="muted">{t('requests.wizard.no_identifiers')}</p>
          )}
          {values.identifiers.map((row, index) => (
            <div
              key={row.key}
              className="identifier-item"
              data-testid="wizard-identifier"
              data-index={index}
            >
              <div className="identifier-row">
                <SelectField
                  label={t('requests.field.identifier_kind')}
                  value={row.kind}
                  onChange={(kind) =>
                    set(
                      'identifiers',
                      values.identifiers.map((other) =>
                        other.key === row.key ? { ...other, kind } : other,
                      ),
                    )
                  }
                  testId="wizard-identifier-kind"
                >
                  {IDENTIFIER_KINDS.map((kind) => (
                    <option key={kind} value={kind}>
                      {t(KIND_LABELS[kind])}
                    </option>
                  ))}
                </SelectField>
                <TextField
                  label={t('requests.field.identifier_value')}
                  value={row.value}
                  onChange={(value) =>
                    set(
                      'identifiers',
                      values.identifiers.map((other) =>
                        other.key === row.key ? { ...other, value } : other,
                      ),
                    )
                  }
                  maxLength={2000}
                  spellCheck={false}
                  error={
                    errorAt(`identifiers[${index}]`) ??
                    errorAt(`identifiers[${index}].value`) ??
                    (rowErrors(index).some((warning) => warning.severity === 'error')
                      ? t('requests.wizard.see_below')
                      : null)
                  }
                  testId="wizard-identifier-value"
                />
                <button
                  type="button"
                  className="button button-small"
                  aria-label={t('requests.wizard.remove_identifier', { value: row.value })}
                  onClick={() =>
                    set(
                      'identifiers',
                      values.identifiers.filter((other) => other.key !== row.key),
                    )
                  }
                  data-testid="wizard-identifier-remove"
                >
                  {t('common.remove')}
                </button>
              </div>
              <FieldWarnings warnings={rowErrors(index)} testId={`lint-identifiers-${index}`} />
            </div>
          ))}
          <button
            type="button"
            className="button"
            onClick={() => set('identifiers', [...values.identifiers, identifierRow()])}
            data-testid="wizard-identifier-add"
          >
            {t('requests.wizard.add_identifier')}
          </button>
          {lintAt('identifiers')}
          {errorAt('identifiers') && (
            <p className="field-error" data-testid="wizard-identifiers-error">
              {errorAt('identifiers')}
            </p>
          )}
        </fieldset>
        {known.length > 0 && (
          <section className="panel-inner" data-testid="wizard-case-identifiers">
            <h3>{t('requests.wizard.known_identifiers')}</h3>
            <ul className="plain-list inline-list">
              {known.map((entry) => (
                <li key={`${entry.kind}|${entry.value}`}>
                  <button
                    type="button"
                    className="button button-small"
                    disabled={present(entry.kind, entry.value)}
                    onClick={() =>
                      set('identifiers', [
                        ...values.identifiers,
                        identifierRow(
                          isIdentifierKind(entry.kind) ? entry.kind : 'username',
                          entry.value,
                        ),
                      ])
                    }
                    data-testid="wizard-known-identifier"
                    data-kind={entry.kind}
                    data-value={entry.value}
                  >
                    {t('requests.wizard.add_known', {
                      kind: isIdentifierKind(entry.kind) ? t(KIND_LABELS[entry.kind]) : entry.kind,
                      value: entry.value,
                      where: entry.where || entry.platform || '—',
                    })}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        <div className="form-grid">
          <TextField
            label={t('requests.field.range_from')}
            type="date"
            value={values.rangeFrom}
            onChange={(value) => set('rangeFrom', value)}
            hint={t('requests.wizard.zone_hint', { zone })}
            error={
              errorAt('range_from') ??
              (triedNext && values.rangeFrom === '' ? t(ESSENTIAL_LABELS.range) : null)
            }
            testId="wizard-range-from"
          />
          <TextField
            label={t('requests.field.range_to')}
            type="date"
            value={values.rangeTo}
            onChange={(value) => set('rangeTo', value)}
            hint={t('requests.wizard.zone_hint', { zone })}
            error={
              errorAt('range_to') ??
              (triedNext && values.rangeTo === '' ? t(ESSENTIAL_LABELS.range) : null)
            }
            testId="wizard-range-to"
          />
        </div>
        {lintAt('range_from')}
        {lintAt('range_to')}
        <fieldset className="fieldset" data-testid="wizard-categories">
          <legend>{t('requests.field.categories')}</legend>
          {CATEGORIES.map((category) => {
            const process = categoryProcess.get(category);
            const processLabel = process ? PROCESS_LABELS[process.process] : undefined;
            return (
              <div key={category}>
                <CheckboxField
                  label={t(CATEGORY_LABELS[category])}
                  checked={values.categories.includes(category)}
                  onChange={(checked) =>
                    set(
                      'categories',
                      checked
                        ? [...values.categories.filter(isCategory), category].filter(
                            (item, index, all) => all.indexOf(item) === index,
                          )
                        : values.categories.filter((item) => item !== category),
                    )
                  }
                  testId={`wizard-category-${category}`}
                />
                {process !== undefined && (
                  <p
                    className="field-hint check-note"
                    data-testid="wizard-category-process"
                    data-process={process.process}
                  >
                    {t('requests.wizard.category_process', {
                      process: processLabel === undefined ? process.process : t(processLabel),
                      text: process.text,
                    })}
                  </p>
                )}
              </div>
            );
          })}
        </fieldset>
        {lintAt('categories')}
        {lintAt('all_data')}
        <RetentionList retention={lint?.retention} />
      </>
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
  }

  const last = stepIndex === steps.length - 1;
  const canSave = values.type !== '' && values.caseId !== '';
  return (
    <form
      ref={formRef}
      className="panel request-wizard"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="wizard-step-title"
      data-testid="request-wizard"
      data-step={step}
      data-lint={lintState}
      data-request-id={existing === null ? undefined : String(existing.id)}
    >
      <ol className="steps" aria-label={t('requests.wizard.steps')} data-testid="wizard-steps">
        {steps.map((entry, index) => {
          const status = index < stepIndex ? 'done' : index === stepIndex ? 'current' : 'todo';
          const errors = stepErrors(warnings, entry).length;
          return (
            <li
              key={entry}
              className={`step-${status}`}
              aria-current={status === 'current' ? 'step' : undefined}
              data-testid="wizard-step"
              data-step={entry}
              data-status={status}
              data-errors={errors}
            >
              {index < stepIndex ? (
                <button
                  type="button"
                  className="button-link"
                  onClick={() => goTo(entry)}
                  data-testid={`wizard-goto-${entry}`}
                >
                  {t(STEP_LABELS[entry])}
                </button>
              ) : (
                t(STEP_LABELS[entry])
              )}
              {errors > 0 && (
                <span className="badge badge-danger">
                  {t('requests.wizard.errors_count', { count: errors })}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      <h2 id="wizard-step-title" tabIndex={-1} data-testid="wizard-step-title">
        {t('requests.wizard.step_title', {
          number: stepIndex + 1,
          total: steps.length,
          name: t(STEP_LABELS[step]),
        })}
      </h2>
      {directory.error !== null && (
        <FormError message={errorMessage(t, directory.error)} testId="wizard-directory-error" />
      )}
      {stepBody()}
      {blockingErrors.some((warning) => !isShownOnStep(warning, step)) && (
        <FieldWarnings
          warnings={blockingErrors.filter((warning) => !isShownOnStep(warning, step))}
          testId="lint-step-other"
        />
      )}
      <section
        id={missingId}
        className={blocked ? 'checklist' : 'checklist checklist-ready'}
        aria-live="polite"
        data-testid="wizard-missing"
        data-ready={String(!blocked)}
      >
        {!blocked && <p>{t('requests.wizard.step_ready')}</p>}
        {blocked && (
          <ul className="plain-list">
            {missing.map((essential) => (
              <li
                key={essential}
                className="checklist-missing"
                data-testid="wizard-essential"
                data-essential={essential}
              >
                {t(ESSENTIAL_LABELS[essential])}
              </li>
            ))}
            {blockingErrors.length > 0 && (
              <li
                className="checklist-missing"
                data-testid="wizard-essential"
                data-essential="lint"
              >
                {t('requests.wizard.fix_errors', { count: blockingErrors.length })}
              </li>
            )}
          </ul>
        )}
      </section>
      <FormError message={formMessage ?? unplacedServer} testId="wizard-error" />
      <div className="form-actions">
        {stepIndex > 0 && (
          <button
            type="button"
            className="button"
            onClick={() => goTo(steps[stepIndex - 1] ?? 'start')}
            data-testid="wizard-back"
          >
            {t('requests.wizard.back')}
          </button>
        )}
        {!last && (
          <button
            type="button"
            className="button button-primary"
            aria-disabled={blocked || undefined}
            aria-describedby={missingId}
            onClick={next}
            data-testid="wizard-next"
          >
            {t('requests.wizard.next')}
          </button>
        )}
        <button
          type="button"
          className={last ? 'button button-primary' : 'button'}
          aria-disabled={busy || !canSave || undefined}
          onClick={() => {
            if (canSave) void save(false);
          }}
          data-testid="wizard-save"
        >
          {t('requests.wizard.save_draft')}
        </button>
        {last && (
          <button
            type="button"
            className="button"
            aria-disabled={busy || !canSave || undefined}
            onClick={() => {
              if (canSave) void save(true);
            }}
            data-testid="wizard-save-submit"
          >
            {t('requests.wizard.save_submit')}
          </button>
        )}
        <Link
          to={existing === null ? '/requests' : requestPagePath(existing.id)}
          className="button"
          data-testid="wizard-cancel"
        >
          {t('common.cancel')}
        </Link>
      </div>
    </form>
  );
}

const FIELDS_WITH_ERRORS = new Set([
  'case_id',
  'previous_id',
  'provider',
  'country',
  'user_country',
  'entity_name',
  'legal_basis',
  'offence_article',
  'offence_summary',
  'necessity',
  'urgency',
  'prosecution_and_court',
  'identifiers',
  'range_from',
  'range_to',
  'language',
  'notes',
]);

/** Whether the wizard shows a server error about `field` beside that field. */
function shownBesideField(field: string): boolean {
  return (
    FIELDS_WITH_ERRORS.has(field) ||
    /^identifiers\[\d+\](\.value)?$/.test(field) ||
    field.startsWith('emergency_fields.')
  );
}

/** Whether the step's own fields show `warning` (else it is listed under the step). */
function isShownOnStep(warning: LintWarning, step: Step): boolean {
  const field = warning.field;
  if (step === 'data') return true;
  if (step === 'emergency') return field.startsWith('emergency_fields');
  return stepOfField(field) === step && !field.includes('[');
}

function canDraft(user: Parameters<typeof hasPermission>[0]): boolean {
  return hasPermission(user, 'requests.draft');
}

/** /requests/new: a new request, perhaps continuing a chain (previous_id) of a case. */
export function NewRequestPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const { search } = useLocation();
  const zone = effectiveTimeZone(user.time_zone);
  const params = new URLSearchParams(search);
  const caseId = params.get('case_id') ?? '';
  const previousId = params.get('previous_id') ?? '';
  const type = params.get('type') ?? '';
  const previous = useResource<RequestView>(
    /^\d+$/.test(previousId) ? requestApiPath(previousId) : null,
  );
  const allowed = canDraft(user);

  let initial: WizardValues | null = null;
  if (previousId === '' || !/^\d+$/.test(previousId)) {
    initial = { ...emptyWizard(), caseId: /^\d+$/.test(caseId) ? caseId : '', type };
    if (!REQUEST_TYPES.includes(type as never)) initial.type = '';
  } else if (previous.data !== null) {
    const before = previous.data.request;
    const chosen = REQUEST_TYPES.includes(type as never)
      ? type
      : (followingTypes(String(before.type))[0] ?? '');
    initial = continueChain(before, chosen, zone);
  }

  return (
    <section className="page" data-testid="page-request-new">
      <p className="breadcrumb">
        <Link to="/requests" data-testid="request-back">
          {t('requests.back_to_list')}
        </Link>
      </p>
      <PageHeader title={t('requests.new.title')} testId="page-title" />
      {!allowed && <Notice testId="request-new-forbidden">{t('requests.new.forbidden')}</Notice>}
      {allowed && previous.error !== null && (
        <FormError message={errorMessage(t, previous.error)} testId="request-new-error" />
      )}
      {allowed && initial === null && previous.error === null && <Loading />}
      {allowed && initial !== null && (
        <RequestWizard key={`${previousId}|${type}|${caseId}`} initial={initial} existing={null} />
      )}
    </section>
  );
}

/** /requests/{id}/edit: a draft changed through the same wizard. */
export function EditRequestPage({ requestId }: { requestId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const zone = effectiveTimeZone(user.time_zone);
  const loaded = useResource<RequestView>(requestApiPath(requestId));
  const view = loaded.data;
  return (
    <section className="page" data-testid="page-request-edit">
      <p className="breadcrumb">
        <Link to={requestPagePath(requestId)} data-testid="request-back">
          {t('requests.back_to_request')}
        </Link>
      </p>
      <PageHeader
        title={t('requests.edit.title', { reference: view?.request.reference ?? `#${requestId}` })}
        testId="page-title"
      />
      {loaded.error !== null && (
        <FormError message={errorMessage(t, loaded.error)} testId="request-edit-error" />
      )}
      {view === null && loaded.error === null && <Loading />}
      {view !== null && !view.can.edit && (
        <Notice testId="request-edit-locked" tone="warning">
          {t('requests.edit.locked')}
        </Notice>
      )}
      {view !== null && view.can.edit && (
        <RequestWizard
          key={`${String(view.request.id)}|${view.request.version}`}
          initial={requestToWizard(view.request, zone)}
          existing={view.request}
        />
      )}
    </section>
  );
}
