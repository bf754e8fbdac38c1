// A stand-in for `threathub serve`, implementing docs/api.md in memory, for developing the web
// app and its browser tests before (or without) the C++ server. It also serves dist/ the way
// the real server must: the same Content-Security-Policy and the SPA fallback to index.html.
// Not a reference for the server's behaviour where docs/api.md is silent.
//
//   node e2e/mock_server.mjs [--port 8090] [--idle-seconds 1800] [--dist dist] [--no-totp]
//
// Demo accounts (printed at start): admin (national administrator), aliya (investigator),
// serik (supervisor). Each must enrol TOTP at first sign-in unless --no-totp is given.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSecret, timeStep, totp } from './totp.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : process.argv[index + 1];
}
const PORT = Number(option('port', process.env.PORT ?? 8090));
const IDLE_SECONDS = Number(option('idle-seconds', 1800));
const ABSOLUTE_SECONDS = 12 * 3600;
const DIST = resolve(option('dist', fileURLToPath(new URL('../dist', import.meta.url))));
const TOTP_REQUIRED = !process.argv.includes('--no-totp');
const COOKIE = '__Host-threathub';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const PERMISSIONS_BY_ROLE = {
  admin: ['org.read', 'org.manage', 'users.read', 'users.manage', 'audit.read'],
  supervisor: ['org.read', 'users.read', 'audit.read'],
  investigator: [],
  analyst: [],
  prosecutor: [],
  trainer: [],
  trainee: [],
};
const ROLES = Object.keys(PERMISSIONS_BY_ROLE);

const now = () => new Date().toISOString();
let nextId = 1;
const id = () => nextId++;

// ---- data ----
const regions = [];
const agencies = [];
const users = [];
const sessions = new Map(); // token hash -> session
const challenges = new Map(); // challenge -> {userId, expires}
const audit = [];

function addRegion(code, name) {
  const region = { id: id(), code, name, created_at: now() };
  regions.push(region);
  return region;
}
function addAgency(region, code, name, national = false) {
  const agency = {
    id: id(),
    region_id: region.id,
    code,
    name,
    national,
    disabled: false,
    created_at: now(),
  };
  agencies.push(agency);
  return agency;
}
function addUser({ username, display_name, agency, roles, password, email = null }) {
  const user = {
    id: id(),
    username,
    display_name,
    email,
    agency_id: agency.id,
    roles,
    disabled: false,
    locked: false,
    failures: 0,
    totp_secret: null,
    pending_secret: null,
    last_totp_step: -1,
    language: 'en',
    time_zone: 'Asia/Almaty',
    password,
    created_at: now(),
  };
  users.push(user);
  return user;
}

const almaty = addRegion('ALA', 'Алматы қаласы');
const astana = addRegion('AST', 'Астана қаласы');
addRegion('KAR', 'Қарағанды облысы');
const national = addAgency(astana, 'NCC', 'Киберқылмысқа қарсы республикалық орталық', true);
const almatyPolice = addAgency(almaty, 'ALA-CYB', 'Алматы қ. ПД киберполиция басқармасы');
export const DEMO = {
  admin: 'admin-demo-password-1',
  aliya: 'aliya-demo-password-1',
  serik: 'serik-demo-password-1',
};
addUser({
  username: 'admin',
  display_name: 'Әкімші Демо',
  agency: national,
  roles: ['admin'],
  password: DEMO.admin,
});
addUser({
  username: 'aliya',
  display_name: 'Әлия Қасымова',
  agency: almatyPolice,
  roles: ['investigator'],
  password: DEMO.aliya,
});
addUser({
  username: 'serik',
  display_name: 'Серік Өмірзақов',
  agency: almatyPolice,
  roles: ['supervisor'],
  password: DEMO.serik,
});

// ---- helpers ----
class HttpError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.body = { error: { code, message, ...extra } };
  }
}
const bad = (message, field, reason) =>
  new HttpError(400, 'invalid_argument', message, {
    ...(field ? { field } : {}),
    ...(reason ? { reason } : {}),
  });

