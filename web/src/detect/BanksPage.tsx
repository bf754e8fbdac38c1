// Hash banks (/detect/banks): every bank with its algorithm, threshold, quality gate, counts;
// a form to create one (detect.manage). A negative bank suppresses matches of the others.
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
import { ActiveBadge, DetectTabs, useNumber } from './parts';
import {
  ALGORITHMS,
  ALGORITHM_LABELS,
  BANKS_PATH,
  bankPage,
  isAlgorithm,
  parseLabels,
} from './types';
import type { Algorithm, HashBank } from './types';

const BANK_FIELDS = [
  'name',
  'algorithm',
  'threshold',
  'quality_gate',
  'labels',
  'description',
] as const;

/** A whole number in [min, max] typed into a field, or null. */
function wholeIn(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : null;
}

function NewBankForm({ onCancel }: { onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState<Algorithm>('pdq');
  const [negative, setNegative] = useState(false);
  const [threshold, setThreshold] = useState('31');
  const [qualityGate, setQualityGate] = useState('50');
  const [labels, setLabels] = useState('');
  const [description, setDescription] = useState('');
  const [problems, setProblems] = useState<
    Partial<Record<'name' | 'threshold' | 'quality_gate', string>>
  >({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, BANK_FIELDS);
  const pdq = algorithm === 'pdq';

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    const found: typeof problems = {};
    if (name.trim() === '') found.name = t('detect.error.name_required');
    const thresholdValue = wholeIn(threshold, 0, 128);
    const gateValue = wholeIn(qualityGate, 0, 100);
    if (pdq && thresholdValue === null) found.threshold = t('detect.error.threshold');
    if (pdq && gateValue === null) found.quality_gate = t('detect.error.quality_gate');
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const body: Record<string, unknown> = {
      name: name.trim(),
      algorithm,
      negative,
      labels: parseLabels(labels),
    };
    if (pdq) {
      body.threshold = thresholdValue;
      body.quality_gate = gateValue;
    }
    if (description.trim() !== '') body.description = description.trim();
    setBusy(true);
    try {
      const created = await api.post<HashBank>(BANKS_PATH, body);
      navigate(bankPage(created.id));
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
      aria-labelledby="bank-form-title"
      data-testid="bank-form"
    >
      <h2 id="bank-form-title">{t('detect.banks.new_title')}</h2>
      <TextField
        label={t('detect.field.name')}
        value={name}
        onChange={setName}
        required
        maxLength={200}
        autoFocus
        error={problems.name ?? errors.forField('name')}
        testId="bank-name"
      />
      <div className="form-grid">
        <SelectField
          label={t('detect.field.algorithm')}
          value={algorithm}
          onChange={(value) => setAlgorithm(isAlgorithm(value) ? value : 'pdq')}
          error={errors.forField('algorithm')}
          testId="bank-algorithm"
        >
          {ALGORITHMS.map((value) => (
            <option key={value} value={value}>
              {t(ALGORITHM_LABELS[value])}
            </option>
          ))}
        </SelectField>
        {pdq && (
          <TextField
            label={t('detect.field.threshold')}
            value={threshold}
            onChange={setThreshold}
            inputMode="numeric"
            hint={t('detect.banks.threshold_hint')}
            error={problems.threshold ?? errors.forField('threshold')}
            testId="bank-threshold"
          />
        )}
        {pdq && (
          <TextField
            label={t('detect.field.quality_gate')}
            value={qualityGate}
            onChange={setQualityGate}
            inputMode="numeric"
            hint={t('detect.banks.quality_gate_hint')}
            error={problems.quality_gate ?? errors.forField('quality_gate')}
            testId="bank-quality-gate"
          />
        )}
      </div>
      <CheckboxField
        label={t('detect.field.negative')}
        checked={negative}
        onChange={setNegative}
        hint={t('detect.banks.negative_hint')}
        testId="bank-negative"
      />
      <TextField
        label={t('detect.field.labels')}
        value={labels}
        onChange={setLabels}
        maxLength={2000}
        hint={t('detect.banks.labels_hint')}
        error={errors.forField('labels')}
        testId="bank-labels"
      />
      <TextAreaField
        label={t('detect.field.description')}
        value={description}
        onChange={setDescription}
        rows={2}
        maxLength={2000}
        error={errors.forField('description')}
        testId="bank-description"
      />
      <FormError message={errors.forForm} testId="bank-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="bank-save"
        >
          {t('detect.banks.create')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="bank-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function BanksPage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const number = useNumber();
  const manage = canManageDetection(user);
  const [creating, setCreating] = useState(false);
  const banks = useResource<{ banks: HashBank[] }>(BANKS_PATH);
  const rows = banks.data?.banks ?? [];
  return (
    <section className="page" data-testid="page-detect-banks">
      <PageHeader title={t('detect.banks.title')} testId="page-title">
        {manage && !creating && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setCreating(true)}
            data-testid="banks-new"
          >
            {t('detect.banks.new')}
          </button>
        )}
      </PageHeader>
      <DetectTabs />
      <p className="muted">{t('detect.banks.explain')}</p>
      {creating && <NewBankForm onCancel={() => setCreating(false)} />}
      {banks.error !== null && (
        <FormError message={errorMessage(t, banks.error)} testId="banks-error" />
      )}
      {banks.data === null && banks.error === null && <Loading />}
      {banks.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="banks-table" aria-busy={banks.loading}>
            <caption className="visually-hidden">{t('detect.banks.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('detect.field.name')}</th>
                <th scope="col">{t('detect.field.algorithm')}</th>
                <th scope="col">{t('detect.field.threshold')}</th>
                <th scope="col">{t('detect.field.hash_count')}</th>
                <th scope="col">{t('detect.field.quarantined_count')}</th>
                <th scope="col">{t('detect.field.alert_count')}</th>
                <th scope="col">{t('common.status')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={7} data-testid="banks-empty">
                    {t('detect.banks.empty')}
                  </td>
                </tr>
              )}
              {rows.map((bank) => (
                <tr
                  key={String(bank.id)}
                  data-testid="bank-row"
                  data-id={String(bank.id)}
                  data-name={bank.name}
                  data-algorithm={bank.algorithm}
                >
                  <td>
                    <Link to={bankPage(bank.id)} data-testid="bank-link">
                      {bank.name}
                    </Link>
                    {bank.negative && (
                      <span className="badge badge-ok cell-note" data-testid="bank-negative-badge">
                        {t('detect.banks.negative_badge')}
                      </span>
                    )}
                  </td>
                  <td>
                    {isAlgorithm(bank.algorithm)
                      ? t(ALGORITHM_LABELS[bank.algorithm])
                      : bank.algorithm}
                  </td>
                  <td>
                    {bank.algorithm === 'pdq' ? number(bank.threshold) : t('detect.banks.exact')}
                  </td>
                  <td data-testid="bank-hash-count">{number(bank.hash_count)}</td>
                  <td data-testid="bank-quarantined-count">
                    {bank.quarantined_count > 0 ? (
                      <span className="badge badge-warning">{number(bank.quarantined_count)}</span>
                    ) : (
                      number(0)
                    )}
                  </td>
                  <td>{number(bank.alert_count)}</td>
                  <td>
                    <ActiveBadge active={bank.active} />
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
