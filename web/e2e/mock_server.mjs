// A stand-in for `threathub serve`, implementing docs/api.md in memory, for developing the web
// app and its browser tests before (or without) the C++ server. It also serves dist/ the way
// the real server must: the same Content-Security-Policy and the SPA fallback to index.html.
// Not a reference for the server's behaviour where docs/api.md is silent.
//
//   node e2e/mock_server.mjs [--port 8090] [--idle-seconds 1800] [--dist dist] [--no-totp]
//     [--max-upload-mb 512] [--store-mb 2048] [--disposal-delay-seconds 604800]
//
// Demo accounts (printed at start): admin (national administrator), aliya (investigator),
// serik (supervisor), dana (supervisor, head of the agency) and erlan (prosecutor) of the Almaty
// agency, timur (trainee, Astana). Each
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
  admin: ['org.read', 'org.manage', 'users.read', 'users.manage', 'audit.read', 'directory.manage'],
  supervisor: [
    'org.read',
    'users.read',
    'audit.read',
    'cases.read',
    'cases.create',
    'evidence.approve',
    'monitoring.use',
    'detect.review',
    'detect.manage',
    'requests.draft',
    'requests.approve',
  ],
  investigator: [
    'org.read',
    'cases.read',
    'cases.create',
    'monitoring.use',
    'detect.review',
    'requests.draft',
  ],
  analyst: [
    'org.read',
    'cases.read',
    'monitoring.use',
    'detect.review',
    'detect.manage',
    'requests.draft',
  ],
  prosecutor: ['org.read', 'cases.read', 'requests.approve'],
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
  dana: 'dana-demo-password-1',
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
const dana = addUser({
  username: 'dana',
  display_name: 'Дана Жақсыбекова',
  agency: almatyPolice,
  roles: ['supervisor'],
  password: DEMO.dana,
});
// The head of the Almaty agency: the second approver of covert mandates.
almatyPolice.head_user_id = dana.id;
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

// ---- monitoring mandates, personas and collection (issue 5; the C++ contract is
// src/mandates/mandates.h and src/collect/formats.h) ----
// A mandate is seen by its requester, the supervisors (and head) of its agency and the members
// of its case. One supervisor who is not the requester approves; a covert mandate then needs the
// head of the agency (agency.head_user_id), who is neither the requester nor the first approver.
// Refusals of the two-person rule are 403 with reason two_person_rule. Every change keeps a
// version. Sources import JSON Lines, Telegram result.json and VK responses (WARC is refused by
// the mock); each record is checked against the mandate as Evaluate() does.
const mandates = [];
const mandateVersions = [];
const personas = [];
const sources = [];
const collectedItems = [];
const LEVELS = ['overt', 'discreet', 'covert'];
const MECHANISMS = ['manual', 'automated', 'persona'];
const MANDATE_STATES = ['draft', 'pending', 'approved', 'rejected', 'expired', 'revoked'];
const SCOPE_KINDS = ['domain', 'account', 'url_prefix', 'platform'];
const SOURCE_KINDS = ['telegram', 'vk', 'jsonl', 'warc', 'feed'];
const PERSONA_STATUSES = ['active', 'suspended', 'retired'];
const MANDATE_FIELDS = [
  'purpose',
  'case_id',
  'predicate',
  'level',
  'mechanism',
  'scope',
  'starts_at',
  'ends_at',
  'storage_days',
  'justification',
];

function isHeadOf(user, agencyId) {
  return agencies.find((agency) => agency.id === agencyId)?.head_user_id === user.id;
}
function supervisesAgency(user, agencyId) {
  return user.agency_id === agencyId && user.roles.includes('supervisor');
}
/** The state with the clock applied: an approved mandate past its end has expired. */
function mandateState(mandate) {
  if (mandate.state === 'approved' && Date.parse(mandate.ends_at) < Date.now()) return 'expired';
  return mandate.state;
}
function canSeeMandate(user, mandate) {
  if (mandate.requester_id === user.id || supervisesAgency(user, mandate.agency_id)) return true;
  const opened = mandate.case_id === null ? null : cases.find((c) => c.id === mandate.case_id);
  return opened !== null && opened !== undefined && canRead(user, opened);
}
/** Whom the mandate waits for: 'supervisor', 'head' or null. */
function awaitedApprover(mandate) {
  if (mandateState(mandate) !== 'pending') return null;
  if (mandate.approved_by_id === null) return 'supervisor';
  if (mandate.level === 'covert' && mandate.head_approved_by_id === null) return 'head';
  return null;
}
/** Whether `user` is the one the mandate waits for (the approval inbox). */
function awaitsUser(user, mandate) {
  const awaited = awaitedApprover(mandate);
  if (awaited === null || !supervisesAgency(user, mandate.agency_id)) return false;
  if (user.id === mandate.requester_id) return false;
  if (awaited === 'supervisor')
    return !(mandate.level === 'covert' && isHeadOf(user, mandate.agency_id));
  return isHeadOf(user, mandate.agency_id) && user.id !== mandate.approved_by_id;
}
function publicMandate(mandate, viewer) {
  const state = mandateState(mandate);
  const opened = mandate.case_id === null ? null : cases.find((c) => c.id === mandate.case_id);
  const who = (userId) => (userId === null ? null : person(userById(userId)));
  const requester = viewer !== null && mandate.requester_id === viewer.id;
  const supervisor = viewer !== null && supervisesAgency(viewer, mandate.agency_id);
  const awaited = awaitedApprover(mandate);
  return {
    id: mandate.id,
    agency_id: mandate.agency_id,
    version: mandate.version,
    purpose: mandate.purpose,
    case_id: mandate.case_id,
    case_number: opened?.number ?? null,
    predicate: mandate.predicate,
    level: mandate.level,
    mechanism: mandate.mechanism,
    scope: mandate.scope,
    starts_at: mandate.starts_at,
    ends_at: mandate.ends_at,
    storage_days: mandate.storage_days,
    justification: mandate.justification,
    requester: person(userById(mandate.requester_id)),
    state,
    approved_by: who(mandate.approved_by_id),
    approved_at: mandate.approved_at,
    head_approved_by: who(mandate.head_approved_by_id),
    head_approved_at: mandate.head_approved_at,
    needs_head_approval: mandate.level === 'covert' && mandate.head_approved_by_id === null,
    rejection_reason: mandate.rejection_reason,
    revocation_reason: mandate.revocation_reason,
    created_at: mandate.created_at,
    updated_at: mandate.updated_at,
    // What the interface offers; the actions check the two-person rule themselves (a
    // supervisor's own request shows Approve, and the approval is refused).
    can: viewer
      ? {
          edit: requester && (state === 'draft' || state === 'rejected'),
          submit: requester && state === 'draft',
          approve:
            supervisor &&
            (awaited === 'supervisor' ||
              (awaited === 'head' && isHeadOf(viewer, mandate.agency_id))),
          reject: supervisor && state === 'pending' && !requester,
          revoke: supervisor && state === 'approved',
        }
      : undefined,
  };
}
function keepVersion(mandate) {
  mandateVersions.push({ mandate_id: mandate.id, snapshot: structuredClone(mandate) });
}
function findMandate(user, idText) {
  const mandate = mandates.find((candidate) => String(candidate.id) === idText);
  if (!mandate || !canSeeMandate(user, mandate))
    throw new HttpError(404, 'not_found', 'mandate not found');
  return mandate;
}
const DOMAIN = /^[\p{L}\p{N}][\p{L}\p{N}-]*(\.[\p{L}\p{N}][\p{L}\p{N}-]*)+$/u;
function checkScope(scope) {
  if (!Array.isArray(scope)) throw bad('scope: a list of entries', 'scope');
  return scope.map((entry, index) => {
    const field = `scope[${index}]`;
    if (entry === null || typeof entry !== 'object') throw bad(`${field}: an object`, field);
    if (!SCOPE_KINDS.includes(entry.kind))
      throw bad('kind: domain, account, url_prefix or platform', `${field}.kind`);
    const platform = typeof entry.platform === 'string' ? entry.platform.trim().toLowerCase() : '';
    const value = typeof entry.value === 'string' ? entry.value.trim() : '';
    if ((entry.kind === 'account' || entry.kind === 'platform') && platform === '')
      throw bad('the platform is required', `${field}.platform`);
    if (entry.kind === 'domain' && !DOMAIN.test(value))
      throw bad(`"${value}" is not a domain such as example.kz`, `${field}.value`);
    if (entry.kind === 'url_prefix' && !/^https?:\/\/[^/\s]+/.test(value))
      throw bad('an address starting with http:// or https://', `${field}.value`);
    if (entry.kind === 'account' && value === '')
      throw bad('the account id is required', `${field}.value`);
    return entry.kind === 'domain' || entry.kind === 'url_prefix'
      ? {
          kind: entry.kind,
          platform: '',
          value: entry.kind === 'domain' ? value.toLowerCase() : value,
        }
      : { kind: entry.kind, platform, value: entry.kind === 'platform' ? platform : value };
  });
}
function checkTime(body, field) {
  const value = body[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    throw bad('expected a time such as 2026-12-01T09:00:00Z', field);
  return new Date(value).toISOString();
}
/** The fields of a mandate from a request body (a draft may leave most of them out). */
function mandateFields(user, body) {
  checkFields(body, MANDATE_FIELDS);
  const purpose = requireText(body, 'purpose');
  let caseId = null;
  if (body.case_id !== undefined && body.case_id !== null) {
    const opened = cases.find((c) => String(c.id) === String(body.case_id));
    if (!opened || !canRead(user, opened)) throw bad('case_id: a case you may see', 'case_id');
    caseId = opened.id;
  }
  // Like the server: a draft has its level, mechanism, window and storage period.
  if (!LEVELS.includes(body.level)) throw bad('level: overt, discreet or covert', 'level');
  if (!MECHANISMS.includes(body.mechanism))
    throw bad('mechanism: manual, automated or persona', 'mechanism');
  const startsAt = checkTime(body, 'starts_at');
  const endsAt = checkTime(body, 'ends_at');
  if (startsAt === null) throw bad('starts_at: required', 'starts_at', 'required');
  if (endsAt === null) throw bad('ends_at: required', 'ends_at', 'required');
  if (Date.parse(endsAt) <= Date.parse(startsAt))
    throw bad('the window must end after it starts', 'ends_at');
  const storageDays = body.storage_days;
  if (!Number.isInteger(storageDays) || storageDays < 1 || storageDays > 3650)
    throw bad('storage_days: 1 to 3650', 'storage_days');
  return {
    purpose,
    case_id: caseId,
    predicate: typeof body.predicate === 'string' ? body.predicate.trim() : '',
    level: body.level,
    mechanism: body.mechanism,
    scope: checkScope(body.scope ?? []),
    starts_at: startsAt,
    ends_at: endsAt,
    storage_days: storageDays,
    justification: typeof body.justification === 'string' ? body.justification.trim() : '',
  };
}
/** What a submission needs, in the form's order; the first missing field is named. */
function checkSubmittable(mandate) {
  if (mandate.case_id === null && mandate.predicate === '')
    throw bad('a case or the legal predicate is required', 'predicate', 'required');
  if (mandate.scope.length === 0) throw bad('the scope is empty', 'scope', 'required');
  if (mandate.justification === '')
    throw bad('the justification is required', 'justification', 'required');
}
function touchMandate(mandate, request, user, action) {
  mandate.version += 1;
  mandate.updated_at = now();
  keepVersion(mandate);
  record(request, user, `mandate.${action}`, 'mandate', mandate.id);
}
const twoPerson = (message) =>
  new HttpError(403, 'permission_denied', message, { reason: 'two_person_rule' });

route('GET', '/api/v1/mandates', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  for (const key of url.searchParams.keys())
    if (!['state', 'awaiting', 'limit'].includes(key)) throw bad(`${key}: unknown parameter`, key);
  const state = url.searchParams.get('state') ?? '';
  if (state !== '' && !MANDATE_STATES.includes(state)) throw bad('state: unknown', 'state');
  const awaiting = url.searchParams.get('awaiting') ?? '';
  if (awaiting !== '' && awaiting !== 'me') throw bad('awaiting: me', 'awaiting');
  const list = mandates
    .filter((mandate) => canSeeMandate(user, mandate))
    .filter((mandate) => state === '' || mandateState(mandate) === state)
    .filter((mandate) => awaiting === '' || awaitsUser(user, mandate))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
  return { body: { mandates: list.map((mandate) => publicMandate(mandate, user)) } };
});

route('POST', '/api/v1/mandates', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const fields = mandateFields(user, body);
  const mandate = {
    id: id(),
    agency_id: user.agency_id,
    version: 1,
    ...fields,
    requester_id: user.id,
    state: 'draft',
    approved_by_id: null,
    approved_at: null,
    head_approved_by_id: null,
    head_approved_at: null,
    rejection_reason: '',
    revocation_reason: '',
    created_at: now(),
    updated_at: now(),
  };
  mandates.push(mandate);
  keepVersion(mandate);
  record(request, user, 'mandate.create', 'mandate', mandate.id);
  return { status: 201, body: publicMandate(mandate, user) };
});

route('GET', '/api/v1/mandates/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  record(request, user, 'mandate.read', 'mandate', mandate.id);
  return { body: publicMandate(mandate, user) };
});

route('PUT', '/api/v1/mandates/{id}', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  if (mandate.requester_id !== user.id)
    throw new HttpError(403, 'permission_denied', 'only the requester changes a request');
  if (!['draft', 'rejected'].includes(mandate.state))
    throw new HttpError(409, 'failed_precondition', 'only drafts and rejected requests change');
  Object.assign(mandate, mandateFields(user, body), { state: 'draft', rejection_reason: '' });
  touchMandate(mandate, request, user, 'update');
  return { body: publicMandate(mandate, user) };
});

route('GET', '/api/v1/mandates/{id}/versions', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  return {
    body: {
      versions: mandateVersions
        .filter((version) => version.mandate_id === mandate.id)
        .map((version) => publicMandate(version.snapshot, null)),
    },
  };
});

