// Evidence bundles of a case: a .tar of chosen items with their metadata and custody records,
// made for a purpose (a court, an expert). Those who may write the case export one; everyone
// who sees the case sees the earlier bundles with their size and SHA-256, and downloads them.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { CheckboxField, FormError, Loading, TextField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case, CaseAccess } from '../cases/types';
import { HashValue, Size, Time } from './parts';
import { actorName, bundleDownloadPath, caseBundlesPath, hasContent } from './types';
import type { Bundle, EvidenceItem } from './types';

const BUNDLE_FIELDS = ['item_ids', 'purpose'] as const;

function ExportForm({
  opened,
  items,
  onExported,
}: {
  opened: Case;
  items: readonly EvidenceItem[];
  onExported: (bundle: Bundle) => void;
}) {
  const { t } = useI18n();
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [purpose, setPurpose] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<{ items?: string; purpose?: string }>({});
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, BUNDLE_FIELDS);
  const exportable = items.filter(hasContent);

  function toggle(id: string, checked: boolean) {
    setChosen((current) => {
      const next = new Set(current);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const problems: { items?: string; purpose?: string } = {};
    const ids = exportable.filter((item) => chosen.has(String(item.id))).map((item) => item.id);
    if (ids.length === 0) problems.items = t('evidence.bundles.choose_items');
    if (purpose.trim() === '') problems.purpose = t('evidence.bundles.purpose_required');
    setLocal(problems);
    if (problems.items !== undefined || problems.purpose !== undefined) return;
    setBusy(true);
    try {
      const bundle = await api.post<Bundle>(caseBundlesPath(opened.id), {
        item_ids: ids,
        purpose: purpose.trim(),
      });
      setChosen(new Set());
      setPurpose('');
      onExported(bundle);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const itemsError = local.items ?? errors.forField('item_ids');
  return (
    <form
      className="panel panel-inner"
      onSubmit={submit}
      noValidate
      aria-labelledby="bundle-form-title"
      data-testid="bundle-form"
    >
      <h3 id="bundle-form-title">{t('evidence.bundles.export_title')}</h3>
      <fieldset
        className={itemsError ? 'fieldset field-invalid' : 'fieldset'}
        data-testid="bundle-items"
      >
        <legend>{t('evidence.bundles.items')}</legend>
        {/* The labels are file names, not interface text. */}
        <div className="checks" translate="no">
          {exportable.map((item) => (
            <CheckboxField
              key={String(item.id)}
              label={item.original_name}
              checked={chosen.has(String(item.id))}
              onChange={(checked) => toggle(String(item.id), checked)}
              testId={`bundle-item-${String(item.id)}`}
            />
          ))}
        </div>
        {itemsError && (
          <p className="field-error" data-testid="bundle-items-error">
            {itemsError}
          </p>
        )}
      </fieldset>
      <TextField
        label={t('evidence.bundles.purpose')}
        value={purpose}
        onChange={setPurpose}
        required
        hint={t('evidence.bundles.purpose_hint')}
        error={local.purpose ?? errors.forField('purpose')}
        maxLength={2000}
        testId="bundle-purpose"
      />
      <FormError message={errors.forForm} testId="bundle-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="bundle-export"
        >
          {busy ? t('evidence.bundles.exporting') : t('evidence.bundles.export')}
        </button>
      </div>
    </form>
  );
}

export function BundlePanel({
  opened,
  access,
  items,
}: {
  opened: Case;
  access: CaseAccess;
  items: readonly EvidenceItem[];
}) {
  const { t } = useI18n();
  const bundles = useResource<{ bundles: Bundle[] }>(caseBundlesPath(opened.id));
  const [made, setMade] = useState<Bundle | null>(null);
  const names = new Map(items.map((item) => [String(item.id), item.original_name]));
  const list = bundles.data?.bundles ?? [];
  return (
    <section className="panel" aria-labelledby="case-bundles-title" data-testid="case-bundles">
      <h2 id="case-bundles-title">{t('evidence.bundles.title')}</h2>
      <p className="muted">{t('evidence.bundles.explain')}</p>
      {bundles.error !== null && (
        <FormError message={errorMessage(t, bundles.error)} testId="bundles-load-error" />
      )}
      {made !== null && (
        <p className="notice notice-success" role="status" data-testid="bundle-made">
          {t('evidence.bundles.made', { name: made.file_name })}
        </p>
      )}
      {bundles.data === null && bundles.error === null && <Loading />}
      {bundles.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="bundles-table" aria-busy={bundles.loading}>
            <caption className="visually-hidden">{t('evidence.bundles.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('evidence.bundles.file')}</th>
                <th scope="col">{t('evidence.field.size')}</th>
                <th scope="col">{t('evidence.hash.sha256')}</th>
                <th scope="col">{t('evidence.bundles.items')}</th>
                <th scope="col">{t('evidence.bundles.purpose')}</th>
                <th scope="col">{t('evidence.bundles.created')}</th>
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && (
                <tr>
                  <td colSpan={6} data-testid="bundles-empty">
                    {t('evidence.bundles.none')}
                  </td>
                </tr>
              )}
              {list.map((bundle) => (
                <tr
                  key={String(bundle.id)}
                  data-testid="bundle-row"
                  data-id={String(bundle.id)}
                  data-sha256={bundle.sha256}
                >
                  <td className="detail">
                    <a
                      href={bundleDownloadPath(bundle.id)}
                      download={bundle.file_name}
                      aria-label={t('evidence.bundles.download_named', { name: bundle.file_name })}
                      data-testid="bundle-download"
                    >
                      {bundle.file_name}
                    </a>
                  </td>
                  <td>
                    <Size bytes={bundle.size} testId="bundle-size" />
                  </td>
                  <td className="nowrap">
                    <HashValue
                      value={bundle.sha256}
                      label={t('evidence.hash.sha256')}
                      short
                      testId="bundle-sha256"
                    />
                  </td>
                  <td className="detail" data-testid="bundle-item-names">
                    {bundle.item_ids
                      .map((id) => names.get(String(id)) ?? `#${String(id)}`)
                      .join(', ')}
                  </td>
                  <td className="detail">{bundle.purpose}</td>
                  <td>
                    {actorName(bundle.created_by)} <Time iso={bundle.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {access.write && items.some(hasContent) && (
        <ExportForm
          opened={opened}
          items={items}
          onExported={(bundle) => {
            setMade(bundle);
            bundles.reload();
          }}
        />
      )}
    </section>
  );
}
