// One hash bank (/detect/banks/{id}): its settings, an import of a hash list (hex lines, or CSV
// with hash / hash_digest, label, source, algorithm, ideology, file_type) with its report, and
// its hashes: search, quarantined ones only, release or retire (detect.manage).
import { useEffect, useId, useRef, useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canManageDetection } from '../app/permissions';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { CheckboxField, FormError, Loading, Notice, PageHeader, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { ActiveBadge, DetectTabs, RowErrors, useNumber } from './parts';
import {
  ALGORITHM_LABELS,
  BANKS_PAGE,
  bankHashPath,
  bankPath,
  hashesPath,
  isAlgorithm,
} from './types';
import type { BankHash, BankImportResult, HashBank } from './types';

const PAGE_SIZE = 50;

function BankImportForm({ bank, onImported }: { bank: HashBank; onImported: () => void }) {
  const { t } = useI18n();
  const number = useNumber();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<BankImportResult | null>(null);
  const controller = useRef<AbortController | null>(null);
  useEffect(() => () => controller.current?.abort(), []);

  function choose(event: ChangeEvent<HTMLInputElement>) {
    setFile(event.target.files?.[0] ?? null);
    setMissing(false);
    setResult(null);
    setError(null);
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (file === null) {
      setMissing(true);
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(
        await api.upload<BankImportResult>(`${bankPath(bank.id)}/import`, file, {
          signal: abort.signal,
        }),
      );
      onImported();
    } catch (failure) {
      if (!(failure instanceof DOMException && failure.name === 'AbortError')) setError(failure);
    } finally {
      controller.current = null;
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={send}
      noValidate
      aria-labelledby={`${fileId}-title`}
      data-testid="bank-import-form"
      data-state={busy ? 'sending' : result !== null ? 'done' : error !== null ? 'failed' : 'idle'}
    >
      <h3 id={`${fileId}-title`}>{t('detect.import.bank_title')}</h3>
      <div className={missing ? 'field field-invalid' : 'field'}>
        <input
          id={fileId}
          className="file-input"
          type="file"
          accept=".txt,.csv,text/plain,text/csv"
          onChange={choose}
          disabled={busy}
          aria-describedby={missing ? `${fileId}-hint ${fileId}-error` : `${fileId}-hint`}
          aria-invalid={missing ? true : undefined}
          data-testid="bank-import-file"
        />
        <label htmlFor={fileId} className="button file-button">
          {file === null
            ? t('detect.import.choose')
            : t('detect.import.chosen', { name: file.name })}
        </label>
        <p id={`${fileId}-hint`} className="field-hint">
          {t('detect.import.bank_hint')}
        </p>
        {missing && (
          <p id={`${fileId}-error`} className="field-error" data-testid="bank-import-file-error">
            {t('detect.import.no_file')}
          </p>
        )}
      </div>
      <FormError
        message={error === null ? null : errorMessage(t, error)}
        testId="bank-import-error"
      />
      {result !== null && (
        <section
          className="import-result"
          aria-label={t('detect.import.result')}
          data-testid="bank-import-result"
          data-added={result.added}
          data-duplicates={result.duplicates}
          data-errors={result.errors.length}
        >
          <h4>{t('detect.import.result')}</h4>
          <dl className="facts">
            <dt>{t('detect.import.added')}</dt>
            <dd data-testid="bank-import-added">{number(result.added)}</dd>
            <dt>{t('detect.import.duplicates')}</dt>
            <dd data-testid="bank-import-duplicates">{number(result.duplicates)}</dd>
            <dt>{t('detect.import.errors')}</dt>
            <dd>
              <RowErrors errors={result.errors} />
            </dd>
          </dl>
        </section>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="bank-import-submit"
        >
          {busy ? t('detect.import.sending') : t('detect.import.submit')}
        </button>
      </div>
    </form>
  );
}

function Hashes({
  bank,
  manage,
  generation,
  onChanged,
}: {
  bank: HashBank;
  manage: boolean;
  generation: number;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const number = useNumber();
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [quarantined, setQuarantined] = useState(false);
  const [offset, setOffset] = useState(0);
  const [actionError, setActionError] = useState<unknown>(null);
  const page = useResource<{ hashes: BankHash[]; total: number }>(
    hashesPath(bank.id, q, quarantined, offset, PAGE_SIZE),
  );
  const reload = page.reload;
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const rows = page.data?.hashes ?? [];
  const total = page.data?.total ?? rows.length;

  async function act(hash: BankHash, action: 'release' | 'retire') {
    setActionError(null);
    try {
      if (action === 'release') await api.post(`${bankHashPath(hash.id)}/release`);
      else await api.delete(bankHashPath(hash.id));
      onChanged(
        action === 'release'
          ? t('detect.hash.released', { hash: hash.hash.slice(0, 16) })
          : t('detect.hash.retired', { hash: hash.hash.slice(0, 16) }),
      );
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section className="panel" aria-labelledby="hashes-title" data-testid="bank-hashes">
      <h2 id="hashes-title">{t('detect.bank.hashes')}</h2>
      <form
        className="inline-form"
        role="search"
        aria-label={t('detect.bank.search')}
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setQ(typed);
        }}
      >
        <TextField
          label={t('detect.bank.search')}
          type="search"
          value={typed}
          onChange={setTyped}
          spellCheck={false}
          testId="hashes-search"
        />
        <button type="submit" className="button" data-testid="hashes-search-submit">
          {t('common.search')}
        </button>
      </form>
      <CheckboxField
        label={t('detect.bank.quarantined_only')}
        checked={quarantined}
        onChange={(checked) => {
          setOffset(0);
          setQuarantined(checked);
        }}
        testId="hashes-quarantined"
      />
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="hash-action-error"
      />
      {page.error !== null && (
        <FormError message={errorMessage(t, page.error)} testId="hashes-error" />
      )}
      {page.data === null && page.error === null && <Loading />}
      {page.data !== null && (
        <>
          <p className="muted" data-testid="hashes-total" data-total={total}>
            {t('detect.bank.total', { count: number(total) })}
          </p>
          <div className="table-wrap">
            <table
              className="table table-dense"
              data-testid="hashes-table"
              data-quarantined={String(quarantined)}
              aria-busy={page.loading}
            >
              <caption className="visually-hidden">{t('detect.bank.hashes')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('detect.field.hash')}</th>
                  <th scope="col">{t('detect.field.label')}</th>
                  <th scope="col">{t('detect.field.source')}</th>
                  <th scope="col">{t('detect.field.ideology')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('detect.field.alert_count')}</th>
                  {manage && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={manage ? 7 : 6} data-testid="hashes-empty">
                      {t('detect.bank.empty')}
                    </td>
                  </tr>
                )}
                {rows.map((hash) => (
                  <tr
                    key={String(hash.id)}
                    data-testid="hash-row"
                    data-id={String(hash.id)}
                    data-quarantined={String(hash.quarantined)}
                    data-active={String(hash.active)}
                  >
                    <td className="hash-cell">
                      <span
                        className="hash mono"
                        title={hash.hash}
                        data-value={hash.hash}
                        translate="no"
                      >
                        {hash.hash.length > 24 ? `${hash.hash.slice(0, 24)}…` : hash.hash}
                      </span>
                    </td>
                    <td>{hash.label}</td>
                    <td translate="no">{hash.source}</td>
                    <td>{hash.ideology}</td>
                    <td>
                      <span className="badges">
                        <ActiveBadge active={hash.active} />
                        {hash.quarantined && (
                          <span className="badge badge-warning" data-testid="hash-quarantined">
                            {t('detect.hash.quarantined')}
                          </span>
                        )}
                      </span>
                    </td>
                    <td>{number(hash.alerts)}</td>
                    {manage && (
                      <td className="actions">
                        {hash.quarantined && (
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => void act(hash, 'release')}
                            aria-label={t('detect.hash.release_named', {
                              hash: hash.hash.slice(0, 16),
                            })}
                            data-testid="hash-release"
                          >
                            {t('detect.hash.release')}
                          </button>
                        )}
                        {hash.active && (
                          <button
                            type="button"
                            className="button button-small button-danger"
                            onClick={() => void act(hash, 'retire')}
                            aria-label={t('detect.hash.retire_named', {
                              hash: hash.hash.slice(0, 16),
                            })}
                            data-testid="hash-retire"
                          >
                            {t('detect.hash.retire')}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label={t('detect.pages')}>
            <button
              type="button"
              className="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
              data-testid="hashes-prev"
            >
              {t('collected.prev')}
            </button>
            <button
              type="button"
              className="button"
              disabled={offset + rows.length >= total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
              data-testid="hashes-next"
            >
              {t('collected.next')}
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

export function BankPage({ bankId }: { bankId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const number = useNumber();
  const manage = canManageDetection(user);
  const loaded = useResource<HashBank>(bankPath(bankId));
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const bank = loaded.data;

  function changed(message: string | null) {
    if (message !== null) setNotice(message);
    setGeneration((value) => value + 1);
    loaded.reload();
  }

  async function toggleActive(current: HashBank) {
    setActionError(null);
    try {
      await api.patch<HashBank>(bankPath(current.id), { active: !current.active });
      changed(current.active ? t('detect.bank.deactivated') : t('detect.bank.activated'));
    } catch (failure) {
      setActionError(failure);
    }
  }

  if (bank === null) {
    const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
    return (
      <section
        className="page"
        data-testid="page-detect-bank"
        data-state={loaded.error !== null ? 'error' : 'loading'}
      >
        <PageHeader title={t('detect.bank.title_loading')} testId="page-title" />
        <DetectTabs />
        {loaded.error !== null ? (
          <FormError
            message={notFound ? t('detect.bank.not_found') : errorMessage(t, loaded.error)}
            testId="bank-error"
          />
        ) : (
          <Loading />
        )}
        <Link to={BANKS_PAGE} data-testid="bank-back">
          {t('detect.banks.back')}
        </Link>
      </section>
    );
  }

  const pdq = bank.algorithm === 'pdq';
  return (
    <section
      className="page"
      data-testid="page-detect-bank"
      data-state="loaded"
      data-id={String(bank.id)}
    >
      <PageHeader title={bank.name} testId="page-title">
        {manage && (
          <button
            type="button"
            className="button"
            onClick={() => void toggleActive(bank)}
            data-testid="bank-toggle-active"
          >
            {bank.active ? t('detect.list.deactivate') : t('detect.list.activate')}
          </button>
        )}
      </PageHeader>
      <DetectTabs />
      <p>
        <Link to={BANKS_PAGE} data-testid="bank-back">
          {t('detect.banks.back')}
        </Link>
      </p>
      {notice !== null && (
        <Notice testId="bank-saved" tone="success">
          {notice}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="bank-action-error"
      />
      <section className="panel" aria-labelledby="bank-facts-title">
        <h2 id="bank-facts-title" className="visually-hidden">
          {t('detect.bank.facts')}
        </h2>
        <dl className="facts" data-testid="bank-facts">
          <dt>{t('detect.field.algorithm')}</dt>
          <dd data-testid="bank-algorithm-value" data-algorithm={bank.algorithm}>
            {isAlgorithm(bank.algorithm) ? t(ALGORITHM_LABELS[bank.algorithm]) : bank.algorithm}
          </dd>
          {pdq && (
            <>
              <dt>{t('detect.field.threshold')}</dt>
              <dd data-testid="bank-threshold-value">{number(bank.threshold)}</dd>
              <dt>{t('detect.field.quality_gate')}</dt>
              <dd data-testid="bank-quality-gate-value">{number(bank.quality_gate)}</dd>
            </>
          )}
          <dt>{t('detect.bank.negative_short')}</dt>
          <dd data-testid="bank-negative-value" data-negative={String(bank.negative)}>
            {bank.negative ? t('detect.yes') : t('detect.no')}
          </dd>
          <dt>{t('detect.field.labels')}</dt>
          <dd>{bank.labels.length > 0 ? bank.labels.join(', ') : t('common.none')}</dd>
          <dt>{t('common.status')}</dt>
          <dd>
            <ActiveBadge active={bank.active} />
          </dd>
          <dt>{t('detect.field.version')}</dt>
          <dd>{number(bank.version)}</dd>
          <dt>{t('detect.field.hash_count')}</dt>
          <dd data-testid="bank-hash-count-value">{number(bank.hash_count)}</dd>
          <dt>{t('detect.field.quarantined_count')}</dt>
          <dd data-testid="bank-quarantined-value">{number(bank.quarantined_count)}</dd>
          {bank.description !== '' && (
            <>
              <dt>{t('detect.field.description')}</dt>
              <dd className="detail-text">{bank.description}</dd>
            </>
          )}
        </dl>
      </section>
      {manage && (
        <section className="panel" aria-label={t('detect.import.bank_title')}>
          <BankImportForm bank={bank} onImported={() => changed(null)} />
        </section>
      )}
      <Hashes bank={bank} manage={manage} generation={generation} onChanged={changed} />
    </section>
  );
}
