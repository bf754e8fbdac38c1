import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import type { Agency, Region } from '../app/types';
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

const AGENCY_FIELDS = ['region_id', 'code', 'name', 'national'] as const;

function AgencyForm({
  agency,
  regions,
  onSaved,
  onCancel,
}: {
  agency: Agency | null;
  regions: Region[];
  onSaved: (agency: Agency) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [regionId, setRegionId] = useState(
    agency !== null ? String(agency.region_id) : String(regions[0]?.id ?? ''),
  );
  const [code, setCode] = useState(agency?.code ?? '');
  const [name, setName] = useState(agency?.name ?? '');
  const [national, setNational] = useState(agency?.national ?? false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, AGENCY_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let saved: Agency;
      if (agency === null) {
        const region = regions.find((candidate) => String(candidate.id) === regionId);
        saved = await api.post<Agency>('/api/v1/agencies', {
          region_id: region?.id ?? regionId,
          code: code.trim(),
          name: name.trim(),
          national,
        });
      } else {
        saved = await api.patch<Agency>(
          `/api/v1/agencies/${encodeURIComponent(String(agency.id))}`,
          { name: name.trim() },
        );
      }
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
      data-testid="agency-form"
      aria-labelledby="agency-form-title"
    >
      <h2 id="agency-form-title">
        {agency === null
          ? t('admin.agencies.new_title')
          : t('admin.agencies.edit_title', { code: agency.code })}
      </h2>
      {agency === null && (
        <>
          <SelectField
            label={t('admin.agencies.region')}
            value={regionId}
            onChange={setRegionId}
            required
            error={errors.forField('region_id')}
            testId="agency-region"
          >
            {regions.map((region) => (
              <option key={String(region.id)} value={String(region.id)}>
                {region.name}
              </option>
            ))}
          </SelectField>
          <TextField
            label={t('admin.agencies.code')}
            value={code}
            onChange={setCode}
            required
            error={errors.forField('code')}
            testId="agency-code"
          />
        </>
      )}
      <TextField
        label={t('admin.agencies.name')}
        value={name}
        onChange={setName}
        required
        autoFocus={agency !== null}
        error={errors.forField('name')}
        testId="agency-name"
      />
      {agency === null && (
        <CheckboxField
          label={t('admin.agencies.national')}
          hint={t('admin.agencies.national_hint')}
          checked={national}
          onChange={setNational}
          error={errors.forField('national')}
          testId="agency-national"
        />
      )}
      <FormError message={errors.forForm} testId="agency-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="agency-save"
        >
          {t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="agency-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function AgenciesPanel() {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const canCreate = hasPermission(user, 'org.manage_all');
  const canManage = (agency: Agency): boolean =>
    canCreate ||
    (hasPermission(user, 'org.manage') && String(agency.id) === String(user.agency_id));
  const [regionFilter, setRegionFilter] = useState('');
  const regions = useResource<{ regions: Region[] }>('/api/v1/regions');
  const agencies = useResource<{ agencies: Agency[] }>(
    `/api/v1/agencies${buildQuery({ region_id: regionFilter })}`,
  );
  const [editing, setEditing] = useState<Agency | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const regionList = regions.data?.regions ?? [];
  const regionName = (id: Agency['region_id']): string =>
    regionList.find((region) => String(region.id) === String(id))?.name ?? String(id);

  async function toggle(agency: Agency) {
    setActionError(null);
    setSaved(null);
    try {
      const updated = await api.patch<Agency>(
        `/api/v1/agencies/${encodeURIComponent(String(agency.id))}`,
        {
          disabled: !agency.disabled,
        },
      );
      setSaved(updated.name);
      agencies.reload();
    } catch (failure) {
      setActionError(failure);
    }
  }

  return (
    <section aria-labelledby="agencies-title" data-testid="admin-agencies">
      <div className="toolbar">
        <h2 id="agencies-title" className="section-title">
          {t('admin.tab.agencies')}
        </h2>
        <SelectField
          label={t('admin.agencies.filter_region')}
          value={regionFilter}
          onChange={setRegionFilter}
          testId="agencies-filter-region"
        >
          <option value="">{t('common.all')}</option>
          {regionList.map((region) => (
            <option key={String(region.id)} value={String(region.id)}>
              {region.name}
            </option>
          ))}
        </SelectField>
        {canCreate && editing === null && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setSaved(null);
              setEditing('new');
            }}
            data-testid="agency-new"
          >
            {t('admin.agencies.new')}
          </button>
        )}
      </div>
      {saved !== null && (
        <Notice testId="admin-saved" tone="success">
          {t('admin.saved', { name: saved })}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="agencies-action-error"
      />
      {editing !== null && (
        <AgencyForm
          key={editing === 'new' ? 'new' : String(editing.id)}
          agency={editing === 'new' ? null : editing}
          regions={regionList}
          onCancel={() => setEditing(null)}
          onSaved={(agency) => {
            setEditing(null);
            setSaved(agency.name);
            agencies.reload();
          }}
        />
      )}
      {agencies.error !== null && (
        <FormError message={errorMessage(t, agencies.error)} testId="agencies-error" />
      )}
      {agencies.data === null && agencies.error === null && <Loading />}
      {agencies.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="agencies-table">
            <caption className="visually-hidden">{t('admin.tab.agencies')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin.agencies.code')}</th>
                <th scope="col">{t('admin.agencies.name')}</th>
                <th scope="col">{t('admin.agencies.region')}</th>
                <th scope="col">{t('admin.agencies.scope')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {agencies.data.agencies.length === 0 && (
                <tr>
                  <td colSpan={7}>{t('common.empty')}</td>
                </tr>
              )}
              {agencies.data.agencies.map((agency) => (
                <tr key={String(agency.id)} data-testid={`agency-row-${agency.code}`}>
                  <td>{agency.code}</td>
                  <td>{agency.name}</td>
                  <td>{regionName(agency.region_id)}</td>
                  <td>
                    {agency.national
                      ? t('admin.agencies.national_short')
                      : t('admin.agencies.regional_short')}
                  </td>
                  <td>
                    <span className={agency.disabled ? 'badge badge-muted' : 'badge badge-ok'}>
                      {agency.disabled ? t('common.disabled') : t('common.active')}
                    </span>
                  </td>
                  <td>{formatDateTime(agency.created_at, locale, user.time_zone)}</td>
                  <td className="actions">
                    {canManage(agency) && (
                      <>
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => {
                            setSaved(null);
                            setEditing(agency);
                          }}
                          aria-label={t('admin.edit_named', { name: agency.name })}
                          data-testid={`agency-edit-${agency.code}`}
                        >
                          {t('common.edit')}
                        </button>
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => void toggle(agency)}
                          aria-label={t(
                            agency.disabled ? 'admin.enable_named' : 'admin.disable_named',
                            { name: agency.name },
                          )}
                          data-testid={`agency-toggle-${agency.code}`}
                        >
                          {agency.disabled ? t('common.enable') : t('common.disable')}
                        </button>
                      </>
                    )}
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
