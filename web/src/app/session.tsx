// The signed-in session: who the user is, the CSRF token, and what happens when the session ends
// (signed out, expired by the server, or idle for longer than the server allows).
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';
import { api, ApiError } from './api';
import { useI18n } from './i18n';
import { currentHref, navigate } from './router';
import { isLanguage } from './types';
import type { Session, SignInAnswer } from './types';

export type SessionStatus = 'loading' | 'signed_out' | 'signed_in';

/** Why the user is on the sign-in page, shown there once. */
export type SignInNotice = 'session_expired' | 'signed_out' | null;

export interface SessionState {
  status: SessionStatus;
  session: Session | null;
  notice: SignInNotice;
  /** Takes a session from the server (sign-in, enrolment, PATCH /me) as the current one. */
  acceptSession: (session: Session) => void;
  signOut: () => Promise<void>;
  /** Remembers where to go after the next sign-in. */
  rememberReturnPath: (href: string) => void;
  /** Where to go after sign-in: the remembered page or home. Forgets it. */
  takeReturnPath: () => string;
  clearNotice: () => void;
}

const RETURN_KEY = 'threathub.return_to';
// How long after the server's idle limit the client checks, so that the server has surely
// expired the session by then.
const IDLE_MARGIN_MS = 3000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The session inside a sign-in or TOTP answer, whichever shape the server used. */
export function sessionFromAnswer(answer: SignInAnswer | Session): Session | null {
  if ('user' in answer && answer.user !== undefined) return answer;
  if ('session' in answer && answer.session !== undefined) {
    const session = answer.session;
    if (session.csrf_token === undefined && answer.csrf_token !== undefined) {
      return { ...session, csrf_token: answer.csrf_token };
    }
    return session;
  }
  return null;
}

/** A return path is only ever a path inside this app. */
export function safeReturnPath(value: string | null): string {
  if (value === null || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (value.startsWith('/signin') || value.startsWith('/enroll')) return '/';
  return value;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const { setLanguage } = useI18n();
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<SignInNotice>(null);
  const statusRef = useRef<SessionStatus>('loading');
  const sessionRef = useRef<Session | null>(null);
  const timerRef = useRef<number | null>(null);

  const rememberReturnPath = useCallback((href: string) => {
    try {
      window.sessionStorage.setItem(RETURN_KEY, safeReturnPath(href));
    } catch {
      // Without storage the user lands on home after signing in.
    }
  }, []);

  const takeReturnPath = useCallback((): string => {
    let stored: string | null = null;
    try {
      stored = window.sessionStorage.getItem(RETURN_KEY);
      window.sessionStorage.removeItem(RETURN_KEY);
    } catch {
      stored = null;
    }
    return safeReturnPath(stored);
  }, []);

  const clearTimer = useCallback(() => {
    if (timerRef.current !== null) {
      window.clearTimeout(timerRef.current);
      timerRef.current = null;
    }
  }, []);

  const dropSession = useCallback(
    (why: SignInNotice) => {
      clearTimer();
      api.setCsrfToken(null);
      sessionRef.current = null;
      statusRef.current = 'signed_out';
      setSession(null);
      setStatus('signed_out');
      setNotice(why);
    },
    [clearTimer],
  );

  const acceptSession = useCallback(
    (next: Session) => {
      api.setCsrfToken(next.csrf_token);
      sessionRef.current = next;
      statusRef.current = 'signed_in';
      setSession(next);
      setStatus('signed_in');
      setNotice(null);
      if (isLanguage(next.user.language)) setLanguage(next.user.language);
    },
    [setLanguage],
  );

  // The session is gone on the server: go to sign-in and come back here afterwards.
  const expire = useCallback(() => {
    if (statusRef.current !== 'signed_in') return;
    const here = currentHref();
    if (!here.startsWith('/signin')) rememberReturnPath(here);
    dropSession('session_expired');
    navigate('/signin', { replace: true });
  }, [dropSession, rememberReturnPath]);

  // Mirrors the server's idle and absolute limits: when either has passed since the last answer
  // from the server, ask the server; a 401 there ends the session through `expire`.
  const armTimer = useCallback(() => {
    clearTimer();
    const current = sessionRef.current;
    if (current === null) return;
    const idleMs = Math.max(1, current.idle_timeout_seconds) * 1000 + IDLE_MARGIN_MS;
    const absoluteMs = Date.parse(current.expires_at) - Date.now() + IDLE_MARGIN_MS;
    const waitMs = Math.min(
      idleMs,
      Number.isFinite(absoluteMs) ? absoluteMs : idleMs,
      MAX_TIMER_MS,
    );
    timerRef.current = window.setTimeout(
      () => {
        timerRef.current = null;
        api
          .get<Session>('/api/v1/session')
          .then((fresh) => acceptSession(fresh))
          .catch(() => {
            // A 401 already went to `expire`; other failures leave the session as it was.
          });
      },
      Math.max(0, waitMs),
    );
  }, [acceptSession, clearTimer]);

  useEffect(() => {
    api.onSessionLoss(() => expire());
    api.onActivity(() => {
      if (statusRef.current === 'signed_in') armTimer();
    });
    return () => {
      api.onSessionLoss(null);
      api.onActivity(null);
    };
  }, [armTimer, expire]);

  useEffect(() => {
    if (status === 'signed_in') armTimer();
    else clearTimer();
    return clearTimer;
  }, [status, session, armTimer, clearTimer]);

  // Is there a session already (a reload, a second tab)?
  useEffect(() => {
    let cancelled = false;
    api
      .get<Session>('/api/v1/session', { public: true })
      .then((found) => {
        if (!cancelled) acceptSession(found);
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        dropSession(
          error instanceof ApiError && error.reason === 'session_expired'
            ? 'session_expired'
            : null,
        );
      });
    return () => {
      cancelled = true;
    };
  }, [acceptSession, dropSession]);

  const signOut = useCallback(async () => {
    try {
      await api.post<void>('/api/v1/auth/logout', undefined, { public: true });
    } catch {
      // The session ends here in any case; the server also ends it when it times out.
    }
    try {
      window.sessionStorage.removeItem(RETURN_KEY);
    } catch {
      // Nothing remembered.
    }
    dropSession('signed_out');
    navigate('/signin', { replace: true });
  }, [dropSession]);

  const clearNotice = useCallback(() => setNotice(null), []);

  const value = useMemo<SessionState>(
    () => ({
      status,
      session,
      notice,
      acceptSession,
      signOut,
      rememberReturnPath,
      takeReturnPath,
      clearNotice,
    }),
    [
      status,
      session,
      notice,
      acceptSession,
      signOut,
      rememberReturnPath,
      takeReturnPath,
      clearNotice,
    ],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The current session where the page is only shown to signed-in users. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (session === null) throw new Error('useSignedIn without a session');
  return session;
}