route('POST', '/api/v1/mandates/{id}/submit', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  if (mandate.requester_id !== user.id)
    throw new HttpError(403, 'permission_denied', 'only the requester submits a request');
  if (mandate.state !== 'draft')
    throw new HttpError(409, 'failed_precondition', 'only a draft can be submitted');
  checkSubmittable(mandate);
  mandate.state = 'pending';
  touchMandate(mandate, request, user, 'submit');
  return { body: publicMandate(mandate, user) };
});

route('POST', '/api/v1/mandates/{id}/approve', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  if (mandateState(mandate) !== 'pending')
    throw new HttpError(409, 'failed_precondition', 'the mandate does not await approval');
  if (!supervisesAgency(user, mandate.agency_id))
    throw new HttpError(403, 'permission_denied', "only the agency's supervisors approve");
  if (user.id === mandate.requester_id)
    throw twoPerson('you requested this mandate: another supervisor must approve it');
  const head = isHeadOf(user, mandate.agency_id);
  if (mandate.approved_by_id === null) {
    if (mandate.level === 'covert' && head)
      throw twoPerson('the head of the agency approves a covert mandate after a supervisor');
    mandate.approved_by_id = user.id;
    mandate.approved_at = now();
    if (mandate.level !== 'covert') mandate.state = 'approved';
  } else {
    if (user.id === mandate.approved_by_id)
      throw twoPerson('you gave the first approval: the head of the agency gives the second');
    if (!head)
      throw new HttpError(
        403,
        'permission_denied',
        'only the head of the agency gives the second approval',
      );
    mandate.head_approved_by_id = user.id;
    mandate.head_approved_at = now();
    mandate.state = 'approved';
  }
  touchMandate(mandate, request, user, 'approve');
  return { body: publicMandate(mandate, user) };
});

for (const action of ['reject', 'revoke']) {
  route('POST', `/api/v1/mandates/{id}/${action}`, ({ request, params, body }) => {
    const { user } = requireSession(request);
    requirePermission(user, 'monitoring.use');
    checkFields(body, ['reason']);
    const mandate = findMandate(user, params.id);
    if (!supervisesAgency(user, mandate.agency_id))
      throw new HttpError(403, 'permission_denied', `only the agency's supervisors ${action}`);
    const reason = requireText(body, 'reason');
    if (action === 'reject') {
      if (mandateState(mandate) !== 'pending')
        throw new HttpError(409, 'failed_precondition', 'the mandate does not await approval');
      if (user.id === mandate.requester_id)
        throw twoPerson('you requested this mandate: another supervisor decides on it');
      mandate.state = 'rejected';
      mandate.rejection_reason = reason;
    } else {
      if (mandateState(mandate) !== 'approved')
        throw new HttpError(409, 'failed_precondition', 'only an approved mandate is revoked');
      mandate.state = 'revoked';
      mandate.revocation_reason = reason;
      for (const source of sources.filter(
        (s) => s.mandate_id === mandate.id && s.state === 'active',
      )) {
        source.state = 'stopped';
        source.stop_reason = `mandate revoked: ${reason}`;
      }
    }
    touchMandate(mandate, request, user, action);
    return { body: publicMandate(mandate, user) };
  });
}

/** A one-page PDF naming the mandate (the real server lays out the whole request). */
function requestPdf(mandate, language) {
  const title = { kk: 'Monitoring mandaty', ru: 'Mandat na monitoring', en: 'Monitoring mandate' }[
    language
  ];
  const text = `${title} ${mandate.id} v${mandate.version}`;
  const content = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((object, index) => {
    offsets.push(pdf.length);
    pdf += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

route('GET', '/api/v1/mandates/{id}/request.pdf', ({ request, params, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  const language = url.searchParams.get('lang') ?? 'ru';
  if (!['kk', 'ru', 'en'].includes(language)) throw bad('lang: kk, ru or en', 'lang');
  return {
    buffer: requestPdf(mandate, language),
    contentType: 'application/pdf',
    headers: {
      'Content-Disposition': `attachment; filename="mandate-${mandate.id}-${language}.pdf"`,
    },
  };
});

// ---- personas ----
function canSeePersona(user, persona) {
  return persona.controller_id === user.id || supervisesAgency(user, persona.agency_id);
}
function publicPersona(persona) {
  const { controller_id: controllerId, ...rest } = persona;
  return { ...rest, controller: person(userById(controllerId)) };
}
function personaFields(user, body, partial) {
  const out = {};
  if (!partial || body.platform !== undefined) {
    const platform = requireText(body, 'platform').toLowerCase();
    out.platform = platform;
  }
  if (!partial || body.handle !== undefined) out.handle = requireText(body, 'handle');
  if (!partial || body.display_name !== undefined)
    out.display_name = requireText(body, 'display_name');
  if (body.controller_user_id !== undefined && body.controller_user_id !== null) {
    const controller = userById(Number(body.controller_user_id));
    if (
      !controller ||
      controller.disabled ||
      controller.agency_id !== user.agency_id ||
      !permissionsOf(controller).includes('monitoring.use')
    )
      throw bad('controller_user_id: an officer of your agency', 'controller_user_id');
    if (controller.id !== user.id && !user.roles.includes('supervisor'))
      throw new HttpError(403, 'permission_denied', 'only supervisors name another controller', {
        field: 'controller_user_id',
      });
    out.controller_id = controller.id;
  }
  if (body.mandate_ids !== undefined) {
    if (!Array.isArray(body.mandate_ids)) throw bad('mandate_ids: a list', 'mandate_ids');
    out.mandate_ids = body.mandate_ids.map((mandateId) => {
      const mandate = mandates.find((m) => String(m.id) === String(mandateId));
      if (!mandate || !canSeeMandate(user, mandate) || mandateState(mandate) !== 'approved')
        throw bad(`mandate ${mandateId} is not an approved mandate you may see`, 'mandate_ids');
      if (mandate.mechanism !== 'persona')
        throw bad(
          `mandate ${mandateId} does not authorise an online persona (its mechanism is ${mandate.mechanism})`,
          'mandate_ids',
        );
      return mandate.id;
    });
  }
  if (body.status !== undefined) {
    if (!PERSONA_STATUSES.includes(body.status))
      throw bad('status: active, suspended or retired', 'status');
    out.status = body.status;
  }
  return out;
}

route('GET', '/api/v1/personas', ({ request }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  return {
    body: {
      personas: personas.filter((persona) => canSeePersona(user, persona)).map(publicPersona),
    },
  };
});

route('POST', '/api/v1/personas', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  checkFields(body, ['platform', 'handle', 'display_name', 'controller_user_id', 'mandate_ids']);
  const fields = personaFields(user, body, false);
  const persona = {
    id: id(),
    agency_id: user.agency_id,
    platform: fields.platform,
    handle: fields.handle,
    display_name: fields.display_name ?? '',
    controller_id: fields.controller_id ?? user.id,
    mandate_ids: fields.mandate_ids ?? [],
    status: 'active',
    created_at: now(),
    updated_at: now(),
  };
  personas.push(persona);
  record(request, user, 'persona.create', 'persona', persona.id);
  return { status: 201, body: publicPersona(persona) };
});

function findPersona(user, idText) {
  const persona = personas.find((candidate) => String(candidate.id) === idText);
  if (!persona || !canSeePersona(user, persona))
    throw new HttpError(404, 'not_found', 'persona not found');
  return persona;
}

route('GET', '/api/v1/personas/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  return { body: publicPersona(findPersona(user, params.id)) };
});

route('PATCH', '/api/v1/personas/{id}', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  checkFields(body, [
    'platform',
    'handle',
    'display_name',
    'controller_user_id',
    'mandate_ids',
    'status',
  ]);
  const persona = findPersona(user, params.id);
  Object.assign(persona, personaFields(user, body, true), { updated_at: now() });
  record(request, user, 'persona.update', 'persona', persona.id);
  return { body: publicPersona(persona) };
});

// ---- collection ----
function publicSource(source) {
  return { ...source };
}
function findSource(user, idText) {
  const source = sources.find((candidate) => String(candidate.id) === idText);
  if (!source) throw new HttpError(404, 'not_found', 'source not found');
  findMandate(user, String(source.mandate_id));
  return source;
}
function hostOf(url) {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}
/** Evaluate() of mandates.h: '' when the mandate permits the target now, else the refusal. */
function evaluate(mandate, target) {
  const state = mandateState(mandate);
  if (state === 'revoked') return 'mandate_revoked';
  if (state === 'expired') return 'after_window';
  if (state !== 'approved') return 'mandate_not_approved';
  if (Date.now() < Date.parse(mandate.starts_at)) return 'before_window';
  if (Date.now() > Date.parse(mandate.ends_at)) return 'after_window';
  const host = hostOf(target.url);
  for (const entry of mandate.scope) {
    if (
      entry.kind === 'domain' &&
      host !== '' &&
      (host === entry.value || host.endsWith(`.${entry.value}`))
    )
      return '';
    if (entry.kind === 'url_prefix' && target.url && target.url.startsWith(entry.value)) return '';
    if (
      entry.kind === 'account' &&
      entry.platform === target.platform &&
      target.account_id !== '' &&
      entry.value.toLowerCase() === target.account_id.toLowerCase()
    )
      return '';
    if (entry.kind === 'platform' && entry.platform === target.platform) return '';
  }
  return target.account_id !== '' ? 'account_outside_mandate' : 'site_outside_mandate';
}
function text(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value))
    return value.map((part) => (typeof part === 'string' ? part : (part?.text ?? ''))).join('');
  return '';
}
function timeOf(value) {
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
    return new Date(value).toISOString();
  return null;
}
/** The records of an uploaded file: [{record, position, error}]. */
function parseUpload(kind, raw) {
  const body = raw.toString('utf8');
  if (kind === 'jsonl') {
    const out = [];
    body.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      const position = `line ${index + 1}`;
      try {
        const row = JSON.parse(line);
        for (const field of ['platform', 'post_id', 'text'])
          if (row[field] === undefined || row[field] === null || row[field] === '')
            throw new Error(`${field} is required`);
        // Like the server: an optional field is left out, not sent empty.
        for (const field of ['author_id', 'author_name', 'url'])
          if (row[field] === '') throw new Error(`"${field}" is empty`);
        out.push({
          position,
          record: {
            platform: String(row.platform).toLowerCase(),
            post_id: String(row.post_id),
            channel_id: String(row.channel_id ?? ''),
            author_id: String(row.author_id ?? ''),
            author_name: String(row.author_name ?? ''),
            url: String(row.url ?? ''),
            text: String(row.text),
            created_at: timeOf(row.created_at),
            raw: Buffer.from(line, 'utf8'),
          },
        });
      } catch (error) {
        out.push({ position, error: error instanceof SyntaxError ? 'not JSON' : error.message });
      }
    });
    return out;
  }
  if (kind === 'telegram' || kind === 'vk') {
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw bad('the file is not JSON');
    }
    if (kind === 'telegram') {
      const channel = String(parsed.id ?? '');
      return (parsed.messages ?? [])
        .filter((message) => message.type === 'message')
        .map((message, index) => ({
          position: `message ${index + 1}`,
          record: {
            platform: 'telegram',
            post_id: String(message.id),
            channel_id: channel,
            author_id: String(message.from_id ?? '').replace(/^user/, ''),
            author_name: String(message.from ?? ''),
            url: '',
            text: text(message.text),
            created_at: timeOf(Number(message.date_unixtime) || message.date),
            raw: Buffer.from(JSON.stringify(message), 'utf8'),
          },
        }));
    }
    if (parsed.error) throw bad('the file is a VK error response');
    return (parsed.response?.items ?? []).map((item, index) => ({
      position: `item ${index + 1}`,
      record: {
        platform: 'vk',
        post_id: String(item.id),
        channel_id: String(item.owner_id ?? ''),
        author_id: String(item.from_id ?? ''),
        author_name: '',
        url: `https://vk.com/wall${item.owner_id}_${item.id}`,
        text: String(item.text ?? ''),
        created_at: timeOf(item.date),
        raw: Buffer.from(JSON.stringify(item), 'utf8'),
      },
    }));
  }
  throw new HttpError(501, 'unimplemented', 'the mock server does not read WARC files');
}
/** Stores what the mandate permits; answers the import's result and updates the counts. */
function ingest(source, mandate, results) {
  const outcome = { id: id(), records: 0, stored: 0, duplicates: 0, refused: {}, errors: [] };
  for (const result of results) {
    outcome.records += 1;
    if (!result.record) {
      outcome.errors.push({ position: result.position, error: result.error });
      continue;
    }
    const record = result.record;
    const refusal = evaluate(mandate, {
      platform: record.platform,
      account_id: record.author_id || record.channel_id,
      url: record.url,
    });
    if (refusal !== '') {
      outcome.refused[refusal] = (outcome.refused[refusal] ?? 0) + 1;
      continue;
    }
    const duplicate = collectedItems.some(
      (item) =>
        item.mandate_id === mandate.id &&
        item.platform === record.platform &&
        item.channel_id === record.channel_id &&
        item.post_id === record.post_id,
    );
    if (duplicate) {
      outcome.duplicates += 1;
      continue;
    }
    const collectedAt = now();
    collectedItems.push({
      id: id(),
      agency_id: mandate.agency_id,
      mandate_id: mandate.id,
      source_id: source.id,
      ...record,
      collected_at: collectedAt,
      sha256: createHash('sha256').update(record.raw).digest('hex'),
      media: [],
      purge_at: new Date(Date.parse(collectedAt) + mandate.storage_days * 86400_000).toISOString(),
      promoted_evidence_id: null,
    });
    scanItem(collectedItems.at(-1));
    outcome.stored += 1;
  }
  source.counts.collected += outcome.stored;
  source.counts.duplicates += outcome.duplicates;
  source.counts.errors += outcome.errors.length;
  for (const [reason, count] of Object.entries(outcome.refused))
    source.counts.refused[reason] = (source.counts.refused[reason] ?? 0) + count;
  return outcome;
}

route('GET', '/api/v1/mandates/{id}/sources', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const mandate = findMandate(user, params.id);
  return {
    body: {
      sources: sources.filter((source) => source.mandate_id === mandate.id).map(publicSource),
    },
  };
});

