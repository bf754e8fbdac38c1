// Helpers for the browser tests: Debian's Chromium through playwright-core, screenshots of every
// page visited, and the sign-in / TOTP / enrolment steps a person would take.
//
// Environment:
//   THREATHUB_URL                       server under test, e.g. http://127.0.0.1:8080 (required)
//   THREATHUB_IDLE_URL                  a second server started with session_idle_minutes=1
//   THREATHUB_ARTIFACTS                 directory for screenshots (default: a new temp dir)
//   THREATHUB_DEMO_ADMIN_USER / _PASSWORD / _TOTP_SECRET   a national-agency administrator
//   THREATHUB_DEMO_USER / THREATHUB_DEMO_PASSWORD (or THREATHUB_DEMO_USER_PASSWORD) /
//     THREATHUB_DEMO_USER_TOTP_SECRET                     a demo user without admin rights
//   THREATHUB_DEMO_SUPERVISOR_USER (default supervisor) / THREATHUB_DEMO_SUPERVISOR_PASSWORD /
//     THREATHUB_DEMO_SUPERVISOR_TOTP_SECRET               the supervisor of THREATHUB_DEMO_USER's
//                                                        agency (the cases scenarios)
//   THREATHUB_DEMO_HEAD_USER (default head) / THREATHUB_DEMO_HEAD_PASSWORD /
//     THREATHUB_DEMO_HEAD_TOTP_SECRET                     the head of that agency (a supervisor):
//                                                        the second approval of a covert mandate
//   THREATHUB_DEMO_ANALYST_USER (default analyst) / THREATHUB_DEMO_ANALYST_PASSWORD /
//     THREATHUB_DEMO_ANALYST_TOTP_SECRET                  an analyst (detect.manage): makes the
//                                                        indicator list of the detection scenario
//                                                        (the supervisor does when not set)
//   THREATHUB_DEMO_TRAINEE_USER (default trainee) / THREATHUB_DEMO_TRAINEE_PASSWORD /
//     THREATHUB_DEMO_TRAINEE_TOTP_SECRET                  a user without cases.read, of another
//                                                        agency (optional)
//   THREATHUB_IDLE_USER / THREATHUB_IDLE_PASSWORD          an account on the idle server
//                                                        (default: the administrator's)
//   THREATHUB_E2E_STATE                 JSON file keeping the TOTP secrets the tests enrolled, so
//                                       that a rerun against the same server still signs in
//                                       (default: e2e-totp-secrets.json in THREATHUB_ARTIFACTS)
//   CHROMIUM_PATH                       default /usr/bin/chromium
// A *_TOTP_SECRET is needed only when that demo account already has TOTP enrolled; an account
// that must enrol is enrolled by the test, which then remembers its secret.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { parseOtpauthUri, timeStep, totp } from './totp.mjs';

function trimSlash(url) {
  return url === undefined || url === '' ? undefined : url.replace(/\/+$/, '');
}

function account(userVariable, passwordVariables, secretVariable, defaultUser) {
  const username = process.env[userVariable] || defaultUser;
  const password = passwordVariables.map((name) => process.env[name]).find(Boolean);
  if (!username || !password) return undefined;
  return { username, password, totpSecret: process.env[secretVariable] || undefined };
}

export const config = {
  url: trimSlash(process.env.THREATHUB_URL),
  idleUrl: trimSlash(process.env.THREATHUB_IDLE_URL),
  artifacts: process.env.THREATHUB_ARTIFACTS || mkdtempSync(join(tmpdir(), 'threathub-e2e-')),
  admin: account(
    'THREATHUB_DEMO_ADMIN_USER',
    ['THREATHUB_DEMO_ADMIN_PASSWORD'],
    'THREATHUB_DEMO_ADMIN_TOTP_SECRET',
  ),
  user: account(
    'THREATHUB_DEMO_USER',
    ['THREATHUB_DEMO_PASSWORD', 'THREATHUB_DEMO_USER_PASSWORD'],
    'THREATHUB_DEMO_USER_TOTP_SECRET',
  ),
  supervisor: account(
    'THREATHUB_DEMO_SUPERVISOR_USER',
    ['THREATHUB_DEMO_SUPERVISOR_PASSWORD'],
    'THREATHUB_DEMO_SUPERVISOR_TOTP_SECRET',
    'supervisor',
  ),
  head: account(
    'THREATHUB_DEMO_HEAD_USER',
    ['THREATHUB_DEMO_HEAD_PASSWORD'],
    'THREATHUB_DEMO_HEAD_TOTP_SECRET',
    'head',
  ),
  analyst: account(
    'THREATHUB_DEMO_ANALYST_USER',
    ['THREATHUB_DEMO_ANALYST_PASSWORD'],
    'THREATHUB_DEMO_ANALYST_TOTP_SECRET',
    'analyst',
  ),
  trainee: account(
    'THREATHUB_DEMO_TRAINEE_USER',
    ['THREATHUB_DEMO_TRAINEE_PASSWORD'],
    'THREATHUB_DEMO_TRAINEE_TOTP_SECRET',
    'trainee',
  ),
  idle: account('THREATHUB_IDLE_USER', ['THREATHUB_IDLE_PASSWORD'], 'THREATHUB_IDLE_TOTP_SECRET'),
  chromiumPath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
};
mkdirSync(config.artifacts, { recursive: true });
config.statePath =
  process.env.THREATHUB_E2E_STATE || join(config.artifacts, 'e2e-totp-secrets.json');

