// "Add evidence" on the case page: choose files (the picker, or drag and drop), describe how they
// were obtained, upload. Each file is POSTed as the raw request body with XMLHttpRequest (the
// File object itself: the browser streams it from disk, the app never reads it into memory),
// one after the other, each with its progress bar, bytes sent, speed and a Cancel button.
import { useEffect, useId, useRef, useState } from 'react';
import type { ChangeEvent, DragEvent, FormEvent } from 'react';
import { ApiError, api } from '../app/api';
import { errorField, errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { Link } from '../app/router';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, zonedLocalToUtc } from '../app/time';
import { CheckboxField, FormError, SelectField, TextAreaField, TextField } from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case } from '../cases/types';
import { HashValue, useSizeFormatter } from './parts';
import {
  CATEGORIES_PATH,
  SOURCE_DETAIL_LABELS,
  SOURCE_LABELS,
  SOURCE_TYPES,
  UPLOAD_FIELDS,
  categoryName,
  evidencePagePath,
  percentOf,
  transferRate,
  uploadErrorText,
  uploadPath,
} from './types';
import type { Category, EvidenceItem, SourceType, UploadField, UploadMetadata } from './types';

type EntryState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

interface UploadEntry {
  key: number;
  file: File;
  state: EntryState;
  loaded: number;
  /** Bytes per second since the upload started. */
  rate: number;
  error: string | null;
  item: EvidenceItem | null;
}