route('POST', '/api/v1/mandates/{id}/sources', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  checkFields(body, ['kind', 'name', 'url', 'poll_minutes']);
  const mandate = findMandate(user, params.id);
  if (mandateState(mandate) !== 'approved')
    throw new HttpError(409, 'failed_precondition', 'sources are added to approved mandates only');
  if (!SOURCE_KINDS.includes(body.kind))
    throw bad('kind: telegram, vk, jsonl, warc or feed', 'kind');
  const name = requireText(body, 'name');
  let url = null;
  let pollMinutes = null;
  if (body.kind === 'feed') {
    url = requireText(body, 'url');
    if (!/^https?:\/\/\S+$/.test(url)) throw bad('url: an http(s) address', 'url');
    if (evaluate(mandate, { platform: 'rss', account_id: '', url }) !== '')
      throw bad('the feed is outside the mandate', 'url', 'site_outside_mandate');
    pollMinutes = body.poll_minutes ?? 60;
    if (!Number.isInteger(pollMinutes) || pollMinutes < 1)
      throw bad('poll_minutes: a whole number of minutes', 'poll_minutes');
  }
  const source = {
    id: id(),
    mandate_id: mandate.id,
    kind: body.kind,
    name,
    url,
    poll_minutes: pollMinutes,
    state: 'active',
    stop_reason: null,
    last_polled_at: null,
    created_at: now(),
    counts: { collected: 0, duplicates: 0, errors: 0, refused: {} },
  };
  sources.push(source);
  record(request, user, 'source.create', 'source', source.id);
  return { status: 201, body: publicSource(source) };
});

route('GET', '/api/v1/sources/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  return { body: publicSource(findSource(user, params.id)) };
});

route('POST', '/api/v1/sources/{id}/import', ({ request, params, raw }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const source = findSource(user, params.id);
  const mandate = mandates.find((candidate) => candidate.id === source.mandate_id);
  if (source.kind === 'feed') throw bad('feeds are polled, not imported', 'kind');
  if (source.state !== 'active')
    throw new HttpError(409, 'failed_precondition', 'the source is stopped');
  if (raw.length === 0) throw bad('the file is empty');
  const outcome = ingest(source, mandate, parseUpload(source.kind, raw));
  record(request, user, 'source.import', 'source', source.id, 'ok', {
    stored: outcome.stored,
    refused: outcome.refused,
  });
  return { body: { import: outcome } };
});

route('POST', '/api/v1/sources/{id}/poll', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const source = findSource(user, params.id);
  if (source.kind !== 'feed') throw bad('only feeds are polled', 'kind');
  if (source.state !== 'active')
    throw new HttpError(409, 'failed_precondition', 'the source is stopped');
  // The mock fetches nothing: a poll finds no new entry.
  source.last_polled_at = now();
  const mandate = mandates.find((candidate) => candidate.id === source.mandate_id);
  return { body: { import: ingest(source, mandate, []) } };
});

route('POST', '/api/v1/sources/{id}/stop', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const source = findSource(user, params.id);
  if (source.state === 'active') {
    source.state = 'stopped';
    source.stop_reason = `stopped by ${user.display_name}`;
  }
  record(request, user, 'source.stop', 'source', source.id);
  return { body: publicSource(source) };
});

function findCollected(user, idText) {
  const item = collectedItems.find((candidate) => String(candidate.id) === idText);
  if (!item) throw new HttpError(404, 'not_found', 'item not found');
  findMandate(user, String(item.mandate_id));
  return item;
}
function publicCollected(item, snippet) {
  const { raw: _raw, agency_id: _agency, ...rest } = item;
  return snippet === undefined ? rest : { ...rest, snippet };
}
/** Up to 160 characters around the first match, every match in «...» (as the server marks). */
function snippetOf(body, query) {
  const lower = body.toLowerCase();
  const first = lower.indexOf(query);
  const start = Math.max(0, first - 60);
  const end = Math.min(body.length, start + 160);
  const window = body.slice(start, end);
  let out = '';
  let at = 0;
  const lowerWindow = window.toLowerCase();
  for (
    let found = lowerWindow.indexOf(query);
    found !== -1;
    found = lowerWindow.indexOf(query, at)
  ) {
    out += `${window.slice(at, found)}«${window.slice(found, found + query.length)}»`;
    at = found + query.length;
  }
  out += window.slice(at);
  return `${start > 0 ? '…' : ''}${out}${end < body.length ? '…' : ''}`;
}

route('GET', '/api/v1/collected', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const allowed = [
    'q',
    'platform',
    'author',
    'from',
    'to',
    'mandate_id',
    'source_id',
    'limit',
    'offset',
  ];
  for (const key of url.searchParams.keys())
    if (!allowed.includes(key)) throw bad(`${key}: unknown parameter`, key);
  const get = (key) => url.searchParams.get(key) ?? '';
  const q = get('q').trim().toLowerCase();
  const author = get('author').trim().toLowerCase();
  const from = get('from') === '' ? null : Date.parse(get('from'));
  const to = get('to') === '' ? null : Date.parse(get('to'));
  if (Number.isNaN(from)) throw bad('from: a time', 'from');
  if (Number.isNaN(to)) throw bad('to: a time', 'to');
  const limit = Number(get('limit') || 50);
  const offset = Number(get('offset') || 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw bad('limit: 1..200', 'limit');
  if (!Number.isInteger(offset) || offset < 0) throw bad('offset: 0 or more', 'offset');
  const visible = new Map();
  const matching = collectedItems
    .filter((item) => {
      if (!visible.has(item.mandate_id)) {
        const mandate = mandates.find((m) => m.id === item.mandate_id);
        visible.set(item.mandate_id, canSeeMandate(user, mandate));
      }
      return visible.get(item.mandate_id);
    })
    .filter((item) => q === '' || item.text.toLowerCase().includes(q))
    .filter((item) => get('platform') === '' || item.platform === get('platform'))
    .filter(
      (item) =>
        author === '' ||
        item.author_name.toLowerCase().includes(author) ||
        item.author_id.toLowerCase() === author,
    )
    .filter((item) => get('mandate_id') === '' || String(item.mandate_id) === get('mandate_id'))
    .filter((item) => get('source_id') === '' || String(item.source_id) === get('source_id'))
    .filter((item) => {
      const at = Date.parse(item.created_at ?? item.collected_at);
      return (from === null || at >= from) && (to === null || at < to);
    })
    .sort(
      (a, b) =>
        (b.created_at ?? b.collected_at).localeCompare(a.created_at ?? a.collected_at) ||
        b.id - a.id,
    );
  record(request, user, 'collected.search', 'collected', null, 'ok', { q });
  return {
    body: {
      items: matching
        .slice(offset, offset + limit)
        .map((item) => publicCollected(item, q === '' ? undefined : snippetOf(item.text, q))),
      total: matching.length,
    },
  };
});

route('GET', '/api/v1/collected/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const item = findCollected(user, params.id);
  const textual =
    !item.raw.includes(0) && Buffer.from(item.raw.toString('utf8'), 'utf8').equals(item.raw);
  record(request, user, 'collected.read', 'collected', item.id);
  return { body: { ...publicCollected(item), raw: textual ? item.raw.toString('utf8') : null } };
});

route('GET', '/api/v1/collected/{id}/original', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  const item = findCollected(user, params.id);
  return {
    buffer: item.raw,
    contentType: 'application/octet-stream',
    headers: { 'Content-Disposition': `attachment; filename="collected-${item.id}.raw"` },
  };
});

route('GET', '/api/v1/collected/{id}/media/{n}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  findCollected(user, params.id);
  throw new HttpError(404, 'not_found', 'the mock server keeps no media');
});

route('POST', '/api/v1/collected/{id}/promote', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'monitoring.use');
  checkFields(body, ['case_id', 'legal_basis', 'description']);
  const item = findCollected(user, params.id);
  if (item.promoted_evidence_id !== null)
    throw new HttpError(409, 'already_exists', 'the item is evidence already');
  if (body.case_id === undefined || body.case_id === null) throw bad('choose a case', 'case_id');
  let opened;
  try {
    opened = findCase(user, String(body.case_id), 'write');
  } catch (error) {
    throw bad(`case_id: ${error.body.error.message}`, 'case_id');
  }
  const legalBasis = requireText(body, 'legal_basis');
  const hashes = digests(item.raw);
  const ingestedAt = now();
  const evidence = {
    id: id(),
    case_id: opened.id,
    case_number: opened.number,
    original_name: `${item.platform}-${item.channel_id || 'post'}-${item.post_id}.json`,
    size: item.raw.length,
    mime_type: 'application/json',
    ...hashes,
    description: typeof body.description === 'string' ? body.description : '',
    source_type: 'captured_online',
    source_detail: item.url || `${item.platform} ${item.post_id}`,
    acquisition_method: `collected under mandate ${item.mandate_id}`,
    acquisition_tool: 'threathub collect',
    examiner: user.display_name,
    acquired_at: item.collected_at,
    acquired_place: '',
    legal_basis: legalBasis,
    parent_id: null,
    categories: ['general'],
    retention_until: retentionUntil(['general'], ingestedAt),
    state: 'active',
    sealed: false,
    seal_number: '',
    ingested_by: person(user),
    ingested_at: ingestedAt,
    last_verified_at: null,
    last_verification: null,
    ewf: null,
    content: Buffer.from(item.raw),
  };
  evidenceItems.push(evidence);
  custody(evidence, user, 'ingest', {
    where: 'evidence store',
    why: legalBasis,
    hash_after: evidence.sha256,
  });
  item.promoted_evidence_id = evidence.id;
  record(request, user, 'collected.promote', 'collected', item.id, 'ok', { evidence: evidence.id });
  return { status: 201, body: publicItem(evidence) };
});

// ---- detection (issue 6): indicator lists, hash banks, alerts, the review queue ----
// A small stand-in for the server's matcher: every term and phrase becomes a regular expression
// over the original text that accepts Latin/Cyrillic look-alikes, digits for letters, case and
// separators or invisible characters between letters; highlights are UTF-8 byte offsets.
const indicatorLists = [];
const listVersions = [];
const indicators = [];
const hashBanks = [];
const bankHashes = [];
const alerts = [];
const scans = [];
let scannedThrough = null;

const LOOK_ALIKES = {
  а: 'aа@4',
  б: 'б6',
  в: 'вb',
  г: 'гғ',
  е: 'eеё3',
  ё: 'eеё',
  з: 'з3',
  и: 'иі',
  к: 'kкқ',
  м: 'mм',
  н: 'hнң',
  о: 'oо0өΟ',
  п: 'пn',
  р: 'pр',
  с: 'cс',
  т: 'tт',
  у: 'yуұү',
  х: 'xхһ',
  ч: 'ч4',
  ш: 'ш',
  ы: 'ы',
  э: 'э',
  ю: 'ю',
  я: 'я',
  л: 'л',
  д: 'д',
  ж: 'ж',
  ц: 'ц',
  й: 'й',
};
for (const [cyrillic, latin] of Object.entries({
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  x: 'х',
  y: 'у',
  k: 'к',
  m: 'м',
  t: 'т',
  h: 'н',
  b: 'в',
}))
  LOOK_ALIKES[cyrillic] ??= `${cyrillic}${latin}`;
const SEPARATORS = '[\\s.\\-_*·,\\u200b\\u200c\\u200d\\u2060\\u00ad]*';
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternRegex(indicator) {
  if (indicator.kind === 'regex') {
    try {
      return new RegExp(indicator.pattern, 'giu');
    } catch {
      return null;
    }
  }
  const letters = [...indicator.pattern.toLowerCase()];
  const parts = letters.map((letter) => {
    if (/\s/.test(letter)) return '\\s+';
    const set = LOOK_ALIKES[letter];
    return set ? `[${escapeRegex(set)}${escapeRegex(set.toUpperCase())}]` : escapeRegex(letter);
  });
  return new RegExp(parts.join(SEPARATORS), 'giu');
}

function compileProblem(indicator) {
  if (indicator.kind !== 'regex') return null;
  try {
    new RegExp(indicator.pattern, 'u');
    return null;
  } catch (error) {
    return `pattern ${JSON.stringify(indicator.pattern)}: ${error.message}`;
  }
}

const bytesBefore = (text, index) => Buffer.byteLength(text.slice(0, index), 'utf8');

function excerptAround(text, matches) {
  const first = matches[0];
  const from = Math.max(0, first.index - 60);
  const to = Math.min(text.length, first.index + first.length + 60);
  let out = '';
  let cursor = from;
  for (const match of matches.filter((m) => m.index >= from && m.index + m.length <= to)) {
    out += `${text.slice(cursor, match.index)}«${text.slice(match.index, match.index + match.length)}»`;
    cursor = match.index + match.length;
  }
  return `${from > 0 ? '…' : ''}${out}${text.slice(cursor, to)}${to < text.length ? '…' : ''}`;
}

function scanItem(item) {
  const text = item.text ?? '';
  const allowed = [];
  for (const list of indicatorLists.filter((l) => l.active && l.kind === 'allow'))
    for (const entry of indicators.filter((i) => i.list_id === list.id && i.active)) {
      const regex = patternRegex(entry);
      for (const match of regex ? text.matchAll(regex) : [])
        allowed.push([match.index, match.index + match[0].length]);
    }
  for (const list of indicatorLists.filter((l) => l.active && l.kind === 'indicators')) {
    for (const entry of indicators.filter((i) => i.list_id === list.id && i.active)) {
      const regex = patternRegex(entry);
      if (!regex) continue;
      const matches = [...text.matchAll(regex)]
        .filter((m) => m[0] !== '')
        .map((m) => ({ index: m.index, length: m[0].length }))
        .filter((m) => !allowed.some(([a, b]) => a <= m.index && m.index + m.length <= b));
      if (matches.length === 0) continue;
      if (alerts.some((a) => a.item_id === item.id && a.indicator_id === entry.id)) continue;
      alerts.push({
        id: id(),
        item_id: item.id,
        mandate_id: item.mandate_id,
        kind: 'text',
        state: 'open',
        list_id: list.id,
        list_version: list.version,
        indicator_id: entry.id,
        bank_id: null,
        bank_hash_id: null,
        media_n: null,
        distance: null,
        quality: null,
        low_confidence: false,
        highlights: matches.map((m) => ({
          start: bytesBefore(text, m.index),
          end: bytesBefore(text, m.index + m.length),
          text: text.slice(m.index, m.index + m.length),
        })),
        excerpt: excerptAround(text, matches),
        severity: entry.severity,
        created_at: now(),
        decided_by: null,
        decided_at: null,
        reason: null,
        case_id: null,
        evidence_id: null,
        removal_request: null,
      });
    }
  }
  scannedThrough = item.id;
}

