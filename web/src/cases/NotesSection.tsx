// A case's notes: who wrote what and when (in the user's time zone), oldest first; the lead,
// members and supervisors add notes.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { useSignedIn } from '../app/session';
import { formatDateTime } from '../app/time';
import { FormError, Loading, TextAreaField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import { casePath } from './types';
import type { Case, CaseAccess, CaseNote } from './types';

export function NotesSection({
  opened,
  access,
  onAdded,
}: {
  opened: Case;
  access: CaseAccess;
  onAdded: (message: string) => void;
}) {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const notes = useResource<{ notes: CaseNote[] }>(`${casePath(opened.id)}/notes`);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, ['text'] as const);

  async function add(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.post(`${casePath(opened.id)}/notes`, { text });
      setText('');
      notes.reload();
      onAdded(t('cases.notes.added'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const list = notes.data?.notes ?? [];
  return (
    <section className="panel" aria-labelledby="case-notes-title" data-testid="case-notes">
      <h2 id="case-notes-title">{t('cases.notes.title')}</h2>
      {notes.error !== null && (
        <FormError message={errorMessage(t, notes.error)} testId="notes-load-error" />
      )}
      {notes.data === null && notes.error === null && <Loading />}
      {notes.data !== null && list.length === 0 && (
        <p data-testid="notes-empty">{t('cases.notes.none')}</p>
      )}
      {list.length > 0 && (
        <ol className="notes" data-testid="notes-list">
          {list.map((note) => (
            <li key={String(note.id)} className="note" data-testid="note-item" data-id={note.id}>
              <p className="note-meta">
                <span className="note-author" data-testid="note-author">
                  {note.author.display_name || note.author.username}
                </span>
                <time className="note-time" dateTime={note.created_at} data-testid="note-time">
                  {formatDateTime(note.created_at, locale, user.time_zone)}
                </time>
              </p>
              <p className="note-text" data-testid="note-text">
                {note.text}
              </p>
            </li>
          ))}
        </ol>
      )}
      {access.write && (
        <form
          onSubmit={add}
          noValidate
          aria-label={t('cases.notes.add_title')}
          data-testid="note-form"
        >
          <TextAreaField
            label={t('cases.notes.new')}
            value={text}
            onChange={setText}
            rows={3}
            error={errors.forField('text')}
            testId="note-new"
          />
          <FormError message={errors.forForm} testId="note-error" />
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary"
              aria-disabled={busy || undefined}
              data-testid="note-add"
            >
              {t('cases.notes.add')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
