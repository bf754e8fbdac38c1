// One request (/requests/{id}): its state on the lifecycle line, the provider_changed banner,
// the actions the server's `can` allows (submit, return with a reason, approve, send, acknowledge,
// preserve, outcome, close, upload the provider's answer as evidence), the documents in kk/ru/en
// and the frozen one with its SHA-256 once sent, every field, the linter's messages, the
// deadlines in the user's and the provider's zone, the chain with "continue the chain", and the
// event history. A request the user may not see answers 404.
import { useEffect, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError, api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, utcToZonedLocal, zonedLocalToUtc } from '../app/time';
import {
  FormError,
  Loading,
  Notice,
  PageHeader,
  SelectField,
  TextAreaField,
  TextField,
  useErrorText,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { ActionError, ReasonForm } from '../mandates/parts';
import { personName } from '../mandates/types';
import {
  At,
  DeadlineList,
  FieldWarnings,
  RequestStateBadge,
  RetentionList,
  useTypeName,
} from './parts';
import {
  CATEGORY_LABELS,
  CHANNELS,
  CHANNEL_LABELS,
  DOCUMENT_LANGUAGES,
  EVENT_LABELS,
  KIND_LABELS,
  OUTCOMES,
  REFUSAL_LABELS,
  REMINDER_LABELS,
  STATE_LABELS,
  countryPagePath,
  documentPath,
  followingTypes,
  isCategory,
  isIdentifierKind,
  isRequestState,
  lifecycleLine,
  newRequestPath,
  providerPagePath,
  requestApiPath,
  requestEditPath,
  requestPagePath,
  toState,
} from './types';
import type { DirectoryIndex, ProviderRequest, RequestEvent, RequestView } from './types';

const LANGUAGE_NAMES: Record<string, TranslationKey> = {
  kk: 'language.name.kk',
  ru: 'language.name.ru',
  en: 'language.name.en',
};

const SAVED_NOTICES: Record<string, TranslationKey> = {
  draft: 'requests.saved.draft',
  submitted: 'requests.saved.submitted',
  submit_refused: 'requests.saved.submit_refused',
};

/** The instant (UTC milliseconds) of a datetime-local value in `zone`; null when not one. */
function localToMillis(local: string, zone: string): number | null {
  const iso = zonedLocalToUtc(local, zone);
  return iso === null ? null : Date.parse(iso);
}

/** Now as a datetime-local value in `zone`, to the second (a step may follow another closely). */
function nowLocal(zone: string): string {
  const now = new Date();
  return `${utcToZonedLocal(now.toISOString(), zone)}:${String(now.getUTCSeconds()).padStart(2, '0')}`;
}

function LifecycleLine({ state }: { state: string }) {
  const { t } = useI18n();
  return (
    <ol className="steps" aria-label={t('requests.lifecycle')} data-testid="request-lifecycle">
      {lifecycleLine(state).map((entry) => (
        <li
          key={entry.step}
          className={`step-${entry.status}`}
          aria-current={entry.status === 'current' ? 'step' : undefined}
          data-testid="lifecycle-step"
          data-step={entry.step}
          data-status={entry.status}
        >
          {isRequestState(entry.step) ? t(STATE_LABELS[entry.step]) : entry.step}
        </li>
      ))}
    </ol>
  );
}

/** A form of one lifecycle step: its fields, then the button; errors beside their field. */
function StepForm({
  title,
  submit,
  testId,
  fields,
  children,
  onSubmit,
  onCancel,
}: {
  title: string;
  submit: string;
  testId: string;
  fields: readonly string[];
  children: (errorFor: (field: string) => string | null) => ReactNode;
  onSubmit: () => Promise<void>;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, fields);

  async function send(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }
  return (
    <form
      className="inline-form"
      onSubmit={send}
      noValidate
      aria-label={title}
      data-testid={`${testId}-form`}
    >
      <h3>{title}</h3>
      {children((field) => errors.forField(field))}
      <FormError message={errors.forForm} testId={`${testId}-error`} />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid={`${testId}-submit`}
        >
          {submit}
        </button>
        <button
          type="button"
          className="button"
          onClick={onCancel}
          data-testid={`${testId}-cancel`}
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

type OpenForm =
  'return' | 'send' | 'acknowledge' | 'preserve' | 'outcome' | 'close' | 'response' | null;

function ActionsPanel({
  view,
  refusalCodes,
  onChanged,
}: {
  view: RequestView;
  refusalCodes: readonly string[];
  onChanged: (updated: RequestView, message: string) => void;
}) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const zone = effectiveTimeZone(user.time_zone);
  const request = view.request;
  const can = view.can ?? {};
  const path = requestApiPath(request.id);
  const [open, setOpen] = useState<OpenForm>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [lintErrors, setLintErrors] = useState<RequestView['warnings']>([]);
  // The send form.
  const [channel, setChannel] = useState('portal');
  const [sentLocal, setSentLocal] = useState(() => nowLocal(zone));
  const [ticket, setTicket] = useState('');
  const [documentLanguage, setDocumentLanguage] = useState(request.language || 'en');
  // Acknowledge, preserve, outcome, close, response.
  const [atLocal, setAtLocal] = useState(() => nowLocal(zone));
  const [untilLocal, setUntilLocal] = useState('');
  const [outcome, setOutcome] = useState<string>('produced');
  const [refusalCode, setRefusalCode] = useState('');
  const [outcomeText, setOutcomeText] = useState('');
  const [note, setNote] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState('');
  const [progress, setProgress] = useState<number | null>(null);

  // A lifecycle step from one of the forms: the server's answer replaces the page's request.
  async function record(action: string, body: Record<string, unknown>, done: TranslationKey) {
    const updated = await api.post<RequestView>(`${path}/${action}`, body);
    setOpen(null);
    onChanged(updated, t(done));
  }

  function toggle(form: OpenForm) {
    setAtLocal(nowLocal(zone));
    setSentLocal(nowLocal(zone));
    setOpen((current) => (current === form ? null : form));
  }

  async function act(action: 'submit' | 'approve', message: string) {
    if (busy) return;
    setBusy(true);
    setError(null);
    setLintErrors([]);
    try {
      onChanged(await api.post<RequestView>(`${path}/${action}`), message);
    } catch (failure) {
      setError(failure);
      // 409 lint_errors carries the warnings: ask the server again to show them.
      if (failure instanceof ApiError && failure.reason === 'lint_errors') {
        const fresh = await api.get<RequestView>(path).catch(() => null);
        if (fresh !== null)
          setLintErrors(fresh.warnings.filter((warning) => warning.severity === 'error'));
      }
    } finally {
      setBusy(false);
    }
  }

  function instant(local: string, field: string): number {
    const value = localToMillis(local, zone);
    if (value === null) throw new ApiError(400, { code: 'invalid_argument', message: '', field });
    return value;
  }

  const anything =
    can.edit ||
    can.submit ||
    can.approve ||
    can.send ||
    can.acknowledge ||
    can.preserve ||
    can.outcome ||
    can.close ||
    can.add_response;

  return (
    <section
      className="panel"
      aria-labelledby="request-actions-title"
      data-testid="request-actions"
    >
      <h2 id="request-actions-title">{t('common.actions')}</h2>
      {!anything && (
        <p className="muted" data-testid="request-no-actions">
          {t('requests.no_actions')}
        </p>
      )}
      {anything && (
        <div className="form-actions">
          {can.edit && (
            <Link to={requestEditPath(request.id)} className="button" data-testid="request-edit">
              {t('common.edit')}
            </Link>
          )}
          {can.submit && (
            <button
              type="button"
              className="button button-primary"
              aria-disabled={busy || undefined}
              onClick={() => void act('submit', t('requests.saved.submitted'))}
              data-testid="request-submit"
            >
              {t('requests.action.submit')}
            </button>
          )}
          {can.approve && (
            <>
              <button
                type="button"
                className="button button-primary"
                aria-disabled={busy || undefined}
                onClick={() => void act('approve', t('requests.done.approved'))}
                data-testid="request-approve"
              >
                {t('requests.action.approve')}
              </button>
              <button
                type="button"
                className="button"
                aria-expanded={open === 'return'}
                onClick={() => toggle('return')}
                data-testid="request-return"
              >
                {t('requests.action.return')}
              </button>
            </>
          )}
          {(
            [
              ['send', can.send, 'requests.action.send'],
              ['acknowledge', can.acknowledge, 'requests.action.acknowledge'],
              ['preserve', can.preserve, 'requests.action.preserve'],
              ['outcome', can.outcome, 'requests.action.outcome'],
              ['close', can.close, 'requests.action.close'],
              ['response', can.add_response, 'requests.action.response'],
            ] as const
          )
            .filter(([, allowed]) => allowed === true)
            .map(([form, , label]) => (
              <button
                key={form}
                type="button"
                className={form === 'send' ? 'button button-primary' : 'button'}
                aria-expanded={open === form}
                onClick={() => toggle(form)}
                data-testid={`request-${form}`}
              >
                {t(label)}
              </button>
            ))}
        </div>
      )}
      <ActionError error={error} testId="request-action-error" />
      {lintErrors.length > 0 && (
        <FieldWarnings warnings={lintErrors} testId="request-lint-errors" />
      )}
      {open === 'return' && (
        <ReasonForm
          title={t('requests.action.return')}
          label={t('requests.return_reason')}
          submit={t('requests.action.return')}
          testId="request-return"
          onCancel={() => setOpen(null)}
          onSubmit={async (reason) => {
            await record('return', { reason }, 'requests.done.returned');
          }}
        />
      )}
      {open === 'send' && (
        <StepForm
          title={t('requests.action.send')}
          submit={t('requests.action.send')}
          testId="request-send"
          fields={['channel', 'sent_at', 'ticket', 'language']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            const body: Record<string, unknown> = {
              channel,
              sent_at: instant(sentLocal, 'sent_at'),
              language: documentLanguage,
            };
            if (ticket.trim() !== '') body.ticket = ticket.trim();
            await record('send', body, 'requests.done.sent');
          }}
        >
          {(errorFor) => (
            <div className="form-grid">
              <SelectField
                label={t('requests.field.channel')}
                value={channel}
                onChange={setChannel}
                error={errorFor('channel')}
                testId="request-send-channel"
              >
                {CHANNELS.map((entry) => (
                  <option key={entry} value={entry}>
                    {t(CHANNEL_LABELS[entry] ?? 'requests.channel.portal')}
                  </option>
                ))}
              </SelectField>
              <TextField
                label={t('requests.field.sent_at')}
                type="datetime-local"
                value={sentLocal}
                onChange={setSentLocal}
                hint={t('requests.wizard.zone_hint', { zone })}
                error={errorFor('sent_at')}
                testId="request-send-at"
              />
              <TextField
                label={t('requests.field.ticket')}
                value={ticket}
                onChange={setTicket}
                maxLength={1000}
                error={errorFor('ticket')}
                testId="request-send-ticket"
              />
              <SelectField
                label={t('requests.field.document_language')}
                value={documentLanguage}
                onChange={setDocumentLanguage}
                error={errorFor('language')}
                testId="request-send-language"
              >
                {DOCUMENT_LANGUAGES.map((code) => (
                  <option key={code} value={code}>
                    {t(`language.name.${code}`)}
                  </option>
                ))}
              </SelectField>
            </div>
          )}
        </StepForm>
      )}
      {open === 'acknowledge' && (
        <StepForm
          title={t('requests.action.acknowledge')}
          submit={t('requests.action.acknowledge')}
          testId="request-acknowledge"
          fields={['at', 'ticket']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            const body: Record<string, unknown> = { at: instant(atLocal, 'at') };
            if (ticket.trim() !== '') body.ticket = ticket.trim();
            await record('acknowledge', body, 'requests.done.acknowledged');
          }}
        >
          {(errorFor) => (
            <div className="form-grid">
              <TextField
                label={t('requests.field.at')}
                type="datetime-local"
                value={atLocal}
                onChange={setAtLocal}
                error={errorFor('at')}
                testId="request-acknowledge-at"
              />
              <TextField
                label={t('requests.field.ticket')}
                value={ticket}
                onChange={setTicket}
                maxLength={1000}
                error={errorFor('ticket')}
                testId="request-acknowledge-ticket"
              />
            </div>
          )}
        </StepForm>
      )}
      {open === 'preserve' && (
        <StepForm
          title={t('requests.action.preserve')}
          submit={t('requests.action.preserve')}
          testId="request-preserve"
          fields={['at', 'until']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            const body: Record<string, unknown> = { at: instant(atLocal, 'at') };
            if (untilLocal !== '') body.until = instant(untilLocal, 'until');
            await record('preserve', body, 'requests.done.preserved');
          }}
        >
          {(errorFor) => (
            <div className="form-grid">
              <TextField
                label={t('requests.field.at')}
                type="datetime-local"
                value={atLocal}
                onChange={setAtLocal}
                error={errorFor('at')}
                testId="request-preserve-at"
              />
              <TextField
                label={t('requests.field.until')}
                type="datetime-local"
                value={untilLocal}
                onChange={setUntilLocal}
                hint={t('requests.until_hint')}
                error={errorFor('until')}
                testId="request-preserve-until"
              />
            </div>
          )}
        </StepForm>
      )}
      {open === 'outcome' && (
        <StepForm
          title={t('requests.action.outcome')}
          submit={t('requests.action.outcome')}
          testId="request-outcome"
          fields={['outcome', 'at', 'refusal_code', 'text']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            const body: Record<string, unknown> = { outcome, at: instant(atLocal, 'at') };
            if (outcome === 'refused' && refusalCode !== '') body.refusal_code = refusalCode;
            if (outcomeText.trim() !== '') body.text = outcomeText.trim();
            await record('outcome', body, 'requests.done.outcome');
          }}
        >
          {(errorFor) => (
            <>
              <div className="form-grid">
                <SelectField
                  label={t('requests.field.outcome')}
                  value={outcome}
                  onChange={setOutcome}
                  error={errorFor('outcome')}
                  testId="request-outcome-state"
                >
                  {OUTCOMES.map((entry) => (
                    <option key={entry} value={entry}>
                      {t(STATE_LABELS[entry])}
                    </option>
                  ))}
                </SelectField>
                <TextField
                  label={t('requests.field.at')}
                  type="datetime-local"
                  value={atLocal}
                  onChange={setAtLocal}
                  error={errorFor('at')}
                  testId="request-outcome-at"
                />
                {outcome === 'refused' && (
                  <SelectField
                    label={t('requests.field.refusal_code')}
                    value={refusalCode}
                    onChange={setRefusalCode}
                    error={errorFor('refusal_code')}
                    testId="request-outcome-refusal"
                  >
                    <option value="">{t('requests.wizard.choose')}</option>
                    {refusalCodes.map((code) => (
                      <option key={code} value={code}>
                        {REFUSAL_LABELS[code] ? t(REFUSAL_LABELS[code]) : code}
                      </option>
                    ))}
                  </SelectField>
                )}
              </div>
              <TextAreaField
                label={t('requests.field.outcome_text')}
                value={outcomeText}
                onChange={setOutcomeText}
                rows={2}
                maxLength={16000}
                error={errorFor('text')}
                testId="request-outcome-text"
              />
            </>
          )}
        </StepForm>
      )}
      {open === 'close' && (
        <StepForm
          title={t('requests.action.close')}
          submit={t('requests.action.close')}
          testId="request-close"
          fields={['note']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            await record(
              'close',
              note.trim() === '' ? {} : { note: note.trim() },
              'requests.done.closed',
            );
          }}
        >
          {(errorFor) => (
            <TextAreaField
              label={t('requests.field.close_note')}
              value={note}
              onChange={setNote}
              rows={2}
              maxLength={4000}
              error={errorFor('note')}
              testId="request-close-note"
            />
          )}
        </StepForm>
      )}
      {open === 'response' && (
        <StepForm
          title={t('requests.action.response')}
          submit={t('requests.response.upload')}
          testId="request-response"
          fields={['name', 'received_at', 'description']}
          onCancel={() => setOpen(null)}
          onSubmit={async () => {
            if (file === null)
              throw new ApiError(400, { code: 'invalid_argument', message: '', field: 'name' });
            const query = buildQuery({
              name: file.name,
              received_at: instant(atLocal, 'received_at'),
              description: description.trim(),
            });
            await api.upload(`${path}/responses${query}`, file, {
              onProgress: ({ loaded, total }) =>
                setProgress(total > 0 ? Math.round((loaded / total) * 100) : null),
            });
            setProgress(null);
            setOpen(null);
            onChanged(await api.get<RequestView>(path), t('requests.done.response'));
          }}
        >
          {(errorFor) => (
            <>
              <div className="field">
                <label htmlFor="request-response-file">{t('requests.response.file')}</label>
                <input
                  id="request-response-file"
                  type="file"
                  onChange={(event) => setFile(event.target.files?.[0] ?? null)}
                  data-testid="request-response-file"
                />
                {errorFor('name') && (
                  <p className="field-error" data-testid="request-response-file-error">
                    {errorFor('name')}
                  </p>
                )}
              </div>
              <TextField
                label={t('requests.response.received_at')}
                type="datetime-local"
                value={atLocal}
                onChange={setAtLocal}
                error={errorFor('received_at')}
                testId="request-response-received"
              />
              <TextField
                label={t('requests.response.description')}
                value={description}
                onChange={setDescription}
                maxLength={2000}
                error={errorFor('description')}
                testId="request-response-description"
              />
              {progress !== null && (
                <progress max={100} value={progress} data-testid="request-response-progress">
                  {`${progress}%`}
                </progress>
              )}
            </>
          )}
        </StepForm>
      )}
    </section>
  );
}