function rescan(reason, days = 30) {
  const since = Date.now() - days * 86400_000;
  const items = collectedItems.filter((item) => Date.parse(item.collected_at) >= since);
  const before = alerts.length;
  const scan = {
    id: id(),
    reason,
    from: new Date(since).toISOString(),
    items: items.length,
    scanned: 0,
    alerts: 0,
    state: 'running',
    started_at: now(),
    finished_at: null,
  };
  for (const item of items) {
    scanItem(item);
    scan.scanned += 1;
  }
  scan.alerts = alerts.length - before;
  scan.state = 'done';
  scan.finished_at = now();
  scans.unshift(scan);
  return scan;
}

function listChanged(list, user, change) {
  list.version += 1;
  list.updated_at = now();
  listVersions.push({
    list_id: list.id,
    version: list.version,
    created_at: now(),
    created_by: person(user),
    change,
  });
  rescan('lists_changed');
}

const precisionOf = (confirmed, dismissed) =>
  confirmed + dismissed === 0 ? null : confirmed / (confirmed + dismissed);

function publicList(list, withProblems = false) {
  const entries = indicators.filter((i) => i.list_id === list.id);
  const body = {
    ...list,
    indicator_count: entries.filter((i) => i.active).length,
    alert_count: alerts.filter((a) => a.list_id === list.id).length,
  };
  if (withProblems)
    body.problems = entries
      .filter((i) => i.active && compileProblem(i) !== null)
      .map((i) => ({ indicator_id: i.id, pattern: i.pattern, error: compileProblem(i) }));
  return body;
}
function publicIndicator(entry) {
  const own = alerts.filter((a) => a.indicator_id === entry.id);
  const confirmed = own.filter((a) => a.state === 'confirmed').length;
  const dismissed = own.filter((a) => a.state === 'dismissed').length;
  return { ...entry, alerts: own.length, confirmed, precision: precisionOf(confirmed, dismissed) };
}
function publicBank(bank) {
  const hashes = bankHashes.filter((h) => h.bank_id === bank.id && h.active);
  return {
    ...bank,
    hash_count: hashes.length,
    quarantined_count: hashes.filter((h) => h.quarantined).length,
    alert_count: alerts.filter((a) => a.bank_id === bank.id).length,
  };
}
function publicAlert(alert, withItem = false) {
  const list = indicatorLists.find((l) => l.id === alert.list_id);
  const entry = indicators.find((i) => i.id === alert.indicator_id);
  const bank = hashBanks.find((b) => b.id === alert.bank_id);
  const hash = bankHashes.find((h) => h.id === alert.bank_hash_id);
  const { indicator_id: _i, bank_hash_id: _h, ...rest } = alert;
  const body = {
    ...rest,
    list_name: list?.name ?? null,
    indicator: entry
      ? {
          id: entry.id,
          kind: entry.kind,
          pattern: entry.pattern,
          category: entry.category,
          severity: entry.severity,
        }
      : null,
    bank_name: bank?.name ?? null,
    bank_hash: hash ? { id: hash.id, hash: hash.hash, label: hash.label } : null,
  };
  if (withItem)
    body.item = publicCollected(collectedItems.find((item) => item.id === alert.item_id));
  return body;
}

const detectUser = (request, permission = 'detect.review') => {
  const { user } = requireSession(request);
  requirePermission(user, permission);
  return user;
};
const findIn = (array, idText, what) => {
  const found = array.find((entry) => String(entry.id) === idText);
  if (!found) throw new HttpError(404, 'not_found', `${what} not found`);
  return found;
};
function pageOf(url, rows) {
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  return { rows: rows.slice(offset, offset + limit), total: rows.length };
}
const INDICATOR_FIELDS = ['kind', 'pattern', 'language', 'category', 'severity', 'notes'];
function indicatorFields(body, partial, { compile = true } = {}) {
  const out = {};
  if (!partial || body.kind !== undefined) {
    if (!['term', 'phrase', 'regex'].includes(body.kind))
      throw bad('kind: term, phrase or regex', 'kind');
    out.kind = body.kind;
  }
  if (!partial || body.pattern !== undefined) out.pattern = requireText(body, 'pattern');
  if (body.language !== undefined) {
    if (!['kk', 'ru', 'en', 'any'].includes(body.language))
      throw bad('language: kk, ru, en or any', 'language');
    out.language = body.language;
  }
  if (body.severity !== undefined) {
    if (!['low', 'medium', 'high', 'critical'].includes(body.severity))
      throw bad('severity: low, medium, high or critical', 'severity');
    out.severity = body.severity;
  }
  for (const field of ['category', 'notes'])
    if (typeof body[field] === 'string') out[field] = body[field];
  // A file's regular expression that does not compile is stored and listed as a problem.
  const problem = compile
    ? compileProblem({ kind: out.kind ?? 'term', pattern: out.pattern ?? '' })
    : null;
  if (problem !== null) throw bad(problem, 'pattern', 'pattern_invalid');
  return out;
}
function addIndicator(list, fields) {
  const entry = {
    id: id(),
    list_id: list.id,
    kind: 'term',
    pattern: '',
    language: 'any',
    category: '',
    severity: 'medium',
    notes: '',
    active: true,
    created_at: now(),
    updated_at: now(),
    ...fields,
  };
  indicators.push(entry);
  return entry;
}

route('GET', '/api/v1/indicator-lists', ({ request }) => {
  detectUser(request);
  return { body: { lists: indicatorLists.map((list) => publicList(list)) } };
});
route('POST', '/api/v1/indicator-lists', ({ request, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, ['name', 'kind', 'description', 'active']);
  const name = requireText(body, 'name');
  if (body.kind !== undefined && !['indicators', 'allow'].includes(body.kind))
    throw bad('kind: indicators or allow', 'kind');
  if (indicatorLists.some((l) => l.name === name))
    throw new HttpError(409, 'already_exists', 'a list with this name exists', { field: 'name' });
  const list = {
    id: id(),
    name,
    kind: body.kind ?? 'indicators',
    description: body.description ?? '',
    active: body.active !== false,
    version: 0,
    created_by: person(user),
    created_at: now(),
    updated_at: now(),
  };
  indicatorLists.push(list);
  listChanged(list, user, 'created');
  return { status: 201, body: publicList(list) };
});
route('GET', '/api/v1/indicator-lists/{id}', ({ request, params }) => {
  detectUser(request);
  return { body: publicList(findIn(indicatorLists, params.id, 'list'), true) };
});
route('PATCH', '/api/v1/indicator-lists/{id}', ({ request, params, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, ['name', 'description', 'active']);
  const list = findIn(indicatorLists, params.id, 'list');
  if (body.name !== undefined) list.name = requireText(body, 'name');
  if (typeof body.description === 'string') list.description = body.description;
  if (body.active !== undefined) list.active = body.active === true;
  listChanged(list, user, `edited ${Object.keys(body).join(', ')}`);
  return { body: publicList(list) };
});
route('GET', '/api/v1/indicator-lists/{id}/indicators', ({ request, params, url }) => {
  detectUser(request);
  const list = findIn(indicatorLists, params.id, 'list');
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const rows = indicators.filter(
    (i) => i.list_id === list.id && (q === '' || i.pattern.toLowerCase().includes(q)),
  );
  const page = pageOf(url, rows);
  return { body: { indicators: page.rows.map(publicIndicator), total: page.total } };
});
route('POST', '/api/v1/indicator-lists/{id}/indicators', ({ request, params, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, INDICATOR_FIELDS);
  const list = findIn(indicatorLists, params.id, 'list');
  const entry = addIndicator(list, indicatorFields(body, false));
  listChanged(list, user, `added ${entry.pattern}`);
  return { status: 201, body: publicIndicator(entry) };
});
route('PATCH', '/api/v1/indicators/{id}', ({ request, params, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, [...INDICATOR_FIELDS, 'active']);
  const entry = findIn(indicators, params.id, 'indicator');
  Object.assign(entry, indicatorFields(body, true), { updated_at: now() });
  if (body.active !== undefined) entry.active = body.active === true;
  listChanged(
    findIn(indicatorLists, String(entry.list_id), 'list'),
    user,
    `edited ${entry.pattern}`,
  );
  return { body: publicIndicator(entry) };
});
route('DELETE', '/api/v1/indicators/{id}', ({ request, params }) => {
  const user = detectUser(request, 'detect.manage');
  const entry = findIn(indicators, params.id, 'indicator');
  entry.active = false;
  listChanged(
    findIn(indicatorLists, String(entry.list_id), 'list'),
    user,
    `retired ${entry.pattern}`,
  );
  return { status: 204 };
});

function parseCsvLine(line) {
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
function indicatorRows(format, text) {
  if (format === 'json') {
    const parsed = JSON.parse(text);
    const rows = Array.isArray(parsed) ? parsed : (parsed.indicators ?? []);
    return rows.map((row, index) => ({ position: `indicators[${index}]`, row }));
  }
  const lines = text.split(/\r?\n/);
  const header = parseCsvLine(lines[0] ?? '').map((name) => name.trim());
  return lines.slice(1).flatMap((line, index) => {
    if (line.trim() === '') return [];
    const cells = parseCsvLine(line);
    return [
      {
        position: `line ${index + 2}`,
        row: Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])),
      },
    ];
  });
}
function csvCell(value) {
  const text = String(value ?? '');
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
route('POST', '/api/v1/indicator-lists/{id}/import', ({ request, params, url, raw }) => {
  const user = detectUser(request, 'detect.manage');
  const list = findIn(indicatorLists, params.id, 'list');
  const format = url.searchParams.get('format') ?? 'csv';
  const mode = url.searchParams.get('mode') ?? 'append';
  const result = { added: 0, updated: 0, retired: 0, errors: [] };
  let rows;
  try {
    rows = indicatorRows(format, raw.toString('utf8'));
  } catch (error) {
    throw bad(`the file is not ${format}: ${error.message}`, 'body');
  }
  const seen = new Set();
  for (const { position, row } of rows) {
    try {
      const fields = indicatorFields(
        {
          ...row,
          kind: row.kind || 'term',
          language: row.language || undefined,
          severity: row.severity || undefined,
        },
        false,
        { compile: false },
      );
      const known = indicators.find(
        (i) => i.list_id === list.id && i.pattern === fields.pattern && i.kind === fields.kind,
      );
      if (known) {
        Object.assign(known, fields, { active: true, updated_at: now() });
        result.updated += 1;
        seen.add(known.id);
      } else {
        seen.add(addIndicator(list, fields).id);
        result.added += 1;
      }
    } catch (error) {
      result.errors.push({ position, error: error.body?.error?.message ?? String(error) });
    }
  }
  if (mode === 'replace')
    for (const entry of indicators.filter(
      (i) => i.list_id === list.id && i.active && !seen.has(i.id),
    )) {
      entry.active = false;
      result.retired += 1;
    }
  listChanged(
    list,
    user,
    `import (${mode}): ${result.added} added, ${result.updated} updated, ${result.retired} retired`,
  );
  return { body: { list: publicList(list), ...result } };
});
route('GET', '/api/v1/indicator-lists/{id}/export', ({ request, params, url }) => {
  detectUser(request);
  const list = findIn(indicatorLists, params.id, 'list');
  const rows = indicators.filter((i) => i.list_id === list.id && i.active);
  const fields = ['kind', 'pattern', 'language', 'category', 'severity', 'notes'];
  if (url.searchParams.get('format') === 'json')
    return {
      text: JSON.stringify(
        {
          name: list.name,
          kind: list.kind,
          indicators: rows.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]]))),
        },
        null,
        2,
      ),
      contentType: 'application/json',
      headers: { 'Content-Disposition': `attachment; filename="list-${list.id}.json"` },
    };
  const csv = [
    fields.join(','),
    ...rows.map((r) => fields.map((f) => csvCell(r[f])).join(',')),
  ].join('\n');
  return {
    text: `${csv}\n`,
    contentType: 'text/csv; charset=utf-8',
    headers: { 'Content-Disposition': `attachment; filename="list-${list.id}.csv"` },
  };
});
route('GET', '/api/v1/indicator-lists/{id}/versions', ({ request, params }) => {
  detectUser(request);
  const list = findIn(indicatorLists, params.id, 'list');
  const versions = listVersions
    .filter((v) => v.list_id === list.id)
    .reverse()
    .map(({ list_id: _l, ...v }) => v);
  return { body: { versions } };
});

