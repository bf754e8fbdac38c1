import { api } from './api';
import { useI18n } from './i18n';
import { useSession } from './session';
import { LANGUAGES } from './types';
import type { Language, Session } from './types';

/** kk / ru / en buttons; a signed-in user's choice is saved to the account. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  const { session, acceptSession } = useSession();

  function choose(next: Language) {
    setLanguage(next);
    if (session === null || session.stage !== 'full' || session.user.language === next) return;
    api
      .patch<Session>('/api/v1/me', { language: next })
      .then((updated) =>
        acceptSession({ ...updated, csrf_token: updated.csrf_token ?? session.csrf_token }),
      )
      .catch(() => {
        // The page is shown in the chosen language anyway; it is only not remembered.
      });
  }

  return (
    <div className="language-switch" role="group" aria-label={t('language.switch_label')}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          className={
            code === language ? 'language-button language-button-current' : 'language-button'
          }
          aria-pressed={code === language}
          lang={code}
          title={t(`language.name.${code}`)}
          onClick={() => choose(code)}
          data-testid={`lang-${code}`}
        >
          {t(`language.short.${code}`)}
        </button>
      ))}
    </div>
  );
}