function agencyOf(user) {
  return agencies.find((agency) => agency.id === user.agency_id);
}
function permissionsOf(user) {
  const set = new Set(user.roles.flatMap((role) => PERMISSIONS_BY_ROLE[role] ?? []));
  if (user.roles.includes('admin') && agencyOf(user)?.national) set.add('org.manage_all');
  return [...set].sort();
}
function publicUser(user) {
  const agency = agencyOf(user);
  return {
    id: user.id,
    username: user.username,
    display_name: user.display_name,
    email: user.email,
    agency_id: user.agency_id,
    agency_name: agency?.name ?? '',
    roles: user.roles,
    disabled: user.disabled,
    locked: user.locked,
    totp_enabled: user.totp_secret !== null,
    language: user.language,
    time_zone: user.time_zone,
    created_at: user.created_at,
  };
}
function sessionBody(session) {
  const user = users.find((candidate) => candidate.id === session.userId);
  return {
    user: { ...publicUser(user), permissions: permissionsOf(user) },
    csrf_token: session.csrf,
    stage: session.stage,
    idle_timeout_seconds: IDLE_SECONDS,
    expires_at: new Date(session.created + ABSOLUTE_SECONDS * 1000).toISOString(),
  };
}
const hash = (token) => createHash('sha256').update(token).digest('hex');

function record(request, actor, action, objectType, objectId, outcome = 'ok', detail = null) {
  audit.push({
    id: audit.length + 1,
    at: now(),
    actor_id: actor?.id ?? null,
    actor_name: actor?.username ?? null,
    agency_id: actor?.agency_id ?? null,
    action,
    object_type: objectType,
    object_id: objectId === null || objectId === undefined ? null : String(objectId),
    client: request.socket.remoteAddress ?? null,
    outcome,
    request_id: randomBytes(6).toString('hex'),
    detail,
  });
}

function startSession(user, stage) {
  const token = randomBytes(32).toString('base64url');
  const session = {
    userId: user.id,
    csrf: randomBytes(16).toString('base64url'),
    stage,
    created: Date.now(),
    seen: Date.now(),
  };
  sessions.set(hash(token), session);
  return { token, session };
}
function cookieFor(token) {
  return `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Secure; Path=/`;
}

function readCookie(request) {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return null;
}

/** The caller's session, or a 401 (session_expired when it timed out). */
function requireSession(request, { allowEnroll = false } = {}) {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const token = bearer ?? readCookie(request);
  if (!token) throw new HttpError(401, 'unauthenticated', 'sign in first');
  const key = hash(token);
  const session = sessions.get(key);
  if (!session) throw new HttpError(401, 'unauthenticated', 'no such session');
  const user = users.find((candidate) => candidate.id === session.userId);
  if (
    Date.now() - session.seen > IDLE_SECONDS * 1000 ||
    Date.now() - session.created > ABSOLUTE_SECONDS * 1000
  ) {
    sessions.delete(key);
    throw new HttpError(401, 'unauthenticated', 'session expired', { reason: 'session_expired' });
  }
  if (user.disabled) {
    sessions.delete(key);
    throw new HttpError(401, 'unauthenticated', 'account disabled', { reason: 'account_disabled' });
  }
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method) && !bearer) {
    if (request.headers['x-csrf-token'] !== session.csrf) {
      throw new HttpError(403, 'permission_denied', 'missing or wrong X-CSRF-Token', {
        reason: 'csrf_missing',
      });
    }
  }
  if (session.stage === 'enroll' && !allowEnroll) {
    throw new HttpError(403, 'permission_denied', 'enrol TOTP first', {
      reason: 'totp_enrollment_required',
    });
  }
  session.seen = Date.now();
  return { session, user, key };
}
function requirePermission(user, permission) {
  if (!permissionsOf(user).includes(permission))
    throw new HttpError(403, 'permission_denied', `needs ${permission}`);
}

function checkFields(body, allowed) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw bad('body must be a JSON object');
  for (const key of Object.keys(body))
    if (!allowed.includes(key)) throw bad(`unknown field ${key}`, key, 'unknown_field');
}
function requireText(body, field, label = field) {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw bad(`${label}: required`, field, 'required');
  return value.trim();
}
function checkPassword(password, field) {
  if (typeof password !== 'string' || [...password].length < 12) {
    throw bad(`${field}: at least 12 characters`, field, 'password_too_short');
  }
}
function verifyTotp(user, secret, code) {
  const step = timeStep();
  for (const candidate of [step - 1, step, step + 1]) {
    if (candidate <= user.last_totp_step) continue;
    if (totp(secret, { timeMs: candidate * 30_000 }) === String(code)) {
      user.last_totp_step = candidate;
      return true;
    }
  }
  return false;
}
function generatedPassword() {
  return randomBytes(12).toString('base64url');
}

