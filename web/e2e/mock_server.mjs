// A stand-in for `threathub serve`, implementing docs/api.md in memory, for developing the web
// app and its browser tests before (or without) the C++ server. It also serves dist/ the way
// the real server must: the same Content-Security-Policy and the SPA fallback to index.html.
// Not a reference for the server's behaviour where docs/api.md is silent.
//
//   node e2e/mock_server.mjs [--port 8090] [--idle-seconds 1800] [--dist dist] [--no-totp]
//     [--max-upload-mb 512] [--store-mb 2048] [--disposal-delay-seconds 604800]
//
// Demo accounts (printed at start): admin (national administrator), aliya (investigator),
// serik (supervisor) and erlan (prosecutor) of the Almaty agency, timur (trainee, Astana). Each
// must enrol TOTP at first sign-in unless --no-totp is given.
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
  supervisor: [
    'org.read',
    'users.read',
    'audit.read',
    'cases.read',
    'cases.create',
    'evidence.approve',
  ],
  investigator: ['org.read', 'cases.read', 'cases.create'],
  analyst: ['org.read', 'cases.read'],
  prosecutor: ['org.read', 'cases.read'],
  trainer: ['org.read'],
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
const astanaPolice = addAgency(astana, 'AST-CYB', 'Астана қ. ПД киберполиция басқармасы');
export const DEMO = {
  admin: 'admin-demo-password-1',
  aliya: 'aliya-demo-password-1',
  serik: 'serik-demo-password-1',
  erlan: 'erlan-demo-password-1',
  timur: 'timur-demo-password-1',
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
addUser({
  username: 'erlan',
  display_name: 'Ерлан Сәрсенбаев',
  agency: almatyPolice,
  roles: ['prosecutor'],
  password: DEMO.erlan,
});
addUser({
  username: 'timur',
  display_name: 'Тимур Бекұлы',
  agency: astanaPolice,
  roles: ['trainee'],
  password: DEMO.timur,
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

// ---- cases (docs/api.md, "Cases") ----
// Need-to-know: members, supervisors of the case's agency and prosecutors it is shared with see
// a case (others get 404); the lead, members and supervisors change it; status, lead, members
// and shares belong to the lead and supervisors (403).
const cases = [];
const caseNotes = [];
const caseTasks = [];
const caseCounters = new Map(); // "agencyId|year" -> next value
const CASE_STATUSES = ['open', 'suspended', 'sent_to_court', 'closed'];
const ARTICLE =
  /^[0-9]{1,3}(-[0-9]{1,2})?( (ч\.|part |[0-9]{1,2}-б\.) ?[0-9]{0,2})?( (п\.|para |[0-9]{1,2}-т\.) ?[0-9]{0,2})?$/;

function person(user) {
  return { user_id: user.id, username: user.username, display_name: user.display_name };
}
function userById(userId) {
  return users.find((candidate) => candidate.id === userId);
}
function supervises(actor, opened) {
  return actor.agency_id === opened.agency_id && actor.roles.includes('supervisor');
}
function roleIn(actor, opened) {
  return opened.members.find((member) => member.user_id === actor.id)?.role ?? null;
}
function canRead(actor, opened) {
  return (
    roleIn(actor, opened) !== null || supervises(actor, opened) || opened.shared.includes(actor.id)
  );
}
function canWrite(actor, opened) {
  const role = roleIn(actor, opened);
  return role === 'lead' || role === 'member' || supervises(actor, opened);
}
function manages(actor, opened) {
  return opened.lead_user_id === actor.id || supervises(actor, opened);
}
function publicCase(opened) {
  return {
    id: opened.id,
    agency_id: opened.agency_id,
    number: opened.number,
    title: opened.title,
    description: opened.description,
    articles: opened.articles,
    status: opened.status,
    lead_user_id: opened.lead_user_id,
    members: opened.members.map((member) => ({
      ...person(userById(member.user_id)),
      role: member.role,
    })),
    shared_with: opened.shared.map((userId) => person(userById(userId))),
    created_at: opened.created_at,
    updated_at: opened.updated_at,
  };
}
function publicTask(task) {
  const assignee = task.assignee_id === null ? null : userById(task.assignee_id);
  return {
    id: task.id,
    case_id: task.case_id,
    title: task.title,
    assignee: assignee ? person(assignee) : null,
    due_at: task.due_at,
    done: task.done,
    created_at: task.created_at,
    updated_at: task.updated_at,
  };
}
/** The case `idText` if `actor` may see it (404 otherwise); 403 when `need` is not met. */
function findCase(actor, idText, need = 'read') {
  const opened = cases.find((candidate) => String(candidate.id) === idText);
  if (!opened || !canRead(actor, opened)) throw new HttpError(404, 'not_found', 'case not found');
  if (need === 'write' && !canWrite(actor, opened))
    throw new HttpError(403, 'permission_denied', 'you may read this case but not change it');
  if (need === 'manage' && !manages(actor, opened))
    throw new HttpError(
      403,
      'permission_denied',
      'only the lead investigator or a supervisor may do this',
    );
  return opened;
}
function checkArticles(articles) {
  if (!Array.isArray(articles) || articles.some((article) => typeof article !== 'string'))
    throw bad('articles: a list of strings', 'articles');
  if (articles.length > 30) throw bad('too many articles', 'articles');
  for (const article of articles) {
    if (article.length > 40 || !ARTICLE.test(article))
      throw bad(
        `"${article.slice(0, 40)}" is not an article reference such as 205 or 190 ч.2`,
        'articles',
      );
  }
  return articles;
}
function activeAgencyUser(userId, agencyId, field) {
  const found = userById(userId);
  if (!found || found.disabled || found.agency_id !== agencyId)
    throw bad(`${field}: must be an active user of the case's agency`, field);
  return found;
}
function touch(opened) {
  opened.updated_at = now();
}

route('GET', '/api/v1/cases', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  for (const key of url.searchParams.keys())
    if (!['status', 'q', 'article', 'limit'].includes(key))
      throw bad(`${key}: unknown parameter`, key);
  const status = url.searchParams.get('status') ?? '';
  if (status !== '' && !CASE_STATUSES.includes(status))
    throw bad('expected open, suspended, sent_to_court or closed', 'status');
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const article = url.searchParams.get('article') ?? '';
  const limit = Number(url.searchParams.get('limit') ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw bad('limit: 1..1000', 'limit');
  const list = cases
    .filter((opened) => canRead(user, opened))
    .filter((opened) => status === '' || opened.status === status)
    .filter(
      (opened) =>
        q === '' ||
        opened.number.toLowerCase().includes(q) ||
        opened.title.toLowerCase().includes(q),
    )
    .filter((opened) => article === '' || opened.articles.some((a) => a.startsWith(article)))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id)
    .slice(0, limit);
  record(request, user, 'case.list', 'case', null);
  return { body: { cases: list.map(publicCase) } };
});

route('POST', '/api/v1/cases', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.create');
  checkFields(body, ['title', 'number', 'description', 'articles', 'lead_user_id']);
  const title = requireText(body, 'title');
  const articles = checkArticles(body.articles ?? []);
  const leadId = body.lead_user_id ?? user.id;
  activeAgencyUser(leadId, user.agency_id, 'lead_user_id');
  let number = typeof body.number === 'string' ? body.number.trim() : '';
  if (number === '') {
    const year = new Date().getUTCFullYear();
    const key = `${user.agency_id}|${year}`;
    const next = caseCounters.get(key) ?? 1;
    caseCounters.set(key, next + 1);
    number = `${agencyOf(user).code}-${year}-${String(next).padStart(5, '0')}`;
  } else if (cases.some((c) => c.agency_id === user.agency_id && c.number === number)) {
    throw new HttpError(409, 'already_exists', 'your agency already has a case with this number', {
      field: 'number',
    });
  }
  const opened = {
    id: id(),
    agency_id: user.agency_id,
    number,
    title,
    description: typeof body.description === 'string' ? body.description : '',
    articles,
    status: 'open',
    lead_user_id: leadId,
    members: [{ user_id: leadId, role: 'lead' }],
    shared: [],
    created_at: now(),
    updated_at: now(),
  };
  if (leadId !== user.id && !user.roles.includes('supervisor'))
    opened.members.push({ user_id: user.id, role: 'member' });
  cases.push(opened);
  record(request, user, 'case.create', 'case', opened.id, 'ok', number);
  return { status: 201, body: publicCase(opened) };
});

route('GET', '/api/v1/cases/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  record(request, user, 'case.read', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('PATCH', '/api/v1/cases/{id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['title', 'description', 'articles', 'status', 'lead_user_id']);
  const managing = body.status !== undefined || body.lead_user_id !== undefined;
  const opened = findCase(user, params.id, managing ? 'manage' : 'write');
  if (body.title !== undefined) requireText(body, 'title');
  if (body.articles !== undefined) checkArticles(body.articles);
  if (body.status !== undefined && !CASE_STATUSES.includes(body.status))
    throw bad('expected open, suspended, sent_to_court or closed', 'status');
  if (body.lead_user_id !== undefined)
    activeAgencyUser(body.lead_user_id, opened.agency_id, 'lead_user_id');
  if (body.title !== undefined) opened.title = body.title.trim();
  if (body.description !== undefined) opened.description = body.description;
  if (body.articles !== undefined) opened.articles = body.articles;
  if (body.status !== undefined) opened.status = body.status;
  if (body.lead_user_id !== undefined) {
    for (const member of opened.members) if (member.role === 'lead') member.role = 'member';
    opened.members = opened.members.filter((member) => member.user_id !== body.lead_user_id);
    opened.members.push({ user_id: body.lead_user_id, role: 'lead' });
    opened.lead_user_id = body.lead_user_id;
  }
  touch(opened);
  record(request, user, 'case.update', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('PUT', '/api/v1/cases/{id}/members/{user_id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['role']);
  const opened = findCase(user, params.id, 'manage');
  if (!['member', 'viewer'].includes(body.role)) throw bad('expected member or viewer', 'role');
  const target = Number(params.user_id);
  if (target === opened.lead_user_id) throw bad('this user leads the case', 'user_id');
  activeAgencyUser(target, opened.agency_id, 'user_id');
  opened.members = opened.members.filter((member) => member.user_id !== target);
  opened.members.push({ user_id: target, role: body.role });
  touch(opened);
  record(request, user, 'case.member_set', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('DELETE', '/api/v1/cases/{id}/members/{user_id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id, 'manage');
  const target = Number(params.user_id);
  if (target === opened.lead_user_id) throw bad('choose another lead first', 'user_id');
  if (!opened.members.some((member) => member.user_id === target))
    throw new HttpError(404, 'not_found', 'this user is not a member of the case');
  opened.members = opened.members.filter((member) => member.user_id !== target);
  touch(opened);
  record(request, user, 'case.member_remove', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('PUT', '/api/v1/cases/{id}/shares/{user_id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id, 'manage');
  const target = userById(Number(params.user_id));
  if (!target || target.disabled || !target.roles.includes('prosecutor'))
    throw bad('cases are shared with active prosecutors only', 'user_id');
  if (!opened.shared.includes(target.id)) opened.shared.push(target.id);
  touch(opened);
  record(request, user, 'case.share', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('DELETE', '/api/v1/cases/{id}/shares/{user_id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id, 'manage');
  opened.shared = opened.shared.filter((userId) => String(userId) !== params.user_id);
  touch(opened);
  record(request, user, 'case.unshare', 'case', opened.id);
  return { body: publicCase(opened) };
});

route('GET', '/api/v1/cases/{id}/candidates', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  const active = users
    .filter((candidate) => !candidate.disabled)
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  return {
    body: {
      members: active.filter((c) => c.agency_id === opened.agency_id).map(person),
      prosecutors: active.filter((c) => c.roles.includes('prosecutor')).map(person),
    },
  };
});

route('GET', '/api/v1/cases/{id}/notes', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  record(request, user, 'case.notes_read', 'case', opened.id);
  return {
    body: {
      notes: caseNotes
        .filter((note) => note.case_id === opened.id)
        .map((note) => ({
          ...note,
          author: person(userById(note.author_id)),
          author_id: undefined,
        })),
    },
  };
});

route('POST', '/api/v1/cases/{id}/notes', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['text']);
  const opened = findCase(user, params.id, 'write');
  if (typeof body.text !== 'string' || body.text.trim() === '')
    throw bad('text: required', 'text', 'required');
  const note = {
    id: id(),
    case_id: opened.id,
    author_id: user.id,
    text: body.text,
    created_at: now(),
  };
  caseNotes.push(note);
  record(request, user, 'case.note_add', 'case', opened.id);
  return {
    status: 201,
    body: {
      id: note.id,
      case_id: note.case_id,
      author: person(user),
      text: note.text,
      created_at: note.created_at,
    },
  };
});

function checkAssignee(opened, assigneeId) {
  const role = opened.members.find((member) => member.user_id === assigneeId)?.role;
  if (role !== 'lead' && role !== 'member')
    throw bad('assign tasks to case members', 'assignee_user_id');
}
function checkDue(value) {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    throw bad('expected a time such as 2026-12-01T09:00:00Z', 'due_at');
  return new Date(value).toISOString();
}

route('GET', '/api/v1/cases/{id}/tasks', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  record(request, user, 'case.tasks_read', 'case', opened.id);
  const list = caseTasks
    .filter((task) => task.case_id === opened.id)
    .sort((a, b) => Number(a.done) - Number(b.done) || a.id - b.id);
  return { body: { tasks: list.map(publicTask) } };
});

route('POST', '/api/v1/cases/{id}/tasks', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['title', 'assignee_user_id', 'due_at']);
  const opened = findCase(user, params.id, 'write');
  const title = requireText(body, 'title');
  const assigneeId = body.assignee_user_id ?? null;
  if (assigneeId !== null) checkAssignee(opened, assigneeId);
  const task = {
    id: id(),
    case_id: opened.id,
    title,
    assignee_id: assigneeId,
    due_at: checkDue(body.due_at),
    done: false,
    created_at: now(),
    updated_at: now(),
  };
  caseTasks.push(task);
  record(request, user, 'case.task_add', 'case', opened.id);
  return { status: 201, body: publicTask(task) };
});

route('PATCH', '/api/v1/cases/{id}/tasks/{task_id}', ({ request, body, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['title', 'assignee_user_id', 'due_at', 'done']);
  const opened = findCase(user, params.id, 'write');
  const task = caseTasks.find((t) => t.case_id === opened.id && String(t.id) === params.task_id);
  if (!task) throw new HttpError(404, 'not_found', 'task not found');
  if (body.title !== undefined) task.title = requireText(body, 'title');
  if (body.assignee_user_id !== undefined) {
    if (body.assignee_user_id !== null) checkAssignee(opened, body.assignee_user_id);
    task.assignee_id = body.assignee_user_id;
  }
  if (body.due_at !== undefined) task.due_at = checkDue(body.due_at);
  if (body.done !== undefined) task.done = body.done === true;
  task.updated_at = now();
  record(request, user, 'case.task_update', 'case', opened.id);
  return { body: publicTask(task) };
});

// ---- evidence (the web app's evidence pages; the C++ server's API is described in the brief
// of web/src/evidence) ----
// Items keep their bytes in memory. Every action is a custody event with a ledger leaf index.
// Disposal: request (item -> disposal_pending), approval by another supervisor of the agency
// (scheduled DISPOSAL_DELAY_SECONDS later), rejection, or cancellation by a supervisor or the
// requester (item back to active),
// carried out lazily on the next request after the scheduled time (item -> disposed, bytes
// dropped). Mock-only: POST /api/v1/_mock/evidence/{id}/tamper changes the stored bytes, so that
// the next verification finds a mismatch and opens an integrity alert.
const MAX_UPLOAD_BYTES = Number(option('max-upload-mb', 512)) * 1024 * 1024;
const STORE_BYTES = Number(option('store-mb', 2048)) * 1024 * 1024;
const DISPOSAL_DELAY_SECONDS = Number(option('disposal-delay-seconds', 7 * 24 * 3600));
const EVIDENCE_CATEGORIES = [
  { code: 'general', retention_days: 1825, names: { kk: 'Жалпы', ru: 'Общая', en: 'General' } },
  {
    code: 'fraud',
    retention_days: 3650,
    names: { kk: 'Алаяқтық', ru: 'Мошенничество', en: 'Fraud' },
  },
  {
    code: 'terrorism',
    retention_days: 7300,
    names: { kk: 'Терроризм', ru: 'Терроризм', en: 'Terrorism' },
  },
];
const SOURCE_TYPES = ['seized', 'received', 'captured_online'];
const evidenceItems = [];
const custodyEvents = [];
const disposals = [];
const integrityAlerts = [];
const bundles = [];
let ledgerLeaves = 0;

function digests(buffer) {
  return {
    md5: createHash('md5').update(buffer).digest('hex'),
    sha1: createHash('sha1').update(buffer).digest('hex'),
    sha256: createHash('sha256').update(buffer).digest('hex'),
  };
}
function storedBytes() {
  return [...evidenceItems, ...bundles].reduce(
    (sum, entry) => sum + (entry.content ? entry.content.length : 0),
    0,
  );
}
function guessMime(name, buffer) {
  const head = buffer.subarray(0, 8);
  if (head.subarray(0, 4).toString('latin1') === '%PDF') return 'application/pdf';
  if (head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8) return 'image/jpeg';
  if (head.subarray(0, 2).toString('latin1') === 'PK') return 'application/zip';
  if (head.subarray(0, 3).toString('latin1') === 'EVF') return 'application/x-ewf';
  const sample = buffer.subarray(0, 4096);
  if (sample.length > 0 && !sample.includes(0) && /\.(txt|csv|log|json|eml)$/i.test(name))
    return name.toLowerCase().endsWith('.json') ? 'application/json' : 'text/plain';
  return 'application/octet-stream';
}
/** A stand-in for what libewf reports (not parsed: made up), for files that start as E01 does. */
function syntheticEwf(buffer, hashes, size) {
  if (!buffer.subarray(0, 8).equals(Buffer.from([0x45, 0x56, 0x46, 0x09, 0x0d, 0x0a, 0xff, 0x00])))
    return null;
  return {
    verified: true,
    md5: 'match',
    sha1: 'absent',
    stored_md5: hashes.md5,
    stored_sha1: '',
    computed_md5: hashes.md5,
    computed_sha1: hashes.sha1,
    media_size: size * 4,
    bytes_per_sector: 512,
    checksum_errors: [],
    header: {
      case_number: '2026-0001',
      evidence_number: '1',
      examiner_name: 'Mock examiner',
      description: 'Samsung SM-A525F',
      notes: 'mock EWF header',
      acquiry_date: '2026-11-20T10:00:00Z',
      system_date: '2026-11-20T10:00:00Z',
      acquiry_software_version: 'ewfacquire 20140814',
      model: 'SM-A525F',
      serial_number: 'R58R12345',
    },
  };
}
function retentionUntil(categories, from) {
  const days = Math.max(
    ...categories.map(
      (code) => EVIDENCE_CATEGORIES.find((category) => category.code === code).retention_days,
    ),
  );
  return new Date(Date.parse(from) + days * 86400_000).toISOString();
}
function actorOf(user) {
  return user ? person(user) : { user_id: null, username: 'system', display_name: 'System' };
}
function custody(item, user, action, fields = {}) {
  const event = {
    id: id(),
    item_id: item.id,
    action,
    actor: actorOf(user),
    at: now(),
    where: '',
    why: '',
    from: '',
    to: '',
    hash_before: '',
    hash_after: '',
    result: '',
    leaf_index: ledgerLeaves++,
    ...fields,
  };
  custodyEvents.push(event);
  return event;
}
function publicItem(item) {
  const { content: _content, ...rest } = item;
  return {
    ...rest,
    children: evidenceItems.filter((other) => other.parent_id === item.id).map((other) => other.id),
  };
}
function publicDisposal(disposal) {
  const item = evidenceItems.find((candidate) => candidate.id === disposal.item_id);
  return { ...disposal, item_name: item.original_name, case_number: item.case_number };
}
/** Carries out the approved disposals whose time has come. */
function runDueDisposals() {
  for (const disposal of disposals) {
    if (disposal.state !== 'approved' || Date.parse(disposal.scheduled_for) > Date.now()) continue;
    const item = evidenceItems.find((candidate) => candidate.id === disposal.item_id);
    disposal.state = 'done';
    disposal.done_at = now();
    item.state = 'disposed';
    item.content = null;
    custody(item, null, 'disposal', { why: disposal.reason, hash_before: item.sha256 });
  }
}
/** The item `idText` if `actor` may see its case (404 otherwise); 403 without write access. */
function findItem(actor, idText, need = 'read') {
  runDueDisposals();
  const item = evidenceItems.find((candidate) => String(candidate.id) === idText);
  if (!item) throw new HttpError(404, 'not_found', 'evidence item not found');
  const opened = cases.find((candidate) => candidate.id === item.case_id);
  if (!canRead(actor, opened)) throw new HttpError(404, 'not_found', 'evidence item not found');
  if (need === 'write' && !canWrite(actor, opened))
    throw new HttpError(403, 'permission_denied', 'you may read this case but not change it');
  return item;
}
function requireContent(item) {
  if (item.content === null)
    throw new HttpError(409, 'failed_precondition', 'the item was disposed of', {
      reason: 'disposed',
    });
}
function approverScope(user) {
  requirePermission(user, 'evidence.approve');
  return (item) => cases.find((opened) => opened.id === item.case_id)?.agency_id === user.agency_id;
}
function supervisesItem(user, item) {
  return (
    permissionsOf(user).includes('evidence.approve') &&
    cases.find((opened) => opened.id === item.case_id)?.agency_id === user.agency_id
  );
}
/** Supervisors of the item's agency see a disposal, and so does whoever asked for it. */
function findDisposal(user, idText) {
  runDueDisposals();
  const disposal = disposals.find((candidate) => String(candidate.id) === idText);
  const item = disposal && evidenceItems.find((candidate) => candidate.id === disposal.item_id);
  if (!disposal || !(supervisesItem(user, item) || disposal.requested_by?.user_id === user.id))
    throw new HttpError(404, 'not_found', 'disposal request not found');
  return { disposal, item };
}
function requireSupervisor(user, item, what) {
  if (!supervisesItem(user, item))
    throw new HttpError(
      403,
      'permission_denied',
      `only a supervisor of the agency ${what} disposal`,
    );
}
function contentDisposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
/** A POSIX ustar archive of `files` ([{name, content: Buffer}]). */
function tarArchive(files) {
  const blocks = [];
  const octal = (value, width) => value.toString(8).padStart(width - 1, '0') + '\0';
  for (const file of files) {
    const header = Buffer.alloc(512);
    const name = Buffer.from(file.name, 'utf8').subarray(0, 100);
    name.copy(header, 0);
    header.write(octal(0o644, 8), 100, 'latin1');
    header.write(octal(0, 8), 108, 'latin1');
    header.write(octal(0, 8), 116, 'latin1');
    header.write(octal(file.content.length, 12), 124, 'latin1');
    header.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(octal(sum, 7) + ' ', 148, 'latin1');
    blocks.push(header, file.content);
    const padding = (512 - (file.content.length % 512)) % 512;
    if (padding > 0) blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

route('GET', '/api/v1/evidence/categories', ({ request }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  return { body: { categories: EVIDENCE_CATEGORIES } };
});

route('POST', '/api/v1/cases/{id}/evidence', ({ request, url, params, raw }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id, 'write');
  const query = Object.fromEntries(url.searchParams);
  const allowed = [
    'name',
    'description',
    'source_type',
    'source_detail',
    'acquisition_method',
    'acquisition_tool',
    'examiner',
    'acquired_at',
    'acquired_place',
    'legal_basis',
    'parent_id',
    'categories',
  ];
  for (const key of Object.keys(query))
    if (!allowed.includes(key)) throw bad(`unknown parameter ${key}`, key, 'unknown_field');
  const name = (query.name ?? '').trim();
  if (name === '' || /[/\\\0]/.test(name) || name === '.' || name === '..')
    throw bad('name: the original file name, without slashes', 'name');
  if (raw.length > MAX_UPLOAD_BYTES)
    throw new HttpError(
      413,
      'resource_exhausted',
      `the file is larger than ${MAX_UPLOAD_BYTES} bytes`,
      {
        reason: 'too_large',
      },
    );
  if (storedBytes() + raw.length > STORE_BYTES)
    throw new HttpError(507, 'resource_exhausted', 'no space left in the evidence store', {
      reason: 'disk_full',
    });
  const sourceType = query.source_type ?? 'seized';
  if (!SOURCE_TYPES.includes(sourceType))
    throw bad('source_type: seized, received or captured_online', 'source_type');
  if ((query.legal_basis ?? '').trim() === '')
    throw bad('legal_basis: the decision or warrant is required', 'legal_basis', 'required');
  let acquiredAt = null;
  if (query.acquired_at) {
    if (Number.isNaN(Date.parse(query.acquired_at)))
      throw bad('acquired_at: expected a time such as 2026-11-26T04:30:00Z', 'acquired_at');
    acquiredAt = new Date(query.acquired_at).toISOString();
  }
  let parentId = null;
  if (query.parent_id) {
    const parent = evidenceItems.find((item) => String(item.id) === query.parent_id);
    if (!parent || parent.case_id !== opened.id)
      throw bad('parent_id: an item of the same case', 'parent_id');
    parentId = parent.id;
  }
  const categories = query.categories ? query.categories.split(',') : ['general'];
  for (const code of categories)
    if (!EVIDENCE_CATEGORIES.some((category) => category.code === code))
      throw bad(`categories: unknown category ${code}`, 'categories');
  const hashes = digests(raw);
  const ingestedAt = now();
  const item = {
    id: id(),
    case_id: opened.id,
    case_number: opened.number,
    original_name: name,
    size: raw.length,
    mime_type: guessMime(name, raw),
    ...hashes,
    description: query.description ?? '',
    source_type: sourceType,
    source_detail: query.source_detail ?? '',
    acquisition_method: query.acquisition_method ?? '',
    acquisition_tool: query.acquisition_tool ?? '',
    examiner: query.examiner ?? '',
    acquired_at: acquiredAt,
    acquired_place: query.acquired_place ?? '',
    legal_basis: query.legal_basis.trim(),
    parent_id: parentId,
    categories,
    retention_until: retentionUntil(categories, ingestedAt),
    state: 'active',
    sealed: false,
    seal_number: '',
    ingested_by: person(user),
    ingested_at: ingestedAt,
    last_verified_at: null,
    last_verification: null,
    ewf: syntheticEwf(raw, hashes, raw.length),
    content: Buffer.from(raw),
  };
  evidenceItems.push(item);
  custody(item, user, 'ingest', {
    where: 'evidence store',
    why: item.legal_basis,
    hash_after: item.sha256,
  });
  record(request, user, 'evidence.ingest', 'evidence', item.id, 'ok', { sha256: item.sha256 });
  return { status: 201, body: publicItem(item) };
});

route('GET', '/api/v1/cases/{id}/evidence', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  runDueDisposals();
  const opened = findCase(user, params.id);
  return {
    body: {
      items: evidenceItems.filter((item) => item.case_id === opened.id).map(publicItem),
    },
  };
});

route('GET', '/api/v1/evidence/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const item = findItem(user, params.id);
  custody(item, user, 'view');
  return { body: publicItem(item) };
});

