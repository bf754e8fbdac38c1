// Browser scenarios against a running threathub server (see lib.mjs for the environment).
// Run: THREATHUB_URL=http://127.0.0.1:8080 THREATHUB_DEMO_ADMIN_USER=... \
//      THREATHUB_DEMO_ADMIN_PASSWORD=... node --test --test-concurrency=1 e2e/scenarios.test.mjs
// The tests run in file order and share what they create (a user, TOTP secrets).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  config,
  createUserThroughUi,
  enrolTotp,
  finish,
  launchBrowser,
  missingConfig,
  openFromNav,
  openPage,
  shot,
  signIn,
  signOut,
} from './lib.mjs';

const skip = missingConfig();
const base = config.url;
const catalog = (language) =>
  JSON.parse(readFileSync(new URL(`../src/i18n/${language}.json`, import.meta.url), 'utf8'));
const en = catalog('en');
const kk = catalog('kk');

let browser;
/** The user created by "admin creates a user", reused by the TOTP scenario. */
let createdUser;

before(async () => {
  if (!skip) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  console.log(`screenshots: ${config.artifacts}`);
});

async function signedInAdmin(scenario) {
  const page = await openPage(browser);
  const result = await signIn(page, base, config.admin, scenario);
  assert.equal(result.outcome, 'signed_in', `admin sign-in: ${result.reason}`);
  return page;
}

test('a demo user signs in and signs out', { skip }, async () => {
  const scenario = 'signin-signout';
  const who = config.user ?? config.admin;
  const page = await openPage(browser);

  // The sign-in form is reachable by keyboard alone, in a sensible order, with a visible focus.
  await page.goto(`${base}/signin`);
  await page.getByTestId('login-banner').waitFor();
  const reached = [];
  for (let press = 0; press < 20; press += 1) {
    await page.keyboard.press('Tab');
    reached.push(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? ''),
    );
  }
  // From the checkbox on, the form's controls follow in reading order.
  const start = reached.indexOf('login-banner-accept');
  const order = ['login-username', 'login-password', 'login-submit'].map((id) =>
    reached.indexOf(id, start),
  );
  assert.ok(
    start >= 0 && order.every((index, i) => index > (i === 0 ? start : order[i - 1])),
    `tab order: ${reached.join(', ')}`,
  );
  assert.ok(reached.includes('lang-kk'), 'the language switch is reachable by keyboard');
  await page.getByTestId('login-username').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const outline = await page
    .getByTestId('login-username')
    .evaluate((element) => getComputedStyle(element).outlineStyle);
  assert.notEqual(outline, 'none', 'focused control shows an outline');
  await shot(page, scenario, 'keyboard-focus');

  const result = await signIn(page, base, who, scenario);
  assert.equal(result.outcome, 'signed_in', `sign-in failed: ${result.reason}`);
  await page.getByTestId('page-home').waitFor();
  assert.ok(
    (await page.getByTestId('topbar-user').textContent()).trim().length > 0,
    'top bar names the user',
  );
  assert.ok(
    (await page.getByTestId('topbar-agency').textContent()).trim().length > 0,
    'top bar names the agency',
  );
  await page.getByTestId('home-card-security').waitFor();
  await shot(page, scenario, 'home');
  await signOut(page, scenario);
  // The session is gone: a protected page leads back to sign-in.
  await page.goto(`${base}/profile`);
  await page.getByTestId('page-signin').waitFor();
  await shot(page, scenario, 'protected-after-signout');
  await finish(page);
});

test('an administrator creates a user who then signs in', { skip }, async () => {
  const scenario = 'create-user';
  const admin = await signedInAdmin(scenario);
  createdUser = await createUserThroughUi(admin, base, scenario);
  await signOut(admin, scenario);
  await finish(admin);

  const page = await openPage(browser);
  const result = await signIn(page, base, createdUser, scenario);
  assert.equal(result.outcome, 'signed_in', `new user's sign-in: ${result.reason}`);
  assert.match(
    await page.getByTestId('topbar-user').textContent(),
    new RegExp(createdUser.displayName),
  );
  // An investigator has neither Administration nor Audit in the navigation.
  assert.equal(await page.getByTestId('nav-admin').count(), 0);
  assert.equal(await page.getByTestId('nav-audit').count(), 0);
  await signOut(page, scenario);
  await finish(page);
});