// ---- routes ----
const routes = [];
function route(method, pattern, handler) {
  routes.push({
    method,
    pattern: new RegExp(`^${pattern.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
    handler,
  });
}

route('GET', '/healthz', () => ({ body: { status: 'ok' } }));

route('GET', '/api/v1/auth/banner', () => ({
  body: {
    banner:
      'Бұл мемлекеттік ақпараттық жүйе. Тек рұқсат етілген пайдаланушылар үшін; барлық әрекет тіркеледі.\n' +
      'Это государственная информационная система. Только для уполномоченных пользователей; все действия записываются.\n' +
      'This is a government information system for authorised users only; every action is recorded.',
    totp_required: TOTP_REQUIRED,
  },
}));

route('POST', '/api/v1/auth/login', ({ request, body }) => {
  checkFields(body, ['username', 'password', 'banner_accepted']);
  if (body.banner_accepted !== true)
    throw bad('accept the banner', 'banner_accepted', 'banner_not_accepted');
  const user = users.find((candidate) => candidate.username === body.username);
  const fail = (reason, message) => {
    record(request, user ?? null, 'auth.login', 'user', user?.id ?? null, 'denied', { reason });
    return new HttpError(401, 'unauthenticated', message, { reason });
  };
  if (!user) throw fail('bad_credentials', 'wrong username or password');
  if (user.locked) throw fail('account_locked', 'account locked');
  if (user.disabled) throw fail('account_disabled', 'account disabled');
  if (user.password !== body.password) {
    user.failures += 1;
    if (user.failures >= 5) {
      user.locked = true;
      throw fail('account_locked', 'account locked after 5 failures');
    }
    throw fail('bad_credentials', 'wrong username or password');
  }
  user.failures = 0;
  if (user.totp_secret !== null) {
    const challenge = randomBytes(16).toString('base64url');
    challenges.set(challenge, { userId: user.id, expires: Date.now() + 5 * 60_000 });
    return { body: { status: 'totp_required', challenge } };
  }
  const stage = TOTP_REQUIRED ? 'enroll' : 'full';
  const { token, session } = startSession(user, stage);
  record(request, user, 'auth.login', 'user', user.id);
  return {
    body: {
      status: stage === 'enroll' ? 'totp_enrollment_required' : 'ok',
      token,
      csrf_token: session.csrf,
      session: sessionBody(session),
    },
    headers: { 'Set-Cookie': cookieFor(token) },
  };
});

route('POST', '/api/v1/auth/totp', ({ request, body }) => {
  checkFields(body, ['challenge', 'code']);
  const pending = challenges.get(body.challenge);
  if (!pending || pending.expires < Date.now())
    throw new HttpError(401, 'unauthenticated', 'challenge expired', { reason: 'bad_credentials' });
  const user = users.find((candidate) => candidate.id === pending.userId);
  if (!verifyTotp(user, user.totp_secret, body.code)) {
    record(request, user, 'auth.totp', 'user', user.id, 'denied');
    throw new HttpError(401, 'unauthenticated', 'wrong code', {
      reason: 'bad_totp',
      field: 'code',
    });
  }
  challenges.delete(body.challenge);
  const { token, session } = startSession(user, 'full');
  record(request, user, 'auth.login', 'user', user.id);
  return {
    body: { status: 'ok', token, csrf_token: session.csrf, session: sessionBody(session) },
    headers: { 'Set-Cookie': cookieFor(token) },
  };
});

route('POST', '/api/v1/auth/logout', ({ request }) => {
  const { user, key } = requireSession(request, { allowEnroll: true });
  sessions.delete(key);
  record(request, user, 'auth.logout', 'user', user.id);
  return {
    status: 204,
    headers: { 'Set-Cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=0` },
  };
});

route('GET', '/api/v1/session', ({ request }) => {
  const { session } = requireSession(request, { allowEnroll: true });
  return { body: sessionBody(session) };
});

route('POST', '/api/v1/me/totp/enroll', ({ request }) => {
  const { user } = requireSession(request, { allowEnroll: true });
  user.pending_secret = newSecret();
  const label = encodeURIComponent(`threathub:${user.username}`);
  return {
    body: {
      secret: user.pending_secret,
      otpauth_uri: `otpauth://totp/${label}?secret=${user.pending_secret}&issuer=threathub&algorithm=SHA1&digits=6&period=30`,
    },
  };
});

