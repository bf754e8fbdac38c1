// One alert (/detect/alerts/{id}): the item's text with every match marked exactly where the
// server found it (its highlights are UTF-8 byte offsets, converted in highlight.ts), what
// matched (indicator, list and version, or bank hash), for an image the item's picture beside
// the bank's reference picture (or "hash only"), distance and quality; the decision buttons;
// what was decided, with links to the case and evidence; a removal request to the platform.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canManageDetection } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, zonedLocalToUtc } from '../app/time';
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
import { casePath } from '../cases/types';
import { Time } from '../evidence/parts';
import { personName } from '../mandates/types';
import { ConfirmDialog, DismissDialog, escalate } from './DecisionDialogs';
import { markText } from './highlight';
import { AlertStateBadge, DetectTabs, SeverityBadge, useNumber } from './parts';
import {
  ALERT_KIND_LABELS,
  BANKS_PATH,
  INDICATOR_KIND_LABELS,
  QUEUE_PAGE,
  alertPath,
  bankHashPath,
  bankPage,
  isAlertKind,
  isIndicatorKind,
  isUndecided,
  listPage,
} from './types';
import type { Alert, BankHash, HashBank } from './types';

function MarkedText({ alert, text }: { alert: Alert; text: string }) {
  const { t } = useI18n();
  const { parts, exact } = markText(text, alert.highlights);
  return (
    <section className="panel" aria-labelledby="alert-text-title">
      <h2 id="alert-text-title">{t('detect.alert.text')}</h2>
      {/* An image or exact-hash alert marks nothing in the text: no count of marks for it. */}
      {alert.highlights.length > 0 && (
        <p className="muted" data-testid="alert-text-explain">
          {t('detect.alert.text_explain', { count: alert.highlights.length })}
        </p>
      )}
      <p
        className="alert-text"
        tabIndex={0}
        aria-label={t('detect.alert.text')}
        data-testid="alert-text"
        data-marks={alert.highlights.length}
        data-exact={String(exact.every(Boolean))}
      >
        {parts.map((part, index) =>
          part.highlight === null ? (
            <span key={index}>{part.text}</span>
          ) : (
            <mark
              key={index}
              data-testid="alert-mark"
              data-exact={String(exact[part.highlight] ?? false)}
              title={t('detect.alert.match')}
            >
              {part.text}
            </mark>
          ),
        )}
      </p>
    </section>
  );
}

function ReferenceImage({ hashId }: { hashId: string }) {
  const { t } = useI18n();
  const [missing, setMissing] = useState(false);
  if (missing)
    return (
      <div className="image-missing" data-testid="alert-reference-missing">
        {t('detect.alert.hash_only')}
      </div>
    );
  return (
    <img
      src={`${bankHashPath(hashId)}/image`}
      alt={t('detect.alert.reference_image')}
      onError={() => setMissing(true)}
      data-testid="alert-reference-image"
    />
  );
}

function ItemImage({ alertId }: { alertId: string }) {
  const { t } = useI18n();
  const [missing, setMissing] = useState(false);
  if (missing)
    return (
      <div className="image-missing" data-testid="alert-media-missing">
        {t('detect.alert.media_missing')}
      </div>
    );
  return (
    <img
      src={`${alertPath(alertId)}/media`}
      alt={t('detect.alert.item_image')}
      onError={() => setMissing(true)}
      data-testid="alert-media-image"
    />
  );
}