/** Why the suite cannot run, or false. */
export function missingConfig() {
  if (!config.url) return 'THREATHUB_URL is not set';
  if (!config.admin) return 'THREATHUB_DEMO_ADMIN_USER / THREATHUB_DEMO_ADMIN_PASSWORD are not set';
  return false;
}

// How long one step may take, and how long the session may stay idle before the idle test.
export const STEP_TIMEOUT_MS = 15_000;

export async function launchBrowser() {
  return chromium.launch({
    executablePath: config.chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (no cookies, English browser) and page. Every console error is kept
 * in `page.problems`; a CSP violation or uncaught exception there fails the test in `finish`.
 */
export async function openPage(browser) {
  const context = await browser.newContext({
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(message.text());
  });
  page.on('pageerror', (error) => page.problems.push(`uncaught: ${error.message}`));
  return page;
}

/** Fails on Content-Security-Policy violations and uncaught errors seen by `page`. */
export async function finish(page) {
  const serious = page.problems.filter((text) => /Content Security Policy|uncaught:/i.test(text));
  await page.context().close();
  assert.deepEqual(serious, [], 'CSP violations or uncaught errors in the page');
}

let shotCounter = 0;

/** Saves a full-page screenshot as NNN-scenario-label.png in THREATHUB_ARTIFACTS. */
export async function shot(page, scenario, label) {
  shotCounter += 1;
  const name = `${String(shotCounter).padStart(3, '0')}-${scenario}-${label}`.replace(
    /[^\w.-]+/g,
    '_',
  );
  await page.screenshot({ path: join(config.artifacts, `${name}.png`), fullPage: true });
}

export function byTestId(page, id) {
  return page.getByTestId(id);
}

/** Polls until one of `candidates` ({name: testId}) is visible; returns its name. */
export async function waitForOneOf(page, candidates, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const [name, testId] of Object.entries(candidates)) {
      if (
        await page
          .getByTestId(testId)
          .first()
          .isVisible()
          .catch(() => false)
      )
        return name;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(
    `none of ${Object.values(candidates).join(', ')} appeared within ${timeoutMs} ms`,
  );
}

// TOTP secrets learnt during the run, by "base|username" and by username (a second server on
// the same database shares them).
const secrets = new Map(
  existsSync(config.statePath)
    ? Object.entries(JSON.parse(readFileSync(config.statePath, 'utf8')))
    : [],
);

function saveSecrets() {
  writeFileSync(config.statePath, `${JSON.stringify(Object.fromEntries(secrets), null, 2)}\n`, {
    mode: 0o600,
  });
}

export function rememberSecret(base, username, secretInfo) {
  secrets.set(`${base}|${username}`, secretInfo);
  secrets.set(username, secretInfo);
  saveSecrets();
}

function secretFor(base, accountInfo) {
  return (
    secrets.get(`${base}|${accountInfo.username}`) ??
    secrets.get(accountInfo.username) ??
    (accountInfo.totpSecret
      ? { secret: accountInfo.totpSecret, digits: 6, period: 30, algorithm: 'sha1' }
      : undefined)
  );
}

/**
 * A code the server has not seen yet: servers refuse a code whose time step was already used
 * (RFC 6238 section 5.2), so this waits for the next step when needed.
 */
export async function freshCode(secretInfo) {
  let step = timeStep(Date.now(), secretInfo.period);
  while (secretInfo.lastStep !== undefined && step <= secretInfo.lastStep) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    step = timeStep(Date.now(), secretInfo.period);
  }
  // Not in the last second of a step, so the code is still valid when it arrives.
  const intoStepMs = Date.now() % (secretInfo.period * 1000);
  if (secretInfo.period * 1000 - intoStepMs < 1500) {
    await new Promise((resolve) =>
      setTimeout(resolve, secretInfo.period * 1000 - intoStepMs + 100),
    );
    step = timeStep(Date.now(), secretInfo.period);
  }
  // Kept in the state file too, so that a rerun within the same step waits as well.
  secretInfo.lastStep = step;
  if ([...secrets.values()].includes(secretInfo)) saveSecrets();
  return totp(secretInfo.secret, {
    timeMs: Date.now(),
    period: secretInfo.period,
    digits: secretInfo.digits,
    algorithm: secretInfo.algorithm,
  });
}

/** On the enrolment page: reads the key, computes the code, confirms. Returns the secret. */
export async function enrolTotp(page, base, username, scenario) {
  const secretElement = page.getByTestId('enroll-secret');
  await secretElement.waitFor();
  await page.getByTestId('enroll-qr').waitFor();
  await shot(page, scenario, 'enroll');
  const uri = await secretElement.getAttribute('data-otpauth-uri');
  const text = (await secretElement.textContent()).replace(/\s+/g, '');
  const fromUri = uri ? parseOtpauthUri(uri) : undefined;
  const secretInfo = {
    secret: text,
    digits: fromUri?.digits || 6,
    period: fromUri?.period || 30,
    algorithm: fromUri?.algorithm || 'sha1',
  };
  if (fromUri)
    assert.equal(
      fromUri.secret.toUpperCase(),
      text.toUpperCase(),
      'QR code and key text name the same secret',
    );
  await page.getByTestId('enroll-code').fill(await freshCode(secretInfo));
  await page.getByTestId('enroll-confirm').click();
  rememberSecret(base, username, secretInfo);
  return secretInfo;
}

/**
 * Signs in through the sign-in page (which must be open or is opened). Handles the TOTP step and
 * a required enrolment. Returns {outcome: 'signed_in' | 'error', reason, steps}.
 */
export async function signIn(page, base, accountInfo, scenario, { open = true } = {}) {
  if (open && !page.url().startsWith(`${base}/signin`)) await page.goto(`${base}/signin`);
  await page.getByTestId('page-signin').waitFor();
  await page.getByTestId('login-banner').waitFor();
  const accept = page.getByTestId('login-banner-accept');
  if (!(await accept.isChecked())) await accept.check();
  await page.getByTestId('login-username').fill(accountInfo.username);
  await page.getByTestId('login-password').fill(accountInfo.password);
  await shot(page, scenario, 'signin');
  await Promise.all([
    page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login')),
    page.getByTestId('login-submit').click(),
  ]);
  const steps = ['password'];

  for (;;) {
    const seen = await waitForOneOf(page, {
      enroll: 'page-enroll',
      totp: 'totp-code',
      error: 'login-error',
      signedIn: 'nav-home',
    });
    if (seen === 'error') {
      const reason = await page.getByTestId('login-error').getAttribute('data-reason');
      await shot(page, scenario, `signin-error-${reason}`);
      return { outcome: 'error', reason, steps };
    }
    if (seen === 'signedIn') {
      await shot(page, scenario, 'signed-in');
      return { outcome: 'signed_in', steps };
    }
    if (seen === 'totp') {
      steps.push('totp');
      const secretInfo = secretFor(base, accountInfo);
      assert.ok(
        secretInfo,
        `TOTP asked for ${accountInfo.username}, whose secret the test does not know`,
      );
      await page.getByTestId('totp-code').fill(await freshCode(secretInfo));
      await shot(page, scenario, 'totp');
      await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/totp')),
        page.getByTestId('totp-submit').click(),
      ]);
      const next = await waitForOneOf(page, {
        error: 'login-error',
        signedIn: 'nav-home',
        enroll: 'page-enroll',
      });
      if (next === 'error') {
        const reason = await page.getByTestId('login-error').getAttribute('data-reason');
        await shot(page, scenario, `totp-error-${reason}`);
        return { outcome: 'error', reason, steps };
      }
      continue;
    }
    if (seen === 'enroll') {
      steps.push('enroll');
      await enrolTotp(page, base, accountInfo.username, scenario);
      await page.getByTestId('nav-home').waitFor();
      await shot(page, scenario, 'enrolled');
      return { outcome: 'signed_in', steps };
    }
  }
}