route('POST', '/api/v1/me/totp/confirm', ({ request, body }) => {
  const { user, session } = requireSession(request, { allowEnroll: true });
  checkFields(body, ['code']);
  if (!user.pending_secret) throw new HttpError(409, 'failed_precondition', 'enrol first');
  if (!verifyTotp(user, user.pending_secret, body.code))
    throw bad('wrong code', 'code', 'bad_totp');
  user.totp_secret = user.pending_secret;
  user.pending_secret = null;
  session.stage = 'full';
  record(request, user, 'user.totp_enroll', 'user', user.id);
  return { body: sessionBody(session) };
});

route('POST', '/api/v1/me/password', ({ request, body }) => {
  const { user } = requireSession(request);
  checkFields(body, ['current_password', 'new_password']);
  if (body.current_password !== user.password)
    throw bad('current password is wrong', 'current_password', 'bad_credentials');
  checkPassword(body.new_password, 'new_password');
  user.password = body.new_password;
  record(request, user, 'user.password_change', 'user', user.id);
  return { status: 204 };
});

route('PATCH', '/api/v1/me', ({ request, body }) => {
  const { user, session } = requireSession(request);
  checkFields(body, ['language', 'time_zone', 'display_name']);
  if (body.language !== undefined) {
    if (!['kk', 'ru', 'en'].includes(body.language))
      throw bad('language: kk, ru or en', 'language');
    user.language = body.language;
  }
  if (body.time_zone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: body.time_zone });
    } catch {
      throw bad('time_zone: unknown zone', 'time_zone');
    }
    user.time_zone = body.time_zone;
  }
  if (body.display_name !== undefined) user.display_name = requireText(body, 'display_name');
  record(request, user, 'user.update_self', 'user', user.id);
  return { body: sessionBody(session) };
});

route('GET', '/api/v1/regions', ({ request }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'org.read');
  return { body: { regions } };
});
route('POST', '/api/v1/regions', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'org.manage_all');
  checkFields(body, ['code', 'name']);
  const code = requireText(body, 'code');
  const name = requireText(body, 'name');
  if (regions.some((region) => region.code === code))
    throw new HttpError(409, 'already_exists', 'code taken', { field: 'code' });
  const region = addRegion(code, name);
  record(request, user, 'region.create', 'region', region.id);
  return { status: 201, body: region };
});
route('PATCH', '/api/v1/regions/{id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'org.manage_all');
  checkFields(body, ['name']);
  const region = regions.find((candidate) => String(candidate.id) === params.id);
  if (!region) throw new HttpError(404, 'not_found', 'no such region');
  region.name = requireText(body, 'name');
  record(request, user, 'region.update', 'region', region.id);
  return { body: region };
});

route('GET', '/api/v1/agencies', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'org.read');
  const regionId = url.searchParams.get('region_id');
  return {
    body: {
      agencies: agencies.filter((agency) => !regionId || String(agency.region_id) === regionId),
    },
  };
});
route('POST', '/api/v1/agencies', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'org.manage_all');
  checkFields(body, ['region_id', 'code', 'name', 'national']);
  const region = regions.find((candidate) => candidate.id === body.region_id);
  if (!region) throw bad('region_id: no such region', 'region_id');
  const code = requireText(body, 'code');
  if (agencies.some((agency) => agency.code === code))
    throw new HttpError(409, 'already_exists', 'code taken', { field: 'code' });
  const agency = addAgency(region, code, requireText(body, 'name'), body.national === true);
  record(request, user, 'agency.create', 'agency', agency.id);
  return { status: 201, body: agency };
});
route('PATCH', '/api/v1/agencies/{id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  checkFields(body, ['name', 'disabled']);
  const agency = agencies.find((candidate) => String(candidate.id) === params.id);
  if (!agency) throw new HttpError(404, 'not_found', 'no such agency');
  if (!permissionsOf(user).includes('org.manage_all')) {
    requirePermission(user, 'org.manage');
    if (agency.id !== user.agency_id)
      throw new HttpError(403, 'permission_denied', 'not your agency');
  }
  if (body.name !== undefined) agency.name = requireText(body, 'name');
  if (body.disabled !== undefined) agency.disabled = body.disabled === true;
  record(request, user, 'agency.update', 'agency', agency.id);
  return { body: agency };
});

