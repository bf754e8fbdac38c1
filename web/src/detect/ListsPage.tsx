// Indicator lists (/detect/lists): every list with its kind, version, counts and whether it is
// active; a form to create one (detect.manage). An allow list's entries suppress hits.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canManageDetection } from '../app/permissions';
import { Link, navigate } from '../app/router';
import { useSignedIn } from '../app/session';
import {
  CheckboxField,
  FormError,
  Loading,
  PageHeader,
  SelectField,
  TextAreaField,
  TextField,
  useErrorText,
} from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { ActiveBadge, DetectTabs, useNumber } from './parts';
import { LISTS_PATH, LIST_KINDS, LIST_KIND_LABELS, isListKind, listPage } from './types';
import type { IndicatorList, ListKind } from './types';

const LIST_FIELDS = ['name', 'kind', 'description'] as const;

function NewListForm({ onCancel }: { onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ListKind>('indicators');
  const [description, setDescription] = useState('');
  const [active, setActive] = useState(true);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, LIST_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    if (name.trim() === '') {
      setMissing(true);
      return;
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { name: name.trim(), kind, active };
      if (description.trim() !== '') body.description = description.trim();
      const created = await api.post<IndicatorList>(LISTS_PATH, body);
      navigate(listPage(created.id));
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
      aria-labelledby="list-form-title"
      data-testid="list-form"
    >
      <h2 id="list-form-title">{t('detect.lists.new_title')}</h2>
      <TextField
        label={t('detect.field.name')}
        value={name}
        onChange={(value) => {
          setName(value);
          setMissing(false);
        }}
        required
        maxLength={200}
        autoFocus
        error={missing ? t('detect.error.name_required') : errors.forField('name')}
        testId="list-name"
      />
      <SelectField
        label={t('detect.field.list_kind')}
        value={kind}
        onChange={(value) => setKind(isListKind(value) ? value : 'indicators')}
        hint={t('detect.lists.kind_hint')}
        error={errors.forField('kind')}
        testId="list-kind"
      >
        {LIST_KINDS.map((value) => (
          <option key={value} value={value}>
            {t(LIST_KIND_LABELS[value])}
          </option>
        ))}
      </SelectField>
      <TextAreaField
        label={t('detect.field.description')}
        value={description}
        onChange={setDescription}
        rows={2}
        maxLength={2000}
        error={errors.forField('description')}
        testId="list-description"
      />
      <CheckboxField
        label={t('detect.field.active')}
        checked={active}
        onChange={setActive}
        testId="list-active"
      />
      <FormError message={errors.forForm} testId="list-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="list-save"
        >
          {t('detect.lists.create')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="list-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function ListsPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const number = useNumber();
  const manage = canManageDetection(user);
  const [creating, setCreating] = useState(false);
  const lists = useResource<{ lists: IndicatorList[] }>(LISTS_PATH);
  const rows = lists.data?.lists ?? [];
  return (
    <section className="page" data-testid="page-detect-lists">
      <PageHeader title={t('detect.lists.title')} testId="page-title">
        {manage && !creating && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setCreating(true)}
            data-testid="lists-new"
          >
            {t('detect.lists.new')}
          </button>
        )}
      </PageHeader>
      <DetectTabs />
      <p className="muted">{t('detect.lists.explain')}</p>
      {creating && <NewListForm onCancel={() => setCreating(false)} />}
      {lists.error !== null && (
        <FormError message={errorMessage(t, lists.error)} testId="lists-error" />
      )}
      {lists.data === null && lists.error === null && <Loading />}
      {lists.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="lists-table" aria-busy={lists.loading}>
            <caption className="visually-hidden">{t('detect.lists.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('detect.field.name')}</th>
                <th scope="col">{t('detect.field.list_kind')}</th>
                <th scope="col">{t('detect.field.version')}</th>
                <th scope="col">{t('detect.field.indicator_count')}</th>
                <th scope="col">{t('detect.field.alert_count')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('detect.field.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={7} data-testid="lists-empty">
                    {t('detect.lists.empty')}
                  </td>
                </tr>
              )}
              {rows.map((list) => (
                <tr
                  key={String(list.id)}
                  data-testid="list-row"
                  data-id={String(list.id)}
                  data-name={list.name}
                  data-kind={list.kind}
                >
                  <td>
                    <Link to={listPage(list.id)} data-testid="list-link">
                      {list.name}
                    </Link>
                  </td>
                  <td>{isListKind(list.kind) ? t(LIST_KIND_LABELS[list.kind]) : list.kind}</td>
                  <td data-testid="list-version">{number(list.version)}</td>
                  <td data-testid="list-indicator-count">{number(list.indicator_count)}</td>
                  <td data-testid="list-alert-count">{number(list.alert_count)}</td>
                  <td>
                    <ActiveBadge active={list.active} testId="list-active-badge" />
                  </td>
                  <td>
                    <Time iso={list.updated_at} />
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
