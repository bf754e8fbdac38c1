// Shapes of the JSON the server answers with (docs/api.md). Times are RFC 3339 strings in UTC.

export const ROLES = [
  'admin',
  'supervisor',
  'investigator',
  'analyst',
  'prosecutor',
  'trainer',
  'trainee',
] as const;
export type Role = (typeof ROLES)[number];

export const LANGUAGES = ['kk', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

export interface User {
  id: number | string;
  username: string;
  display_name: string;
  email: string | null;
  agency_id: number | string;
  agency_name: string;
  roles: string[];
  disabled: boolean;
  locked: boolean;
  totp_enabled: boolean;
  language: string;
  time_zone: string;
  created_at: string;
}

export interface SessionUser extends User {
  permissions?: string[];
}

export type SessionStage = 'full' | 'enroll';

export interface Session {
  user: SessionUser;
  csrf_token: string;
  stage: SessionStage;
  idle_timeout_seconds: number;
  expires_at: string;
}

export interface Banner {
  banner: string;
  totp_required: boolean;
}

export interface Region {
  id: number | string;
  code: string;
  name: string;
  created_at: string;
}

export interface Agency {
  id: number | string;
  region_id: number | string;
  code: string;
  name: string;
  national: boolean;
  disabled: boolean;
  created_at: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor_id: number | string | null;
  actor_name: string | null;
  agency_id: number | string | null;
  action: string;
  object_type: string | null;
  object_id: string | number | null;
  client: string | null;
  outcome: string;
  request_id: string | null;
  detail: unknown;
}

export interface AuditPage {
  records: AuditRecord[];
  next_before_id: number | null;
}

// Sign-in answers (POST /api/v1/auth/login and /api/v1/auth/totp).
export interface SignInOk {
  status: 'ok';
  token?: string;
  csrf_token?: string;
  session?: Session;
}
export interface SignInTotpRequired {
  status: 'totp_required';
  challenge: string;
}
export interface SignInEnrollmentRequired {
  status: 'totp_enrollment_required';
  token?: string;
  csrf_token?: string;
  session?: Session;
}
export type SignInAnswer = SignInOk | SignInTotpRequired | SignInEnrollmentRequired;

export interface TotpEnrollment {
  secret: string;
  otpauth_uri: string;
}