function visibleUsers(actor) {
  if (permissionsOf(actor).includes('org.manage_all')) return users;
  return users.filter((user) => user.agency_id === actor.agency_id);
}
function findUser(actor, idText) {
  const user = visibleUsers(actor).find((candidate) => String(candidate.id) === idText);
  if (!user) throw new HttpError(404, 'not_found', 'no such user');
  return user;
}
function checkRoles(roles) {
  if (!Array.isArray(roles) || roles.some((role) => !ROLES.includes(role)))
    throw bad('roles: unknown role', 'roles');
  if (roles.length === 0) throw bad('roles: at least one', 'roles', 'required');
}

route('GET', '/api/v1/users', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'users.read');
  const agencyId = url.searchParams.get('agency_id');
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const list = visibleUsers(user)
    .filter((candidate) => !agencyId || String(candidate.agency_id) === agencyId)
    .filter(
      (candidate) =>
        !q ||
        candidate.username.toLowerCase().includes(q) ||
        candidate.display_name.toLowerCase().includes(q),
    );
  record(request, user, 'user.list', 'user', null);
  return { body: { users: list.map(publicUser) } };
});
route('GET', '/api/v1/users/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'users.read');
  return { body: publicUser(findUser(user, params.id)) };
});
route('POST', '/api/v1/users', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'users.manage');
  checkFields(body, ['username', 'display_name', 'email', 'agency_id', 'roles', 'password']);
  const username = requireText(body, 'username');
  if (!/^[a-z0-9._-]{3,64}$/.test(username))
    throw bad('username: 3-64 of a-z 0-9 . _ -', 'username', 'bad_username');
  if (users.some((candidate) => candidate.username === username))
    throw new HttpError(409, 'already_exists', 'username taken', { field: 'username' });
  const displayName = requireText(body, 'display_name');
  const agency = agencies.find((candidate) => candidate.id === body.agency_id);
  if (!agency) throw bad('agency_id: no such agency', 'agency_id');
  checkRoles(body.roles);
  checkPassword(body.password, 'password');
  const created = addUser({
    username,
    display_name: displayName,
    agency,
    roles: body.roles,
    password: body.password,
    email: body.email ?? null,
  });
  record(request, user, 'user.create', 'user', created.id);
  return { status: 201, body: publicUser(created) };
});
route('PATCH', '/api/v1/users/{id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'users.manage');
  checkFields(body, ['display_name', 'email', 'roles', 'agency_id']);
  const target = findUser(user, params.id);
  if (body.display_name !== undefined) target.display_name = requireText(body, 'display_name');
  if (body.email !== undefined) target.email = body.email === '' ? null : body.email;
  if (body.roles !== undefined) {
    checkRoles(body.roles);
    target.roles = body.roles;
  }
  if (body.agency_id !== undefined) {
    if (!agencies.some((agency) => agency.id === body.agency_id))
      throw bad('agency_id: no such agency', 'agency_id');
    target.agency_id = body.agency_id;
  }
  record(request, user, 'user.update', 'user', target.id);
  return { body: publicUser(target) };
});
for (const action of ['disable', 'enable', 'unlock']) {
  route('POST', `/api/v1/users/{id}/${action}`, ({ request, params }) => {
    const { user } = requireSession(request);
    requirePermission(user, 'users.manage');
    const target = findUser(user, params.id);
    if (action === 'disable') target.disabled = true;
    if (action === 'enable') target.disabled = false;
    if (action === 'unlock') {
      target.locked = false;
      target.failures = 0;
    }
    record(request, user, `user.${action}`, 'user', target.id);
    return { body: publicUser(target) };
  });
}
route('POST', '/api/v1/users/{id}/reset-password', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'users.manage');
  checkFields(body ?? {}, ['password']);
  const target = findUser(user, params.id);
  const password = body?.password ?? generatedPassword();
  checkPassword(password, 'password');
  target.password = password;
  target.totp_secret = null;
  target.locked = false;
  target.failures = 0;
  record(request, user, 'user.reset_password', 'user', target.id);
  return { body: { password } };
});