interface MetadataForm extends Omit<UploadMetadata, 'acquired_at'> {
  /** As typed into the datetime-local input, in the user's time zone. */
  acquired_local: string;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function emptyForm(examiner: string): MetadataForm {
  return {
    description: '',
    source_type: 'seized',
    source_detail: '',
    acquisition_method: '',
    acquisition_tool: '',
    examiner,
    acquired_local: '',
    acquired_place: '',
    legal_basis: '',
    parent_id: '',
    categories: [],
  };
}

function FileRow({
  entry,
  busy,
  onCancel,
  onRemove,
}: {
  entry: UploadEntry;
  busy: boolean;
  onCancel: () => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const format = useSizeFormatter();
  const name = entry.file.name;
  const total = entry.file.size;
  const percent = entry.state === 'done' ? 100 : percentOf(entry.loaded, total);
  const sent = t('evidence.upload.bytes_of', {
    sent: format(entry.state === 'done' ? total : entry.loaded),
    total: format(total),
  });
  const stateKey: Record<EntryState, TranslationKey> = {
    queued: 'evidence.upload.state_queued',
    uploading: 'evidence.upload.state_uploading',
    done: 'evidence.upload.state_done',
    failed: 'evidence.upload.state_failed',
    cancelled: 'evidence.upload.state_cancelled',
  };
  const cancellable = entry.state === 'uploading' || (busy && entry.state === 'queued');
  const removable = !busy && entry.state !== 'done' && entry.state !== 'uploading';
  return (
    <li className="upload-file" data-testid="upload-file" data-name={name} data-state={entry.state}>
      <div className="upload-file-head">
        <span className="upload-file-name" data-testid="upload-file-name">
          {name}
        </span>
        <span className="muted" data-testid="upload-file-state">
          {t(stateKey[entry.state])}
        </span>
      </div>
      <div
        className="upload-progress"
        role="progressbar"
        aria-label={t('evidence.upload.progress_named', { name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={sent}
        data-testid="upload-progress"
      >
        <progress value={percent} max={100} aria-hidden="true" />
      </div>
      <p className="upload-file-meta">
        <span data-testid="upload-bytes">{sent}</span>
        {entry.state === 'uploading' && entry.rate > 0 && (
          <span data-testid="upload-speed">
            {t('evidence.upload.speed', { speed: format(entry.rate) })}
          </span>
        )}
      </p>
      {entry.error !== null && (
        <p className="field-error" role="alert" data-testid="upload-error">
          {entry.error}
        </p>
      )}
      {entry.item !== null && (
        <p className="upload-file-meta">
          <Link to={evidencePagePath(entry.item.id)} data-testid="upload-item-link">
            {t('evidence.upload.open_item', { name })}
          </Link>
          <HashValue
            value={entry.item.sha256}
            label={t('evidence.hash.sha256')}
            short
            testId="upload-sha256"
          />
        </p>
      )}
      {(cancellable || removable) && (
        <div className="form-actions">
          {cancellable && (
            <button
              type="button"
              className="button button-small"
              onClick={onCancel}
              aria-label={t('evidence.upload.cancel_named', { name })}
              data-testid="upload-cancel"
            >
              {t('common.cancel')}
            </button>
          )}
          {removable && (
            <button
              type="button"
              className="button button-small"
              onClick={onRemove}
              aria-label={t('evidence.upload.remove_named', { name })}
              data-testid="upload-remove"
            >
              {t('common.remove')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

export function UploadPanel({
  opened,
  items,
  onUploaded,
}: {
  opened: Case;
  /** The case's items, offered as the parent of the new ones. */
  items: readonly EvidenceItem[];
  onUploaded: (item: EvidenceItem) => void;
}) {
  const { t, language } = useI18n();
  const { user } = useSignedIn();
  const timeZone = effectiveTimeZone(user.time_zone);
  const categories = useResource<{ categories: Category[] }>(CATEGORIES_PATH);
  const [entries, setEntries] = useState<UploadEntry[]>([]);
  const [form, setForm] = useState<MetadataForm>(() =>
    emptyForm(user.display_name || user.username),
  );
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<UploadField | 'files', string>>>(
    {},
  );
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const filesId = useId();
  const nextKey = useRef(1);
  // The running upload, so that Cancel can abort it; keys of queued files cancelled meanwhile.
  const running = useRef<{ key: number; controller: AbortController } | null>(null);
  const cancelled = useRef(new Set<number>());
  const mounted = useRef(true);

  useEffect(
    () => () => {
      mounted.current = false;
      running.current?.controller.abort();
    },
    [],
  );

  function set<K extends keyof MetadataForm>(key: K, value: MetadataForm[K]) {
    setForm((current) => ({ ...current, [key]: value }));
  }

  function update(key: number, change: Partial<UploadEntry>) {
    if (!mounted.current) return;
    setEntries((current) =>
      current.map((entry) => (entry.key === key ? { ...entry, ...change } : entry)),
    );
  }

  function addFiles(files: FileList | null) {
    if (files === null || files.length === 0) return;
    const added: UploadEntry[] = [...files].map((file) => ({
      key: nextKey.current++,
      file,
      state: 'queued',
      loaded: 0,
      rate: 0,
      error: null,
      item: null,
    }));
    // Files already uploaded make room for the new choice.
    setEntries((current) => [...current.filter((entry) => entry.state !== 'done'), ...added]);
    setFieldErrors((current) => ({ ...current, files: undefined }));
  }

  function onChoose(event: ChangeEvent<HTMLInputElement>) {
    addFiles(event.target.files);
    // The entries keep the File objects; clearing lets the same file be chosen again.
    event.target.value = '';
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    if (!busy) addFiles(event.dataTransfer.files);
  }

  function onDragOver(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    event.dataTransfer.dropEffect = busy ? 'none' : 'copy';
    setDragging(true);
  }

  function cancel(entry: UploadEntry) {
    if (running.current?.key === entry.key) running.current.controller.abort();
    else {
      cancelled.current.add(entry.key);
      update(entry.key, { state: 'cancelled' });
    }
  }

  /** Checks the form; returns the metadata to send, or null after showing what is wrong. */
  function validate(): UploadMetadata | null {
    const errors: Partial<Record<UploadField | 'files', string>> = {};
    if (!entries.some((entry) => entry.state !== 'done'))
      errors.files = t('evidence.upload.no_files');
    if (form.legal_basis.trim() === '')
      errors.legal_basis = t('evidence.upload.legal_basis_required');
    let acquiredAt = '';
    if (form.acquired_local !== '') {
      acquiredAt = zonedLocalToUtc(form.acquired_local, timeZone) ?? '';
      if (acquiredAt === '') errors.acquired_at = t('evidence.upload.bad_time');
    }
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) return null;
    return {
      description: form.description,
      source_type: form.source_type,
      source_detail: form.source_detail,
      acquisition_method: form.acquisition_method,
      acquisition_tool: form.acquisition_tool,
      examiner: form.examiner,
      acquired_at: acquiredAt,
      acquired_place: form.acquired_place,
      legal_basis: form.legal_basis,
      parent_id: form.parent_id,
      categories: form.categories,
    };
  }

  async function uploadAll(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const metadata = validate();
    if (metadata === null) return;
    setBusy(true);
    cancelled.current.clear();
    const pending = entries.filter((entry) => entry.state !== 'done');
    for (const entry of pending) update(entry.key, { state: 'queued', error: null, loaded: 0 });
    for (const entry of pending) {
      if (!mounted.current) break;
      if (cancelled.current.has(entry.key)) continue;
      const controller = new AbortController();
      running.current = { key: entry.key, controller };
      const started = performance.now();
      update(entry.key, { state: 'uploading', loaded: 0, rate: 0 });
      try {
        const item = await api.upload<EvidenceItem>(
          uploadPath(opened.id, entry.file.name, metadata),
          entry.file,
          {
            signal: controller.signal,
            onProgress: ({ loaded }) =>
              update(entry.key, {
                loaded,
                rate: transferRate(loaded, performance.now() - started),
              }),
          },
        );
        update(entry.key, { state: 'done', loaded: entry.file.size, item });
        onUploaded(item);
      } catch (failure) {
        if (isAbort(failure)) {
          update(entry.key, { state: 'cancelled', loaded: 0 });
          continue;
        }
        const field = errorField(failure, UPLOAD_FIELDS);
        const message = uploadErrorText(t, failure);
        if (field !== null && field !== 'name') {
          // The metadata is wrong for every file: show it beside the field and stop.
          setFieldErrors({ [field]: message });
          update(entry.key, { state: 'failed', error: t('evidence.upload.see_form') });
          break;
        }
        update(entry.key, { state: 'failed', error: message });
        if (failure instanceof ApiError && failure.status === 507) {
          setFormError(message);
          break;
        }
      } finally {
        running.current = null;
      }
    }
    if (mounted.current) setBusy(false);
  }

  const sourceType: SourceType = form.source_type === '' ? 'seized' : form.source_type;
  const categoryList = categories.data?.categories ?? [];
  return (
    <form
      className="panel panel-inner"
      onSubmit={uploadAll}
      noValidate
      aria-labelledby="upload-title"
      data-testid="upload-form"
    >
      <h3 id="upload-title">{t('evidence.upload.title')}</h3>
      <div
        className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
        onDragOver={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="upload-dropzone"
      >
        <div className={fieldErrors.files ? 'field field-invalid' : 'field'}>
          {/* The browser's own file button speaks the browser's language; this label speaks
              the user's, and opens the same chooser. */}
          <input
            id={filesId}
            className="file-input"
            type="file"
            multiple
            onChange={onChoose}
            disabled={busy}
            aria-describedby={
              fieldErrors.files ? `${filesId}-hint ${filesId}-error` : `${filesId}-hint`
            }
            aria-invalid={fieldErrors.files ? true : undefined}
            data-testid="upload-files"
          />
          <label htmlFor={filesId} className="button file-button">
            {t('evidence.upload.choose')}
          </label>
          <p id={`${filesId}-hint`} className="field-hint">
            {t('evidence.upload.drop_hint')}
          </p>
          {fieldErrors.files && (
            <p id={`${filesId}-error`} className="field-error" data-testid="upload-files-error">
              {fieldErrors.files}
            </p>
          )}
        </div>
      </div>
      {entries.length > 0 && (
        <ul
          className="upload-list"
          aria-label={t('evidence.upload.files')}
          data-testid="upload-list"
        >
          {entries.map((entry) => (
            <FileRow
              key={entry.key}
              entry={entry}
              busy={busy}
              onCancel={() => cancel(entry)}
              onRemove={() =>
                setEntries((current) => current.filter((other) => other.key !== entry.key))
              }
            />
          ))}
        </ul>
      )}
      <TextAreaField
        label={t('evidence.field.description')}
        value={form.description}
        onChange={(value) => set('description', value)}
        rows={2}
        error={fieldErrors.description}
        maxLength={2000}
        testId="upload-description"
      />
      <div className="form-grid">
        <SelectField
          label={t('evidence.field.source_type')}
          value={sourceType}
          onChange={(value) => set('source_type', value as SourceType)}
          error={fieldErrors.source_type}
          testId="upload-source-type"
        >
          {SOURCE_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(SOURCE_LABELS[type])}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t(SOURCE_DETAIL_LABELS[sourceType])}
          value={form.source_detail}
          onChange={(value) => set('source_detail', value)}
          error={fieldErrors.source_detail}
          spellCheck={sourceType !== 'captured_online'}
          maxLength={2000}
          testId="upload-source-detail"
        />
        <TextField
          label={t('evidence.field.acquisition_method')}
          value={form.acquisition_method}
          onChange={(value) => set('acquisition_method', value)}
          hint={t('evidence.field.acquisition_method_hint')}
          error={fieldErrors.acquisition_method}
          maxLength={300}
          testId="upload-acquisition-method"
        />
        <TextField
          label={t('evidence.field.acquisition_tool')}
          value={form.acquisition_tool}
          onChange={(value) => set('acquisition_tool', value)}
          hint={t('evidence.field.acquisition_tool_hint')}
          error={fieldErrors.acquisition_tool}
          maxLength={300}
          testId="upload-acquisition-tool"
        />
        <TextField
          label={t('evidence.field.examiner')}
          value={form.examiner}
          onChange={(value) => set('examiner', value)}
          error={fieldErrors.examiner}
          maxLength={300}
          testId="upload-examiner"
        />
        <TextField
          label={t('evidence.field.acquired_at')}
          type="datetime-local"
          value={form.acquired_local}
          onChange={(value) => set('acquired_local', value)}
          hint={t('evidence.zone_hint', { zone: timeZone })}
          error={fieldErrors.acquired_at}
          testId="upload-acquired-at"
        />
        <TextField
          label={t('evidence.field.acquired_place')}
          value={form.acquired_place}
          onChange={(value) => set('acquired_place', value)}
          error={fieldErrors.acquired_place}
          maxLength={300}
          testId="upload-acquired-place"
        />
        <TextField
          label={t('evidence.field.legal_basis')}
          value={form.legal_basis}
          onChange={(value) => set('legal_basis', value)}
          required
          hint={t('evidence.field.legal_basis_hint')}
          error={fieldErrors.legal_basis}
          maxLength={2000}
          testId="upload-legal-basis"
        />
        <SelectField
          label={t('evidence.field.parent')}
          value={form.parent_id}
          onChange={(value) => set('parent_id', value)}
          error={fieldErrors.parent_id}
          testId="upload-parent"
        >
          <option value="">{t('evidence.field.parent_none')}</option>
          {items.map((item) => (
            <option key={String(item.id)} value={String(item.id)}>
              {t('evidence.item_choice', { id: String(item.id), name: item.original_name })}
            </option>
          ))}
        </SelectField>
      </div>
      <fieldset
        className={fieldErrors.categories ? 'fieldset field-invalid' : 'fieldset'}
        data-testid="upload-categories"
      >
        <legend>{t('evidence.field.categories')}</legend>
        {categories.error !== null && (
          <p className="form-error" data-testid="upload-categories-load-error">
            {errorMessage(t, categories.error)}
          </p>
        )}
        <div className="checks">
          {categoryList.map((category) => (
            <CheckboxField
              key={category.code}
              label={t('evidence.category_choice', {
                name: categoryName(category, language),
                years: Math.round((category.retention_days / 365) * 10) / 10,
              })}
              checked={form.categories.includes(category.code)}
              onChange={(checked) =>
                set(
                  'categories',
                  checked
                    ? [...form.categories, category.code]
                    : form.categories.filter((code) => code !== category.code),
                )
              }
              testId={`upload-category-${category.code}`}
            />
          ))}
        </div>
        {fieldErrors.categories && (
          <p className="field-error" data-testid="upload-categories-error">
            {fieldErrors.categories}
          </p>
        )}
        <p className="field-hint">{t('evidence.field.categories_hint')}</p>
      </fieldset>
      <FormError message={formError} testId="upload-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="upload-submit"
        >
          {busy ? t('evidence.upload.uploading') : t('evidence.upload.submit')}
        </button>
      </div>
    </form>
  );
}