route('GET', '/api/v1/evidence/{id}/custody', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const item = findItem(user, params.id);
  return { body: { events: custodyEvents.filter((event) => event.item_id === item.id) } };
});

route('GET', '/api/v1/evidence/{id}/content', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const item = findItem(user, params.id);
  requireContent(item);
  if (item.sealed)
    throw new HttpError(409, 'failed_precondition', 'this item is sealed: unseal it first');
  custody(item, user, 'download', { hash_before: item.sha256 });
  record(request, user, 'evidence.download', 'evidence', item.id);
  return {
    buffer: item.content,
    contentType: 'application/octet-stream',
    headers: { 'Content-Disposition': contentDisposition(item.original_name) },
  };
});

route('POST', '/api/v1/evidence/{id}/verify', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const item = findItem(user, params.id);
  requireContent(item);
  const found = createHash('sha256').update(item.content).digest('hex');
  const result = found === item.sha256 ? 'match' : 'mismatch';
  item.last_verified_at = now();
  item.last_verification = result;
  const event = custody(item, user, 'verification', {
    hash_before: item.sha256,
    hash_after: found,
    result,
  });
  if (result !== 'match') {
    integrityAlerts.push({
      id: id(),
      item_id: item.id,
      item_name: item.original_name,
      case_id: item.case_id,
      case_number: item.case_number,
      kind: 'hash_mismatch',
      expected_sha256: item.sha256,
      found_sha256: found,
      detected_at: now(),
      state: 'open',
      acknowledged_by: null,
    });
  }
  return { body: { result, item: publicItem(item), event } };
});

