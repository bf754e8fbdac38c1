import { describe, expect, it } from 'vitest';
import { groupSecret } from '../auth/TotpEnrollPage';
import { normaliseCode } from '../auth/SignInPage';
import { matchesStatus } from '../admin/UsersPanel';
import { generatePassword } from '../admin/password';
import { safeReturnPath, sessionFromAnswer } from './session';
import type { Session, User } from './types';

const user: User = {
  id: 1,
  username: 'aliya',
  display_name: 'Әлия',
  email: null,
  agency_id: 2,
  agency_name: 'ДП г. Алматы',
  roles: ['investigator'],
  disabled: false,
  locked: false,
  totp_enabled: true,
  language: 'kk',
  time_zone: 'Asia/Almaty',
  created_at: '2026-11-27T00:24:38.123Z',
};
const session: Session = {
  user,
  csrf_token: 'csrf',
  stage: 'full',
  idle_timeout_seconds: 1800,
  expires_at: '2026-11-27T12:24:38.123Z',
};

describe('sessionFromAnswer', () => {
  it('takes the session of a sign-in answer', () => {
    expect(sessionFromAnswer({ status: 'ok', token: 't', csrf_token: 'csrf', session })).toEqual(
      session,
    );
  });
  it('takes a bare session (TOTP answer spread with the session)', () => {
    expect(sessionFromAnswer(session)).toEqual(session);
  });
  it('fills the CSRF token from the answer when the session lacks it', () => {
    const { csrf_token: _dropped, ...withoutToken } = session;
    const answer = { status: 'ok' as const, csrf_token: 'outer', session: withoutToken as Session };
    expect(sessionFromAnswer(answer)?.csrf_token).toBe('outer');
  });
  it('has none for totp_required', () => {
    expect(sessionFromAnswer({ status: 'totp_required', challenge: 'c' })).toBeNull();
  });
});

describe('safeReturnPath', () => {
  it('keeps paths inside the app only', () => {
    expect(safeReturnPath('/audit?actor=x')).toBe('/audit?actor=x');
    expect(safeReturnPath(null)).toBe('/');
    expect(safeReturnPath('https://elsewhere.example/')).toBe('/');
    expect(safeReturnPath('//elsewhere.example/')).toBe('/');
    expect(safeReturnPath('/signin')).toBe('/');
  });
});

describe('small helpers', () => {
  it('groups a TOTP secret and strips spaces from a code', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDE')).toBe('ABCD E');
    expect(normaliseCode(' 123 456 ')).toBe('123456');
  });

  it('filters users by status', () => {
    expect(matchesStatus({ ...user, locked: true }, 'locked')).toBe(true);
    expect(matchesStatus({ ...user, locked: true }, 'active')).toBe(false);
    expect(matchesStatus({ ...user, disabled: true }, 'disabled')).toBe(true);
    expect(matchesStatus(user, 'all')).toBe(true);
  });

  it('generates passwords that meet the policy', () => {
    const passwords = new Set(Array.from({ length: 20 }, () => generatePassword()));
    expect(passwords.size).toBe(20);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
  });
});