test('a user enrols TOTP and signs in with a code computed by the test', { skip }, async () => {
  const scenario = 'totp';
  assert.ok(createdUser, 'needs the user of the previous scenario');
  const page = await openPage(browser);
  const first = await signIn(page, base, createdUser, scenario);
  assert.equal(first.outcome, 'signed_in', `sign-in: ${first.reason}`);
  await openFromNav(page, 'nav-profile', 'page-profile', scenario);
  const state = await page.getByTestId('profile-totp-status').getAttribute('data-state');
  if (state !== 'on') {
    // The server did not require enrolment at first sign-in: enrol from the profile.
    await page.getByTestId('profile-totp-setup').click();
    await page.getByTestId('page-enroll').waitFor();
    await enrolTotp(page, base, createdUser.username, scenario);
    await page.getByTestId('enroll-done').waitFor();
    await shot(page, scenario, 'enrolled-from-profile');
    await page.getByTestId('enroll-back').click();
    await page.getByTestId('page-profile').waitFor();
  }
  assert.equal(await page.getByTestId('profile-totp-status').getAttribute('data-state'), 'on');
  await signOut(page, scenario);

  const again = await signIn(page, base, createdUser, scenario, { open: false });
  assert.equal(again.outcome, 'signed_in', `sign-in with TOTP: ${again.reason}`);
  assert.deepEqual(again.steps, ['password', 'totp'], 'the second sign-in asked for the TOTP code');
  await page.getByTestId('home-card-security').waitFor();
  assert.equal(
    await page.getByTestId('home-card-security').getAttribute('data-state'),
    'totp-enabled',
  );
  await shot(page, scenario, 'home-with-totp');
  await signOut(page, scenario);
  await finish(page);
});

test('five wrong passwords lock the account; an administrator unlocks it', { skip }, async () => {
  const scenario = 'lockout';
  const admin = await signedInAdmin(scenario);
  const victim = await createUserThroughUi(admin, base, scenario);
  await signOut(admin, scenario);

  const page = await openPage(browser);
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const result = await signIn(
      page,
      base,
      { ...victim, password: `${victim.password}-wrong${attempt}` },
      scenario,
      {
        open: attempt === 1,
      },
    );
    assert.equal(result.outcome, 'error');
    assert.ok(
      ['bad_credentials', 'account_locked'].includes(result.reason),
      `attempt ${attempt}: ${result.reason}`,
    );
  }
  const locked = await signIn(page, base, victim, scenario, { open: false });
  assert.equal(locked.outcome, 'error', 'the right password does not open a locked account');
  assert.equal(locked.reason, 'account_locked');
  assert.equal(
    (await page.getByTestId('login-error').textContent()).trim(),
    en['error.reason.account_locked'],
  );

  const signedIn = await signIn(admin, base, config.admin, scenario, { open: false });
  assert.equal(signedIn.outcome, 'signed_in');
  await admin.goto(`${base}/admin/users?status=locked`);
  const row = admin.getByTestId(`user-row-${victim.username}`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-locked'), 'true');
  await shot(admin, scenario, 'locked-user-listed');
  await admin.getByTestId(`user-unlock-${victim.username}`).click();
  await admin.getByTestId('admin-saved').waitFor();
  await admin.getByTestId('users-filter-status').selectOption('all');
  await admin.waitForFunction(
    (id) =>
      document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-locked') === 'false',
    `user-row-${victim.username}`,
  );
  await shot(admin, scenario, 'unlocked');
  await signOut(admin, scenario);
  await finish(admin);

  const unlocked = await signIn(page, base, victim, scenario, { open: false });
  assert.equal(unlocked.outcome, 'signed_in', `after unlock: ${unlocked.reason}`);
  await signOut(page, scenario);
  await finish(page);
});