export async function signOut(page, scenario) {
  await page.getByTestId('signout').click();
  await page.getByTestId('page-signin').waitFor();
  await page.getByTestId('login-notice').waitFor();
  await shot(page, scenario, 'signed-out');
}

/** Opens a page through the side navigation and waits for its testid. */
export async function openFromNav(page, navTestId, pageTestId, scenario) {
  await page.getByTestId(navTestId).click();
  await page.getByTestId(pageTestId).waitFor();
  await page
    .getByTestId('loading')
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await shot(page, scenario, pageTestId);
}

/** A strong password no test run repeats. */
export function testPassword() {
  return `E2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function uniqueName(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/**
 * As a signed-in administrator: creates a user through Administration > Users and returns
 * {username, password, displayName}.
 */
export async function createUserThroughUi(page, base, scenario, { roles = ['investigator'] } = {}) {
  const username = uniqueName('e2e');
  const displayName = `E2E ${username}`;
  await page.goto(`${base}/admin/users`);
  await page.getByTestId('users-table').waitFor();
  await page.getByTestId('user-new').click();
  await page.getByTestId('user-username').fill(username);
  await page.getByTestId('user-display-name').fill(displayName);
  for (const role of roles) await page.getByTestId(`user-role-${role}`).check();
  await page.getByTestId('user-password-generate').click();
  const password = await page.getByTestId('user-password').inputValue();
  assert.ok(password.length >= 12, 'generated password has at least 12 characters');
  await shot(page, scenario, 'user-form');
  await page.getByTestId('user-save').click();
  await page.getByTestId('created-password-value').waitFor();
  assert.equal(await page.getByTestId('created-password-value').textContent(), password);
  await shot(page, scenario, 'user-created');
  await page.getByTestId('created-password-done').click();
  await page.getByTestId(`user-row-${username}`).waitFor();
  return { username, password, displayName };
}
