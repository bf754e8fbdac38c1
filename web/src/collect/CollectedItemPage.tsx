// One collected item (/collected/{id}): where it comes from (platform, channel, author, URL,
// mandate, source), its times, hash, text, media, the date it will be purged, and the original
// as collected (text in a scrollable monospace block, or a download when it is binary).
// "Promote to evidence" copies it into a case's evidence (legal basis required) and links there.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canReadCases } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
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
import type { Case, Id } from '../cases/types';
import { HashValue, Size, Time } from '../evidence/parts';
import { evidencePagePath } from '../evidence/types';
import type { EvidenceItem } from '../evidence/types';
import { mandatePagePath } from '../mandates/types';
import { collectedPath, mediaPath, originalPath, sourcePath } from './types';
import type { CollectedItem, Source } from './types';

const PROMOTE_FIELDS = ['case_id', 'legal_basis', 'description'] as const;

function PromoteForm({
  item,
  onPromoted,
  onCancel,
}: {
  item: CollectedItem;
  onPromoted: (evidence: EvidenceItem) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const cases = useResource<{ cases: Case[] }>(
    canReadCases(user) ? '/api/v1/cases?status=open&limit=1000' : null,
  );
  const list = cases.data?.cases ?? [];
  const [caseId, setCaseId] = useState('');
  const [legalBasis, setLegalBasis] = useState('');
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState<Partial<Record<'case_id' | 'legal_basis', string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, PROMOTE_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: typeof problems = {};
    if (caseId === '') found.case_id = t('collected.promote.error_case');
    if (legalBasis.trim() === '') found.legal_basis = t('collected.promote.error_legal_basis');
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    const chosen: Id = list.find((opened) => String(opened.id) === caseId)?.id ?? caseId;
    const body: Record<string, unknown> = { case_id: chosen, legal_basis: legalBasis.trim() };
    if (description.trim() !== '') body.description = description.trim();
    setBusy(true);
    try {
      onPromoted(await api.post<EvidenceItem>(`${collectedPath(item.id)}/promote`, body));
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
      aria-labelledby="promote-form-title"
      data-testid="promote-form"
    >
      <h3 id="promote-form-title">{t('collected.promote.title')}</h3>
      <p className="muted">{t('collected.promote.explain')}</p>
      {cases.error !== null && (
        <FormError message={errorMessage(t, cases.error)} testId="promote-cases-error" />
      )}
      <SelectField
        label={t('collected.promote.case')}
        value={caseId}
        onChange={setCaseId}
        required
        error={problems.case_id ?? errors.forField('case_id')}
        testId="promote-case"
      >
        <option value="">
          {cases.loading ? t('common.loading') : t('collected.promote.case_choose')}
        </option>
        {list.map((opened) => (
          <option key={String(opened.id)} value={String(opened.id)}>
            {t('mandates.form.case_choice', { number: opened.number, title: opened.title })}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t('collected.promote.legal_basis')}
        value={legalBasis}
        onChange={setLegalBasis}
        required
        maxLength={2000}
        hint={t('collected.promote.legal_basis_hint')}
        error={problems.legal_basis ?? errors.forField('legal_basis')}
        testId="promote-legal-basis"
      />
      <TextAreaField
        label={t('collected.promote.description')}
        value={description}
        onChange={setDescription}
        rows={2}
        maxLength={2000}
        error={errors.forField('description')}
        testId="promote-description"
      />
      <FormError message={errors.forForm} testId="promote-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="promote-submit"
        >
          {t('collected.promote.submit')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="promote-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function Fact({ value, testId }: { value: string | null | undefined; testId: string }) {
  const { t } = useI18n();
  if (value === null || value === undefined || value === '')
    return (
      <dd className="muted" data-testid={testId}>
        {t('collected.not_given')}
      </dd>
    );
  return (
    <dd className="detail-text" data-testid={testId} translate="no">
      {value}
    </dd>
  );
}

function Original({ item }: { item: CollectedItem }) {
  const { t } = useI18n();
  const binary = item.raw === null || item.raw === undefined;
  return (
    <section className="panel" aria-labelledby="item-original-title" data-testid="item-original">
      <h2 id="item-original-title">{t('collected.original.title')}</h2>
      <p className="muted">{t('collected.original.explain')}</p>
      {binary ? (
        <p data-testid="item-raw-binary">{t('collected.original.binary')}</p>
      ) : (
        <pre
          className="raw"
          tabIndex={0}
          aria-label={t('collected.original.title')}
          data-testid="item-raw"
          translate="no"
        >
          {item.raw}
        </pre>
      )}
      <div className="form-actions">
        <a href={originalPath(item.id)} className="button" data-testid="item-original-download">
          {t('collected.original.download')}
        </a>
      </div>
    </section>
  );
}

export function CollectedItemPage({ itemId }: { itemId: string }) {
  const { t } = useI18n();
  const loaded = useResource<CollectedItem>(collectedPath(itemId));
  const item = loaded.data;
  const source = useResource<Source>(item !== null ? sourcePath(item.source_id) : null);
  const [promoting, setPromoting] = useState(false);
  const [promoted, setPromoted] = useState<EvidenceItem | null>(null);

  if (loaded.error !== null && item === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-collected-item"
        data-state={notFound ? 'not-found' : 'error'}
      >
        <PageHeader title={t('collected.item')} testId="page-title" />
        <FormError
          message={notFound ? t('collected.not_found') : errorMessage(t, loaded.error)}
          testId="item-error"
        />
        <Link to="/collected" className="button" data-testid="item-back">
          {t('collected.back')}
        </Link>
      </section>
    );
  }
  if (item === null) {
    return (
      <section className="page" data-testid="page-collected-item" data-state="loading">
        <PageHeader title={t('collected.item')} testId="page-title" />
        <Loading />
      </section>
    );
  }

  const evidenceId = promoted?.id ?? item.promoted_evidence_id;
  const author = item.author_name || item.author_id || t('collected.author_unknown');
  return (
    <section
      className="page"
      data-testid="page-collected-item"
      data-state="loaded"
      data-id={String(item.id)}
    >
      <p className="breadcrumb">
        <Link to="/collected" data-testid="item-back">
          {t('collected.back')}
        </Link>
      </p>
      <PageHeader
        title={t('collected.item_title', { author, platform: item.platform })}
        testId="page-title"
      />
      {evidenceId !== null && evidenceId !== undefined && (
        <>
          <Notice testId="item-promoted" tone="success">
            {promoted !== null ? t('collected.promote.done') : t('collected.promote.already')}
          </Notice>
          <p>
            <Link
              to={evidencePagePath(evidenceId)}
              className="button"
              data-testid="item-evidence-link"
            >
              {t('collected.promote.open_evidence', { id: String(evidenceId) })}
            </Link>
          </p>
        </>
      )}
      <section className="panel" aria-labelledby="item-details-title" data-testid="item-details">
        <h2 id="item-details-title">{t('collected.details')}</h2>
        <dl className="facts">
          <dt>{t('collected.platform')}</dt>
          <Fact value={item.platform} testId="item-platform" />
          <dt>{t('collected.channel')}</dt>
          <Fact value={item.channel_id} testId="item-channel" />
          <dt>{t('collected.post')}</dt>
          <Fact value={item.post_id} testId="item-post" />
          <dt>{t('collected.author')}</dt>
          <dd className="detail-text" data-testid="item-author" translate="no">
            {item.author_name || item.author_id ? (
              <>
                {item.author_name}
                {item.author_id && item.author_name ? ` (${item.author_id})` : item.author_id}
              </>
            ) : (
              <span className="muted">{t('collected.not_given')}</span>
            )}
          </dd>
          <dt>{t('collected.url')}</dt>
          {item.url ? (
            <dd className="detail-text">
              <a href={item.url} rel="noreferrer noopener" target="_blank" data-testid="item-url">
                {item.url}
              </a>
            </dd>
          ) : (
            <Fact value="" testId="item-url" />
          )}
          <dt>{t('collected.created')}</dt>
          <dd>
            {item.created_at ? (
              <Time iso={item.created_at} testId="item-created" />
            ) : (
              <span className="muted">{t('collected.unknown_time')}</span>
            )}
          </dd>
          <dt>{t('collected.collected')}</dt>
          <dd>
            <Time iso={item.collected_at} testId="item-collected" />
          </dd>
          <dt>{t('collected.mandate')}</dt>
          <dd>
            <Link to={mandatePagePath(item.mandate_id)} data-testid="item-mandate-link">
              {t('collected.mandate_number', { id: String(item.mandate_id) })}
            </Link>
          </dd>
          <dt>{t('collected.source')}</dt>
          <dd data-testid="item-source">
            {source.data?.name ?? t('collected.source_number', { id: String(item.source_id) })}
          </dd>
          <dt>{t('evidence.hash.sha256')}</dt>
          <dd>
            <HashValue value={item.sha256} label={t('evidence.hash.sha256')} testId="item-sha256" />
          </dd>
          <dt>{t('collected.purge_at')}</dt>
          <dd>
            {evidenceId !== null && evidenceId !== undefined ? (
              <span data-testid="item-purge-at" data-kept="true">
                {t('collected.kept_as_evidence')}
              </span>
            ) : item.purge_at ? (
              <Time iso={item.purge_at} testId="item-purge-at" />
            ) : (
              <span className="muted" data-testid="item-purge-at">
                {t('collected.not_given')}
              </span>
            )}
          </dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="item-text-title" data-testid="item-text-panel">
        <h2 id="item-text-title">{t('collected.text')}</h2>
        {item.text ? (
          <p className="note-text item-text" data-testid="item-text">
            {item.text}
          </p>
        ) : (
          <p className="muted item-text" data-testid="item-text">
            {t('collected.no_text')}
          </p>
        )}
        <h3>{t('collected.media.title')}</h3>
        {(item.media ?? []).length === 0 ? (
          <p className="muted" data-testid="item-media-none">
            {t('collected.media.none')}
          </p>
        ) : (
          <ul className="plain-list" data-testid="item-media">
            {item.media.map((media) => (
              <li key={media.n} data-testid="item-media-entry" data-n={media.n}>
                {/* A file not downloaded is only known by its address online. */}
                <a
                  href={media.sha256 || !media.url ? mediaPath(item.id, media.n) : media.url}
                  rel="noreferrer noopener"
                  data-testid="item-media-link"
                  data-stored={media.sha256 ? 'true' : 'false'}
                >
                  {media.name || t('collected.media.unnamed', { n: media.n })}
                </a>{' '}
                <span className="muted" translate="no">
                  {media.mime_type}
                </span>{' '}
                {media.sha256 ? (
                  <Size bytes={media.size} />
                ) : (
                  <span className="muted">{t('collected.media.not_stored')}</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Original item={item} />
      {(evidenceId === null || evidenceId === undefined) && (
        <section
          className="panel"
          aria-labelledby="item-promote-title"
          data-testid="item-promote-panel"
        >
          <h2 id="item-promote-title">{t('collected.promote.heading')}</h2>
          {!promoting ? (
            <button
              type="button"
              className="button button-primary"
              onClick={() => setPromoting(true)}
              aria-expanded={false}
              data-testid="item-promote"
            >
              {t('collected.promote.button')}
            </button>
          ) : (
            <PromoteForm
              item={item}
              onCancel={() => setPromoting(false)}
              onPromoted={(evidence) => {
                setPromoting(false);
                setPromoted(evidence);
              }}
            />
          )}
        </section>
      )}
    </section>
  );
}