function evidenceAction(path, fields, handler) {
  route('POST', `/api/v1/evidence/{id}/${path}`, ({ request, params, body }) => {
    const { user } = requireSession(request);
    requirePermission(user, 'cases.read');
    checkFields(body, fields);
    const item = findItem(user, params.id, 'write');
    requireContent(item);
    const values = Object.fromEntries(fields.map((field) => [field, requireText(body, field)]));
    const answer = handler(item, user, values);
    record(request, user, `evidence.${path}`, 'evidence', item.id);
    return answer;
  });
}

evidenceAction('transfer', ['from', 'to', 'purpose'], (item, user, values) => ({
  body: custody(item, user, 'transfer', {
    from: values.from,
    to: values.to,
    why: values.purpose,
  }),
}));
evidenceAction('seal', ['reason', 'seal_number'], (item, user, values) => {
  if (item.sealed) throw new HttpError(409, 'failed_precondition', 'the item is already sealed');
  item.sealed = true;
  item.seal_number = values.seal_number;
  return { body: custody(item, user, 'seal', { why: values.reason, to: values.seal_number }) };
});
evidenceAction('unseal', ['reason'], (item, user, values) => {
  if (!item.sealed) throw new HttpError(409, 'failed_precondition', 'the item is not sealed');
  item.sealed = false;
  const event = custody(item, user, 'unseal', { why: values.reason, from: item.seal_number });
  item.seal_number = '';
  return { body: event };
});
evidenceAction('disposal', ['reason'], (item, user, values) => {
  if (item.state !== 'active')
    throw new HttpError(409, 'failed_precondition', 'a disposal of this item is already under way');
  const disposal = {
    id: id(),
    item_id: item.id,
    case_id: item.case_id,
    reason: values.reason,
    state: 'pending',
    requested_by: person(user),
    requested_at: now(),
    approved_by: null,
    approved_at: null,
    scheduled_for: null,
    rejected_reason: null,
    done_at: null,
  };
  disposals.push(disposal);
  item.state = 'disposal_pending';
  custody(item, user, 'disposal_request', { why: values.reason });
  return { status: 201, body: publicDisposal(disposal) };
});

