// One evidence item (/evidence/{id}): what it is (name, size, type, hashes), how it was obtained,
// the E01 image's own checks, parent and children, retention, the actions (verify, download,
// transfer, seal and unseal, request disposal) and the chain of custody. An item the user may not
// see answers 404, like one that does not exist; opening it is recorded by the server as a view.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { canApproveEvidence } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import {
  FormError,
  Loading,
  Notice,
  PageHeader,
  TextAreaField,
  TextField,
  useErrorText,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { caseAccess, casePath, sameId } from '../cases/types';
import type { Case } from '../cases/types';
import { CustodyTimeline } from './CustodyTimeline';
import { HashValue, ItemBadges, Size, Time, VerificationBadge } from './parts';
import {
  CATEGORIES_PATH,
  DISPOSAL_STATE_LABELS,
  EWF_CHECK_LABELS,
  SOURCE_DETAIL_LABELS,
  SOURCE_LABELS,
  actorName,
  caseEvidencePath,
  categoryName,
  contentPath,
  custodyPath,
  disposalFor,
  disposalPath,
  evidencePagePath,
  evidencePath,
  canDownload,
  hasContent,
  isDisposalState,
  isEwfCheck,
  isSourceType,
  isVerification,
  VERIFICATION_LABELS,
} from './types';
import type {
  Category,
  CustodyEvent,
  Disposal,
  DisposalSummary,
  EvidenceItem,
  EwfInfo,
  VerifyAnswer,
} from './types';

// ---- the action forms: transfer, seal, unseal, request disposal ----

type FormKind = 'transfer' | 'seal' | 'unseal' | 'disposal';

interface FieldSpec {
  name: string;
  /** The server's limit (it counts bytes, so Cyrillic text may meet it sooner). */
  maxLength: number;
  label: TranslationKey;
  testId: string;
  hint?: TranslationKey;
  multiline?: boolean;
}

interface FormSpec {
  /** POST /api/v1/evidence/{id}/<path> */
  path: string;
  title: TranslationKey;
  submit: TranslationKey;
  done: TranslationKey;
  testId: string;
  fields: readonly FieldSpec[];
}

const FORMS: Record<FormKind, FormSpec> = {
  transfer: {
    path: 'transfer',
    title: 'evidence.transfer.title',
    submit: 'evidence.transfer.submit',
    done: 'evidence.transfer.done',
    testId: 'transfer',
    fields: [
      { name: 'from', maxLength: 300, label: 'evidence.transfer.from', testId: 'transfer-from' },
      { name: 'to', maxLength: 300, label: 'evidence.transfer.to', testId: 'transfer-to' },
      {
        name: 'purpose',
        maxLength: 2000,
        label: 'evidence.transfer.purpose',
        testId: 'transfer-purpose',
        multiline: true,
      },
    ],
  },
  seal: {
    path: 'seal',
    title: 'evidence.seal.title',
    submit: 'evidence.seal.submit',
    done: 'evidence.seal.done',
    testId: 'seal',
    fields: [
      {
        name: 'reason',
        maxLength: 2000,
        label: 'evidence.seal.reason',
        testId: 'seal-reason',
        multiline: true,
      },
      {
        name: 'seal_number',
        maxLength: 300,
        label: 'evidence.seal.number',
        testId: 'seal-number',
        hint: 'evidence.seal.number_hint',
      },
    ],
  },
  unseal: {
    path: 'unseal',
    title: 'evidence.unseal.title',
    submit: 'evidence.unseal.submit',
    done: 'evidence.unseal.done',
    testId: 'unseal',
    fields: [
      {
        name: 'reason',
        maxLength: 2000,
        label: 'evidence.unseal.reason',
        testId: 'unseal-reason',
        multiline: true,
      },
    ],
  },
  disposal: {
    path: 'disposal',
    title: 'evidence.disposal.title',
    submit: 'evidence.disposal.submit',
    done: 'evidence.disposal.done',
    testId: 'disposal',
    fields: [
      {
        name: 'reason',
        maxLength: 2000,
        label: 'evidence.disposal.reason',
        testId: 'disposal-reason',
        hint: 'evidence.disposal.reason_hint',
        multiline: true,
      },
    ],
  },
};

