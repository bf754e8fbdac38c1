// Sign-in: the legal notice (banner) to accept, username and password, then the TOTP code when
// the account has one. Enrolment, when required, follows in TotpEnrollPage.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { sessionFromAnswer, useSession } from '../app/session';
import type { Banner, SignInAnswer } from '../app/types';
import { CheckboxField, FormError, Notice, PageHeader, TextField } from '../app/ui';

type Step = 'password' | 'totp';

/** Digits only: authenticator apps show "123 456". */
export function normaliseCode(code: string): string {
  return code.replace(/\s+/g, '');
}

export function SignInPage() {
  const { t } = useI18n();
  const { notice, acceptSession, clearNotice } = useSession();
  const [banner, setBanner] = useState<Banner | null>(null);
  const [bannerError, setBannerError] = useState<unknown>(null);
  const [bannerAttempt, setBannerAttempt] = useState(0);
  const [accepted, setAccepted] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<Step>('password');
  const [challenge, setChallenge] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setBannerError(null);
    api
      .get<Banner>('/api/v1/auth/banner', { public: true })
      .then((answer) => {
        if (!cancelled) setBanner(answer);
      })
      .catch((failure: unknown) => {
        if (!cancelled) setBannerError(failure);
      });
    return () => {
      cancelled = true;
    };
  }, [bannerAttempt]);

  function takeAnswer(answer: SignInAnswer) {
    if (answer.status === 'totp_required') {
      setChallenge(answer.challenge);
      setCode('');
      setStep('totp');
      return;
    }
    const session = sessionFromAnswer(answer);
    if (session === null) {
      setError(new ApiError(0, { code: 'internal', message: '', reason: 'bad_json' }));
      return;
    }
    // The router moves on: to enrolment when the stage is "enroll", else back to where the user was.
    acceptSession(session);
  }

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!accepted) {
      setError(
        new ApiError(0, { code: 'invalid_argument', message: '', reason: 'banner_not_accepted' }),
      );
      return;
    }
    if (username.trim() === '' || password === '') {
      setError(
        new ApiError(0, { code: 'invalid_argument', message: '', reason: 'credentials_missing' }),
      );
      return;
    }
    setBusy(true);
    setError(null);
    clearNotice();
    try {
      const answer = await api.post<SignInAnswer>(
        '/api/v1/auth/login',
        { username: username.trim(), password, banner_accepted: true },
        { public: true },
      );
      setPassword('');
      takeAnswer(answer);
    } catch (failure) {
      setPassword('');
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (normaliseCode(code) === '') {
      setError(new ApiError(0, { code: 'invalid_argument', message: '', reason: 'code_missing' }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<SignInAnswer>(
        '/api/v1/auth/totp',
        { challenge, code: normaliseCode(code) },
        { public: true },
      );
      takeAnswer(answer);
    } catch (failure) {
      setCode('');
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  function backToPassword() {
    setStep('password');
    setChallenge('');
    setCode('');
    setError(null);
  }

  const reason = error instanceof ApiError ? (error.reason ?? error.code) : undefined;
  const errorBox =
    error === null ? null : (
      <p className="form-error" role="alert" data-testid="login-error" data-reason={reason}>
        {errorMessage(t, error)}
      </p>
    );

  return (
    <section className="page page-signin" data-testid="page-signin">
      <div className="signin-card">
        <PageHeader title={t('signin.title')} testId="page-title" />
        {notice === 'session_expired' && (
          <Notice testId="login-notice" tone="warning">
            {t('signin.notice.session_expired')}
          </Notice>
        )}
        {notice === 'signed_out' && (
          <Notice testId="login-notice">{t('signin.notice.signed_out')}</Notice>
        )}

        {step === 'password' ? (
          <form onSubmit={submitPassword} noValidate>
            <section className="banner" aria-labelledby="signin-banner-heading">
              <h2 id="signin-banner-heading">{t('signin.banner.heading')}</h2>
              {banner !== null && (
                <div className="banner-text" data-testid="login-banner">
                  {banner.banner}
                </div>
              )}
              {banner === null && bannerError === null && (
                <p className="loading">{t('common.loading')}</p>
              )}
              {bannerError !== null && (
                <div>
                  <FormError message={errorMessage(t, bannerError)} testId="login-banner-error" />
                  <button
                    type="button"
                    className="button"
                    onClick={() => setBannerAttempt((attempt) => attempt + 1)}
                    data-testid="login-banner-retry"
                  >
                    {t('common.retry')}
                  </button>
                </div>
              )}
              <CheckboxField
                label={t('signin.banner.accept')}
                checked={accepted}
                onChange={setAccepted}
                testId="login-banner-accept"
              />
            </section>
            <TextField
              label={t('signin.username')}
              value={username}
              onChange={setUsername}
              autoComplete="username"
              required
              autoFocus
              spellCheck={false}
              name="username"
              testId="login-username"
            />
            <TextField
              label={t('signin.password')}
              type="password"
              value={password}
              onChange={setPassword}
              autoComplete="current-password"
              required
              name="password"
              testId="login-password"
            />
            {errorBox}
            <div className="form-actions">
              <button
                type="submit"
                className="button button-primary"
                disabled={busy}
                data-testid="login-submit"
              >
                {busy ? t('signin.submitting') : t('signin.submit')}
              </button>
            </div>
          </form>
        ) : (
          <form onSubmit={submitCode} noValidate data-testid="login-totp-step">
            <h2>{t('signin.totp.heading')}</h2>
            <p>{t('signin.totp.text')}</p>
            <TextField
              label={t('signin.totp.code')}
              value={code}
              onChange={setCode}
              autoComplete="one-time-code"
              inputMode="numeric"
              inputClassName="input-code"
              required
              autoFocus
              maxLength={10}
              name="code"
              testId="totp-code"
            />
            {errorBox}
            <div className="form-actions">
              <button
                type="submit"
                className="button button-primary"
                disabled={busy}
                data-testid="totp-submit"
              >
                {t('signin.totp.submit')}
              </button>
              <button
                type="button"
                className="button"
                onClick={backToPassword}
                data-testid="totp-back"
              >
                {t('common.back')}
              </button>
            </div>
          </form>
        )}
      </div>
    </section>
  );
}