function Images({ alert }: { alert: Alert }) {
  const { t } = useI18n();
  const number = useNumber();
  return (
    <section className="panel" aria-labelledby="alert-images-title" data-testid="alert-images">
      <h2 id="alert-images-title">{t('detect.alert.images')}</h2>
      <div className="image-pair">
        <figure>
          <ItemImage alertId={String(alert.id)} />
          <figcaption>{t('detect.alert.item_image')}</figcaption>
        </figure>
        <figure>
          {alert.bank_hash !== null ? (
            <ReferenceImage hashId={String(alert.bank_hash.id)} />
          ) : (
            <div className="image-missing">{t('detect.alert.hash_only')}</div>
          )}
          <figcaption>{t('detect.alert.reference_image')}</figcaption>
        </figure>
      </div>
      <dl className="facts">
        {alert.distance !== null && (
          <>
            <dt>{t('detect.alert.distance')}</dt>
            <dd data-testid="alert-distance">{number(alert.distance)}</dd>
          </>
        )}
        {alert.quality !== null && (
          <>
            <dt>{t('detect.alert.quality')}</dt>
            <dd data-testid="alert-quality" data-low={String(alert.low_confidence)}>
              {number(alert.quality)}
              {alert.low_confidence && (
                <span className="low-confidence cell-note" data-testid="alert-low-confidence">
                  {t('detect.alert.low_confidence_explain')}
                </span>
              )}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

const ADD_TO_BANK_FIELDS = ['bank_id', 'label'] as const;

/** Reasons of POST /api/v1/alerts/{id}/add-to-bank with words of their own here. */
const ADD_TO_BANK_REASONS = {
  hash_in_bank: 'detect.add_to_bank.error_hash_in_bank',
  no_media: 'detect.add_to_bank.error_no_media',
  image_unreadable: 'detect.add_to_bank.error_image_unreadable',
  image_too_large: 'detect.add_to_bank.error_image_unreadable',
} as const;

/** Adds the alert's media file to a hash bank (detect.manage): the file becomes the new bank
 * hash's reference image, so later matches show the two images side by side. */
function AddToBankForm({ alert }: { alert: Alert }) {
  const { t } = useI18n();
  const banks = useResource<{ banks: HashBank[] }>(BANKS_PATH);
  const [bankId, setBankId] = useState('');
  const [label, setLabel] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ hash: BankHash; bank: string } | null>(null);
  const errors = useErrorText(error, ADD_TO_BANK_FIELDS);
  const reason =
    error instanceof ApiError && error.reason !== undefined && error.reason in ADD_TO_BANK_REASONS
      ? t(ADD_TO_BANK_REASONS[error.reason as keyof typeof ADD_TO_BANK_REASONS])
      : null;
  const list = banks.data?.banks.filter((bank) => bank.active) ?? [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (bankId === '') {
      setMissing(true);
      return;
    }
    const body: Record<string, unknown> = { bank_id: Number(bankId) };
    if (label.trim() !== '') body.label = label.trim();
    setBusy(true);
    try {
      const hash = await api.post<BankHash>(`${alertPath(alert.id)}/add-to-bank`, body);
      const bank = list.find((candidate) => String(candidate.id) === bankId);
      setAdded({ hash, bank: bank?.name ?? bankId });
      setLabel('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={submit}
      noValidate
      aria-labelledby="add-to-bank-title"
      data-testid="add-to-bank-form"
    >
      <h3 id="add-to-bank-title">{t('detect.add_to_bank.title')}</h3>
      <p className="muted">{t('detect.add_to_bank.explain')}</p>
      {banks.data === null && banks.error === null ? (
        <Loading />
      ) : banks.error !== null ? (
        <FormError message={errorMessage(t, banks.error)} testId="add-to-bank-banks-error" />
      ) : list.length === 0 ? (
        <p className="muted" data-testid="add-to-bank-no-banks">
          {t('detect.add_to_bank.no_banks')}
        </p>
      ) : (
        <>
          <SelectField
            label={t('detect.add_to_bank.bank')}
            value={bankId}
            onChange={(value) => {
              setBankId(value);
              setMissing(false);
            }}
            required
            error={missing ? t('detect.add_to_bank.error_bank') : errors.forField('bank_id')}
            testId="add-to-bank-bank"
          >
            <option value="">{t('detect.add_to_bank.choose')}</option>
            {list.map((bank) => (
              <option key={String(bank.id)} value={String(bank.id)}>
                {`${bank.name} (${bank.algorithm})`}
              </option>
            ))}
          </SelectField>
          <TextField
            label={t('detect.add_to_bank.label')}
            value={label}
            onChange={setLabel}
            maxLength={500}
            hint={t('detect.add_to_bank.label_hint')}
            error={errors.forField('label')}
            testId="add-to-bank-label"
          />
          <FormError message={reason ?? errors.forForm} testId="add-to-bank-error" />
          {added !== null && (
            <Notice testId="add-to-bank-added" tone="success">
              {t('detect.add_to_bank.added', { bank: added.bank })}{' '}
              <span
                className="hash mono"
                translate="no"
                data-testid="add-to-bank-hash"
                data-value={added.hash.hash}
              >
                {added.hash.hash}
              </span>{' '}
              <Link to={bankPage(added.hash.bank_id)} data-testid="add-to-bank-bank-link">
                {t('detect.add_to_bank.open_bank')}
              </Link>
            </Notice>
          )}
          <div className="form-actions">
            <button
              type="submit"
              className="button"
              aria-disabled={busy || undefined}
              data-testid="add-to-bank-submit"
            >
              {t('detect.add_to_bank.submit')}
            </button>
          </div>
        </>
      )}
    </form>
  );
}

const REMOVAL_FIELDS = ['platform', 'reference', 'note', 'requested_at'] as const;

function RemovalRequestForm({ alert, onSaved }: { alert: Alert; onSaved: (saved: Alert) => void }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const [platform, setPlatform] = useState(alert.item?.platform ?? '');
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const [requestedAt, setRequestedAt] = useState('');
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, REMOVAL_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (platform.trim() === '') {
      setMissing(true);
      return;
    }
    const body: Record<string, unknown> = { platform: platform.trim() };
    if (reference.trim() !== '') body.reference = reference.trim();
    if (note.trim() !== '') body.note = note.trim();
    if (requestedAt !== '') {
      const utc = zonedLocalToUtc(requestedAt, effectiveTimeZone(user.time_zone));
      if (utc !== null) body.requested_at = utc;
    }
    setBusy(true);
    try {
      onSaved(await api.post<Alert>(`${alertPath(alert.id)}/removal-request`, body));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={submit}
      noValidate
      aria-labelledby="removal-title"
      data-testid="removal-form"
    >
      <h3 id="removal-title">{t('detect.removal.title')}</h3>
      <p className="muted">{t('detect.removal.explain')}</p>
      <TextField
        label={t('detect.removal.platform')}
        value={platform}
        onChange={(value) => {
          setPlatform(value);
          setMissing(false);
        }}
        required
        maxLength={200}
        error={missing ? t('detect.removal.error_platform') : errors.forField('platform')}
        testId="removal-platform"
      />
      <TextField
        label={t('detect.removal.reference')}
        value={reference}
        onChange={setReference}
        maxLength={500}
        hint={t('detect.removal.reference_hint')}
        error={errors.forField('reference')}
        testId="removal-reference"
      />
      <TextField
        label={t('detect.removal.requested_at')}
        type="datetime-local"
        value={requestedAt}
        onChange={setRequestedAt}
        hint={t('detect.removal.requested_at_hint')}
        error={errors.forField('requested_at')}
        testId="removal-requested-at"
      />
      <TextAreaField
        label={t('detect.removal.note')}
        value={note}
        onChange={setNote}
        rows={2}
        maxLength={2000}
        error={errors.forField('note')}
        testId="removal-note"
      />
      <FormError message={errors.forForm} testId="removal-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="removal-submit"
        >
          {t('detect.removal.submit')}
        </button>
      </div>
    </form>
  );
}

export function AlertPage({ alertId }: { alertId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const manage = canManageDetection(user);
  const loaded = useResource<Alert>(alertPath(alertId));
  const [dialog, setDialog] = useState<'confirm' | 'dismiss' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const alert = loaded.data;

  function decided(message: string) {
    setDialog(null);
    setNotice(message);
    loaded.reload();
  }

  if (alert === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-detect-alert"
        data-state={loaded.error !== null ? 'error' : 'loading'}
      >
        <PageHeader title={t('detect.alert.title', { id: alertId })} testId="page-title" />
        <DetectTabs />
        {loaded.error !== null ? (
          <FormError
            message={notFound ? t('detect.alert.not_found') : errorMessage(t, loaded.error)}
            testId="alert-error"
          />
        ) : (
          <Loading />
        )}
        <Link to={QUEUE_PAGE} data-testid="alert-back">
          {t('detect.alert.back')}
        </Link>
      </section>
    );
  }

  const item = alert.item;
  const image = alert.kind === 'image' || alert.media_n !== null;
  const undecided = isUndecided(alert);
  return (
    <section
      className="page"
      data-testid="page-detect-alert"
      data-state="loaded"
      data-id={String(alert.id)}
      data-alert-state={alert.state}
    >
      <PageHeader title={t('detect.alert.title', { id: String(alert.id) })} testId="page-title">
        <span className="badges">
          <SeverityBadge severity={alert.severity} testId="alert-severity" />
          <AlertStateBadge state={alert.state} testId="alert-state" />
        </span>
      </PageHeader>
      <DetectTabs />
      <p>
        <Link to={QUEUE_PAGE} data-testid="alert-back">
          {t('detect.alert.back')}
        </Link>
      </p>
      {notice !== null && (
        <Notice testId="alert-saved" tone="success">
          {notice}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="alert-action-error"
      />
      {undecided && (
        <div className="section-actions" data-testid="alert-decisions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => setDialog('confirm')}
            data-testid="alert-confirm"
          >
            {t('detect.decision.confirm')}
          </button>
          <button
            type="button"
            className="button"
            onClick={() => setDialog('dismiss')}
            data-testid="alert-dismiss"
          >
            {t('detect.decision.dismiss')}
          </button>
          {alert.state !== 'escalated' && (
            <button
              type="button"
              className="button"
              aria-disabled={busy || undefined}
              onClick={() => {
                if (busy) return;
                setBusy(true);
                setActionError(null);
                escalate(alert)
                  .then(() => decided(t('detect.queue.escalated', { id: String(alert.id) })))
                  .catch((failure: unknown) => setActionError(failure))
                  .finally(() => setBusy(false));
              }}
              data-testid="alert-escalate"
            >
              {t('detect.decision.escalate')}
            </button>
          )}
        </div>
      )}
      <section className="panel" aria-labelledby="alert-facts-title">
        <h2 id="alert-facts-title">{t('detect.alert.what')}</h2>
        <dl className="facts" data-testid="alert-facts">
          <dt>{t('detect.alert.kind')}</dt>
          <dd data-testid="alert-kind" data-kind={alert.kind}>
            {isAlertKind(alert.kind) ? t(ALERT_KIND_LABELS[alert.kind]) : alert.kind}
          </dd>
          {alert.indicator !== null && (
            <>
              <dt>{t('detect.alert.indicator')}</dt>
              <dd>
                <span className="pattern" translate="no" data-testid="alert-indicator">
                  {alert.indicator.pattern}
                </span>
                <span className="muted cell-note">
                  {isIndicatorKind(alert.indicator.kind)
                    ? t(INDICATOR_KIND_LABELS[alert.indicator.kind])
                    : alert.indicator.kind}
                  {alert.indicator.category !== '' ? ` · ${alert.indicator.category}` : ''}
                </span>
              </dd>
            </>
          )}
          {alert.list_id !== null && (
            <>
              <dt>{t('detect.alert.list')}</dt>
              <dd>
                <Link to={listPage(alert.list_id)} data-testid="alert-list-link">
                  {t('detect.queue.list_version', {
                    name: alert.list_name ?? '',
                    version: String(alert.list_version ?? ''),
                  })}
                </Link>
              </dd>
            </>
          )}
          {alert.bank_id !== null && (
            <>
              <dt>{t('detect.alert.bank')}</dt>
              <dd>
                <Link to={bankPage(alert.bank_id)} data-testid="alert-bank-link">
                  {alert.bank_name ?? ''}
                </Link>
                {alert.bank_hash !== null && (
                  <span
                    className="hash mono cell-note"
                    data-value={alert.bank_hash.hash}
                    translate="no"
                  >
                    {alert.bank_hash.label !== '' ? `${alert.bank_hash.label} · ` : ''}
                    {alert.bank_hash.hash.slice(0, 24)}
                  </span>
                )}
              </dd>
            </>
          )}
          <dt>{t('detect.alert.item')}</dt>
          <dd>
            <Link
              to={`/collected/${encodeURIComponent(String(alert.item_id))}`}
              data-testid="alert-item-link"
            >
              {item !== undefined
                ? t('detect.alert.item_named', {
                    platform: item.platform,
                    author: item.author_name || item.author_id || String(alert.item_id),
                  })
                : String(alert.item_id)}
            </Link>
          </dd>
          <dt>{t('detect.alert.mandate')}</dt>
          <dd>
            <Link
              to={`/mandates/${encodeURIComponent(String(alert.mandate_id))}`}
              data-testid="alert-mandate-link"
            >
              {t('detect.alert.mandate_named', { id: String(alert.mandate_id) })}
            </Link>
          </dd>
          <dt>{t('detect.field.found')}</dt>
          <dd>
            <Time iso={alert.created_at} testId="alert-created" />
          </dd>
        </dl>
      </section>
      {item !== undefined && item.text !== '' && <MarkedText alert={alert} text={item.text} />}
      {image && <Images alert={alert} />}
      {image && manage && <AddToBankForm alert={alert} />}
      {!undecided || alert.decided_by !== null ? (
        <section
          className="panel"
          aria-labelledby="alert-decision-title"
          data-testid="alert-decision"
        >
          <h2 id="alert-decision-title">{t('detect.alert.decision')}</h2>
          <dl className="facts">
            <dt>{t('detect.alert.decided_by')}</dt>
            <dd data-testid="alert-decided-by">{personName(alert.decided_by)}</dd>
            <dt>{t('detect.alert.decided_at')}</dt>
            <dd>
              <Time iso={alert.decided_at} />
            </dd>
            {alert.reason !== null && alert.reason !== '' && (
              <>
                <dt>{t('detect.dismiss.reason')}</dt>
                <dd className="detail-text" data-testid="alert-reason">
                  {alert.reason}
                </dd>
              </>
            )}
            {alert.case_id !== null && (
              <>
                <dt>{t('detect.alert.case')}</dt>
                <dd>
                  <Link to={casePath(alert.case_id)} data-testid="alert-case-link">
                    {t('detect.alert.open_case')}
                  </Link>
                </dd>
              </>
            )}
            {alert.evidence_id !== null && (
              <>
                <dt>{t('detect.alert.evidence')}</dt>
                <dd>
                  <Link
                    to={`/evidence/${encodeURIComponent(String(alert.evidence_id))}`}
                    data-testid="alert-evidence-link"
                  >
                    {t('detect.alert.open_evidence')}
                  </Link>
                </dd>
              </>
            )}
          </dl>
        </section>
      ) : null}
      {alert.state === 'confirmed' && (
        <section
          className="panel"
          aria-labelledby="alert-removal-title"
          data-testid="alert-removal"
        >
          <h2 id="alert-removal-title">{t('detect.removal.section')}</h2>
          {alert.removal_request !== null ? (
            <dl className="facts" data-testid="alert-removal-recorded">
              <dt>{t('detect.removal.platform')}</dt>
              <dd>{alert.removal_request.platform}</dd>
              {alert.removal_request.reference !== '' && (
                <>
                  <dt>{t('detect.removal.reference')}</dt>
                  <dd translate="no">{alert.removal_request.reference}</dd>
                </>
              )}
              <dt>{t('detect.removal.requested_at')}</dt>
              <dd>
                <Time iso={alert.removal_request.requested_at} />
              </dd>
              <dt>{t('detect.removal.recorded_by')}</dt>
              <dd>{personName(alert.removal_request.recorded_by)}</dd>
              {alert.removal_request.note !== '' && (
                <>
                  <dt>{t('detect.removal.note')}</dt>
                  <dd className="detail-text">{alert.removal_request.note}</dd>
                </>
              )}
            </dl>
          ) : (
            <RemovalRequestForm alert={alert} onSaved={() => decided(t('detect.removal.saved'))} />
          )}
        </section>
      )}
      {dialog === 'confirm' && (
        <ConfirmDialog
          alert={alert}
          onClose={() => setDialog(null)}
          onDone={() => decided(t('detect.queue.confirmed', { id: String(alert.id) }))}
        />
      )}
      {dialog === 'dismiss' && (
        <DismissDialog
          alert={alert}
          onClose={() => setDialog(null)}
          onDone={() => decided(t('detect.queue.dismissed', { id: String(alert.id) }))}
        />
      )}
    </section>
  );
}
