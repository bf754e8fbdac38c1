// The provider directory (/directory), a provider's page (/directory/providers/{id}) and a
// country profile (/directory/countries/{code}). Every fact group shows its source, whether it
// is verified, when it was checked and, when unverified, what to check. A provider's page has a
// country selector (which legal entity serves a user there), its version history with the
// changes field by field, its outcome statistics, and for administrators (directory.manage) an
// editor of the entry as JSON that makes a new version.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { hasPermission } from '../app/permissions';
import { Link, navigate, useLocation } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading, Notice, PageHeader, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import { personName } from '../mandates/types';
import { At, ProvenanceLine } from './parts';
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  FACT_LABELS,
  KIND_LABELS,
  PROCESS_LABELS,
  REFUSAL_LABELS,
  countryApiPath,
  countryPagePath,
  isCategory,
  isIdentifierKind,
  percent,
  providerApiPath,
  providerPagePath,
} from './types';
import type {
  CountryProfile,
  DirectoryIndex,
  EntryVersion,
  ProviderEntry,
  ProviderStats,
  StatusFact,
} from './types';

const STATUS_KEYS: Record<string, TranslationKey> = {
  party: 'directory.status.party',
  not_party: 'directory.status.not_party',
  signed: 'directory.status.signed',
  in_preparation: 'directory.status.in_preparation',
  not_member: 'directory.status.not_member',
  none: 'directory.status.none',
  unknown: 'directory.status.unknown',
  in_force: 'directory.status.in_force',
};

function useStatusName() {
  const { t } = useI18n();
  return (status: string): string => {
    const key = STATUS_KEYS[status];
    return key === undefined ? status : t(key);
  };
}