route('GET', '/api/v1/disposals', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  // Supervisors see their agency's disposals; others their own requests.
  const inScope = permissionsOf(user).includes('evidence.approve')
    ? (item) => supervisesItem(user, item)
    : () => true;
  runDueDisposals();
  const state = url.searchParams.get('state');
  if (state !== null && !['pending', 'approved', 'done', 'rejected', 'cancelled'].includes(state))
    throw bad('state: pending, approved, done, rejected or cancelled', 'state');
  const list = disposals
    .filter((disposal) => state === null || disposal.state === state)
    .filter((disposal) => inScope(evidenceItems.find((item) => item.id === disposal.item_id)))
    .filter(
      (disposal) =>
        permissionsOf(user).includes('evidence.approve') ||
        disposal.requested_by?.user_id === user.id,
    )
    .map(publicDisposal);
  return { body: { disposals: list } };
});

route('POST', '/api/v1/disposals/{id}/approve', ({ request, params }) => {
  const { user } = requireSession(request);
  const { disposal, item } = findDisposal(user, params.id);
  requireSupervisor(user, item, 'approves');
  if (disposal.requested_by?.user_id === user.id)
    throw new HttpError(
      403,
      'permission_denied',
      'a second person must approve: you asked for this disposal yourself',
      { reason: 'two_person_rule' },
    );
  if (disposal.state !== 'pending')
    throw new HttpError(409, 'failed_precondition', 'this request is not pending');
  disposal.state = 'approved';
  disposal.approved_by = person(user);
  disposal.approved_at = now();
  disposal.scheduled_for = new Date(Date.now() + DISPOSAL_DELAY_SECONDS * 1000).toISOString();
  custody(item, user, 'disposal_approval', { why: disposal.reason });
  record(request, user, 'evidence.disposal_approve', 'evidence', item.id);
  return { body: publicDisposal(disposal) };
});

