// TOTP enrolment: a fresh secret from the server, shown as a QR code and as text, confirmed with
// a code from the user's authenticator app. Required before first use when the server says
// `totp_enrollment_required`; also reachable from Profile to set up a new device.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { sessionFromAnswer, useSession } from '../app/session';
import type { Session, TotpEnrollment } from '../app/types';
import { FormError, Loading, Notice, PageHeader, TextField } from '../app/ui';
import { QrCode } from './QrCode';
import { normaliseCode } from './SignInPage';

/** "JBSW Y3DP EHPK 3PXP": easier to read aloud and to type. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export function TotpEnrollPage({ mode }: { mode: 'required' | 'profile' }) {
  const { t } = useI18n();
  const { session, acceptSession } = useSession();
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  // One secret per visit: React's development double-run of effects must not ask twice.
  const requested = useRef<number | null>(null);

  useEffect(() => {
    if (requested.current === attempt) return;
    requested.current = attempt;
    setLoadError(null);
    api.post<TotpEnrollment>('/api/v1/me/totp/enroll').then(setEnrollment).catch(setLoadError);
  }, [attempt]);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const digits = normaliseCode(code);
    if (digits === '') {
      setError(new ApiError(0, { code: 'invalid_argument', message: '', reason: 'code_missing' }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<Session>('/api/v1/me/totp/confirm', { code: digits });
      const next = sessionFromAnswer(answer);
      if (mode === 'profile') setDone(true);
      // In the required mode the router now leaves this page for the one the user asked for.
      if (next !== null)
        acceptSession({ ...next, csrf_token: next.csrf_token ?? session?.csrf_token ?? '' });
    } catch (failure) {
      setCode('');
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  // A wrong or missing code is shown beside the field; anything else (network, server) for the form.
  const aboutCode =
    error instanceof ApiError &&
    (error.reason === 'bad_totp' ||
      error.reason === 'code_missing' ||
      error.field === 'code' ||
      error.code === 'invalid_argument');
  const codeError = error !== null && aboutCode ? errorMessage(t, error) : null;
  const formError = error !== null && !aboutCode ? errorMessage(t, error) : null;

  return (
    <section className="page page-enroll" data-testid="page-enroll">
      <PageHeader title={t('enroll.title')} testId="page-title" />
      {mode === 'required' && (
        <Notice testId="enroll-required" tone="warning">
          {t('enroll.required')}
        </Notice>
      )}
      {done ? (
        <div>
          <Notice testId="enroll-done" tone="success">
            {t('enroll.done')}
          </Notice>
          <Link to="/profile" className="button" data-testid="enroll-back">
            {t('enroll.back_to_profile')}
          </Link>
        </div>
      ) : (
        <>
          {loadError !== null && (
            <div>
              <FormError message={errorMessage(t, loadError)} testId="enroll-load-error" />
              <button
                type="button"
                className="button"
                onClick={() => setAttempt((value) => value + 1)}
              >
                {t('common.retry')}
              </button>
            </div>
          )}
          {enrollment === null && loadError === null && <Loading />}
          {enrollment !== null && (
            <ol className="enroll-steps">
              <li>
                <p>{t('enroll.step_app')}</p>
              </li>
              <li>
                <p>{t('enroll.step_scan')}</p>
                <QrCode
                  text={enrollment.otpauth_uri}
                  label={t('enroll.qr_alt')}
                  testId="enroll-qr"
                />
                <p className="enroll-key-label" id="enroll-key-label">
                  {t('enroll.key_label')}
                </p>
                <code
                  className="enroll-key"
                  aria-labelledby="enroll-key-label"
                  data-otpauth-uri={enrollment.otpauth_uri}
                  data-testid="enroll-secret"
                >
                  {groupSecret(enrollment.secret)}
                </code>
              </li>
              <li>
                <form onSubmit={confirm} noValidate>
                  <p>{t('enroll.step_confirm')}</p>
                  <TextField
                    label={t('enroll.code')}
                    value={code}
                    onChange={setCode}
                    autoComplete="one-time-code"
                    inputMode="numeric"
                    inputClassName="input-code"
                    maxLength={10}
                    required
                    error={codeError}
                    testId="enroll-code"
                  />
                  <FormError message={formError} testId="enroll-error" />
                  <div className="form-actions">
                    <button
                      type="submit"
                      className="button button-primary"
                      disabled={busy}
                      data-testid="enroll-confirm"
                    >
                      {t('enroll.confirm')}
                    </button>
                    {mode === 'profile' && (
                      <Link to="/profile" className="button" data-testid="enroll-cancel">
                        {t('common.cancel')}
                      </Link>
                    )}
                  </div>
                </form>
              </li>
            </ol>
          )}
        </>
      )}
    </section>
  );
}