route('GET', '/api/v1/hash-banks', ({ request }) => {
  detectUser(request);
  return { body: { banks: hashBanks.map(publicBank) } };
});
function bankFields(body, bank) {
  if (
    body.threshold !== undefined &&
    !(Number.isInteger(body.threshold) && body.threshold >= 0 && body.threshold <= 128)
  )
    throw bad('threshold: 0 to 128', 'threshold');
  if (
    body.quality_gate !== undefined &&
    !(Number.isInteger(body.quality_gate) && body.quality_gate >= 0 && body.quality_gate <= 100)
  )
    throw bad('quality_gate: 0 to 100', 'quality_gate');
  if (body.name !== undefined) bank.name = requireText(body, 'name');
  for (const field of ['negative', 'active'])
    if (body[field] !== undefined) bank[field] = body[field] === true;
  for (const field of ['threshold', 'quality_gate', 'description'])
    if (body[field] !== undefined) bank[field] = body[field];
  if (body.labels !== undefined)
    bank.labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
}
route('POST', '/api/v1/hash-banks', ({ request, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, [
    'name',
    'algorithm',
    'negative',
    'threshold',
    'quality_gate',
    'labels',
    'description',
    'active',
  ]);
  requireText(body, 'name');
  if (!['pdq', 'md5', 'sha256'].includes(body.algorithm))
    throw bad('algorithm: pdq, md5 or sha256', 'algorithm');
  const bank = {
    id: id(),
    name: '',
    algorithm: body.algorithm,
    negative: false,
    threshold: 31,
    quality_gate: 50,
    labels: [],
    description: '',
    active: true,
    version: 1,
    created_by: person(user),
    created_at: now(),
    updated_at: now(),
  };
  bankFields(body, bank);
  hashBanks.push(bank);
  return { status: 201, body: publicBank(bank) };
});
route('GET', '/api/v1/hash-banks/{id}', ({ request, params }) => {
  detectUser(request);
  return { body: publicBank(findIn(hashBanks, params.id, 'bank')) };
});
route('PATCH', '/api/v1/hash-banks/{id}', ({ request, params, body }) => {
  detectUser(request, 'detect.manage');
  checkFields(body, [
    'name',
    'negative',
    'threshold',
    'quality_gate',
    'labels',
    'description',
    'active',
  ]);
  const bank = findIn(hashBanks, params.id, 'bank');
  bankFields(body, bank);
  bank.version += 1;
  bank.updated_at = now();
  return { body: publicBank(bank) };
});
route('GET', '/api/v1/hash-banks/{id}/hashes', ({ request, params, url }) => {
  detectUser(request);
  const bank = findIn(hashBanks, params.id, 'bank');
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const quarantined = url.searchParams.get('quarantined') === 'true';
  const rows = bankHashes.filter(
    (h) =>
      h.bank_id === bank.id &&
      (!quarantined || h.quarantined) &&
      (q === '' || h.hash.includes(q) || h.label.toLowerCase().includes(q)),
  );
  const page = pageOf(url, rows);
  return {
    body: {
      hashes: page.rows.map((h) => ({
        ...h,
        alerts: alerts.filter((a) => a.bank_hash_id === h.id).length,
      })),
      total: page.total,
    },
  };
});
const HASH_LENGTH = { pdq: 64, md5: 32, sha256: 64 };
route('POST', '/api/v1/hash-banks/{id}/import', ({ request, params, raw }) => {
  detectUser(request, 'detect.manage');
  const bank = findIn(hashBanks, params.id, 'bank');
  const result = { added: 0, duplicates: 0, errors: [] };
  const lines = raw.toString('utf8').split(/\r?\n/);
  const csv = /hash/i.test(lines[0] ?? '') && (lines[0] ?? '').includes(',');
  const header = csv ? parseCsvLine(lines[0]).map((name) => name.trim()) : null;
  lines.forEach((line, index) => {
    if (line.trim() === '' || (csv && index === 0)) return;
    const row = header
      ? Object.fromEntries(header.map((name, i) => [name, parseCsvLine(line)[i] ?? '']))
      : { hash: line.trim() };
    const hash = String(row.hash ?? row.hash_digest ?? '')
      .trim()
      .toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${HASH_LENGTH[bank.algorithm]}}$`).test(hash)) {
      result.errors.push({
        position: `line ${index + 1}`,
        error: `not a ${bank.algorithm} hash: ${hash.slice(0, 80)}`,
      });
      return;
    }
    if (bankHashes.some((h) => h.bank_id === bank.id && h.hash === hash)) {
      result.duplicates += 1;
      return;
    }
    bankHashes.push({
      id: id(),
      bank_id: bank.id,
      hash,
      label: row.label ?? '',
      source: row.source ?? '',
      ideology: row.ideology ?? '',
      file_type: row.file_type ?? '',
      active: true,
      quarantined: false,
      created_at: now(),
    });
    result.added += 1;
  });
  return { body: { bank: publicBank(bank), ...result } };
});
route('POST', '/api/v1/bank-hashes/{id}/release', ({ request, params }) => {
  detectUser(request, 'detect.manage');
  const hash = findIn(bankHashes, params.id, 'bank hash');
  hash.quarantined = false;
  for (const alert of alerts.filter((a) => a.bank_hash_id === hash.id && a.state === 'held'))
    alert.state = 'open';
  return { body: hash };
});
route('DELETE', '/api/v1/bank-hashes/{id}', ({ request, params }) => {
  const user = detectUser(request, 'detect.manage');
  const hash = findIn(bankHashes, params.id, 'bank hash');
  hash.active = false;
  for (const alert of alerts.filter((a) => a.bank_hash_id === hash.id && a.state === 'held'))
    Object.assign(alert, {
      state: 'dismissed',
      reason: 'flood',
      decided_by: person(user),
      decided_at: now(),
    });
  return { status: 204 };
});
route('GET', '/api/v1/bank-hashes/{id}/image', ({ request, params }) => {
  detectUser(request);
  findIn(bankHashes, params.id, 'bank hash');
  throw new HttpError(404, 'not_found', 'hash-only list: no reference image');
});

function visibleAlerts(user) {
  return alerts.filter((alert) => {
    const mandate = mandates.find((m) => m.id === alert.mandate_id);
    return mandate !== undefined && canSeeMandate(user, mandate);
  });
}
function findAlert(user, idText) {
  const alert = visibleAlerts(user).find((a) => String(a.id) === idText);
  if (!alert) throw new HttpError(404, 'not_found', 'alert not found');
  return alert;
}
route('GET', '/api/v1/alerts', ({ request, url }) => {
  const user = detectUser(request);
  const state = url.searchParams.get('state') || 'open';
  const filters = ['kind', 'list_id', 'bank_id', 'indicator_id', 'mandate_id'].map((name) => [
    name,
    url.searchParams.get(name) ?? '',
  ]);
  const rows = visibleAlerts(user).filter(
    (alert) =>
      alert.state === state &&
      filters.every(([name, value]) => value === '' || String(alert[name]) === value),
  );
  const page = pageOf(url, rows);
  return { body: { alerts: page.rows.map((a) => publicAlert(a)), total: page.total } };
});
route('GET', '/api/v1/alerts/{id}', ({ request, params }) => {
  const user = detectUser(request);
  const alert = findAlert(user, params.id);
  record(request, user, 'detect.alert_read', 'alert', alert.id);
  return { body: publicAlert(alert, true) };
});
/** Runs another route's handler for the same request (confirm opens a case and promotes). */
function callRoute(method, path, request, body) {
  const match = routes
    .map((candidate) => ({ candidate, found: candidate.pattern.exec(path) }))
    .find(({ candidate, found }) => found && candidate.method === method);
  return match.candidate.handler({
    request,
    url: new URL(path, 'http://mock'),
    body,
    raw: Buffer.alloc(0),
    params: match.found.groups ?? {},
  });
}
route('POST', '/api/v1/alerts/{id}/decision', ({ request, params, body }) => {
  const user = detectUser(request);
  checkFields(body, ['decision', 'case_id', 'new_case', 'legal_basis', 'description', 'reason']);
  const alert = findAlert(user, params.id);
  if (alert.state === 'confirmed' || alert.state === 'dismissed')
    throw new HttpError(409, 'failed_precondition', 'the alert is decided already', {
      reason: 'already_decided',
    });
  if (body.decision === 'dismiss') {
    Object.assign(alert, { state: 'dismissed', reason: requireText(body, 'reason') });
  } else if (body.decision === 'escalate') {
    Object.assign(alert, {
      state: 'escalated',
      reason: typeof body.reason === 'string' ? body.reason : null,
    });
  } else if (body.decision === 'confirm') {
    const legalBasis = requireText(body, 'legal_basis');
    let caseId = body.case_id;
    if (caseId === undefined || caseId === null) {
      if (body.new_case === undefined || typeof body.new_case !== 'object')
        throw bad('case_id or new_case', 'case_id');
      if (typeof body.new_case.title !== 'string' || body.new_case.title.trim() === '')
        throw bad('new_case.title: required', 'title');
      caseId = callRoute('POST', '/api/v1/cases', request, { title: body.new_case.title }).body.id;
    }
    const item = collectedItems.find((i) => i.id === alert.item_id);
    if (item.promoted_evidence_id === null) {
      const promoted = callRoute('POST', `/api/v1/collected/${item.id}/promote`, request, {
        case_id: caseId,
        legal_basis: legalBasis,
        ...(typeof body.description === 'string' ? { description: body.description } : {}),
      });
      alert.evidence_id = promoted.body.id;
    } else alert.evidence_id = item.promoted_evidence_id;
    Object.assign(alert, { state: 'confirmed', case_id: caseId });
  } else throw bad('decision: confirm, dismiss or escalate', 'decision');
  Object.assign(alert, { decided_by: person(user), decided_at: now() });
  record(request, user, 'detect.alert_decide', 'alert', alert.id, 'ok', body.decision);
  return { body: publicAlert(alert) };
});
route('POST', '/api/v1/alerts/{id}/removal-request', ({ request, params, body }) => {
  const user = detectUser(request);
  checkFields(body, ['platform', 'reference', 'note', 'requested_at']);
  const alert = findAlert(user, params.id);
  if (alert.state !== 'confirmed')
    throw new HttpError(409, 'failed_precondition', 'only for confirmed alerts');
  alert.removal_request = {
    platform: requireText(body, 'platform'),
    reference: body.reference ?? '',
    note: body.note ?? '',
    requested_at: body.requested_at ?? now(),
    recorded_by: person(user),
  };
  return { body: publicAlert(alert) };
});
route('GET', '/api/v1/alerts/{id}/media', ({ request, params }) => {
  const user = detectUser(request);
  findAlert(user, params.id);
  throw new HttpError(404, 'not_found', 'the mock server keeps no media');
});
// The mock keeps no media: the hash stands in for the file's (the same alert, the same hash).
route('POST', '/api/v1/alerts/{id}/add-to-bank', ({ request, params, body }) => {
  const user = detectUser(request, 'detect.manage');
  checkFields(body, ['bank_id', 'label']);
  const alert = findAlert(user, params.id);
  if (!Number.isInteger(body.bank_id)) throw bad('bank_id: required', 'bank_id');
  const bank = findIn(hashBanks, String(body.bank_id), 'bank');
  if (alert.media_n === null || alert.media_n === undefined)
    throw new HttpError(409, 'failed_precondition', 'a text alert has no media file', {
      reason: 'no_media',
    });
  const digest = createHash(bank.algorithm === 'md5' ? 'md5' : 'sha256')
    .update(`alert ${alert.item_id} media ${alert.media_n}`)
    .digest('hex');
  if (bankHashes.some((h) => h.bank_id === bank.id && h.hash === digest))
    throw new HttpError(409, 'already_exists', 'the bank holds this hash already', {
      reason: 'hash_in_bank',
    });
  const matched = bankHashes.find((h) => h.id === alert.bank_hash_id);
  const label = typeof body.label === 'string' && body.label.trim() !== '' ? body.label.trim() : '';
  const added = {
    id: id(),
    bank_id: bank.id,
    hash: digest,
    label: label || (matched?.label ?? ''),
    source: `alert ${alert.id}`,
    ideology: '',
    file_type: '',
    active: true,
    quarantined: false,
    created_at: now(),
  };
  bankHashes.push(added);
  bank.version += 1;
  record(request, user, 'detect.bank_hash_add', 'bank_hash', added.id);
  return { status: 201, body: { ...added, alerts: 0 } };
});
route('POST', '/api/v1/detect/rescan', ({ request, body }) => {
  detectUser(request, 'detect.manage');
  checkFields(body, ['days']);
  if (
    body.days !== undefined &&
    !(Number.isInteger(body.days) && body.days >= 1 && body.days <= 365)
  )
    throw bad('days: 1 to 365', 'days');
  return { status: 202, body: { scan: rescan('manual', body.days ?? 30) } };
});
route('GET', '/api/v1/detect/status', ({ request }) => {
  detectUser(request);
  const active = indicators.filter(
    (i) => i.active && indicatorLists.find((l) => l.id === i.list_id)?.active,
  );
  return {
    body: {
      scanned_through_item: scannedThrough,
      pending_items: 0,
      scans: scans.slice(0, 10),
      indicators: active.length,
      problems: active.filter((i) => compileProblem(i) !== null).length,
      bank_hashes: bankHashes.filter((h) => h.active).length,
    },
  };
});
route('GET', '/api/v1/detect/metrics', ({ request }) => {
  const user = detectUser(request);
  const seen = visibleAlerts(user);
  const count = (rows) => {
    const confirmed = rows.filter((a) => a.state === 'confirmed').length;
    const dismissed = rows.filter((a) => a.state === 'dismissed').length;
    return {
      alerts: rows.length,
      confirmed,
      dismissed,
      precision: precisionOf(confirmed, dismissed),
    };
  };
  const open = (rows) => rows.filter((a) => a.state === 'open' || a.state === 'escalated').length;
  return {
    body: {
      lists: indicatorLists.map((list) => {
        const rows = seen.filter((a) => a.list_id === list.id);
        return { list_id: list.id, name: list.name, ...count(rows), open: open(rows) };
      }),
      banks: hashBanks.map((bank) => {
        const rows = seen.filter((a) => a.bank_id === bank.id);
        return { bank_id: bank.id, name: bank.name, ...count(rows), open: open(rows) };
      }),
      indicators: indicators
        .map((entry) => ({
          indicator_id: entry.id,
          list_id: entry.list_id,
          pattern: entry.pattern,
          ...count(seen.filter((a) => a.indicator_id === entry.id)),
        }))
        .filter((row) => row.alerts > 0)
        .sort((a, b) => b.alerts - a.alerts)
        .slice(0, 200),
    },
  };
});

// ---- requests to service providers (issue 7; docs/api.md, "Requests to service providers") ----
// The directory is the project's seed (data/requests); the linter and the deadline rules are a
// small subset of src/requests (entity, legal basis, article, range, categories, identifiers,
// E.164, translation, voluntary content, emergency facts; provider preservation periods and the
// EU/Budapest comparisons), enough for the pages and their browser tests.
const SEED_PROVIDERS = JSON.parse(
  readFileSync(new URL('../../data/requests/providers.json', import.meta.url), 'utf8'),
);
const SEED_COUNTRIES = JSON.parse(
  readFileSync(new URL('../../data/requests/countries.json', import.meta.url), 'utf8'),
);
const EU = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(
  ' ',
);
const REGIONS = { EU, EEA: [...EU, 'IS', 'LI', 'NO'], UK: ['GB'] };
const REQUEST_TYPES = [
  'preservation',
  'preservation_extension',
  'voluntary_disclosure',
  'emergency_disclosure',
  'production_order',
  'mla_request',
  'network_24_7',
];
const REFUSAL_CODES = [
  'wrong_entity',
  'no_legal_basis',
  'over_broad',
  'invalid_identifier',
  'content_needs_mla',
  'not_emergency',
  'no_data',
  'not_translated',
  'no_jurisdiction',
  'other',
];
const DAY_MS = 24 * 3600 * 1000;

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
function leaves(value, path = '', out = new Map()) {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) leaves(value[key], `${path}/${key}`, out);
  } else out.set(path, value === null ? 'null' : String(value));
  return out;
}
function compareEntries(before, after) {
  const left = leaves(before);
  const right = leaves(after);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  return paths
    .filter((path) => left.get(path) !== right.get(path))
    .map((path) => ({
      path,
      before: left.get(path) ?? '',
      after: right.get(path) ?? '',
      added: !left.has(path),
      removed: !right.has(path),
    }));
}

// provider id -> versions (oldest first), each {version, entry, hash, changed_by, changed_at, note}
const providerVersions = new Map();
for (const entry of SEED_PROVIDERS.providers) {
  providerVersions.set(entry.id, [
    {
      version: 1,
      entry,
      hash: sha256(canonical(entry)),
      changed_by: null,
      changed_at: Date.now(),
      note: 'seed',
    },
  ]);
}
const currentEntry = (id) => providerVersions.get(id)?.at(-1);
function directoryVersion() {
  return sha256([...providerVersions.values()].map((list) => list.at(-1).hash).join(''));
}
function selectEntity(entry, country) {
  const code = country === 'UK' ? 'GB' : country === 'EL' ? 'GR' : country;
  const entities = entry.legal_entities?.entries ?? [];
  for (const entity of entities) {
    const rule = entity.applies_to ?? {};
    if ((rule.countries ?? []).includes(code)) return entity;
    if ((rule.regions ?? []).some((region) => (REGIONS[region] ?? []).includes(code)))
      return entity;
  }
  return entities.find((entity) => entity.applies_to?.default) ?? entities[0] ?? null;
}
function provenance(group) {
  return {
    source: group.source ?? '',
    confidence: group.confidence ?? 'unverified',
    checked: group.checked ?? '',
    to_check: group.to_check ?? '',
  };
}
function facts(entry) {
  const list = [];
  const add = (field, text, group) => group && list.push({ field, text, ...provenance(group) });
  add(
    'legal_entities',
    (entry.legal_entities?.entries ?? []).map((e) => `${e.name}: ${e.applies_to_text}`).join('; '),
    entry.legal_entities,
  );
  add('channels', (entry.channels?.entries ?? []).map((c) => c.text).join('; '), entry.channels);
  if (entry.preservation)
    add('preservation', `${entry.preservation.days} days`, entry.preservation);
  if (entry.emergency) add('emergency', entry.emergency.criterion, entry.emergency);
  if (entry.requirements)
    add(
      'requirements',
      (entry.requirements.required_in_request ?? []).join('; '),
      entry.requirements,
    );
  if (entry.data_categories)
    add(
      'data_categories',
      entry.data_categories.entries.map((c) => `${c.category}: ${c.process}`).join('; '),
      entry.data_categories,
    );
  if (entry.notes) add('notes', entry.notes.text, entry.notes);
  for (const id of entry.retention ?? []) {
    const period = SEED_PROVIDERS.retention_periods.find((candidate) => candidate.id === id);
    if (period) add('retention', period.text, period);
  }
  return list;
}

const providerRequests = [];
const requestEvents = [];
const requestReminders = [];
function requestView(actor, request) {
  const lint = lintFields(request, request);
  const entry = currentEntry(request.provider)?.entry;
  const drafted = (providerVersions.get(request.provider) ?? []).find(
    (version) => version.hash === request.provider_hash,
  );
  const changed =
    entry !== undefined &&
    drafted !== undefined &&
    drafted.hash !== currentEntry(request.provider).hash;
  const chain = providerRequests
    .filter((other) => other.chain_id === request.chain_id)
    .sort((a, b) => a.id - b.id)
    .map(publicRequest);
  const opened = cases.find((candidate) => candidate.id === request.case_id);
  const draftable =
    permissionsOf(actor).includes('requests.draft') && opened && canWrite(actor, opened);
  const approver =
    permissionsOf(actor).includes('requests.approve') &&
    ((actor.roles.includes('supervisor') && actor.agency_id === request.agency_id) ||
      (actor.roles.includes('prosecutor') && opened?.shared.includes(actor.id)));
  const sentLike = ['sent', 'acknowledged', 'preserved'].includes(request.state);
  return {
    request: publicRequest(request),
    can: {
      edit: request.state === 'draft' && Boolean(draftable),
      submit: request.state === 'draft' && Boolean(draftable),
      approve: request.state === 'legal_review' && Boolean(approver),
      send: request.state === 'approved' && Boolean(draftable),
      acknowledge: request.state === 'sent' && Boolean(draftable),
      preserve: ['sent', 'acknowledged'].includes(request.state) && Boolean(draftable),
      outcome: sentLike && Boolean(draftable),
      close:
        ['produced', 'partly_produced', 'refused', 'expired'].includes(request.state) &&
        Boolean(draftable),
      add_response:
        !['draft', 'legal_review', 'approved', 'closed'].includes(request.state) &&
        Boolean(draftable),
    },
    warnings: lint.warnings,
    deadlines: lint.deadlines,
    problems: lint.problems,
    retention: lint.retention,
    provider_changed: changed,
    provider_changes: changed ? compareEntries(drafted.entry, entry) : [],
    chain,
  };
}
function publicRequest(request) {
  const { _document, ...rest } = request;
  return {
    ...rest,
    created_by: person(userById(request.created_by_id)),
    approved_by: request.approved_by_id ? person(userById(request.approved_by_id)) : null,
  };
}
function localTime(instant, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const get = (type) => parts.find((part) => part.type === type)?.value ?? '00';
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  return { zone, date, text: `${date}T${get('hour')}:${get('minute')}:${get('second')}` };
}
function deadline(kind, ruleId, source, due, zone, { comparison = false, hours = false } = {}) {
  const reminders = hours
    ? [
        { at: due - 3600 * 1000, label: '1_hour_before' },
        { at: due, label: 'at_deadline' },
      ]
    : [
        { at: due - 14 * DAY_MS, label: '14_days_before' },
        { at: due - 7 * DAY_MS, label: '7_days_before' },
        { at: due, label: 'at_deadline' },
      ];
  return {
    kind,
    rule_id: ruleId,
    source,
    confidence: comparison ? 'verified' : 'unverified',
    text: `${kind} (${ruleId})`,
    due,
    comparison_only: comparison,
    in_hours: hours,
    user_local: localTime(due, 'Asia/Almaty'),
    provider_local: localTime(due, zone),
    reminders,
  };
}
const warn = (code, field, severity, en, ru, kk, reason, source) => ({
  code,
  field,
  severity,
  message: { en, ru, kk },
  reason,
  source,
});
/** The linter and the deadlines of `fields` (a request's own fields, or a draft's). */
function lintFields(fields, saved = null) {
  const warnings = [];
  const type = fields.type;
  const entry = fields.provider ? currentEntry(fields.provider)?.entry : undefined;
  const toState = type === 'mla_request' || type === 'network_24_7';
  if (!toState) {
    if (fields.provider && !entry)
      warnings.push(
        warn(
          'unknown_provider',
          'provider',
          'error',
          'Unknown provider.',
          'Неизвестный провайдер.',
          'Белгісіз провайдер.',
          'cannot be routed',
          'directory',
        ),
      );
    if (entry) {
      const right = selectEntity(entry, (fields.user_country || 'KZ').toUpperCase());
      if (!fields.entity_name)
        warnings.push(
          warn(
            'entity_missing',
            'entity_name',
            'error',
            `Address the request to ${right?.name}.`,
            `Адресуйте запрос ${right?.name}.`,
            `Сұрауды ${right?.name} атына жіберіңіз.`,
            'request sent to the wrong legal entity',
            'reference common_refusal_reasons',
          ),
        );
      else if (right && fields.entity_name !== right.name)
        warnings.push(
          warn(
            'wrong_entity',
            'entity_name',
            'error',
            `${right.name} serves users in ${fields.user_country || 'KZ'}, not ${fields.entity_name}.`,
            `Пользователей из ${fields.user_country || 'KZ'} обслуживает ${right.name}, а не ${fields.entity_name}.`,
            `${fields.user_country || 'KZ'} пайдаланушыларына ${fields.entity_name} емес, ${right.name} қызмет көрсетеді.`,
            'request sent to the wrong legal entity',
            entry.legal_entities.source,
          ),
        );
    }
  }
  if (!(fields.legal_basis ?? '').trim())
    warnings.push(
      warn(
        'no_legal_basis',
        'legal_basis',
        'error',
        'Cite the article of law the request rests on.',
        'Укажите статью закона, на которой основан запрос.',
        'Сұрау негізделген заң бабын көрсетіңіз.',
        'no legal basis cited',
        'reference common_refusal_reasons',
      ),
    );
  if (type !== 'emergency_disclosure' && !(fields.offence_article ?? '').trim())
    warnings.push(
      warn(
        'no_offence_article',
        'offence_article',
        'error',
        'State the offence and its article.',
        'Укажите преступление и его статью.',
        'Қылмысты және оның бабын көрсетіңіз.',
        'offence not stated',
        'Budapest Convention Art. 29(2)(b)',
      ),
    );
  const from = fields.range_from ?? null;
  const to = fields.range_to ?? null;
  if (from === null || to === null)
    warnings.push(
      warn(
        'no_date_range',
        from === null ? 'range_from' : 'range_to',
        'error',
        'Give the date range.',
        'Укажите период.',
        'Кезеңді көрсетіңіз.',
        'no date range',
        'reference common_refusal_reasons',
      ),
    );
  else if (from > to)
    warnings.push(
      warn(
        'reversed_range',
        'range_from',
        'error',
        'The range starts after it ends.',
        'Период начинается после окончания.',
        'Кезең аяқталғаннан кейін басталады.',
        'reversed range',
        '',
      ),
    );
  else if (from > Date.now())
    warnings.push(
      warn(
        'range_in_future',
        'range_from',
        'error',
        'The range starts in the future.',
        'Период начинается в будущем.',
        'Кезең болашақта басталады.',
        'preservation covers existing data only',
        '18 U.S.C. 2703(f)',
      ),
    );
  if ((fields.categories ?? []).length === 0)
    warnings.push(
      warn(
        'no_categories',
        'categories',
        'error',
        'Choose the data categories.',
        'Выберите категории данных.',
        'Дерек санаттарын таңдаңыз.',
        'over-broad request',
        'Meta guidelines',
      ),
    );
  const identifiers = fields.identifiers ?? [];
  if (identifiers.length === 0)
    warnings.push(
      warn(
        'no_identifier',
        'identifiers',
        'error',
        'Give at least one identifier.',
        'Укажите хотя бы один идентификатор.',
        'Кемінде бір идентификатор көрсетіңіз.',
        'wrong or unverifiable identifier',
        '',
      ),
    );
  identifiers.forEach((identifier, index) => {
    const field = `identifiers[${index}]`;
    const value = (identifier.value ?? '').trim();
    if (value === '') {
      warnings.push(
        warn(
          'empty_identifier',
          field,
          'error',
          'The identifier is empty.',
          'Идентификатор пуст.',
          'Идентификатор бос.',
          '',
          '',
        ),
      );
      return;
    }
    if (identifier.kind === 'phone' && !/^\+[1-9]\d{7,14}$/.test(value)) {
      const digits = value.replace(/[^\d]/g, '');
      const e164 = /^8\d{10}$/.test(digits)
        ? `+7${digits.slice(1)}`
        : /^7\d{10}$/.test(digits)
          ? `+${digits}`
          : null;
      if (e164)
        warnings.push(
          warn(
            'phone_not_e164',
            field,
            'error',
            `Write the number in E.164: ${e164}.`,
            `Запишите номер в формате E.164: ${e164}.`,
            `Нөмірді E.164 пішінінде жазыңыз: ${e164}.`,
            'phone in E.164',
            'Meta guidelines; ITU-T E.164',
          ),
        );
      else
        warnings.push(
          warn(
            'invalid_phone',
            field,
            'error',
            'Not a valid phone number.',
            'Неверный номер телефона.',
            'Телефон нөмірі қате.',
            'phone in E.164',
            'ITU-T E.164',
          ),
        );
    }
    if (identifier.kind === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
      warnings.push(
        warn(
          'invalid_email',
          field,
          'error',
          'Not an e-mail address.',
          'Это не адрес эл. почты.',
          'Бұл электрондық пошта мекенжайы емес.',
          'wrong identifier',
          'RFC 5322',
        ),
      );
    if (identifier.kind === 'user_id' && !/^(id)?-?\d+$/.test(value))
      warnings.push(
        warn(
          'invalid_user_id',
          field,
          'error',
          'A user ID is numeric.',
          'ID пользователя — число.',
          'Пайдаланушы ID-і — сан.',
          'use the numeric user ID',
          '',
        ),
      );
  });
  if (
    entry?.requirements?.requires_english &&
    fields.language !== 'en' &&
    !fields.english_translation
  )
    warnings.push(
      warn(
        'no_translation',
        'language',
        'error',
        'This provider needs English or an English translation.',
        'Этому провайдеру нужен английский или перевод на английский.',
        'Бұл провайдерге ағылшын тілі немесе ағылшынша аударма қажет.',
        'language: no translation',
        entry.requirements.source,
      ),
    );
  if (type === 'voluntary_disclosure' && (fields.categories ?? []).includes('content'))
    warnings.push(
      warn(
        'content_needs_mla',
        'categories',
        'error',
        'Content is given only on an MLA request.',
        'Содержание выдаётся только по запросу о правовой помощи.',
        'Мазмұн тек құқықтық көмек сұрауы бойынша беріледі.',
        'data needs MLA',
        'US law; no CLOUD Act agreement',
      ),
    );
  if (type === 'emergency_disclosure') {
    const given = fields.emergency_fields ?? {};
    if (!(given.criterion ?? '').trim())
      warnings.push(
        warn(
          'no_emergency_criterion',
          'emergency_fields.criterion',
          'error',
          'Say why the emergency criterion is met.',
          'Объясните, почему критерий экстренности выполнен.',
          'Шұғылдық өлшемі неге орындалатынын түсіндіріңіз.',
          'not an emergency',
          entry?.emergency?.source ?? '',
        ),
      );
    for (const required of entry?.emergency?.required_fields ?? [])
      if (!(given[required.key] ?? '').trim())
        warnings.push(
          warn(
            'missing_emergency_field',
            `emergency_fields.${required.key}`,
            'error',
            `Missing: ${required.text}.`,
            `Не указано: ${required.text}.`,
            `Көрсетілмеген: ${required.text}.`,
            'the provider asks for it',
            entry.emergency.source,
          ),
        );
  }
  // Deadlines.
  const deadlines = [];
  const zone = entry
    ? (selectEntity(entry, (fields.user_country || 'KZ').toUpperCase())?.time_zone ?? 'UTC')
    : 'UTC';
  const start = saved
    ? (saved.preserved_at ?? saved.acknowledged_at ?? saved.sent_at ?? null)
    : null;
  if (start !== null && (type === 'preservation' || type === 'preservation_extension')) {
    const days = entry?.preservation?.days ?? 90;
    const due = saved.preserved_until ?? start + days * DAY_MS;
    deadlines.push(
      deadline(
        'preservation_expires',
        `${fields.provider || 'us'}-preservation`,
        entry?.preservation?.source ?? '18 U.S.C. 2703(f)(2)',
        due,
        zone,
      ),
    );
    if (entry?.preservation?.extension_lead_days)
      deadlines.push(
        deadline(
          'latest_extension',
          `${fields.provider}-extension-lead`,
          entry.preservation.source,
          due - entry.preservation.extension_lead_days * DAY_MS,
          zone,
        ),
      );
  }
  if (start !== null && ['production_order', 'mla_request', 'voluntary_disclosure'].includes(type))
    deadlines.push(
      deadline(
        'response_due',
        'eu-epoc',
        'Regulation (EU) 2023/1543 Art. 10',
        start + 10 * DAY_MS,
        zone,
        { comparison: true },
      ),
    );
  if (start !== null && type === 'emergency_disclosure') {
    deadlines.push(
      deadline(
        'response_due',
        'eu-epoc',
        'Regulation (EU) 2023/1543 Art. 10',
        start + 8 * 3600 * 1000,
        zone,
        { comparison: true, hours: true },
      ),
    );
    deadlines.push(
      deadline(
        'validation',
        'eu-emergency-validation',
        'Regulation (EU) 2023/1543 Art. 4(5)',
        start + 48 * 3600 * 1000,
        zone,
        { comparison: true, hours: true },
      ),
    );
  }
  if (start !== null && type === 'network_24_7')
    deadlines.push(
      deadline(
        'mla_by',
        'budapest-29',
        'Budapest Convention Art. 29(7)',
        start + 60 * DAY_MS,
        zone,
        { comparison: true },
      ),
    );
  deadlines.sort((a, b) => a.due - b.due);
  const retention = [];
  for (const id of entry?.retention ?? []) {
    const period = SEED_PROVIDERS.retention_periods.find((candidate) => candidate.id === id);
    if (!period) continue;
    const before = period.days && from !== null ? from + period.days * DAY_MS : null;
    retention.push({
      retention_id: id,
      data: period.data,
      source: period.source,
      confidence: period.confidence,
      request_before: before,
      user_local: before === null ? null : localTime(before, 'Asia/Almaty'),
      already_gone: before !== null && before < Date.now(),
      message: period.text,
    });
  }
  return { warnings, deadlines, problems: [], retention };
}

const REQUEST_FIELDS = [
  'type',
  'case_id',
  'previous_id',
  'provider',
  'entity_name',
  'country',
  'user_country',
  'language',
  'english_translation',
  'legal_basis',
  'offence_article',
  'offence_summary',
  'necessity',
  'urgency',
  'prosecution_and_court',
  'confidential',
  'range_from',
  'range_to',
  'all_data',
  'categories',
  'identifiers',
  'emergency_fields',
  'notes',
];
/** The request fields of `body` over `base`; 400 naming the field for malformed ones. */
function readRequestFields(body, base, { typeRequired }) {
  const fields = { ...base };
  for (const key of Object.keys(body)) {
    if (key === 'version') continue;
    if (!REQUEST_FIELDS.includes(key)) throw bad(`unknown field ${key}`, key, 'unknown_field');
    fields[key] = body[key];
  }
  if (typeRequired && body.type === undefined) throw bad('type: required', 'type');
  if (!REQUEST_TYPES.includes(fields.type)) throw bad(`unknown type "${fields.type}"`, 'type');
  for (const key of ['range_from', 'range_to', 'previous_id'])
    if (fields[key] !== undefined && fields[key] !== null && !Number.isInteger(fields[key]))
      throw bad(`${key}: expected an integer`, key);
  if (fields.case_id !== undefined && !Number.isInteger(fields.case_id))
    throw bad('case_id: expected an integer', 'case_id');
  fields.categories = fields.categories ?? [];
  fields.categories.forEach((category, index) => {
    if (!['subscriber', 'traffic', 'content', 'transaction'].includes(category))
      throw bad(`unknown category "${category}"`, `categories[${index}]`);
  });
  fields.identifiers = fields.identifiers ?? [];
  fields.identifiers.forEach((identifier, index) => {
    if (
      !['phone', 'email', 'url', 'username', 'user_id', 'video_id', 'ip'].includes(identifier?.kind)
    )
      throw bad('unknown identifier kind', `identifiers[${index}].kind`);
  });
  fields.emergency_fields = fields.emergency_fields ?? {};
  fields.language = fields.language || 'ru';
  return fields;
}
/** The checks of Create/Update: what cannot be saved even as a draft. */
function checkSavable(actor, fields) {
  const opened = cases.find((candidate) => candidate.id === fields.case_id);
  if (!opened || !canRead(actor, opened)) throw bad('no such case', 'case_id');
  if (!canWrite(actor, opened))
    throw new HttpError(403, 'permission_denied', 'you may not change this case');
  if (fields.provider && !providerVersions.has(fields.provider))
    throw bad(`unknown provider "${fields.provider}"`, 'provider');
  if (fields.range_from != null && fields.range_to != null && fields.range_from > fields.range_to)
    throw bad('range_from: after range_to', 'range_from');
  if (!['kk', 'ru', 'en'].includes(fields.language))
    throw bad('language: kk, ru or en', 'language');
  fields.identifiers.forEach((identifier, index) => {
    if (identifier.kind === 'email' && !String(identifier.value).includes('@'))
      throw bad('not an e-mail address', `identifiers[${index}]`);
    if (identifier.kind === 'phone' && String(identifier.value).replace(/[^\d]/g, '').length < 6)
      throw bad('not a phone number', `identifiers[${index}]`);
  });
  if (fields.previous_id != null) {
    const previous = providerRequests.find((request) => request.id === fields.previous_id);
    if (!previous || previous.case_id !== fields.case_id)
      throw bad('previous_id: not a request of this case', 'previous_id');
  }
  return opened;
}
function findRequest(actor, idText) {
  const request = providerRequests.find((candidate) => String(candidate.id) === idText);
  const opened = request && cases.find((candidate) => candidate.id === request.case_id);
  if (!request || !opened || !canRead(actor, opened))
    throw new HttpError(404, 'not_found', 'request not found');
  return request;
}
function requestEvent(request, actor, action, from, detail = {}) {
  requestEvents.push({
    id: requestEvents.length + 1,
    request_id: request.id,
    action,
    from_state: from,
    to_state: request.state,
    actor: actor ? person(actor) : null,
    at: Date.now(),
    detail,
  });
}
function scheduleReminders(request) {
  for (const item of lintFields(request, request).deadlines)
    for (const reminder of item.reminders)
      requestReminders.push({
        id: requestReminders.length + 1,
        request_id: request.id,
        reference: request.reference,
        label: reminder.label,
        deadline_kind: item.kind,
        rule_id: item.rule_id,
        remind_at: reminder.at,
        due_at: item.due,
        email_state: 'none',
        dismissed: false,
      });
}

route('GET', '/api/v1/directory', ({ request }) => {
  requireSession(request);
  return {
    body: {
      version: directoryVersion(),
      providers: [...providerVersions.values()].map((list) => {
        const entry = list.at(-1).entry;
        return {
          id: entry.id,
          names: entry.names,
          entities: (entry.legal_entities?.entries ?? []).map((e) => ({
            name: e.name,
            jurisdiction: e.jurisdiction,
            applies_to_text: e.applies_to_text,
          })),
          preservation_days: entry.preservation?.days ?? null,
          content_hash: list.at(-1).hash,
        };
      }),
      countries: SEED_COUNTRIES.countries.map((c) => ({
        code: c.code,
        name: c.name,
        budapest: c.budapest.status,
        un_cybercrime: c.un_cybercrime.status,
        cis_2018: c.cis_2018.status,
      })),
      template: {
        fields: SEED_PROVIDERS.request_template.fields,
        source: SEED_PROVIDERS.request_template.source,
      },
      refusal_reasons: {
        entries: SEED_PROVIDERS.refusal_reasons.entries,
        source: SEED_PROVIDERS.refusal_reasons.source,
      },
      refusal_codes: REFUSAL_CODES,
    },
  };
});
function providerStats(actor, providerId) {
  const visible = providerRequests.filter((request) => {
    const opened = cases.find((candidate) => candidate.id === request.case_id);
    return (
      opened &&
      canRead(actor, opened) &&
      request.sent_at &&
      (providerId === '' || request.provider === providerId)
    );
  });
  const byChannel = new Map();
  for (const request of visible)
    byChannel.set(`${request.provider}|${request.channel}`, [
      ...(byChannel.get(`${request.provider}|${request.channel}`) ?? []),
      request,
    ]);
  return [...byChannel.entries()].map(([key, list]) => {
    const [provider, channel] = key.split('|');
    const answered = list.filter((request) => request.first_answer_at);
    const days = answered
      .map((request) => (request.first_answer_at - request.sent_at) / DAY_MS)
      .sort((a, b) => a - b);
    const refusals = {};
    for (const request of list)
      if (request.refusal_code)
        refusals[request.refusal_code] = (refusals[request.refusal_code] ?? 0) + 1;
    const count = (state) => list.filter((request) => request.state === state).length;
    return {
      provider,
      channel,
      requests: list.length,
      answered: answered.length,
      share_answered: list.length ? answered.length / list.length : 0,
      median_days_to_first_answer: days.length ? days[Math.floor(days.length / 2)] : null,
      refusals,
      produced: count('produced'),
      partly_produced: count('partly_produced'),
      refused: count('refused'),
      expired: count('expired'),
      waiting: list.filter((request) =>
        ['sent', 'acknowledged', 'preserved'].includes(request.state),
      ).length,
    };
  });
}
route('GET', '/api/v1/directory/providers/{id}', ({ request, params, url }) => {
  const { user } = requireSession(request);
  const list = providerVersions.get(params.id);
  if (!list) throw new HttpError(404, 'not_found', 'no such provider', { field: 'provider' });
  const current = list.at(-1);
  const country = (url.searchParams.get('country') || 'KZ').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw bad('country: two letters', 'country');
  const entity = selectEntity(current.entry, country);
  return {
    body: {
      ...current.entry,
      content_hash: current.hash,
      facts: facts(current.entry),
      entity_for_country: entity && {
        name: entity.name,
        jurisdiction: entity.jurisdiction,
        applies_to_text: entity.applies_to_text,
        time_zone: entity.time_zone,
      },
      versions: [...list].reverse().map((version, index, all) => ({
        provider_id: params.id,
        version: version.version,
        content_hash: version.hash,
        changed_by: version.changed_by === null ? null : person(userById(version.changed_by)),
        changed_at: version.changed_at,
        note: version.note,
        changes:
          index === all.length - 1 ? [] : compareEntries(all[index + 1].entry, version.entry),
      })),
      stats: providerStats(user, params.id),
    },
  };
});
route('PUT', '/api/v1/directory/providers/{id}', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'directory.manage');
  checkFields(body, ['entry', 'note']);
  const note = requireText(body, 'note');
  const entry = body.entry;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    throw bad('entry: required: one provider entry as a JSON object', 'entry');
  if (entry.id !== params.id)
    throw bad(`providers[${params.id}].id: must equal the path id`, `providers[${params.id}].id`);
  if (!Array.isArray(entry.names) || entry.names.length === 0)
    throw bad(`providers[${params.id}].names: at least one name`, `providers[${params.id}].names`);
  if (
    entry.preservation &&
    (!Number.isInteger(entry.preservation.days) ||
      entry.preservation.days < 1 ||
      entry.preservation.days > 3650)
  )
    throw bad(
      `providers[${params.id}].preservation.days: must be an integer from 1 to 3650`,
      `providers[${params.id}].preservation.days`,
    );
  const list = providerVersions.get(params.id) ?? [];
  const hash = sha256(canonical(entry));
  if (list.at(-1)?.hash === hash)
    throw new HttpError(409, 'failed_precondition', 'unchanged', { reason: 'unchanged' });
  const version = {
    version: list.length + 1,
    entry,
    hash,
    changed_by: user.id,
    changed_at: Date.now(),
    note,
  };
  providerVersions.set(params.id, [...list, version]);
  record(request, user, 'directory.update', 'provider', params.id);
  return {
    status: 201,
    body: {
      provider_id: params.id,
      version: version.version,
      content_hash: hash,
      changed_by: person(user),
      changed_at: version.changed_at,
      note,
      changes: list.length ? compareEntries(list.at(-1).entry, entry) : [],
    },
  };
});
route('GET', '/api/v1/directory/countries/{code}', ({ request, params }) => {
  requireSession(request);
  const code = params.code.toUpperCase() === 'UK' ? 'GB' : params.code.toUpperCase();
  const country = SEED_COUNTRIES.countries.find((candidate) => candidate.code === code);
  if (!country) throw new HttpError(404, 'not_found', `no country profile for "${params.code}"`);
  return { body: country };
});
route('GET', '/api/v1/cases/{id}/identifiers', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const opened = findCase(user, params.id);
  const seen = new Map();
  for (const other of providerRequests.filter((candidate) => candidate.case_id === opened.id))
    for (const identifier of other.identifiers)
      if (!seen.has(`${identifier.kind}|${identifier.value}`))
        seen.set(`${identifier.kind}|${identifier.value}`, {
          kind: identifier.kind,
          value: identifier.value,
          platform: other.provider,
          where: other.reference,
        });
  return { body: { identifiers: [...seen.values()] } };
});
route('POST', '/api/v1/requests/lint', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'requests.draft');
  const fields = readRequestFields(body, {}, { typeRequired: true });
  return { body: lintFields(fields) };
});
route('POST', '/api/v1/requests', ({ request, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'requests.draft');
  const fields = readRequestFields(body, {}, { typeRequired: true });
  if (fields.case_id === undefined) throw bad('case_id: required', 'case_id');
  const opened = checkSavable(user, fields);
  const newId = id();
  const previous =
    fields.previous_id != null
      ? providerRequests.find((candidate) => candidate.id === fields.previous_id)
      : null;
  const saved = {
    ...fields,
    previous_id: fields.previous_id ?? null,
    id: newId,
    reference: `REQ-${newId}`,
    version: 1,
    state: 'draft',
    agency_id: opened.agency_id,
    case_number: opened.number,
    chain_id: previous ? previous.chain_id : newId,
    provider_hash: currentEntry(fields.provider)?.hash ?? '',
    directory_version: directoryVersion(),
    created_by_id: user.id,
    created_at: Date.now(),
    updated_at: Date.now(),
    approved_by_id: null,
    approved_at: null,
    returned_reason: '',
    sent_at: null,
    channel: '',
    ticket: '',
    acknowledged_at: null,
    preserved_at: null,
    preserved_until: null,
    first_answer_at: null,
    outcome_at: null,
    refusal_code: '',
    outcome_text: '',
    closed_at: null,
    document_sha256: '',
    document_language: '',
    document_size: 0,
    response_evidence_ids: [],
  };
  providerRequests.push(saved);
  requestEvent(saved, user, 'create', '');
  record(request, user, 'request.create', 'request', saved.id);
  return { status: 201, body: requestView(user, saved) };
});
route('GET', '/api/v1/requests', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const state = url.searchParams.get('state') ?? '';
  const caseId = url.searchParams.get('case_id') ?? '';
  const provider = url.searchParams.get('provider') ?? '';
  const awaiting = url.searchParams.get('awaiting_approval') === '1';
  const list = providerRequests
    .filter((candidate) => {
      const opened = cases.find((c) => c.id === candidate.case_id);
      return opened && canRead(user, opened);
    })
    .filter((candidate) => state === '' || candidate.state === state)
    .filter((candidate) => caseId === '' || String(candidate.case_id) === caseId)
    .filter((candidate) => provider === '' || candidate.provider === provider)
    .filter((candidate) => !awaiting || requestView(user, candidate).can.approve)
    .sort((a, b) => b.id - a.id)
    .map(publicRequest);
  return { body: { requests: list } };
});
route('GET', '/api/v1/requests/{id}', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  return { body: requestView(user, findRequest(user, params.id)) };
});
route('PATCH', '/api/v1/requests/{id}', ({ request, params, body }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'requests.draft');
  const saved = findRequest(user, params.id);
  if (!Number.isInteger(body.version)) throw bad('version: required', 'version');
  if (saved.state !== 'draft')
    throw new HttpError(409, 'failed_precondition', 'only a draft can be changed', {
      reason: 'wrong_state',
    });
  if (body.version !== saved.version)
    throw new HttpError(409, 'aborted', 'changed by someone else', { reason: 'version_conflict' });
  const fields = readRequestFields(body, saved, { typeRequired: false });
  checkSavable(user, fields);
  Object.assign(saved, fields, {
    version: saved.version + 1,
    updated_at: Date.now(),
    provider_hash: currentEntry(fields.provider)?.hash ?? '',
    directory_version: directoryVersion(),
  });
  requestEvent(saved, user, 'update', 'draft');
  return { body: requestView(user, saved) };
});
function step(action, permission, run) {
  route('POST', `/api/v1/requests/{id}/${action}`, ({ request, params, body }) => {
    const { user } = requireSession(request);
    requirePermission(user, permission);
    const saved = findRequest(user, params.id);
    const view = requestView(user, saved);
    const allowed = {
      submit: 'submit',
      return: 'approve',
      approve: 'approve',
      send: 'send',
      acknowledge: 'acknowledge',
      preserve: 'preserve',
      outcome: 'outcome',
      close: 'close',
    }[action];
    if (!view.can[allowed]) {
      if (action === 'approve' && saved.state === 'legal_review' && saved.created_by_id === user.id)
        throw new HttpError(403, 'permission_denied', 'the drafter may not approve', {
          reason: 'two_person_rule',
        });
      throw new HttpError(
        409,
        'failed_precondition',
        `cannot ${action} a request in state ${saved.state}`,
        { reason: 'wrong_state' },
      );
    }
    const from = saved.state;
    const detail = run(saved, body ?? {}, user, view) ?? {};
    saved.version += 1;
    saved.updated_at = Date.now();
    requestEvent(saved, user, action, from, detail);
    record(request, user, `request.${action}`, 'request', saved.id);
    return { body: requestView(user, saved) };
  });
}
const instantField = (body, field, required = true) => {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw bad(`${field}: required: UTC milliseconds`, field);
    return null;
  }
  if (!Number.isInteger(value)) throw bad(`${field}: UTC milliseconds`, field);
  if (value > Date.now() + 60_000) throw bad(`${field}: in the future`, field);
  return value;
};
step('submit', 'requests.draft', (saved, body, user, view) => {
  const errors = view.warnings.filter((warning) => warning.severity === 'error');
  if (errors.length > 0) {
    const failure = new HttpError(409, 'failed_precondition', 'the linter reports errors', {
      reason: 'lint_errors',
    });
    failure.body.warnings = errors;
    throw failure;
  }
  saved.state = 'legal_review';
  saved.returned_reason = '';
});
step('return', 'requests.approve', (saved, body) => {
  checkFields(body, ['reason']);
  saved.returned_reason = requireText(body, 'reason');
  saved.state = 'draft';
  return { reason: saved.returned_reason };
});
step('approve', 'requests.approve', (saved, body, user) => {
  if (saved.created_by_id === user.id)
    throw new HttpError(403, 'permission_denied', 'the drafter may not approve', {
      reason: 'two_person_rule',
    });
  saved.state = 'approved';
  saved.approved_by_id = user.id;
  saved.approved_at = Date.now();
});
step('send', 'requests.draft', (saved, body) => {
  checkFields(body, ['channel', 'sent_at', 'ticket', 'language']);
  const channel = requireText(body, 'channel');
  const sentAt = instantField(body, 'sent_at');
  if (sentAt < saved.approved_at - 60_000) throw bad('sent_at: before the approval', 'sent_at');
  const language = requireText(body, 'language');
  if (!['kk', 'ru', 'en'].includes(language)) throw bad('language: kk, ru or en', 'language');
  const document = Buffer.from(
    `%PDF-1.4\n% ${saved.reference} ${language}\n${canonical(publicRequest(saved))}\n%%EOF\n`,
  );
  Object.assign(saved, {
    state: 'sent',
    channel,
    sent_at: sentAt,
    ticket: typeof body.ticket === 'string' ? body.ticket.trim() : '',
    document_language: language,
    document_sha256: sha256(document),
    document_size: document.length,
    _document: document,
  });
  scheduleReminders(saved);
  return { channel, ticket: saved.ticket, sha256: saved.document_sha256 };
});
step('acknowledge', 'requests.draft', (saved, body) => {
  checkFields(body, ['at', 'ticket']);
  saved.acknowledged_at = instantField(body, 'at');
  if (typeof body.ticket === 'string' && body.ticket.trim()) saved.ticket = body.ticket.trim();
  saved.first_answer_at = saved.first_answer_at ?? saved.acknowledged_at;
  saved.state = 'acknowledged';
});
step('preserve', 'requests.draft', (saved, body) => {
  checkFields(body, ['at', 'until']);
  saved.preserved_at = instantField(body, 'at');
  const until = body.until;
  if (until !== undefined && until !== null) {
    if (!Number.isInteger(until) || until < saved.preserved_at)
      throw bad('until: before at', 'until');
    saved.preserved_until = until;
  }
  saved.first_answer_at = saved.first_answer_at ?? saved.preserved_at;
  saved.state = 'preserved';
});
step('outcome', 'requests.draft', (saved, body) => {
  checkFields(body, ['outcome', 'at', 'refusal_code', 'text']);
  const outcome = requireText(body, 'outcome');
  if (!['produced', 'partly_produced', 'refused', 'expired'].includes(outcome))
    throw bad('outcome: unknown', 'outcome');
  const code = typeof body.refusal_code === 'string' ? body.refusal_code : '';
  if (outcome === 'refused' && !REFUSAL_CODES.includes(code))
    throw bad('refusal_code: unknown or missing', 'refusal_code');
  saved.outcome_at = instantField(body, 'at');
  saved.refusal_code = outcome === 'refused' ? code : '';
  saved.outcome_text = typeof body.text === 'string' ? body.text : '';
  saved.first_answer_at = saved.first_answer_at ?? saved.outcome_at;
  saved.state = outcome;
});
step('close', 'requests.draft', (saved, body) => {
  checkFields(body, ['note']);
  saved.closed_at = Date.now();
  saved.state = 'closed';
});
route('GET', '/api/v1/requests/{id}/events', ({ request, params }) => {
  const { user } = requireSession(request);
  const saved = findRequest(user, params.id);
  return { body: { events: requestEvents.filter((event) => event.request_id === saved.id) } };
});
route('GET', '/api/v1/requests/{id}/document', ({ request, params, url }) => {
  const { user } = requireSession(request);
  const saved = findRequest(user, params.id);
  const language = url.searchParams.get('lang') || saved.language;
  const bytes =
    saved._document ?? Buffer.from(`%PDF-1.4\n% draft ${saved.reference} ${language}\n%%EOF\n`);
  return {
    buffer: bytes,
    contentType: 'application/pdf',
    headers: {
      'X-Document-SHA256': sha256(bytes),
      ...(saved._document ? { 'X-Document-Frozen': '1' } : {}),
      'Content-Disposition': `attachment; filename="${saved.reference}-${language}${saved._document ? '' : '-draft'}.pdf"`,
    },
  };
});
route('POST', '/api/v1/requests/{id}/responses', ({ request, params, url, raw }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'requests.draft');
  const saved = findRequest(user, params.id);
  if (!requestView(user, saved).can.add_response)
    throw new HttpError(409, 'failed_precondition', 'not sent', { reason: 'wrong_state' });
  const name = url.searchParams.get('name') ?? '';
  if (name === '') throw bad('name: required', 'name');
  const itemId = id();
  saved.response_evidence_ids.push(itemId);
  saved.first_answer_at = saved.first_answer_at ?? Date.now();
  requestEvent(saved, user, 'response', saved.state, { evidence_id: itemId, bytes: raw.length });
  return {
    status: 201,
    body: {
      id: itemId,
      case_id: saved.case_id,
      original_name: name,
      size: raw.length,
      sha256: sha256(raw),
    },
  };
});
route('GET', '/api/v1/requests-calendar', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const from = Number(url.searchParams.get('from') ?? Date.now() - 31 * DAY_MS);
  const to = Number(url.searchParams.get('to') ?? from + 396 * DAY_MS);
  if (!Number.isInteger(from) || !Number.isInteger(to) || to - from > 400 * DAY_MS)
    throw bad('from/to: at most 400 days', 'to');
  const entries = [];
  for (const saved of providerRequests) {
    const opened = cases.find((c) => c.id === saved.case_id);
    if (!opened || !canRead(user, opened) || saved.state === 'closed') continue;
    for (const item of lintFields(saved, saved).deadlines)
      if (item.due >= from && item.due < to)
        entries.push({
          request_id: saved.id,
          reference: saved.reference,
          case_number: saved.case_number,
          type: saved.type,
          state: saved.state,
          provider: saved.provider ?? '',
          target: currentEntry(saved.provider)?.entry.names[0] ?? saved.country ?? '',
          deadline: item,
        });
  }
  entries.sort((a, b) => a.deadline.due - b.deadline.due);
  return { body: { entries } };
});
route('GET', '/api/v1/requests-stats', ({ request, url }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  return { body: { stats: providerStats(user, url.searchParams.get('provider') ?? '') } };
});
route('GET', '/api/v1/reminders', ({ request }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const due = requestReminders.filter((reminder) => {
    const saved = providerRequests.find((candidate) => candidate.id === reminder.request_id);
    const opened = saved && cases.find((c) => c.id === saved.case_id);
    return (
      !reminder.dismissed && reminder.remind_at <= Date.now() && opened && canRead(user, opened)
    );
  });
  return { body: { reminders: due.map(({ dismissed, ...rest }) => rest) } };
});
route('POST', '/api/v1/reminders/{id}/dismiss', ({ request, params }) => {
  const { user } = requireSession(request);
  requirePermission(user, 'cases.read');
  const reminder = requestReminders.find((candidate) => String(candidate.id) === params.id);
  if (!reminder) throw new HttpError(404, 'not_found', 'no such reminder');
  findRequest(user, String(reminder.request_id));
  reminder.dismissed = true;
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