route('POST', '/api/v1/disposals/{id}/reject', ({ request, params, body }) => {
  const { user } = requireSession(request);
  checkFields(body, ['reason']);
  const reason = requireText(body, 'reason');
  const { disposal, item } = findDisposal(user, params.id);
  requireSupervisor(user, item, 'rejects');
  if (disposal.state !== 'pending')
    throw new HttpError(409, 'failed_precondition', 'this request is not pending');
  disposal.state = 'rejected';
  disposal.rejected_reason = reason;
  item.state = 'active';
  custody(item, user, 'disposal_rejection', { why: reason });
  return { body: publicDisposal(disposal) };
});

route('POST', '/api/v1/disposals/{id}/cancel', ({ request, params }) => {
  const { user } = requireSession(request);
  const { disposal, item } = findDisposal(user, params.id);
  if (disposal.state !== 'pending' && disposal.state !== 'approved')
    throw new HttpError(409, 'failed_precondition', 'this disposal can no longer be cancelled');
  disposal.state = 'cancelled';
  item.state = 'active';
  custody(item, user, 'disposal_cancel', { why: disposal.reason });
  return { body: publicDisposal(disposal) };
});

route('GET', '/api/v1/evidence-alerts', ({ request, url }) => {
  const { user } = requireSession(request);
  const inScope = approverScope(user);
  const state = url.searchParams.get('state');
  const list = integrityAlerts
    .filter((alert) => state === null || alert.state === state)
    .filter((alert) => inScope(evidenceItems.find((item) => item.id === alert.item_id)));
  return { body: { alerts: list } };
});

