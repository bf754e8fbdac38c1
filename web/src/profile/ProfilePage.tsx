// Profile: display name, language and time zone; password change; two-factor sign-in.
import { useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { hasKey, useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { useSession, useSignedIn } from '../app/session';
import { DEFAULT_TIME_ZONE, KAZAKHSTAN_TIME_ZONES, listTimeZones } from '../app/time';
import { isLanguage, LANGUAGES } from '../app/types';
import type { Language, Session } from '../app/types';
import { FormError, Notice, PageHeader, SelectField, TextField, useErrorText } from '../app/ui';

const PREFERENCE_FIELDS = ['display_name', 'language', 'time_zone'] as const;
const PASSWORD_FIELDS = ['current_password', 'new_password', 'confirm_password'] as const;
export const MIN_PASSWORD_LENGTH = 12;

function PreferencesForm() {
  const { t, setLanguage } = useI18n();
  const session = useSignedIn();
  const { acceptSession } = useSession();
  const { user } = session;
  const [displayName, setDisplayName] = useState(user.display_name);
  const [language, setLanguageChoice] = useState<Language>(
    isLanguage(user.language) ? user.language : 'kk',
  );
  const [timeZone, setTimeZone] = useState(user.time_zone || DEFAULT_TIME_ZONE);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, PREFERENCE_FIELDS);
  const zones = useMemo(() => listTimeZones(timeZone), [timeZone]);

  // The language may also change from the top bar's switch while this form is open.
  useEffect(() => {
    if (isLanguage(user.language)) setLanguageChoice(user.language);
  }, [user.language]);
  const kazakhstan = KAZAKHSTAN_TIME_ZONES as readonly string[];

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api.patch<Session>('/api/v1/me', {
        display_name: displayName.trim(),
        language,
        time_zone: timeZone,
      });
      acceptSession({ ...updated, csrf_token: updated.csrf_token ?? session.csrf_token });
      setLanguage(language);
      setSaved(true);
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
      aria-labelledby="profile-preferences-title"
      data-testid="profile-preferences"
    >
      <h2 id="profile-preferences-title">{t('profile.preferences')}</h2>
      <TextField
        label={t('profile.display_name')}
        value={displayName}
        onChange={setDisplayName}
        autoComplete="name"
        error={errors.forField('display_name')}
        testId="profile-display-name"
      />
      <SelectField
        label={t('profile.language')}
        value={language}
        onChange={(value) => {
          if (isLanguage(value)) setLanguageChoice(value);
        }}
        error={errors.forField('language')}
        testId="profile-language"
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`language.name.${code}`)}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t('profile.time_zone')}
        value={timeZone}
        onChange={setTimeZone}
        error={errors.forField('time_zone')}
        testId="profile-timezone"
      >
        <optgroup label={t('profile.time_zone_kazakhstan')}>
          {kazakhstan.map((zone) => (
            <option key={`kz-${zone}`} value={zone}>
              {zone}
            </option>
          ))}
        </optgroup>
        <optgroup label={t('profile.time_zone_all')}>
          {zones
            .filter((zone) => !kazakhstan.includes(zone))
            .map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
        </optgroup>
      </SelectField>
      <FormError message={errors.forForm} testId="profile-error" />
      {saved && (
        <Notice testId="profile-saved" tone="success">
          {t('profile.saved')}
        </Notice>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="profile-save"
        >
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}

function PasswordForm() {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, PASSWORD_FIELDS);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setChanged(false);
    if (next.length < MIN_PASSWORD_LENGTH) {
      setError(
        new ApiError(0, {
          code: 'invalid_argument',
          message: '',
          field: 'new_password',
          reason: 'password_too_short',
        }),
      );
      return;
    }
    if (next !== confirm) {
      setError(
        new ApiError(0, {
          code: 'invalid_argument',
          message: '',
          field: 'confirm_password',
          reason: 'passwords_differ',
        }),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post<void>('/api/v1/me/password', {
        current_password: current,
        new_password: next,
      });
      setCurrent('');
      setNext('');
      setConfirm('');
      setChanged(true);
    } catch (failure) {
      // A wrong current password is that field's error, whatever the server calls it.
      if (
        failure instanceof ApiError &&
        failure.reason === 'bad_credentials' &&
        failure.field === undefined
      ) {
        setError(
          new ApiError(failure.status, {
            code: failure.code,
            message: '',
            field: 'current_password',
            reason: 'bad_current_password',
          }),
        );
      } else {
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel"
      onSubmit={submit}
      noValidate
      aria-labelledby="profile-password-title"
      data-testid="profile-password"
    >
      <h2 id="profile-password-title">{t('profile.password.title')}</h2>
      <TextField
        label={t('profile.password.current')}
        type="password"
        value={current}
        onChange={setCurrent}
        autoComplete="current-password"
        required
        error={errors.forField('current_password')}
        testId="password-current"
      />
      <TextField
        label={t('profile.password.new')}
        type="password"
        value={next}
        onChange={setNext}
        autoComplete="new-password"
        required
        hint={t('profile.password.rule', { count: MIN_PASSWORD_LENGTH })}
        error={errors.forField('new_password')}
        testId="password-new"
      />
      <TextField
        label={t('profile.password.confirm')}
        type="password"
        value={confirm}
        onChange={setConfirm}
        autoComplete="new-password"
        required
        error={errors.forField('confirm_password')}
        testId="password-confirm"
      />
      <FormError message={errors.forForm} testId="password-error" />
      {changed && (
        <Notice testId="password-changed" tone="success">
          {t('profile.password.changed')}
        </Notice>
      )}
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={busy}
          data-testid="password-submit"
        >
          {t('profile.password.submit')}
        </button>
      </div>
    </form>
  );
}

export function ProfilePage() {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const roles = user.roles.map((role) => {
    const key = `role.${role}`;
    return hasKey(key) ? t(key) : role;
  });
  return (
    <section className="page" data-testid="page-profile">
      <PageHeader title={t('profile.title')} testId="page-title" />
      <section className="panel" aria-labelledby="profile-account-title">
        <h2 id="profile-account-title">{t('profile.account')}</h2>
        <dl className="facts">
          <dt>{t('profile.username')}</dt>
          <dd data-testid="profile-username">{user.username}</dd>
          <dt>{t('profile.agency')}</dt>
          <dd>{user.agency_name}</dd>
          <dt>{t('profile.roles')}</dt>
          <dd>{roles.length > 0 ? roles.join(', ') : t('common.none')}</dd>
        </dl>
      </section>
      <PreferencesForm />
      <PasswordForm />
      <section className="panel" aria-labelledby="profile-totp-title" data-testid="profile-totp">
        <h2 id="profile-totp-title">{t('profile.totp.title')}</h2>
        <p data-testid="profile-totp-status" data-state={user.totp_enabled ? 'on' : 'off'}>
          {user.totp_enabled ? t('profile.totp.on') : t('profile.totp.off')}
        </p>
        <Link to="/profile/totp" className="button" data-testid="profile-totp-setup">
          {user.totp_enabled ? t('profile.totp.replace') : t('profile.totp.set_up')}
        </Link>
      </section>
    </section>
  );
}
