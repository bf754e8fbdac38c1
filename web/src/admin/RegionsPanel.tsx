import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import type { Region } from '../app/types';
import { FormError, Loading, Notice, TextField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';

const REGION_FIELDS = ['code', 'name'] as const;

function RegionForm({
  region,
  onSaved,
  onCancel,
}: {
  region: Region | null;
  onSaved: (region: Region) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState(region?.code ?? '');
  const [name, setName] = useState(region?.name ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, REGION_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved =
        region === null
          ? await api.post<Region>('/api/v1/regions', { code: code.trim(), name: name.trim() })
          : await api.patch<Region>(`/api/v1/regions/${encodeURIComponent(String(region.id))}`, {
              name: name.trim(),
            });
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel"
      onSubmit={submit}
      noValidate
      data-testid="region-form"
      aria-labelledby="region-form-title"
    >
      <h2 id="region-form-title">
        {region === null
          ? t('admin.regions.new_title')
          : t('admin.regions.edit_title', { code: region.code })}
      </h2>
      {region === null && (
        <TextField
          label={t('admin.regions.code')}
          value={code}
          onChange={setCode}
          required
          autoFocus
          error={errors.forField('code')}
          testId="region-code"
        />
      )}
      <TextField
        label={t('admin.regions.name')}
        value={name}
        onChange={setName}
        required
        autoFocus={region !== null}
        error={errors.forField('name')}
        testId="region-name"
      />
      <FormError message={errors.forForm} testId="region-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="region-save"
        >
          {t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="region-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function RegionsPanel() {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const canManage = hasPermission(user, 'org.manage_all');
  const regions = useResource<{ regions: Region[] }>('/api/v1/regions');
  const [editing, setEditing] = useState<Region | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  return (
    <section aria-labelledby="regions-title" data-testid="admin-regions">
      <div className="toolbar">
        <h2 id="regions-title" className="section-title">
          {t('admin.tab.regions')}
        </h2>
        {canManage && editing === null && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setSaved(null);
              setEditing('new');
            }}
            data-testid="region-new"
          >
            {t('admin.regions.new')}
          </button>
        )}
      </div>
      {saved !== null && (
        <Notice testId="admin-saved" tone="success">
          {t('admin.saved', { name: saved })}
        </Notice>
      )}
      {editing !== null && (
        <RegionForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          region={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(region) => {
            setEditing(null);
            setSaved(region.name);
            regions.reload();
          }}
        />
      )}
      {regions.error !== null && (
        <FormError message={errorMessage(t, regions.error)} testId="regions-error" />
      )}
      {regions.data === null && regions.error === null && <Loading />}
      {regions.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="regions-table">
            <caption className="visually-hidden">{t('admin.tab.regions')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.regions.code')}</th>
                <th scope="col">{t('admin.regions.name')}</th>
                <th scope="col">{t('common.created')}</th>
                {canManage && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {regions.data.regions.length === 0 && (
                <tr>
                  <td colSpan={canManage ? 4 : 3}>{t('common.empty')}</td>
                </tr>
              )}
              {regions.data.regions.map((region) => (
                <tr key={String(region.id)} data-testid={`region-row-${region.code}`}>
                  <td>{region.code}</td>
                  <td>{region.name}</td>
                  <td>{formatDateTime(region.created_at, locale, user.time_zone)}</td>
                  {canManage && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => {
                          setSaved(null);
                          setEditing(region);
                        }}
                        aria-label={t('admin.edit_named', { name: region.name })}
                        data-testid={`region-edit-${region.code}`}
                      >
                        {t('common.edit')}
                      </button>
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