route('POST', '/api/v1/evidence-alerts/{id}/acknowledge', ({ request, params }) => {
  const { user } = requireSession(request);
  const inScope = approverScope(user);
  const alert = integrityAlerts.find((candidate) => String(candidate.id) === params.id);
  if (!alert || !inScope(evidenceItems.find((item) => item.id === alert.item_id)))
    throw new HttpError(404, 'not_found', 'alert not found');
  alert.state = 'acknowledged';
  alert.acknowledged_by = person(user);
  return { body: alert };
});

route('POST', '/api/v1/cases/{id}/bundles', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  checkFields(body, ['item_ids', 'purpose']);
  const opened = findCase(user, params.id, 'write');
  const purpose = requireText(body, 'purpose');
  if (!Array.isArray(body.item_ids) || body.item_ids.length === 0)
    throw bad('item_ids: at least one item', 'item_ids', 'required');
  const chosen = body.item_ids.map((itemId) => {
    const item = evidenceItems.find((candidate) => candidate.id === itemId);
    if (!item || item.case_id !== opened.id) throw bad('item_ids: items of this case', 'item_ids');
    requireContent(item);
    return item;
  });
  const createdAt = now();
  const files = chosen.map((item) => ({
    name: `items/${item.id}/${item.original_name}`,
    content: item.content,
  }));
  for (const item of chosen)
    custody(item, user, 'export', { why: purpose, hash_before: item.sha256 });
  files.push({
    name: 'manifest.json',
    content: Buffer.from(
      JSON.stringify(
        {
          case: publicCase(opened),
          purpose,
          created_by: person(user),
          created_at: createdAt,
          items: chosen.map((item) => ({
            ...publicItem(item),
            custody: custodyEvents.filter((event) => event.item_id === item.id),
          })),
        },
        null,
        2,
      ),
    ),
  });
  const content = tarArchive(files);
  const bundle = {
    id: id(),
    case_id: opened.id,
    file_name: `${opened.number}-bundle-${bundles.length + 1}.tar`,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    item_ids: chosen.map((item) => item.id),
    purpose,
    created_by: person(user),
    created_at: createdAt,
    content,
  };
  bundles.push(bundle);
  record(request, user, 'evidence.bundle_export', 'case', opened.id);
  const { content: _content, ...shown } = bundle;
  return { status: 201, body: shown };
});