export function DirectoryPage() {
  const { t } = useI18n();
  const statusName = useStatusName();
  const directory = useResource<DirectoryIndex>('/api/v1/directory');
  const [country, setCountry] = useState('KZ');
  return (
    <section className="page" data-testid="page-directory">
      <PageHeader title={t('directory.title')} testId="page-title" />
      <p className="muted">{t('directory.intro')}</p>
      {directory.error !== null && (
        <FormError message={errorMessage(t, directory.error)} testId="directory-error" />
      )}
      {directory.data === null && directory.error === null && <Loading />}
      {directory.data !== null && (
        <>
          <section className="panel" aria-labelledby="directory-providers-title">
            <h2 id="directory-providers-title">{t('directory.providers')}</h2>
            <div className="filters">
              <TextField
                label={t('directory.country_selector')}
                value={country}
                onChange={(value) => setCountry(value.toUpperCase().slice(0, 2))}
                maxLength={2}
                hint={t('directory.country_selector_hint')}
                testId="directory-country"
              />
            </div>
            <div className="table-wrap">
              <table className="table" data-testid="directory-providers">
                <caption className="visually-hidden">{t('directory.providers')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('directory.provider')}</th>
                    <th scope="col">{t('directory.entities')}</th>
                    <th scope="col">{t('directory.preservation_days')}</th>
                  </tr>
                </thead>
                <tbody>
                  {directory.data.providers.map((provider) => (
                    <tr key={provider.id} data-testid="directory-provider" data-id={provider.id}>
                      <td>
                        <Link
                          to={`${providerPagePath(provider.id)}${/^[A-Z]{2}$/.test(country) ? `?country=${country}` : ''}`}
                          data-testid="directory-provider-link"
                        >
                          {provider.names.join(', ')}
                        </Link>
                      </td>
                      <td>
                        <ul className="plain-list">
                          {provider.entities.map((entity) => (
                            <li key={entity.name}>
                              {entity.name} <span className="muted">{entity.applies_to_text}</span>
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        {provider.preservation_days === null
                          ? t('directory.unknown')
                          : t('directory.days', { days: provider.preservation_days })}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="panel" aria-labelledby="directory-countries-title">
            <h2 id="directory-countries-title">{t('directory.countries')}</h2>
            <div className="table-wrap">
              <table className="table" data-testid="directory-countries">
                <caption className="visually-hidden">{t('directory.countries')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('directory.country')}</th>
                    <th scope="col">{t('directory.budapest')}</th>
                    <th scope="col">{t('directory.un_cybercrime')}</th>
                    <th scope="col">{t('directory.cis_2018')}</th>
                  </tr>
                </thead>
                <tbody>
                  {directory.data.countries.map((entry) => (
                    <tr key={entry.code} data-testid="directory-country-row" data-code={entry.code}>
                      <td>
                        <Link to={countryPagePath(entry.code)} data-testid="directory-country-link">
                          {`${entry.name} (${entry.code})`}
                        </Link>
                      </td>
                      <td>{statusName(entry.budapest)}</td>
                      <td>{statusName(entry.un_cybercrime)}</td>
                      <td>{statusName(entry.cis_2018)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </section>
  );
}

/** The entry as an administrator edits it: without what the server adds. */
export function editableEntry(entry: ProviderEntry): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...entry };
  for (const key of ['content_hash', 'facts', 'entity_for_country', 'versions', 'stats'])
    delete copy[key];
  return copy;
}

function EntryEditor({
  entry,
  onSaved,
  onCancel,
}: {
  entry: ProviderEntry;
  onSaved: (version: EntryVersion) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(editableEntry(entry), null, 2));
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (failure) {
      setError(t('directory.edit.not_json', { detail: String((failure as Error).message) }));
      return;
    }
    if (note.trim() === '') {
      setError(t('directory.edit.note_required'));
      return;
    }
    setBusy(true);
    try {
      const version = await api.put<EntryVersion>(providerApiPath(entry.id), {
        entry: parsed,
        note: note.trim(),
      });
      onSaved(version);
    } catch (failure) {
      let message = errorMessage(t, failure);
      if (failure instanceof ApiError && failure.reason === 'unchanged')
        message = t('directory.edit.unchanged');
      else if (failure instanceof ApiError && failure.field)
        message = `${failure.field}: ${failure.message || message}`;
      setError(message);
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={save} noValidate data-testid="directory-editor">
      <h2>{t('directory.edit.title')}</h2>
      <p className="muted">{t('directory.edit.intro')}</p>
      <div className={error ? 'field field-invalid' : 'field'}>
        <label htmlFor="directory-entry-json">{t('directory.edit.entry')}</label>
        <textarea
          id="directory-entry-json"
          className="json-editor"
          value={text}
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'directory-entry-error' : undefined}
          data-testid="directory-entry"
        />
        {error && (
          <p
            id="directory-entry-error"
            className="field-error"
            role="alert"
            data-testid="directory-entry-error"
          >
            {error}
          </p>
        )}
      </div>
      <TextField
        label={t('directory.edit.note')}
        value={note}
        onChange={setNote}
        maxLength={4000}
        required
        testId="directory-note"
      />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="directory-save"
        >
          {t('directory.edit.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="directory-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function StatsPanel({ providerId }: { providerId: string }) {
  const { t } = useI18n();
  const stats = useResource<{ stats: ProviderStats[] }>(
    `/api/v1/requests-stats?provider=${encodeURIComponent(providerId)}`,
  );
  const rows = stats.data?.stats ?? [];
  return (
    <section className="panel" aria-labelledby="provider-stats-title" data-testid="provider-stats">
      <h2 id="provider-stats-title">{t('directory.stats.title')}</h2>
      {stats.error !== null && (
        <FormError message={errorMessage(t, stats.error)} testId="provider-stats-error" />
      )}
      {stats.data === null && stats.error === null && <Loading />}
      {stats.data !== null && rows.length === 0 && (
        <p className="muted" data-testid="provider-stats-none">
          {t('directory.stats.none')}
        </p>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table className="table table-dense">
            <caption className="visually-hidden">{t('directory.stats.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('requests.field.channel')}</th>
                <th scope="col">{t('directory.stats.requests')}</th>
                <th scope="col">{t('directory.stats.answered')}</th>
                <th scope="col">{t('directory.stats.median')}</th>
                <th scope="col">{t('directory.stats.outcomes')}</th>
                <th scope="col">{t('directory.stats.refusals')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.channel || '-'}
                  data-testid="provider-stats-row"
                  data-channel={row.channel}
                >
                  <td>
                    {CHANNEL_LABELS[row.channel]
                      ? t(CHANNEL_LABELS[row.channel] ?? 'requests.channel.portal')
                      : row.channel || '—'}
                  </td>
                  <td data-testid="provider-stats-requests">{row.requests}</td>
                  <td>
                    {t('directory.stats.share', {
                      share: percent(row.share_answered),
                      answered: row.answered,
                    })}
                  </td>
                  <td>
                    {row.median_days_to_first_answer === null
                      ? '—'
                      : t('directory.days', {
                          days: Math.round(row.median_days_to_first_answer * 10) / 10,
                        })}
                  </td>
                  <td>
                    {t('directory.stats.outcome_counts', {
                      produced: row.produced,
                      partly: row.partly_produced,
                      refused: row.refused,
                      expired: row.expired,
                      waiting: row.waiting,
                    })}
                  </td>
                  <td>
                    {Object.entries(row.refusals ?? {})
                      .map(
                        ([code, count]) =>
                          `${REFUSAL_LABELS[code] ? t(REFUSAL_LABELS[code] ?? 'requests.refusal.other') : code}: ${count}`,
                      )
                      .join('; ') || '—'}
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

function VersionsPanel({ versions }: { versions: readonly EntryVersion[] }) {
  const { t } = useI18n();
  return (
    <section
      className="panel"
      aria-labelledby="provider-versions-title"
      data-testid="provider-versions"
    >
      <h2 id="provider-versions-title">{t('directory.versions.title')}</h2>
      <ol className="timeline">
        {versions.map((version) => (
          <li
            key={version.version}
            className="timeline-event"
            data-testid="provider-version"
            data-version={version.version}
          >
            <strong>{t('directory.versions.version', { version: version.version })}</strong>{' '}
            <At value={version.changed_at} />{' '}
            <span className="muted">
              {version.changed_by === null
                ? t('directory.versions.seed')
                : personName(version.changed_by)}
            </span>
            {version.note && <p>{version.note}</p>}
            {version.changes.length > 0 && (
              <div className="table-wrap">
                <table className="table table-dense" data-testid="provider-version-changes">
                  <caption className="visually-hidden">{t('directory.versions.changes')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('directory.change.path')}</th>
                      <th scope="col">{t('directory.change.before')}</th>
                      <th scope="col">{t('directory.change.after')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {version.changes.map((change) => (
                      <tr key={change.path} data-testid="provider-version-change">
                        <td className="mono">{change.path}</td>
                        <td>{change.added ? t('directory.change.none') : change.before}</td>
                        <td>{change.removed ? t('directory.change.none') : change.after}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function ProviderPage({ providerId }: { providerId: string }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const { search } = useLocation();
  const country = (new URLSearchParams(search).get('country') ?? 'KZ').toUpperCase();
  const [typed, setTyped] = useState(country);
  const loaded = useResource<ProviderEntry>(
    providerApiPath(providerId, /^[A-Z]{2}$/.test(country) ? country : undefined),
  );
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const entry = loaded.data;
  const manage = hasPermission(user, 'directory.manage');

  if (entry === null)
    return (
      <section
        className="page"
        data-testid="page-provider"
        data-state={loaded.error === null ? 'loading' : 'error'}
      >
        <PageHeader title={t('directory.provider')} testId="page-title" />
        {loaded.error === null ? (
          <Loading />
        ) : (
          <FormError message={errorMessage(t, loaded.error)} testId="provider-error" />
        )}
        <Link to="/directory" className="button" data-testid="provider-back">
          {t('directory.back')}
        </Link>
      </section>
    );

  const served = entry.entity_for_country;
  const servedName =
    served === null || served === undefined
      ? ''
      : typeof served === 'string'
        ? served
        : served.name;
  const factsFor = (field: string) => (entry.facts ?? []).filter((fact) => fact.field === field);
  return (
    <section className="page" data-testid="page-provider" data-state="loaded" data-id={entry.id}>
      <p className="breadcrumb">
        <Link to="/directory" data-testid="provider-back">
          {t('directory.back')}
        </Link>
      </p>
      <PageHeader title={entry.names.join(', ')} testId="page-title">
        {manage && !editing && (
          <button
            type="button"
            className="button"
            onClick={() => setEditing(true)}
            data-testid="provider-edit"
          >
            {t('directory.edit.button')}
          </button>
        )}
      </PageHeader>
      {notice !== null && (
        <Notice testId="provider-saved" tone="success">
          {notice}
        </Notice>
      )}
      {editing && (
        <EntryEditor
          entry={entry}
          onCancel={() => setEditing(false)}
          onSaved={(version) => {
            setEditing(false);
            setNotice(t('directory.edit.saved', { version: version.version }));
            loaded.reload();
          }}
        />
      )}
      <section
        className="panel"
        aria-labelledby="provider-entity-title"
        data-testid="provider-entities"
      >
        <h2 id="provider-entity-title">{t('directory.group.legal_entities')}</h2>
        <form
          className="filters"
          onSubmit={(event) => {
            event.preventDefault();
            navigate(`${providerPagePath(entry.id)}?country=${encodeURIComponent(typed)}`);
          }}
        >
          <TextField
            label={t('directory.country_selector')}
            value={typed}
            onChange={(value) => setTyped(value.toUpperCase().slice(0, 2))}
            maxLength={2}
            hint={t('directory.country_selector_hint')}
            testId="provider-country"
          />
          <button type="submit" className="button" data-testid="provider-country-apply">
            {t('directory.show_entity')}
          </button>
        </form>
        {servedName !== '' && (
          <Notice testId="provider-served-by">
            {t('requests.wizard.served_by', { country, entity: servedName })}
          </Notice>
        )}
        <ul className="plain-list">
          {(entry.legal_entities?.entries ?? []).map((entity) => (
            <li
              key={entity.name}
              data-testid="provider-entity"
              data-name={entity.name}
              data-serves={String(entity.name === servedName)}
            >
              <strong>{entity.name}</strong>{' '}
              {entity.name === servedName && (
                <span className="badge badge-ok">{t('requests.wizard.serves')}</span>
              )}{' '}
              <span className="muted">{`${entity.applies_to_text} · ${entity.jurisdiction} · ${entity.time_zone}`}</span>
            </li>
          ))}
        </ul>
        {entry.legal_entities && <ProvenanceLine provenance={entry.legal_entities} />}
      </section>
      <section
        className="panel"
        aria-labelledby="provider-facts-title"
        data-testid="provider-facts"
      >
        <h2 id="provider-facts-title">{t('directory.facts')}</h2>
        {entry.channels && (
          <div className="fact-group" data-testid="fact-group" data-group="channels">
            <h3>{t('directory.group.channels')}</h3>
            <ul className="plain-list">
              {entry.channels.entries.map((channel) => (
                <li key={`${channel.kind}-${channel.text}`}>
                  {CHANNEL_LABELS[channel.kind]
                    ? t(CHANNEL_LABELS[channel.kind] ?? 'requests.channel.portal')
                    : channel.kind}
                  {': '}
                  {channel.text}{' '}
                  {channel.address && <span className="mono muted">{channel.address}</span>}
                </li>
              ))}
            </ul>
            <ProvenanceLine provenance={entry.channels} />
          </div>
        )}
        {entry.preservation && (
          <div className="fact-group" data-testid="fact-group" data-group="preservation">
            <h3>{t('directory.group.preservation')}</h3>
            <p data-testid="provider-preservation">
              {t('directory.preservation_text', {
                days: entry.preservation.days,
                extensions:
                  entry.preservation.max_extensions === null ||
                  entry.preservation.max_extensions === undefined
                    ? t('directory.unknown')
                    : entry.preservation.max_extensions,
                extension_days: entry.preservation.extension_days ?? t('directory.unknown'),
              })}
            </p>
            {typeof entry.preservation.extension_lead_days === 'number' && (
              <p data-testid="provider-extension-lead">
                {t('directory.preservation_lead', { lead: entry.preservation.extension_lead_days })}
              </p>
            )}
            {entry.preservation.text && <p className="muted">{entry.preservation.text}</p>}
            <ProvenanceLine provenance={entry.preservation} />
          </div>
        )}
        {entry.emergency && (
          <div className="fact-group" data-testid="fact-group" data-group="emergency">
            <h3>{t('directory.group.emergency')}</h3>
            <p>{t('directory.emergency_criterion', { criterion: entry.emergency.criterion })}</p>
            {entry.emergency.required_fields.length > 0 && (
              <ul>
                {entry.emergency.required_fields.map((field) => (
                  <li key={field.key}>
                    {field.text} <span className="mono muted">{field.key}</span>
                  </li>
                ))}
              </ul>
            )}
            <ProvenanceLine provenance={entry.emergency} />
          </div>
        )}
        {entry.requirements && (
          <div className="fact-group" data-testid="fact-group" data-group="requirements">
            <h3>{t('directory.group.requirements')}</h3>
            <ul>
              {(entry.requirements.required_in_request ?? []).map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ul>
            <p>
              {t('directory.accepted_identifiers', {
                kinds: (entry.requirements.accepted_identifiers ?? [])
                  .map((kind) => (isIdentifierKind(kind) ? t(KIND_LABELS[kind]) : kind))
                  .join(', '),
              })}
            </p>
            {entry.requirements.prefers_numeric_id && <p>{t('directory.prefers_numeric_id')}</p>}
            {entry.requirements.requires_english && <p>{t('directory.requires_english')}</p>}
            <ProvenanceLine provenance={entry.requirements} />
          </div>
        )}
        {entry.data_categories && (
          <div className="fact-group" data-testid="fact-group" data-group="data_categories">
            <h3>{t('directory.group.data_categories')}</h3>
            <table className="table table-dense">
              <caption className="visually-hidden">{t('directory.group.data_categories')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('requests.field.categories')}</th>
                  <th scope="col">{t('directory.process')}</th>
                  <th scope="col">{t('directory.what')}</th>
                </tr>
              </thead>
              <tbody>
                {entry.data_categories.entries.map((item) => (
                  <tr
                    key={item.category}
                    data-testid="provider-category"
                    data-category={item.category}
                    data-process={item.process}
                  >
                    <td>
                      {isCategory(item.category)
                        ? t(CATEGORY_LABELS[item.category])
                        : item.category}
                    </td>
                    <td>
                      {PROCESS_LABELS[item.process]
                        ? t(PROCESS_LABELS[item.process] ?? 'requests.process.mla_request')
                        : item.process}
                    </td>
                    <td>{item.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ProvenanceLine provenance={entry.data_categories} />
          </div>
        )}
        {entry.notes && (
          <div className="fact-group" data-testid="fact-group" data-group="notes">
            <h3>{t('directory.group.notes')}</h3>
            <p>{entry.notes.text}</p>
            <ProvenanceLine provenance={entry.notes} />
          </div>
        )}
        {factsFor('retention').length > 0 && (
          <div className="fact-group" data-testid="fact-group" data-group="retention">
            <h3>{t('directory.group.retention')}</h3>
            {factsFor('retention').map((fact) => (
              <div key={fact.text}>
                <p>{fact.text}</p>
                <ProvenanceLine provenance={fact} />
              </div>
            ))}
          </div>
        )}
        {(entry.facts ?? [])
          .filter(
            (fact) =>
              ![
                'legal_entities',
                'channels',
                'preservation',
                'emergency',
                'requirements',
                'data_categories',
                'notes',
                'retention',
              ].includes(fact.field),
          )
          .map((fact) => (
            <div
              key={`${fact.field}-${fact.text}`}
              className="fact-group"
              data-testid="fact-group"
              data-group={fact.field}
            >
              <h3>
                {FACT_LABELS[fact.field]
                  ? t(FACT_LABELS[fact.field] ?? 'directory.group.notes')
                  : fact.field}
              </h3>
              <p>{fact.text}</p>
              <ProvenanceLine provenance={fact} />
            </div>
          ))}
        <p className="muted mono" data-testid="provider-hash">
          {t('directory.content_hash', { hash: entry.content_hash ?? '' })}
        </p>
      </section>
      <StatsPanel providerId={entry.id} />
      <VersionsPanel versions={entry.versions ?? []} />
    </section>
  );
}

function StatusRow({ label, fact }: { label: string; fact: StatusFact | null | undefined }) {
  const statusName = useStatusName();
  if (fact === null || fact === undefined) return null;
  return (
    <div className="fact-group" data-testid="country-fact">
      <h3>{label}</h3>
      <p>
        <strong>{statusName(fact.status)}</strong> {fact.text}
      </p>
      <ProvenanceLine provenance={fact} />
    </div>
  );
}

export function CountryPage({ code }: { code: string }) {
  const { t } = useI18n();
  const statusName = useStatusName();
  const loaded = useResource<CountryProfile>(countryApiPath(code));
  const country = loaded.data;
  return (
    <section
      className="page"
      data-testid="page-country"
      data-state={country === null ? 'loading' : 'loaded'}
    >
      <p className="breadcrumb">
        <Link to="/directory" data-testid="country-back">
          {t('directory.back')}
        </Link>
      </p>
      <PageHeader
        title={
          country === null
            ? code
            : t('directory.country_title', { name: country.name, code: country.code })
        }
        testId="page-title"
      />
      {loaded.error !== null && (
        <FormError message={errorMessage(t, loaded.error)} testId="country-error" />
      )}
      {country === null && loaded.error === null && <Loading />}
      {country !== null && (
        <section className="panel" data-testid="country-profile">
          <StatusRow label={t('directory.budapest')} fact={country.budapest} />
          <StatusRow label={t('directory.un_cybercrime')} fact={country.un_cybercrime} />
          <StatusRow label={t('directory.cis_2018')} fact={country.cis_2018} />
          <StatusRow label={t('directory.cloud_act')} fact={country.cloud_act_agreement} />
          <div className="fact-group" data-testid="country-instruments">
            <h3>{t('directory.instruments')}</h3>
            {(country.instruments ?? []).length === 0 && (
              <p className="muted">{t('directory.no_instruments')}</p>
            )}
            {(country.instruments ?? []).map((instrument) => (
              <div key={instrument.name} data-testid="country-instrument">
                <p>
                  <strong>{instrument.name}</strong>{' '}
                  {instrument.status && (
                    <span className="badge badge-info">{statusName(instrument.status)}</span>
                  )}
                </p>
                <ProvenanceLine provenance={instrument} />
              </div>
            ))}
          </div>
          {country.central_authority && (
            <div className="fact-group" data-testid="country-central-authority">
              <h3>{t('directory.central_authority')}</h3>
              <p>
                {country.central_authority.text === 'unknown'
                  ? t('directory.unknown')
                  : country.central_authority.text}
              </p>
              <ProvenanceLine provenance={country.central_authority} />
            </div>
          )}
          {country.contact_24_7 && (
            <div className="fact-group" data-testid="country-contact">
              <h3>{t('directory.contact_24_7')}</h3>
              <p>
                {country.contact_24_7.text === 'unknown'
                  ? t('directory.unknown')
                  : country.contact_24_7.text}
              </p>
              <ProvenanceLine provenance={country.contact_24_7} />
            </div>
          )}
          {country.languages && (
            <div className="fact-group" data-testid="country-languages">
              <h3>{t('directory.languages')}</h3>
              <p>
                {country.languages.text}{' '}
                <span className="mono">{country.languages.codes.join(', ')}</span>{' '}
                {country.languages.english_accepted && (
                  <span className="badge badge-ok">{t('directory.english_accepted')}</span>
                )}
              </p>
              <ProvenanceLine provenance={country.languages} />
            </div>
          )}
        </section>
      )}
    </section>
  );
}
