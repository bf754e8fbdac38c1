// Turning an ApiError into words for the user, in the user's language.
import { ApiError } from './api';
import { hasKey } from './i18n';
import type { TranslationKey, TranslationParams } from './i18n';

/** Reasons (docs/api.md) that have their own message: `error.reason.<reason>`. */
export const KNOWN_REASONS = [
  'bad_credentials',
  'account_locked',
  'account_disabled',
  'bad_totp',
  'banner_not_accepted',
  'session_expired',
  'csrf_missing',
  'totp_enrollment_required',
  'password_too_short',
  'network',
  'credentials_missing',
  'code_missing',
  'passwords_differ',
  'bad_current_password',
  'bad_json',
  'payload_too_large',
  'too_large',
  'disk_full',
  'two_person_rule',
] as const;

/** Codes (docs/api.md) with a message: `error.code.<code>`. */
export const KNOWN_CODES = [
  'invalid_argument',
  'unauthenticated',
  'permission_denied',
  'not_found',
  'already_exists',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'payload_too_large',
  'resource_exhausted',
  'deadline_exceeded',
  'unimplemented',
  'unavailable',
  'internal',
  'unknown',
] as const;

type Translate = (key: TranslationKey, params?: TranslationParams) => string;

/** A sentence for any failure; the server's own words are added when no translation fits. */
export function errorMessage(t: Translate, error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.code.unknown');
  if (error.reason !== undefined) {
    const reasonKey = `error.reason.${error.reason}`;
    if (hasKey(reasonKey)) return t(reasonKey);
  }
  const codeKey = `error.code.${error.code}`;
  const general = t(hasKey(codeKey) ? codeKey : 'error.code.unknown');
  return error.message === ''
    ? general
    : t('error.with_detail', { message: general, detail: error.message });
}

/** The error's field if it is one of `fields`, so it can be shown beside that field. */
export function errorField<F extends string>(error: unknown, fields: readonly F[]): F | null {
  if (!(error instanceof ApiError) || error.field === undefined) return null;
  return (fields as readonly string[]).includes(error.field) ? (error.field as F) : null;
}