function ActionForm({
  kind,
  item,
  initial,
  onDone,
  onCancel,
}: {
  kind: FormKind;
  item: EvidenceItem;
  initial: Record<string, string>;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const spec = FORMS[kind];
  const names = spec.fields.map((field) => field.name);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(names.map((name) => [name, initial[name] ?? ''])),
  );
  const [missing, setMissing] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, names);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const empty = new Set(names.filter((name) => (values[name] ?? '').trim() === ''));
    setMissing(empty);
    if (empty.size > 0) return;
    setBusy(true);
    try {
      const body = Object.fromEntries(names.map((name) => [name, (values[name] ?? '').trim()]));
      await api.post(`${evidencePath(item.id)}/${spec.path}`, body);
      onDone(t(spec.done));
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
      aria-labelledby={`${spec.testId}-form-title`}
      data-testid={`${spec.testId}-form`}
    >
      <h3 id={`${spec.testId}-form-title`}>{t(spec.title)}</h3>
      {spec.fields.map((field) => {
        const props = {
          label: t(field.label),
          value: values[field.name] ?? '',
          onChange: (value: string) =>
            setValues((current) => ({ ...current, [field.name]: value })),
          required: true,
          maxLength: field.maxLength,
          hint: field.hint === undefined ? undefined : t(field.hint),
          error: missing.has(field.name) ? t('evidence.required') : errors.forField(field.name),
          testId: field.testId,
        };
        return field.multiline === true ? (
          <TextAreaField key={field.name} rows={2} {...props} />
        ) : (
          <TextField key={field.name} {...props} />
        );
      })}
      <FormError message={errors.forForm} testId={`${spec.testId}-error`} />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid={`${spec.testId}-submit`}
        >
          {t(spec.submit)}
        </button>
        <button
          type="button"
          className="button"
          onClick={onCancel}
          data-testid={`${spec.testId}-cancel`}
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

// ---- panels ----

function Given({ value, testId }: { value: string | null | undefined; testId: string }) {
  const { t } = useI18n();
  if (value === null || value === undefined || value.trim() === '')
    return (
      <dd className="muted" data-testid={testId}>
        {t('evidence.not_given')}
      </dd>
    );
  return (
    <dd className="detail-text" data-testid={testId}>
      {value}
    </dd>
  );
}

function DetailsPanel({ item }: { item: EvidenceItem }) {
  const { t } = useI18n();
  return (
    <section
      className="panel"
      aria-labelledby="evidence-details-title"
      data-testid="evidence-details"
    >
      <h2 id="evidence-details-title">{t('evidence.details')}</h2>
      <dl className="facts">
        <dt>{t('evidence.field.case')}</dt>
        <dd>
          <Link
            to={`/cases/${encodeURIComponent(String(item.case_id))}`}
            data-testid="evidence-case-link"
          >
            {item.case_number || `#${String(item.case_id)}`}
          </Link>
        </dd>
        <dt>{t('evidence.field.name')}</dt>
        <dd className="detail-text" data-testid="evidence-name">
          {item.original_name}
        </dd>
        <dt>{t('evidence.field.size')}</dt>
        <dd>
          <Size bytes={item.size} testId="evidence-size" />
        </dd>
        <dt>{t('evidence.field.mime')}</dt>
        <dd className="mono" data-testid="evidence-mime">
          {item.mime_type}
        </dd>
        <dt>{t('common.status')}</dt>
        <dd>
          <ItemBadges item={item} testId="evidence-state" />
        </dd>
        <dt>{t('evidence.field.ingested')}</dt>
        <dd data-testid="evidence-ingested">
          {actorName(item.ingested_by)} <Time iso={item.ingested_at} />
        </dd>
        <dt>{t('evidence.field.last_verification')}</dt>
        <dd>
          <VerificationBadge result={item.last_verification} testId="evidence-last-verification" />{' '}
          <Time iso={item.last_verified_at} />
        </dd>
        {item.disposed_at !== undefined && item.disposed_at !== null && (
          <>
            <dt>{t('evidence.field.disposed_at')}</dt>
            <dd>
              <Time iso={item.disposed_at} testId="evidence-disposed-at" />
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function HashesPanel({ item }: { item: EvidenceItem }) {
  const { t } = useI18n();
  const rows = [
    ['evidence.hash.md5', item.md5, 'evidence-md5'],
    ['evidence.hash.sha1', item.sha1, 'evidence-sha1'],
    ['evidence.hash.sha256', item.sha256, 'evidence-sha256'],
  ] as const;
  return (
    <section
      className="panel"
      aria-labelledby="evidence-hashes-title"
      data-testid="evidence-hashes"
    >
      <h2 id="evidence-hashes-title">{t('evidence.hashes')}</h2>
      <dl className="facts facts-wide">
        {rows.map(([label, value, testId]) => (
          <div key={testId} className="facts-row">
            <dt>{t(label)}</dt>
            <dd>
              <HashValue value={value} label={t(label)} testId={testId} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function AcquisitionPanel({ item }: { item: EvidenceItem }) {
  const { t } = useI18n();
  const source = isSourceType(item.source_type) ? item.source_type : null;
  return (
    <section
      className="panel"
      aria-labelledby="evidence-acquisition-title"
      data-testid="evidence-acquisition"
    >
      <h2 id="evidence-acquisition-title">{t('evidence.acquisition')}</h2>
      <dl className="facts">
        <dt>{t('evidence.field.description')}</dt>
        <Given value={item.description} testId="evidence-description" />
        <dt>{t('evidence.field.source_type')}</dt>
        <Given
          value={source !== null ? t(SOURCE_LABELS[source]) : item.source_type}
          testId="evidence-source-type"
        />
        <dt>
          {source !== null ? t(SOURCE_DETAIL_LABELS[source]) : t('evidence.field.source_detail')}
        </dt>
        <Given value={item.source_detail} testId="evidence-source-detail" />
        <dt>{t('evidence.field.acquisition_method')}</dt>
        <Given value={item.acquisition_method} testId="evidence-acquisition-method" />
        <dt>{t('evidence.field.acquisition_tool')}</dt>
        <Given value={item.acquisition_tool} testId="evidence-acquisition-tool" />
        <dt>{t('evidence.field.examiner')}</dt>
        <Given value={item.examiner} testId="evidence-examiner" />
        <dt>{t('evidence.field.acquired_at')}</dt>
        {item.acquired_at === null || item.acquired_at === '' ? (
          <Given value="" testId="evidence-acquired-at" />
        ) : (
          <dd>
            <Time iso={item.acquired_at} testId="evidence-acquired-at" />
          </dd>
        )}
        <dt>{t('evidence.field.acquired_place')}</dt>
        <Given value={item.acquired_place} testId="evidence-acquired-place" />
        <dt>{t('evidence.field.legal_basis')}</dt>
        <Given value={item.legal_basis} testId="evidence-legal-basis" />
      </dl>
    </section>
  );
}

function EwfCheckBadge({ check, testId }: { check: string; testId: string }) {
  const { t } = useI18n();
  const className =
    check === 'match' ? 'badge badge-ok' : check === 'mismatch' ? 'badge badge-danger' : 'badge';
  return (
    <span className={className} data-result={check} data-testid={testId}>
      {isEwfCheck(check) ? t(EWF_CHECK_LABELS[check]) : check}
    </span>
  );
}

function EwfPanel({ ewf }: { ewf: EwfInfo }) {
  const { t } = useI18n();
  const header = ewf.header ?? {};
  const headerRows = [
    ['evidence.ewf.case_number', header.case_number, 'ewf-case-number'],
    ['evidence.ewf.evidence_number', header.evidence_number, 'ewf-evidence-number'],
    ['evidence.ewf.examiner', header.examiner_name, 'ewf-examiner'],
    ['evidence.ewf.description', header.description, 'ewf-description'],
    ['evidence.ewf.notes', header.notes, 'ewf-notes'],
    ['evidence.ewf.acquiry_date', header.acquiry_date, 'ewf-acquiry-date'],
    ['evidence.ewf.system_date', header.system_date, 'ewf-system-date'],
    ['evidence.ewf.operating_system', header.acquiry_operating_system, 'ewf-operating-system'],
    ['evidence.ewf.software', header.acquiry_software_version, 'ewf-software'],
    ['evidence.ewf.model', header.model, 'ewf-model'],
    ['evidence.ewf.serial_number', header.serial_number, 'ewf-serial-number'],
  ] as const;
  const hashes = [
    ['evidence.hash.md5', ewf.md5, ewf.stored_md5, ewf.computed_md5, 'ewf-md5'],
    ['evidence.hash.sha1', ewf.sha1, ewf.stored_sha1, ewf.computed_sha1, 'ewf-sha1'],
  ] as const;
  const errors = ewf.checksum_errors ?? [];
  const unreadable = ewf.error !== undefined && ewf.error !== '';
  return (
    <section
      className="panel"
      aria-labelledby="evidence-ewf-title"
      data-testid="evidence-ewf"
      data-verified={ewf.verified ? 'true' : 'false'}
    >
      <h2 id="evidence-ewf-title">{t('evidence.ewf.title')}</h2>
      <p>
        <span
          className={ewf.verified ? 'badge badge-ok' : 'badge badge-danger'}
          data-testid="ewf-verified"
        >
          {ewf.verified
            ? t('evidence.ewf.verified_yes')
            : unreadable
              ? t('evidence.ewf.unreadable')
              : t('evidence.ewf.verified_no')}
        </span>
      </p>
      {unreadable ? (
        <p className="detail-text muted" data-testid="ewf-error">
          {ewf.error}
        </p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="table table-dense" data-testid="ewf-hashes">
              <caption className="visually-hidden">{t('evidence.ewf.hashes')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('evidence.ewf.hash')}</th>
                  <th scope="col">{t('evidence.ewf.stored')}</th>
                  <th scope="col">{t('evidence.ewf.computed')}</th>
                  <th scope="col">{t('evidence.ewf.result')}</th>
                </tr>
              </thead>
              <tbody>
                {hashes.map(([label, check, stored, computed, testId]) => (
                  <tr key={testId} data-testid={testId}>
                    <th scope="row">{t(label)}</th>
                    <td className="mono hash-cell" translate="no">
                      {stored || '—'}
                    </td>
                    <td className="mono hash-cell" translate="no">
                      {computed || '—'}
                    </td>
                    <td>
                      <EwfCheckBadge check={check ?? 'absent'} testId={`${testId}-result`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <dl className="facts">
            {ewf.media_size !== undefined && (
              <>
                <dt>{t('evidence.ewf.media_size')}</dt>
                <dd>
                  <Size bytes={ewf.media_size} testId="ewf-media-size" />
                </dd>
              </>
            )}
            {ewf.bytes_per_sector !== undefined && (
              <>
                <dt>{t('evidence.ewf.bytes_per_sector')}</dt>
                <dd data-testid="ewf-bytes-per-sector">{ewf.bytes_per_sector}</dd>
              </>
            )}
            <dt>{t('evidence.ewf.checksum_errors')}</dt>
            <dd data-testid="ewf-checksum-errors" data-count={errors.length}>
              {errors.length === 0 ? (
                t('evidence.ewf.no_checksum_errors')
              ) : (
                <ul className="plain-list">
                  {errors.map((range) => (
                    <li key={range.first_sector}>
                      {t('evidence.ewf.sectors', {
                        first: range.first_sector,
                        count: range.sector_count,
                      })}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            {headerRows
              .filter(([, value]) => value !== undefined && value !== null && value !== '')
              .map(([label, value, testId]) => (
                <div key={testId} className="facts-row">
                  <dt>{t(label)}</dt>
                  <dd className="detail-text" data-testid={testId}>
                    {value}
                  </dd>
                </div>
              ))}
          </dl>
        </>
      )}
    </section>
  );
}

function RelatedPanel({ item, names }: { item: EvidenceItem; names: Map<string, string> }) {
  const { t } = useI18n();
  const nameOf = (id: string | number) => names.get(String(id)) ?? `#${String(id)}`;
  const children = item.children ?? [];
  return (
    <section
      className="panel"
      aria-labelledby="evidence-related-title"
      data-testid="evidence-related"
    >
      <h2 id="evidence-related-title">{t('evidence.related')}</h2>
      <dl className="facts">
        <dt>{t('evidence.field.parent')}</dt>
        {item.parent_id === null ? (
          <dd className="muted">{t('evidence.field.parent_none')}</dd>
        ) : (
          <dd>
            <Link to={evidencePagePath(item.parent_id)} data-testid="evidence-parent-link">
              {nameOf(item.parent_id)}
            </Link>
          </dd>
        )}
        <dt>{t('evidence.children')}</dt>
        {children.length === 0 ? (
          <dd className="muted">{t('evidence.children_none')}</dd>
        ) : (
          <dd>
            <ul className="plain-list">
              {children.map((id) => (
                <li key={String(id)}>
                  <Link to={evidencePagePath(id)} data-testid="evidence-child-link">
                    {nameOf(id)}
                  </Link>
                </li>
              ))}
            </ul>
          </dd>
        )}
      </dl>
    </section>
  );
}

function RetentionPanel({ item, categories }: { item: EvidenceItem; categories: Category[] }) {
  const { t, language } = useI18n();
  const byCode = new Map(categories.map((category) => [category.code, category]));
  const codes = item.categories ?? [];
  return (
    <section
      className="panel"
      aria-labelledby="evidence-retention-title"
      data-testid="evidence-retention"
    >
      <h2 id="evidence-retention-title">{t('evidence.retention')}</h2>
      <dl className="facts">
        <dt>{t('evidence.field.categories')}</dt>
        <dd data-testid="evidence-categories">
          {codes.length === 0 ? (
            <span className="muted">{t('evidence.not_given')}</span>
          ) : (
            <span className="badges">
              {codes.map((code) => {
                const category = byCode.get(code);
                return (
                  <span key={code} className="badge" data-code={code}>
                    {category !== undefined ? categoryName(category, language) : code}
                  </span>
                );
              })}
            </span>
          )}
        </dd>
        <dt>{t('evidence.field.retention_until')}</dt>
        {item.retention_until === null || item.retention_until === '' ? (
          <dd className="muted" data-testid="evidence-retention-until">
            {t('evidence.not_given')}
          </dd>
        ) : (
          <dd>
            <Time iso={item.retention_until} testId="evidence-retention-until" />
          </dd>
        )}
      </dl>
    </section>
  );
}

function DisposalPanel({
  disposal,
  canDecide,
  onChanged,
}: {
  disposal: DisposalSummary;
  /** Supervisors (evidence.approve) and the requester may recover (cancel) the disposal. */
  canDecide: boolean;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const state = disposal.state;

  async function cancel() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<Disposal>(`${disposalPath(disposal.id)}/cancel`);
      onChanged(
        state === 'pending' ? t('evidence.disposal.withdrawn') : t('evidence.disposal.recovered'),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section
      className="panel panel-warning"
      aria-labelledby="evidence-disposal-title"
      data-testid="evidence-disposal"
      data-state={state}
    >
      <h2 id="evidence-disposal-title">{t('evidence.disposal.panel_title')}</h2>
      <dl className="facts">
        <dt>{t('common.status')}</dt>
        <dd data-testid="evidence-disposal-state">
          {isDisposalState(state) ? t(DISPOSAL_STATE_LABELS[state]) : state}
        </dd>
        {disposal.requested_by !== undefined && (
          <>
            <dt>{t('evidence.disposals.requested')}</dt>
            <dd>
              {disposal.requested_by === null
                ? t('evidence.disposals.by_system')
                : actorName(disposal.requested_by)}
            </dd>
          </>
        )}
        {disposal.scheduled_for !== null && disposal.scheduled_for !== '' && (
          <>
            <dt>{t('evidence.disposal.scheduled_for')}</dt>
            <dd>
              <Time iso={disposal.scheduled_for} testId="evidence-disposal-scheduled" />
            </dd>
          </>
        )}
      </dl>
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="evidence-recover-error"
      />
      {canDecide && (state === 'approved' || state === 'pending') && (
        <div className="form-actions">
          <button
            type="button"
            className="button"
            aria-disabled={busy || undefined}
            onClick={() => void cancel()}
            data-testid={state === 'pending' ? 'evidence-withdraw' : 'evidence-recover'}
          >
            {state === 'pending' ? t('evidence.disposal.withdraw') : t('evidence.disposal.recover')}
          </button>
        </div>
      )}
    </section>
  );
}

function ActionsPanel({
  item,
  write,
  onChanged,
  onVerified,
}: {
  item: EvidenceItem;
  write: boolean;
  onChanged: (message: string) => void;
  onVerified: (answer: VerifyAnswer) => void;
}) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const [open, setOpen] = useState<FormKind | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const [verified, setVerified] = useState<string | null>(null);
  const readable = hasContent(item);

  async function verify() {
    if (verifying) return;
    setVerifying(true);
    setVerifyError(null);
    setVerified(null);
    try {
      const answer = await api.post<VerifyAnswer>(`${evidencePath(item.id)}/verify`);
      setVerified(answer.result);
      onVerified(answer);
    } catch (failure) {
      setVerifyError(failure);
    } finally {
      setVerifying(false);
    }
  }

  function toggle(kind: FormKind) {
    setOpen((current) => (current === kind ? null : kind));
  }

  const offers: { kind: FormKind; label: TranslationKey; testId: string; shown: boolean }[] = [
    {
      kind: 'transfer',
      label: 'evidence.transfer.button',
      testId: 'evidence-transfer',
      shown: true,
    },
    { kind: 'seal', label: 'evidence.seal.button', testId: 'evidence-seal', shown: !item.sealed },
    {
      kind: 'unseal',
      label: 'evidence.unseal.button',
      testId: 'evidence-unseal',
      shown: item.sealed,
    },
    {
      kind: 'disposal',
      label: 'evidence.disposal.button',
      testId: 'evidence-request-disposal',
      shown: item.state === 'active',
    },
  ];
  return (
    <section
      className="panel"
      aria-labelledby="evidence-actions-title"
      data-testid="evidence-actions"
    >
      <h2 id="evidence-actions-title">{t('evidence.actions')}</h2>
      {!readable && <Notice testId="evidence-disposed">{t('evidence.disposed_notice')}</Notice>}
      {verified !== null && (
        <p
          className={verified === 'match' ? 'notice notice-success' : 'notice notice-danger'}
          role="status"
          data-testid="evidence-verify-result"
          data-result={verified}
        >
          {t('evidence.verify.result', {
            result: isVerification(verified) ? t(VERIFICATION_LABELS[verified]) : verified,
          })}
        </p>
      )}
      <FormError
        message={verifyError === null ? null : errorMessage(t, verifyError)}
        testId="evidence-verify-error"
      />
      {readable && item.sealed && (
        <Notice testId="evidence-sealed-notice">{t('evidence.sealed_notice')}</Notice>
      )}
      {readable && (
        <div className="form-actions">
          {canDownload(item) && (
            <a
              className="button button-primary"
              href={contentPath(item.id)}
              download={item.original_name}
              data-testid="evidence-download"
            >
              {t('evidence.download')}
            </a>
          )}
          <button
            type="button"
            className="button"
            aria-disabled={verifying || undefined}
            onClick={() => void verify()}
            data-testid="evidence-verify"
          >
            {verifying ? t('evidence.verify.running') : t('evidence.verify.button')}
          </button>
          {write &&
            offers
              .filter((offer) => offer.shown)
              .map((offer) => (
                <button
                  key={offer.kind}
                  type="button"
                  className="button"
                  aria-expanded={open === offer.kind}
                  onClick={() => toggle(offer.kind)}
                  data-testid={offer.testId}
                >
                  {t(offer.label)}
                </button>
              ))}
        </div>
      )}
      {readable && write && open !== null && (
        <ActionForm
          key={open}
          kind={open}
          item={item}
          initial={open === 'transfer' ? { from: user.display_name || user.username } : {}}
          onCancel={() => setOpen(null)}
          onDone={(message) => {
            setOpen(null);
            onChanged(message);
          }}
        />
      )}
    </section>
  );
}

// ---- the page ----

export function EvidencePage({ itemId }: { itemId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const loaded = useResource<EvidenceItem>(evidencePath(itemId));
  // The item as the last verification answered it; until then, as loaded.
  const [verifiedItem, setVerifiedItem] = useState<EvidenceItem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const item = verifiedItem ?? loaded.data;
  // The custody list is asked for after the item, so that it holds this visit's "view".
  const custody = useResource<{ events: CustodyEvent[] }>(
    loaded.data !== null ? custodyPath(itemId) : null,
  );
  const opened = useResource<Case>(item !== null ? casePath(item.case_id) : null);
  const related = item !== null && (item.parent_id !== null || (item.children ?? []).length > 0);
  const caseItems = useResource<{ items: EvidenceItem[] }>(
    item !== null && related ? caseEvidencePath(item.case_id) : null,
  );
  const categories = useResource<{ categories: Category[] }>(
    item !== null && (item.categories ?? []).length > 0 ? CATEGORIES_PATH : null,
  );
  // The disposal under way (its state, its scheduled date), when the item does not carry it: the
  // server lists a supervisor's agency's disposals, and other users' own requests.
  const approver = canApproveEvidence(user);
  const askDisposals =
    item !== null && item.disposal === undefined && item.state === 'disposal_pending';
  const pending = useResource<{ disposals: Disposal[] }>(
    askDisposals ? '/api/v1/disposals?state=pending' : null,
  );
  const approved = useResource<{ disposals: Disposal[] }>(
    askDisposals ? '/api/v1/disposals?state=approved' : null,
  );

  function refresh(message: string) {
    setNotice(message);
    setVerifiedItem(null);
    loaded.reload();
    custody.reload();
    pending.reload();
    approved.reload();
  }

  if (loaded.error !== null && item === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-evidence"
        data-state={notFound ? 'not-found' : 'error'}
      >
        <PageHeader
          title={notFound ? t('evidence.not_found.title') : t('evidence.item')}
          testId="page-title"
        />
        <FormError
          message={notFound ? t('evidence.not_found.text') : errorMessage(t, loaded.error)}
          testId="evidence-error"
        />
        <Link to="/cases" className="button" data-testid="evidence-back">
          {t('cases.back_to_list')}
        </Link>
      </section>
    );
  }
  if (item === null) {
    return (
      <section className="page" data-testid="page-evidence" data-state="loading">
        <PageHeader title={t('evidence.item')} testId="page-title" />
        <Loading />
      </section>
    );
  }

  const write = opened.data !== null && caseAccess(user, opened.data).write;
  const names = new Map(
    (caseItems.data?.items ?? []).map((other) => [String(other.id), other.original_name]),
  );
  const disposal = disposalFor(item, [
    ...(pending.data?.disposals ?? []),
    ...(approved.data?.disposals ?? []),
  ]);
  return (
    <section
      className="page"
      data-testid="page-evidence"
      data-state="loaded"
      data-id={String(item.id)}
      data-item-state={item.state}
    >
      <p className="breadcrumb">
        <Link to={`/cases/${encodeURIComponent(String(item.case_id))}`} data-testid="evidence-back">
          {t('evidence.back_to_case', { number: item.case_number || String(item.case_id) })}
        </Link>
      </p>
      <PageHeader
        title={t('evidence.page_title', { name: item.original_name })}
        testId="page-title"
      />
      {notice !== null && (
        <Notice testId="evidence-saved" tone="success">
          {notice}
        </Notice>
      )}
      {opened.data !== null && !write && (
        <Notice testId="evidence-read-only">{t('evidence.read_only')}</Notice>
      )}
      <DetailsPanel item={item} />
      <HashesPanel item={item} />
      {disposal !== null && (
        <DisposalPanel
          key={String(disposal.id)}
          disposal={disposal}
          canDecide={
            approver ||
            (disposal.requested_by !== undefined &&
              disposal.requested_by !== null &&
              sameId(disposal.requested_by.user_id, user.id))
          }
          onChanged={refresh}
        />
      )}
      <ActionsPanel
        item={item}
        write={write}
        onChanged={refresh}
        onVerified={(answer) => {
          setNotice(null);
          setVerifiedItem(answer.item);
          custody.reload();
        }}
      />
      <AcquisitionPanel item={item} />
      {item.ewf !== null && item.ewf !== undefined && <EwfPanel ewf={item.ewf} />}
      <RelatedPanel item={item} names={names} />
      <RetentionPanel item={item} categories={categories.data?.categories ?? []} />
      <CustodyTimeline
        events={custody.data?.events ?? null}
        error={custody.error}
        loading={custody.loading}
      />
    </section>
  );
}