route('GET', '/api/v1/cases/{id}/bundles', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  return {
    body: {
      bundles: bundles
        .filter((bundle) => bundle.case_id === opened.id)
        .map(({ content: _content, ...shown }) => shown),
    },
  };
});

route('GET', '/api/v1/bundles/{id}/download', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const bundle = bundles.find((candidate) => String(candidate.id) === params.id);
  const opened = bundle && cases.find((candidate) => candidate.id === bundle.case_id);
  if (!bundle || !canRead(user, opened)) throw new HttpError(404, 'not_found', 'bundle not found');
  record(request, user, 'evidence.bundle_download', 'case', opened.id);
  return {
    buffer: bundle.content,
    contentType: 'application/x-tar',
    headers: { 'Content-Disposition': contentDisposition(bundle.file_name) },
  };
});

route('POST', '/api/v1/_mock/evidence/{id}/tamper', ({ request, params }) => {
  const { user } = requireSession(request);
  const item = findItem(user, params.id);
  requireContent(item);
  item.content = Buffer.concat([item.content, Buffer.from('tampered')]);
  return { status: 204 };
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
  try {
    for await (const chunk of request) chunks.push(chunk);
  } catch {
    // The client went away mid-body (a cancelled upload): nothing to answer.
    return;
  }
  const rawBytes = Buffer.concat(chunks);
  // Uploads carry the file itself; every other body is JSON.
  const isUpload = (request.headers['content-type'] ?? '').startsWith('application/octet-stream');
  const raw = isUpload ? '' : rawBytes.toString('utf8');
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
      raw: rawBytes,
      params: match.found.groups ?? {},
    });
    const status = result.status ?? 200;
    const headers = { 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...(result.headers ?? {}) };
    if (status === 204) {
      response.writeHead(204, headers).end();
    } else if (result.buffer !== undefined) {
      response
        .writeHead(status, {
          ...headers,
          'Content-Type': result.contentType,
          'Content-Length': result.buffer.length,
        })
        .end(result.buffer);
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