function auditSelection(user, url) {
  requirePermission(user, 'audit.read');
  const params = url.searchParams;
  const from = params.get('from') ? Date.parse(params.get('from')) : null;
  const to = params.get('to') ? Date.parse(params.get('to')) : null;
  if (Number.isNaN(from) || Number.isNaN(to))
    throw bad('from/to: RFC 3339', Number.isNaN(from) ? 'from' : 'to');
  return audit
    .filter(
      (entry) =>
        permissionsOf(user).includes('org.manage_all') || entry.agency_id === user.agency_id,
    )
    .filter(
      (entry) =>
        !params.get('actor') ||
        entry.actor_name === params.get('actor') ||
        String(entry.actor_id) === params.get('actor'),
    )
    .filter((entry) => !params.get('action') || entry.action === params.get('action'))
    .filter(
      (entry) => !params.get('object_type') || entry.object_type === params.get('object_type'),
    )
    .filter((entry) => !params.get('object_id') || entry.object_id === params.get('object_id'))
    .filter((entry) => from === null || Date.parse(entry.at) >= from)
    .filter((entry) => to === null || Date.parse(entry.at) < to)
    .reverse();
}
route('GET', '/api/v1/audit', ({ request, url }) => {
  const { user } = requireSession(request);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 50) || 50, 500);
  const beforeId = url.searchParams.get('before_id');
  const selection = auditSelection(user, url).filter(
    (entry) => !beforeId || entry.id < Number(beforeId),
  );
  const page = selection.slice(0, limit);
  const result = {
    records: page,
    next_before_id: selection.length > limit ? page[page.length - 1].id : null,
  };
  record(request, user, 'audit.read', 'audit', null);
  return { body: result };
});
route('GET', '/api/v1/audit.csv', ({ request, url }) => {
  const { user } = requireSession(request);
  const columns = [
    'id',
    'at',
    'actor_id',
    'actor_name',
    'agency_id',
    'action',
    'object_type',
    'object_id',
    'client',
    'outcome',
    'request_id',
    'detail',
  ];
  const cell = (value) => {
    const text =
      value === null || value === undefined
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [
    columns.join(','),
    ...auditSelection(user, url).map((entry) =>
      columns.map((column) => cell(entry[column])).join(','),
    ),
  ];
  record(request, user, 'audit.export', 'audit', null);
  return { text: `${lines.join('\n')}\n`, contentType: 'text/csv; charset=utf-8' };
});

// ---- static files ----
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function serveStatic(url, response) {
  const path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = join(DIST, path);
  const isAsset = path.startsWith('/assets/');
  if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) {
    // SPA fallback: every other non-API path is the app.
    if (isAsset || extname(path) !== '') {
      response.writeHead(404, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS });
      response.end('not found');
      return;
    }
    file = join(DIST, 'index.html');
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const cache = file.includes(`${DIST}/assets/`)
    ? 'public, max-age=31536000, immutable'
    : 'no-cache';
  response.writeHead(200, { 'Content-Type': type, 'Cache-Control': cache, ...SECURITY_HEADERS });
  response.end(readFileSync(file));
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`);
  const isApi = url.pathname.startsWith('/api/') || url.pathname === '/healthz';
  if (!isApi) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    serveStatic(url, response);
    return;
  }
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  try {
    const match = routes
      .map((candidate) => ({ candidate, found: candidate.pattern.exec(url.pathname) }))
      .find(({ candidate, found }) => found && candidate.method === request.method);
    if (!match) throw new HttpError(404, 'not_found', `no route ${request.method} ${url.pathname}`);
    let body;
    if (raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw bad('body is not JSON');
      }
    }
    const result = match.candidate.handler({
      request,
      url,
      body: body ?? {},
      params: match.found.groups ?? {},
    });
    const status = result.status ?? 200;
    const headers = { 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...(result.headers ?? {}) };
    if (status === 204) {
      response.writeHead(204, headers).end();
    } else if (result.text !== undefined) {
      response
        .writeHead(status, { ...headers, 'Content-Type': result.contentType })
        .end(result.text);
    } else {
      response
        .writeHead(status, { ...headers, 'Content-Type': 'application/json' })
        .end(JSON.stringify(result.body));
    }
  } catch (error) {
    if (!(error instanceof HttpError)) {
      console.error(error);
      error = new HttpError(500, 'internal', 'internal error');
    }
    response.writeHead(error.status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      ...SECURITY_HEADERS,
    });
    response.end(JSON.stringify(error.body));
  }
});

server.listen(PORT, '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `threathub mock server on http://127.0.0.1:${address.port} (idle ${IDLE_SECONDS} s, dist ${DIST})`,
  );
  for (const [username, password] of Object.entries(DEMO))
    console.log(`  demo account ${username} / ${password}`);
});
