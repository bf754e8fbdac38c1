// The offence articles of a case as a list: type a reference ("190 ч.2"), add it (the button or
// Enter), remove any. The server checks the references; its error is shown under the list.
import { useId, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useI18n } from '../app/i18n';
import { TextField } from '../app/ui';
import { addArticle } from './types';

export interface ArticlesFieldProps {
  articles: string[];
  onChange: (articles: string[]) => void;
  /** What is typed but not yet added; the form adds it on submit. */
  pending: string;
  onPendingChange: (text: string) => void;
  error: string | null;
}

export function ArticlesField({
  articles,
  onChange,
  pending,
  onPendingChange,
  error,
}: ArticlesFieldProps) {
  const { t } = useI18n();
  const errorId = useId();
  const [announcement, setAnnouncement] = useState('');

  function add() {
    const next = addArticle(articles, pending);
    if (next.length !== articles.length) setAnnouncement(t('cases.articles.added'));
    onChange(next);
    onPendingChange('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add();
  }

  return (
    <fieldset
      className={error ? 'fieldset field-invalid' : 'fieldset'}
      aria-describedby={error ? errorId : undefined}
      data-testid="case-form-articles"
    >
      <legend>{t('cases.field.articles')}</legend>
      {articles.length === 0 ? (
        <p className="field-hint">{t('cases.articles.none')}</p>
      ) : (
        <ul className="article-list">
          {articles.map((article) => (
            <li key={article} className="article-item" data-testid="case-form-article-item">
              <span className="article">{article}</span>
              <button
                type="button"
                className="button button-small"
                onClick={() => {
                  onChange(articles.filter((other) => other !== article));
                  setAnnouncement(t('cases.articles.removed'));
                }}
                aria-label={t('cases.articles.remove_named', { article })}
                data-testid="case-form-article-remove"
                data-article={article}
              >
                {t('common.remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="field-row">
        <TextField
          label={t('cases.articles.new')}
          value={pending}
          onChange={onPendingChange}
          onKeyDown={onKeyDown}
          hint={t('cases.articles.hint')}
          spellCheck={false}
          autoComplete="off"
          maxLength={40}
          testId="case-form-article"
        />
        <button type="button" className="button" onClick={add} data-testid="case-form-article-add">
          {t('cases.articles.add')}
        </button>
      </div>
      {error ? (
        <p id={errorId} className="field-error" data-testid="case-form-articles-error">
          {error}
        </p>
      ) : null}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
    </fieldset>
  );
}