function DocumentPanel({ request }: { request: ProviderRequest }) {
  const { t } = useI18n();
  const frozen = (request.document_sha256 ?? '') !== '';
  const languageKey = LANGUAGE_NAMES[request.document_language ?? 'none'];
  return (
    <section
      className="panel"
      aria-labelledby="request-document-title"
      data-testid="request-document"
    >
      <h2 id="request-document-title">{t('requests.document.title')}</h2>
      {frozen ? (
        <>
          <p>{t('requests.document.frozen')}</p>
          <dl className="facts">
            <dt>{t('requests.document.sha256')}</dt>
            <dd
              className="sha"
              data-testid="request-document-sha256"
              data-value={request.document_sha256}
            >
              {request.document_sha256}
            </dd>
            <dt>{t('requests.field.document_language')}</dt>
            <dd data-testid="request-document-language">
              {languageKey === undefined ? request.document_language : t(languageKey)}
            </dd>
          </dl>
          <a
            href={documentPath(request.id, request.document_language ?? '')}
            className="button"
            data-testid="request-document-frozen"
          >
            {t('requests.document.download_frozen')}
          </a>
        </>
      ) : (
        <>
          <p className="muted">{t('requests.document.preview_note')}</p>
          <ul className="plain-list inline-list" data-testid="request-document-links">
            {DOCUMENT_LANGUAGES.map((code) => (
              <li key={code}>
                <a
                  href={documentPath(request.id, code)}
                  className="button button-small"
                  data-testid={`request-document-${code}`}
                >
                  {t('requests.document.preview', { language: t(`language.name.${code}`) })}
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Value({ value, testId }: { value: ReactNode; testId?: string }) {
  const { t } = useI18n();
  const empty = value === null || value === undefined || value === '';
  return (
    <dd className={empty ? 'muted' : 'detail-text'} data-testid={testId}>
      {empty ? t('requests.not_set') : value}
    </dd>
  );
}

function DetailsPanel({
  request,
  providerName,
}: {
  request: ProviderRequest;
  providerName: string | undefined;
}) {
  const { t } = useI18n();
  const typeName = useTypeName();
  const requestLanguage = LANGUAGE_NAMES[request.language ?? 'none'];
  const languageName = requestLanguage === undefined ? request.language : t(requestLanguage);
  return (
    <section
      className="panel"
      aria-labelledby="request-details-title"
      data-testid="request-details"
    >
      <h2 id="request-details-title">{t('requests.details')}</h2>
      <dl className="facts">
        <dt>{t('requests.field.type')}</dt>
        <Value value={typeName(String(request.type))} testId="request-type" />
        <dt>{t('requests.field.case')}</dt>
        <dd>
          <Link
            to={`/cases/${encodeURIComponent(String(request.case_id))}`}
            data-testid="request-case-link"
          >
            {request.case_number || `#${String(request.case_id)}`}
          </Link>
        </dd>
        {toState(String(request.type)) ? (
          <>
            <dt>{t('requests.field.state')}</dt>
            <dd>
              {request.country ? (
                <Link to={countryPagePath(request.country)} data-testid="request-country">
                  {request.country}
                </Link>
              ) : (
                t('requests.not_set')
              )}
            </dd>
          </>
        ) : (
          <>
            <dt>{t('requests.field.provider')}</dt>
            <dd>
              {request.provider ? (
                <Link to={providerPagePath(request.provider)} data-testid="request-provider">
                  {providerName ?? request.provider}
                </Link>
              ) : (
                t('requests.not_set')
              )}
            </dd>
            <dt>{t('requests.field.entity')}</dt>
            <Value value={request.entity_name} testId="request-entity" />
            <dt>{t('requests.field.user_country')}</dt>
            <Value value={request.user_country} testId="request-user-country" />
          </>
        )}
        <dt>{t('requests.field.legal_basis')}</dt>
        <Value value={request.legal_basis} testId="request-legal-basis" />
        <dt>{t('requests.field.offence_article')}</dt>
        <Value value={request.offence_article} />
        <dt>{t('requests.field.offence_summary')}</dt>
        <Value value={request.offence_summary} />
        <dt>{t('requests.field.necessity')}</dt>
        <Value value={request.necessity} />
        <dt>{t('requests.field.urgency')}</dt>
        <Value value={request.urgency} />
        <dt>{t('requests.field.identifiers')}</dt>
        <dd>
          <ul className="plain-list" data-testid="request-identifiers">
            {(request.identifiers ?? []).map((identifier, index) => (
              <li
                key={`${identifier.kind}-${index}`}
                data-testid="request-identifier"
                data-kind={identifier.kind}
              >
                {isIdentifierKind(identifier.kind)
                  ? t(KIND_LABELS[identifier.kind])
                  : identifier.kind}
                {': '}
                <span className="mono">{identifier.value}</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>{t('requests.field.range')}</dt>
        <dd>
          <At value={request.range_from} /> <span aria-hidden="true">–</span>{' '}
          <At value={request.range_to} />
        </dd>
        <dt>{t('requests.field.categories')}</dt>
        <Value
          value={(request.categories ?? [])
            .map((category) => (isCategory(category) ? t(CATEGORY_LABELS[category]) : category))
            .join(', ')}
        />
        {Object.keys(request.emergency_fields ?? {}).length > 0 && (
          <>
            <dt>{t('requests.step.emergency')}</dt>
            <dd>
              <dl className="facts">
                {Object.entries(request.emergency_fields).map(([key, value]) => (
                  <div key={key} className="facts-row">
                    <dt className="mono">{key}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            </dd>
          </>
        )}
        <dt>{t('requests.field.language')}</dt>
        <Value
          value={`${languageName}${request.english_translation ? ` + ${t('requests.field.english_translation')}` : ''}`}
        />
        <dt>{t('requests.field.sent')}</dt>
        <dd data-testid="request-sent">
          {request.sent_at ? (
            <>
              <At value={request.sent_at} testId="request-sent-at" />{' '}
              {request.channel &&
                (CHANNEL_LABELS[request.channel]
                  ? t(CHANNEL_LABELS[request.channel] ?? 'requests.channel.portal')
                  : request.channel)}{' '}
              {request.ticket && (
                <span data-testid="request-ticket">
                  {t('requests.ticket_value', { ticket: request.ticket })}
                </span>
              )}
            </>
          ) : (
            t('requests.not_set')
          )}
        </dd>
        {request.approved_by && (
          <>
            <dt>{t('requests.field.approved')}</dt>
            <dd data-testid="request-approved-by">
              {personName(request.approved_by)} <At value={request.approved_at} />
            </dd>
          </>
        )}
        {request.preserved_until && (
          <>
            <dt>{t('requests.field.until')}</dt>
            <dd>
              <At value={request.preserved_until} testId="request-preserved-until" />
            </dd>
          </>
        )}
        {request.refusal_code && (
          <>
            <dt>{t('requests.field.refusal_code')}</dt>
            <dd data-testid="request-refusal">
              {REFUSAL_LABELS[request.refusal_code]
                ? t(REFUSAL_LABELS[request.refusal_code] ?? 'requests.refusal.other')
                : request.refusal_code}
            </dd>
          </>
        )}
        {request.outcome_text && (
          <>
            <dt>{t('requests.field.outcome_text')}</dt>
            <dd className="detail-text">{request.outcome_text}</dd>
          </>
        )}
        <dt>{t('requests.field.created')}</dt>
        <dd>
          {personName(request.created_by)} <At value={request.created_at} />
        </dd>
        <dt>{t('requests.field.version')}</dt>
        <dd data-testid="request-version">{request.version}</dd>
        {(request.response_evidence_ids ?? []).length > 0 && (
          <>
            <dt>{t('requests.field.responses')}</dt>
            <dd>
              <ul className="plain-list" data-testid="request-responses">
                {(request.response_evidence_ids ?? []).map((itemId) => (
                  <li key={String(itemId)}>
                    <Link
                      to={`/evidence/${encodeURIComponent(String(itemId))}`}
                      data-testid="request-response-link"
                    >
                      {t('requests.response.item', { id: String(itemId) })}
                    </Link>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {request.notes && (
          <>
            <dt>{t('requests.field.notes')}</dt>
            <dd className="detail-text">{request.notes}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function ChainPanel({ view }: { view: RequestView }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const typeName = useTypeName();
  const request = view.request;
  const chain = view.chain ?? [];
  const drafting = hasPermission(user, 'requests.draft');
  const next = followingTypes(String(request.type));
  return (
    <section className="panel" aria-labelledby="request-chain-title" data-testid="request-chain">
      <h2 id="request-chain-title">{t('requests.chain.title')}</h2>
      <ol data-testid="request-chain-list">
        {chain.map((link) => {
          const current = String(link.id) === String(request.id);
          return (
            <li
              key={String(link.id)}
              data-testid="request-chain-link"
              data-id={String(link.id)}
              data-current={String(current)}
            >
              {current ? (
                <strong>{`${link.reference} · ${typeName(String(link.type))}`}</strong>
              ) : (
                <Link
                  to={requestPagePath(link.id)}
                >{`${link.reference} · ${typeName(String(link.type))}`}</Link>
              )}{' '}
              <RequestStateBadge state={String(link.state)} />
            </li>
          );
        })}
      </ol>
      {drafting && next.length > 0 && request.state !== 'draft' && (
        <div className="form-actions" data-testid="request-continue">
          {next.map((type) => (
            <Link
              key={type}
              to={newRequestPath({ caseId: request.case_id, previousId: request.id, type })}
              className="button button-small"
              data-testid={`request-continue-${type}`}
            >
              {t('requests.chain.continue', { type: typeName(type) })}
            </Link>
          ))}
        </div>
      )}
    </section>
  );
}

// An event's detail as "key: value" pairs; instants (at, until, *_at) as times.
function EventDetail({ detail }: { detail: unknown }) {
  if (detail === null || detail === undefined || detail === '') return null;
  if (typeof detail !== 'object' || Array.isArray(detail)) {
    return <p className="muted event-detail">{String(detail)}</p>;
  }
  const entries = Object.entries(detail as Record<string, unknown>).filter(
    ([, value]) => value !== null && value !== '',
  );
  if (entries.length === 0) return null;
  return (
    <ul className="muted event-detail">
      {entries.map(([key, value]) => (
        <li key={key}>
          <span>{key}: </span>
          {typeof value === 'number' && (key === 'at' || key === 'until' || key.endsWith('_at')) ? (
            <At value={value} />
          ) : (
            <span className={key.endsWith('sha256') ? 'mono' : undefined}>
              {typeof value === 'object' ? JSON.stringify(value) : String(value)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function EventsPanel({ requestId, generation }: { requestId: string; generation: number }) {
  const { t } = useI18n();
  const events = useResource<{ events: RequestEvent[] }>(`${requestApiPath(requestId)}/events`);
  const { reload } = events;
  // Every step writes an event.
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  return (
    <section className="panel" aria-labelledby="request-events-title" data-testid="request-events">
      <h2 id="request-events-title">{t('requests.events.title')}</h2>
      {events.error !== null && (
        <FormError message={errorMessage(t, events.error)} testId="request-events-error" />
      )}
      {events.data === null && events.error === null && <Loading />}
      {events.data !== null && (
        <ol className="timeline">
          {events.data.events.map((event) => (
            <li
              key={String(event.id)}
              className="timeline-event"
              data-testid="request-event"
              data-action={event.action}
            >
              <strong>
                {EVENT_LABELS[event.action]
                  ? t(EVENT_LABELS[event.action] ?? 'requests.event.update')
                  : event.action}
              </strong>{' '}
              <At value={event.at} />{' '}
              <span className="muted">
                {event.actor ? personName(event.actor) : t('requests.events.system')}
              </span>{' '}
              {event.from_state !== event.to_state && event.to_state && (
                <RequestStateBadge state={event.to_state} />
              )}
              <EventDetail detail={event.detail} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function RequestPage({ requestId }: { requestId: string }) {
  const { t } = useI18n();
  const { search } = useLocation();
  const typeName = useTypeName();
  const loaded = useResource<RequestView>(requestApiPath(requestId));
  const directory = useResource<DirectoryIndex>('/api/v1/directory');
  const [changed, setChanged] = useState<RequestView | null>(null);
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(() => {
    const key = SAVED_NOTICES[new URLSearchParams(search).get('saved') ?? ''];
    return key === undefined ? null : t(key);
  });
  const view = changed ?? loaded.data;

  if (view === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-request"
        data-state={loaded.error === null ? 'loading' : 'error'}
      >
        <PageHeader title={t('requests.request')} testId="page-title" />
        {loaded.error === null ? (
          <Loading />
        ) : (
          <FormError
            message={notFound ? t('requests.not_found') : errorMessage(t, loaded.error)}
            testId="request-error"
          />
        )}
        <Link to="/requests" className="button" data-testid="request-back">
          {t('requests.back_to_list')}
        </Link>
      </section>
    );
  }
  const request = view.request;
  const reminders = (view.deadlines ?? []).flatMap((deadline) =>
    (deadline.reminders ?? []).map((reminder) => ({ deadline, reminder })),
  );
  return (
    <section
      className="page"
      data-testid="page-request"
      data-state="loaded"
      data-id={String(request.id)}
      data-request-state={request.state}
    >
      <p className="breadcrumb">
        <Link to="/requests" data-testid="request-back">
          {t('requests.back_to_list')}
        </Link>
      </p>
      <PageHeader
        title={t('requests.page_title', {
          reference: request.reference,
          type: typeName(String(request.type)),
        })}
        testId="page-title"
      >
        <RequestStateBadge state={String(request.state)} testId="request-state" />
      </PageHeader>
      <LifecycleLine state={String(request.state)} />
      {notice !== null && (
        <Notice testId="request-saved" tone="success">
          {notice}
        </Notice>
      )}
      {request.state === 'draft' && request.returned_reason && (
        <Notice testId="request-returned" tone="warning">
          {t('requests.returned', { reason: request.returned_reason })}
        </Notice>
      )}
      {view.provider_changed && (
        <section className="panel panel-warning" data-testid="request-provider-changed">
          <h2>{t('requests.provider_changed.title')}</h2>
          <p>{t('requests.provider_changed.text')}</p>
          <div className="table-wrap">
            <table className="table table-dense">
              <caption className="visually-hidden">{t('requests.provider_changed.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('directory.change.path')}</th>
                  <th scope="col">{t('directory.change.before')}</th>
                  <th scope="col">{t('directory.change.after')}</th>
                </tr>
              </thead>
              <tbody>
                {(view.provider_changes ?? []).map((change) => (
                  <tr key={change.path} data-testid="provider-change">
                    <td className="mono">{change.path}</td>
                    <td>{change.before}</td>
                    <td>{change.after}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <ActionsPanel
        key={`${String(request.state)}|${request.version}`}
        view={view}
        refusalCodes={directory.data?.refusal_codes ?? Object.keys(REFUSAL_LABELS)}
        onChanged={(updated, message) => {
          setChanged(updated);
          setNotice(message);
          setGeneration((value) => value + 1);
        }}
      />
      <DocumentPanel request={request} />
      <section className="panel" aria-labelledby="request-lint-title" data-testid="request-lint">
        <h2 id="request-lint-title">{t('requests.lint.title')}</h2>
        {(view.warnings ?? []).length === 0 ? (
          <p className="muted">{t('requests.lint.clean')}</p>
        ) : (
          <FieldWarnings warnings={view.warnings} testId="request-warnings" />
        )}
      </section>
      <section
        className="panel"
        aria-labelledby="request-deadlines-title"
        data-testid="request-deadlines"
      >
        <h2 id="request-deadlines-title">{t('requests.deadlines.title')}</h2>
        <DeadlineList
          deadlines={view.deadlines}
          problems={view.problems}
          testId="request-deadline-list"
        />
        <RetentionList retention={view.retention} />
        {reminders.length > 0 && (
          <>
            <h3>{t('requests.reminders.title')}</h3>
            <ul className="plain-list" data-testid="request-reminders">
              {reminders.map(({ deadline, reminder }, index) => (
                <li
                  key={`${deadline.rule_id}-${reminder.label}-${index}`}
                  data-testid="request-reminder"
                >
                  <At value={reminder.at} />{' '}
                  {REMINDER_LABELS[reminder.label]
                    ? t(REMINDER_LABELS[reminder.label] ?? 'requests.reminder.at_deadline')
                    : reminder.label}{' '}
                  <span className="muted mono">{deadline.rule_id}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
      <DetailsPanel
        request={request}
        providerName={
          directory.data?.providers.find((provider) => provider.id === request.provider)?.names[0]
        }
      />
      <ChainPanel view={view} />
      <EventsPanel requestId={requestId} generation={generation} />
    </section>
  );
}