// Every visible label, heading, button and navigation entry must be a value of kk.json (a value
// with {placeholders} matches any text in their place).
function kazakhMatcher() {
  const exact = new Set(Object.values(kk));
  const templates = Object.values(kk)
    .filter((value) => /\{\w+\}/.test(value))
    .map(
      (value) =>
        new RegExp(
          `^${value.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '.+')}$`,
          's',
        ),
    );
  return (text) => exact.has(text) || templates.some((template) => template.test(text));
}

async function visibleLabels(page) {
  return page.$$eval(
    'main h1, main h2, label, legend, th, button, nav a, dt, .notice, .field-hint, .form-error, .topbar .language-button',
    (elements) =>
      elements
        .filter(
          (element) => element.getClientRects().length > 0 && !element.closest('.visually-hidden'),
        )
        .map((element) => element.innerText.replace(/\s+/g, ' ').trim())
        .filter((text) => text !== ''),
  );
}

/** Every form control and button has an accessible name (label, aria-label(ledby) or text). */
async function assertLabelled(page, label) {
  const unnamed = await page.$$eval('input, select, textarea, button, a[href]', (elements) =>
    elements
      .filter((element) => element.getClientRects().length > 0)
      .filter((element) => {
        const labelledBy = element.getAttribute('aria-labelledby');
        const byIds = labelledBy
          ? labelledBy
              .split(/\s+/)
              .map((id) => document.getElementById(id)?.textContent ?? '')
              .join('')
          : '';
        const fromLabels =
          'labels' in element && element.labels
            ? [...element.labels].map((l) => l.textContent).join('')
            : '';
        const name = [
          element.getAttribute('aria-label'),
          byIds,
          fromLabels,
          element.textContent,
          element.getAttribute('alt'),
        ]
          .filter(Boolean)
          .join('')
          .trim();
        return name === '';
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  );
  assert.deepEqual(unnamed, [], `${label}: controls without an accessible name`);
}

async function assertKazakh(page, scenario, label) {
  const isKazakh = kazakhMatcher();
  await page
    .getByTestId('loading')
    .waitFor({ state: 'detached' })
    .catch(() => {});
  const texts = await visibleLabels(page);
  assert.ok(texts.length > 3, `${label}: found labels to check`);
  const foreign = texts.filter((text) => !isKazakh(text));
  await shot(page, scenario, `kk-${label}`);
  assert.deepEqual(foreign, [], `${label}: texts that are not Kazakh`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'kk');
  await assertLabelled(page, label);
}

test('switching to Kazakh shows Kazakh labels on every page', { skip }, async () => {
  const scenario = 'kazakh';
  const page = await signedInAdmin(scenario);
  await page.getByTestId('lang-kk').click();
  await page.getByTestId('lang-kk').and(page.locator('[aria-pressed="true"]')).waitFor();
  await assertKazakh(page, scenario, 'home');
  const pages = [
    ['nav-admin', 'admin-users', 'admin-users'],
    ['admin-tab-agencies', 'agencies-table', 'admin-agencies'],
    ['admin-tab-regions', 'regions-table', 'admin-regions'],
    ['nav-audit', 'audit-table', 'audit'],
    ['nav-profile', 'page-profile', 'profile'],
  ];
  for (const [link, ready, label] of pages) {
    await page.getByTestId(link).click();
    await page.getByTestId(ready).waitFor();
    await assertKazakh(page, scenario, label);
  }
  // Forms opened on the administration pages are Kazakh too.
  await page.getByTestId('nav-admin').click();
  await page.getByTestId('user-new').click();
  await page.getByTestId('user-form').waitFor();
  await assertKazakh(page, scenario, 'admin-user-form');
  await page.getByTestId('user-cancel').click();

  // The sign-in page keeps the language after signing out.
  await page.getByTestId('signout').click();
  await page.getByTestId('page-signin').waitFor();
  await page.getByTestId('login-banner').waitFor();
  await assertKazakh(page, scenario, 'signin');

  // Back to English for the administrator's later sign-ins.
  const result = await signIn(page, base, config.admin, scenario, { open: false });
  assert.equal(result.outcome, 'signed_in');
  await page.getByTestId('lang-en').click();
  await page.getByTestId('nav-home').filter({ hasText: en['nav.home'] }).waitFor();
  await signOut(page, scenario);
  await finish(page);
});

test('the audit viewer lists the actions just done', { skip }, async () => {
  const scenario = 'audit';
  const page = await signedInAdmin(scenario);
  await openFromNav(page, 'nav-audit', 'page-audit', scenario);
  await page.getByTestId('audit-table').waitFor();
  const actions = await page.getByTestId('audit-action').allTextContents();
  assert.ok(actions.length > 0, 'the audit trail has records');
  for (const expected of [/login|sign.?in/i, /unlock/i, /creat/i]) {
    assert.ok(
      actions.some((action) => expected.test(action)),
      `an action matching ${expected} among: ${[...new Set(actions)].join(', ')}`,
    );
  }

  // Filter by the administrator as actor.
  await page.getByTestId('audit-filter-actor').fill(config.admin.username);
  await page.getByTestId('audit-filter-limit').selectOption('25');
  await page.getByTestId('audit-apply').click();
  await page.waitForURL(/\/audit\?.*actor=/);
  await page.getByTestId('audit-table').waitFor();
  assert.ok((await page.getByTestId('audit-row').count()) > 0, 'records by the administrator');
  await shot(page, scenario, 'filtered');

  // Pages: "Next page" then "Previous", when there is a second page.
  if (await page.getByTestId('audit-next').isEnabled()) {
    const firstId = await page.getByTestId('audit-row').first().getAttribute('data-id');
    await page.getByTestId('audit-next').click();
    await page.getByTestId('audit-prev').and(page.locator(':enabled')).waitFor();
    const secondId = await page.getByTestId('audit-row').first().getAttribute('data-id');
    assert.ok(Number(secondId) < Number(firstId), 'the next page holds older records');
    await shot(page, scenario, 'page-2');
    await page.getByTestId('audit-prev').click();
    // Back on the newest page (reading the audit trail is itself audited, so it may have grown).
    await page.getByTestId('audit-prev').and(page.locator(':disabled')).waitFor();
    await page.getByTestId('audit-row').first().waitFor();
    assert.ok(
      Number(await page.getByTestId('audit-row').first().getAttribute('data-id')) >=
        Number(firstId),
    );
  }

  // CSV export of the same selection.
  const href = await page.getByTestId('audit-export').getAttribute('href');
  assert.match(href, /^\/api\/v1\/audit\.csv\?/);
  assert.match(href, new RegExp(`actor=${encodeURIComponent(config.admin.username)}`));
  const csv = await page.request.get(`${base}${href}`);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'] ?? '', /text\/csv/);
  assert.ok((await csv.text()).split('\n').length > 1, 'the CSV has a header and records');
  await signOut(page, scenario);
  await finish(page);
});

test(
  'an idle session returns to sign-in, then to the page the user was on',
  {
    skip: skip || (!config.idleUrl && 'THREATHUB_IDLE_URL is not set'),
    timeout: 300_000,
  },
  async () => {
    const scenario = 'idle';
    const idleBase = config.idleUrl;
    const who = config.idle ?? config.admin;
    const page = await openPage(browser);
    const result = await signIn(page, idleBase, who, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    await openFromNav(page, 'nav-profile', 'page-profile', scenario);
    // Idle for longer than the server's limit (a minute or less on this instance): the app notices on
    // its own and goes to sign-in.
    await page.getByTestId('page-signin').waitFor({ timeout: 180_000 });
    await page.getByTestId('login-notice').waitFor();
    await shot(page, scenario, 'expired');
    const again = await signIn(page, idleBase, who, scenario, { open: false });
    assert.equal(again.outcome, 'signed_in');
    await page.getByTestId('page-profile').waitFor();
    await shot(page, scenario, 'back-on-profile');
    await signOut(page, scenario);
    await finish(page);
  },
);
