// The form that opens a case (/cases/new) and edits one (title, description, articles). The
// server's validation errors appear beside their field (`error.field`: title, number,
// description, articles, lead_user_id).
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { useI18n } from '../app/i18n';
import { FormError, SelectField, TextAreaField, TextField, useErrorText } from '../app/ui';
import { ArticlesField } from './ArticlesField';
import { addArticle, casePath } from './types';
import type { Case, Id, Person } from './types';

const CASE_FIELDS = ['title', 'number', 'description', 'articles', 'lead_user_id'] as const;

export interface CaseFormProps {
  /** null: a new case. */
  opened: Case | null;
  /** For a new case: who may lead it (the first is the default). */
  leads?: Person[];
  onSaved: (saved: Case) => void;
  onCancel: () => void;
}

export function CaseForm({ opened, leads = [], onSaved, onCancel }: CaseFormProps) {
  const { t } = useI18n();
  const [title, setTitle] = useState(opened?.title ?? '');
  const [number, setNumber] = useState('');
  const [description, setDescription] = useState(opened?.description ?? '');
  const [articles, setArticles] = useState<string[]>(opened?.articles ?? []);
  const [pendingArticle, setPendingArticle] = useState('');
  const [lead, setLead] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, CASE_FIELDS);
  const leadId: Id | undefined =
    leads.find((person) => String(person.user_id) === lead)?.user_id ?? leads[0]?.user_id;

  async function submit(event: FormEvent) {
    event.preventDefault();
    // An article typed but not added yet is meant to be part of the case.
    const allArticles = addArticle(articles, pendingArticle);
    setArticles(allArticles);
    setPendingArticle('');
    setBusy(true);
    setError(null);
    try {
      if (opened === null) {
        const body: Record<string, unknown> = { title: title.trim(), articles: allArticles };
        if (number.trim() !== '') body.number = number.trim();
        if (description.trim() !== '') body.description = description.trim();
        if (leadId !== undefined) body.lead_user_id = leadId;
        onSaved(await api.post<Case>('/api/v1/cases', body));
      } else {
        onSaved(
          await api.patch<Case>(casePath(opened.id), {
            title: title.trim(),
            description: description.trim(),
            articles: allArticles,
          }),
        );
      }
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
      aria-labelledby="case-form-title-heading"
      data-testid="case-form"
    >
      <h2 id="case-form-title-heading">
        {opened === null ? t('cases.new.form_title') : t('cases.edit.title')}
      </h2>
      <div className="form-grid">
        <TextField
          label={t('cases.field.title')}
          value={title}
          onChange={setTitle}
          required
          autoFocus
          maxLength={500}
          error={errors.forField('title')}
          testId="case-form-title"
        />
        {opened === null && (
          <TextField
            label={t('cases.field.number')}
            value={number}
            onChange={setNumber}
            maxLength={64}
            spellCheck={false}
            autoComplete="off"
            hint={t('cases.field.number_hint')}
            error={errors.forField('number')}
            testId="case-form-number"
          />
        )}
        {opened === null && leads.length > 0 && (
          <SelectField
            label={t('cases.field.lead')}
            value={lead === '' ? String(leads[0]?.user_id ?? '') : lead}
            onChange={setLead}
            hint={leads.length === 1 ? t('cases.field.lead_hint_self') : undefined}
            error={errors.forField('lead_user_id')}
            testId="case-form-lead"
          >
            {leads.map((person) => (
              <option key={String(person.user_id)} value={String(person.user_id)}>
                {person.display_name || person.username}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <TextAreaField
        label={t('cases.field.description')}
        value={description}
        onChange={setDescription}
        rows={5}
        error={errors.forField('description')}
        testId="case-form-description"
      />
      <ArticlesField
        articles={articles}
        onChange={setArticles}
        pending={pendingArticle}
        onPendingChange={setPendingArticle}
        error={errors.forField('articles')}
      />
      <FormError message={errors.forForm} testId="case-form-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="case-form-save"
        >
          {opened === null ? t('cases.new.submit') : t('common.save')}
        </button>
        <button type="button" className="button" onClick={onCancel} data-testid="case-form-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
