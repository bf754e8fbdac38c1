// Browser scenarios against a running threathub server (see lib.mjs for the environment).
// Run: THREATHUB_URL=http://127.0.0.1:8080 THREATHUB_DEMO_ADMIN_USER=... \
//      THREATHUB_DEMO_ADMIN_PASSWORD=... node --test --test-concurrency=1 e2e/scenarios.test.mjs
// The tests run in file order and share what they create (a user, TOTP secrets).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  uniqueName,
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

// ---- Cases ----------------------------------------------------------------------------------
/** The case opened by the investigator, reused by the later cases and Kazakh scenarios. */
let createdCase;

/** Tomorrow at 10:00 as a datetime-local value. */
function tomorrowAtTen() {
  const date = new Date(Date.now() + 24 * 3600 * 1000);
  const pad = (value) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T10:00`;
}

function taskRow(page, title, done) {
  const selector =
    done === undefined
      ? '[data-testid="task-row"]'
      : `[data-testid="task-row"][data-done="${done ? 'true' : 'false'}"]`;
  return page.locator(selector).filter({ hasText: title });
}

/** On the case list: searches for `text` and returns the rows' numbers. */
async function searchCases(page, text) {
  await page.getByTestId('cases-search').fill(text);
  await page.getByTestId('cases-search-submit').click();
  await page.waitForURL(/\/cases\?.*q=/);
  return casesShown(page);
}

/** The numbers in the case list once it shows the filters of the page's address. */
async function casesShown(page) {
  const search = new URL(page.url()).search;
  await page.locator(`[data-testid="cases-table"][data-filters="${search}"]`).waitFor();
  return page.getByTestId('case-row').evaluateAll((rows) => rows.map((row) => row.dataset.number));
}

test(
  'an investigator opens a case with articles, adds a note and a task, completes the task',
  { skip: skip || (!config.user && 'THREATHUB_DEMO_USER is not set') },
  async () => {
    const scenario = 'case-create';
    const page = await openPage(browser);
    const result = await signIn(page, base, config.user, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    const me = (await page.getByTestId('topbar-user').textContent()).trim();
    await openFromNav(page, 'nav-cases', 'page-cases', scenario);
    await page.getByTestId('cases-table').waitFor();
    await page.getByTestId('cases-new').click();
    await page.getByTestId('page-case-new').waitFor();
    await page.getByTestId('case-form').waitFor();

    const title = `E2E ${uniqueName('case')}`;
    await page.getByTestId('case-form-title').fill(title);
    await page
      .getByTestId('case-form-description')
      .fill('Фишинговые SMS от имени банка.\nЖәбірленушілер: 3.');
    // The lead is the investigator unless changed.
    assert.equal(
      (await page.getByTestId('case-form-lead').locator('option:checked').textContent()).trim(),
      me,
    );

    // A reference the server refuses: its error is shown beside the articles.
    await page.getByTestId('case-form-article').fill('статья 190');
    await page.getByTestId('case-form-article-add').click();
    await page.getByTestId('case-form-save').click();
    await page.getByTestId('case-form-articles-error').waitFor();
    await shot(page, scenario, 'article-refused');
    await page
      .locator('[data-testid="case-form-article-remove"][data-article="статья 190"]')
      .click();
    // One article by the button, one by Enter.
    await page.getByTestId('case-form-article').fill('190 ч.2');
    await page.getByTestId('case-form-article-add').click();
    await page.getByTestId('case-form-article').fill('205');
    await page.getByTestId('case-form-article').press('Enter');
    assert.deepEqual(
      await page
        .getByTestId('case-form-article-item')
        .evaluateAll((items) => items.map((item) => item.querySelector('.article').textContent)),
      ['190 ч.2', '205'],
    );
    await shot(page, scenario, 'form');
    await page.getByTestId('case-form-save').click();

    // The case page: generated number, title, status, articles, lead.
    await page.getByTestId('case-header').waitFor();
    assert.match(await page.getByTestId('page-title').textContent(), new RegExp(title));
    const number = (await page.getByTestId('case-number').textContent()).trim();
    assert.ok(number.length > 0, 'a number was generated');
    assert.equal(await page.getByTestId('case-status').getAttribute('data-status'), 'open');
    assert.deepEqual(await page.getByTestId('case-article').allTextContents(), ['190 ч.2', '205']);
    assert.equal((await page.getByTestId('case-lead').textContent()).trim(), me);
    createdCase = { url: page.url(), number, title };
    await shot(page, scenario, 'case');

    // A note, with its author and time.
    const noteText = `Запрошены сведения у оператора связи (${uniqueName('n')})`;
    await page.getByTestId('note-new').fill(noteText);
    await page.getByTestId('note-add').click();
    const note = page.getByTestId('note-item').filter({ hasText: noteText });
    await note.waitFor();
    assert.equal((await note.getByTestId('note-author').textContent()).trim(), me);
    assert.ok((await note.getByTestId('note-time').textContent()).trim().length > 0);
    createdCase.note = noteText;

    // A task assigned to the investigator, due tomorrow.
    const taskTitle = `Запрос в банк ${uniqueName('t')}`;
    await page.getByTestId('task-new-title').fill(taskTitle);
    await page.getByTestId('task-new-assignee').selectOption({ label: me });
    await page.getByTestId('task-new-due').fill(tomorrowAtTen());
    await page.getByTestId('task-add').click();
    const open = taskRow(page, taskTitle, false);
    await open.waitFor();
    assert.equal((await open.getByTestId('task-assignee').textContent()).trim(), me);
    assert.ok((await open.getByTestId('task-due').textContent()).trim().length > 0);
    await shot(page, scenario, 'note-and-task');

    // Done, not done, done again; then the assignee is cleared.
    await open.getByTestId('task-toggle').click();
    await taskRow(page, taskTitle, true).waitFor();
    await taskRow(page, taskTitle, true).getByTestId('task-toggle').click();
    await taskRow(page, taskTitle, false).waitFor();
    await taskRow(page, taskTitle, false).getByTestId('task-toggle').click();
    const done = taskRow(page, taskTitle, true);
    await done.waitFor();
    assert.notEqual(await done.getAttribute('data-assignee'), '');
    await done.getByTestId('task-clear-assignee').click();
    await taskRow(page, taskTitle, true).and(page.locator('[data-assignee=""]')).waitFor();
    createdCase.task = taskTitle;
    await shot(page, scenario, 'task-done');

    // The list finds it by title and by article; the home page counts it.
    await openFromNav(page, 'nav-cases', 'page-cases', scenario);
    assert.ok((await searchCases(page, title)).includes(number), 'the list finds the case');
    await page.getByTestId('cases-filter-article').fill('190');
    await page.getByTestId('cases-search-submit').click();
    await page.waitForURL(/article=190/);
    await page.locator(`[data-testid="case-row"][data-number="${number}"]`).waitFor();
    await shot(page, scenario, 'list');
    await page.getByTestId('nav-home').click();
    const card = page.getByTestId('home-card-cases');
    await card.and(page.locator('[data-state="some"]')).waitFor();
    await shot(page, scenario, 'home-card');
    await page.getByTestId('home-cases-link').click();
    await page.waitForURL(/\/cases\?.*mine=1/);
    await page.locator(`[data-testid="case-row"][data-number="${number}"]`).waitFor();
    await signOut(page, scenario);
    await finish(page);
  },
);

test(
  "the agency's supervisor sees the case and manages it",
  {
    skip:
      skip ||
      (!config.user && 'THREATHUB_DEMO_USER is not set') ||
      (!config.supervisor && 'THREATHUB_DEMO_SUPERVISOR_PASSWORD is not set'),
  },
  async () => {
    const scenario = 'case-supervisor';
    assert.ok(createdCase, 'needs the case of the previous scenario');
    const page = await openPage(browser);
    const result = await signIn(page, base, config.supervisor, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    await openFromNav(page, 'nav-cases', 'page-cases', scenario);
    await page.locator(`[data-testid="case-row"][data-number="${createdCase.number}"]`).waitFor();
    assert.deepEqual(await searchCases(page, createdCase.title), [createdCase.number]);
    await page.getByTestId('case-link').click();
    await page.getByTestId('case-header').waitFor();
    await page.getByTestId('note-item').filter({ hasText: createdCase.note }).waitFor();
    await taskRow(page, createdCase.task, true).waitFor();
    await shot(page, scenario, 'case');

    // Status: suspended.
    await page.getByTestId('case-status-select').selectOption('suspended');
    await page.getByTestId('case-status-save').click();
    await page.getByTestId('case-saved').waitFor();
    await page.locator('[data-testid="case-status"][data-status="suspended"]').waitFor();

    // A colleague joins as a viewer and leaves again.
    const colleague = page.getByTestId('member-add-user');
    await colleague.waitFor();
    const username = /\(([^()]+)\)$/.exec(
      await colleague.locator('option:checked').textContent(),
    )?.[1];
    assert.ok(username, 'a colleague to add');
    await page.getByTestId('member-add-role').selectOption('viewer');
    await page.getByTestId('member-add').click();
    const row = page.getByTestId(`member-row-${username}`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-role'), 'viewer');
    await shot(page, scenario, 'member-added');
    await page.getByTestId(`member-remove-${username}`).click();
    await row.waitFor({ state: 'detached' });

    // Shared with a prosecutor, then not.
    const prosecutor = page.getByTestId('share-add-user');
    if ((await prosecutor.count()) > 0) {
      const name = /\(([^()]+)\)$/.exec(
        await prosecutor.locator('option:checked').textContent(),
      )?.[1];
      await page.getByTestId('share-add').click();
      await page.getByTestId(`share-row-${name}`).waitFor();
      await shot(page, scenario, 'shared');
      await page.getByTestId(`share-remove-${name}`).click();
      await page.getByTestId('shares-empty').waitFor();
    }

    // Back to open, for the later scenarios.
    await page.getByTestId('case-status-select').selectOption('open');
    await page.getByTestId('case-status-save').click();
    await page.locator('[data-testid="case-status"][data-status="open"]').waitFor();
    await signOut(page, scenario);
    await finish(page);
  },
);

// ---- Evidence -------------------------------------------------------------------------------
/** What the evidence scenario made, for the supervisor's scenario and the later checks. */
let evidenceRun;

const sha256Of = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Opens the investigator's case of the cases scenario, or a new one when there is none. */
async function openEvidenceCase(page, scenario) {
  if (createdCase) {
    await page.goto(createdCase.url);
  } else {
    await page.goto(`${base}/cases/new`);
    await page.getByTestId('case-form').waitFor();
    await page.getByTestId('case-form-title').fill(`E2E ${uniqueName('evidence')}`);
    await page.getByTestId('case-form-save').click();
  }
  await page.getByTestId('case-header').waitFor();
  await page.getByTestId('evidence-table').waitFor();
  await shot(page, scenario, 'case');
}

/** The Tab order through the upload form from its file input, with each control's label. */
async function tabThroughUploadForm(page) {
  // Reached by the keyboard (Shift+Tab, Tab), so that the browser shows its focus ring.
  await page.getByTestId('upload-files').focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const reached = [];
  for (let press = 0; press < 40; press += 1) {
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || !element.closest('[data-testid="upload-form"]')) return null;
      const labels = 'labels' in element && element.labels ? [...element.labels] : [];
      return {
        testId: element.getAttribute('data-testid') ?? '',
        label: (
          labels.map((label) => label.textContent).join(' ') ||
          element.getAttribute('aria-label') ||
          element.textContent ||
          ''
        ).trim(),
        outline: getComputedStyle(element).outlineStyle,
      };
    });
    if (focused === null) break;
    reached.push(focused);
    if (focused.testId === 'upload-submit') break;
    await page.keyboard.press('Tab');
  }
  return reached;
}

test(
  'an investigator uploads evidence, verifies and downloads it, exports a bundle, asks for disposal',
  { skip: skip || (!config.user && 'THREATHUB_DEMO_USER is not set') },
  async () => {
    const scenario = 'evidence';
    const page = await openPage(browser);
    const result = await signIn(page, base, config.user, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    const me = (await page.getByTestId('topbar-user').textContent()).trim();
    await openEvidenceCase(page, scenario);
    const caseUrl = page.url();

    // Keyboard only: every control of the upload form is reached by Tab, in reading order, with
    // a label and a visible focus; submitting with the keyboard shows the error beside the field.
    const reached = await tabThroughUploadForm(page);
    const order = reached.map((entry) => entry.testId);
    const expected = [
      'upload-files',
      'upload-description',
      'upload-source-type',
      'upload-source-detail',
      'upload-acquisition-method',
      'upload-acquisition-tool',
      'upload-examiner',
      'upload-acquired-at',
      'upload-acquired-place',
      'upload-legal-basis',
      'upload-parent',
      'upload-submit',
    ];
    const positions = expected.map((testId) => order.indexOf(testId));
    assert.ok(
      positions.every(
        (position, index) => position >= 0 && (index === 0 || position > positions[index - 1]),
      ),
      `tab order: ${order.join(', ')}`,
    );
    const unlabelled = reached.filter((entry) => entry.label === '').map((entry) => entry.testId);
    assert.deepEqual(unlabelled, [], 'upload form controls without a label');
    const unoutlined = reached.filter((entry) => entry.outline === 'none');
    assert.deepEqual(
      unoutlined.map((entry) => entry.testId),
      [],
      'focused controls show an outline',
    );
    assert.equal(
      await page.getByTestId('upload-examiner').inputValue(),
      me,
      'the examiner is the user by default',
    );
    await page.getByTestId('upload-submit').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('upload-files-error').waitFor();
    await page.getByTestId('upload-legal-basis-error').waitFor();
    await shot(page, scenario, 'upload-keyboard-errors');

    // Two files: a small text and a 6 MB one, whose progress bar is seen moving.
    const folder = mkdtempSync(join(tmpdir(), 'threathub-evidence-'));
    const small = {
      name: `chat-${uniqueName('x')}.txt`,
      bytes: Buffer.from(`Переписка с подозреваемым / Күдіктімен хат алмасу\n${uniqueName('t')}\n`),
    };
    const large = { name: `phone-${uniqueName('x')}.bin`, bytes: randomBytes(6 * 1024 * 1024) };
    for (const file of [small, large]) {
      file.path = join(folder, file.name);
      writeFileSync(file.path, file.bytes);
      file.sha256 = sha256Of(file.bytes);
    }
    // Drag and drop adds a file too (then removed from the list again).
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
      return transfer;
    });
    await page.getByTestId('upload-dropzone').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.getByTestId('upload-dropzone').dispatchEvent('drop', { dataTransfer: dropped });
    const droppedRow = page.locator('[data-testid="upload-file"][data-name="dropped.txt"]');
    await droppedRow.getByTestId('upload-remove').click();
    await droppedRow.waitFor({ state: 'detached' });
    await page.getByTestId('upload-files').setInputFiles([small.path, large.path]);
    await page.locator('[data-testid="upload-file"][data-state="queued"]').nth(1).waitFor();
    await page.getByTestId('upload-description').fill('Изъятый телефон подозреваемого');
    await page.getByTestId('upload-source-type').selectOption('seized');
    await page.getByTestId('upload-source-detail').fill('Иванов И. И.');
    await page.getByTestId('upload-acquisition-method').fill('logical copy');
    await page.getByTestId('upload-acquisition-tool').fill('adb 35.0');
    await page.getByTestId('upload-acquired-place').fill('Алматы, ул. Абая 1');
    await page.getByTestId('upload-legal-basis').fill('Постановление о выемке № 12 от 25.11.2026');
    await shot(page, scenario, 'upload-form');

    // Slow the upload down (Chromium's network emulation) so that the bar has time to move.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 3 * 1024 * 1024,
    });
    await page.getByTestId('upload-submit').click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="upload-progress"]')].some((bar) => {
        const value = Number(bar.getAttribute('aria-valuenow'));
        return value > 0 && value < 100;
      }),
    );
    await page.getByTestId('upload-speed').waitFor();
    await shot(page, scenario, 'uploading');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="upload-file"][data-state="done"]').length === 2,
      undefined,
      { timeout: 60_000 },
    );
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await cdp.detach();

    // The table shows both, with the SHA-256 computed here.
    for (const file of [small, large]) {
      const row = page.locator(`[data-testid="evidence-row"][data-name="${file.name}"]`);
      await row.waitFor();
      assert.equal(
        await row.getByTestId('evidence-sha256').getAttribute('data-value'),
        file.sha256,
      );
      assert.equal(
        Number(await row.getByTestId('evidence-size').getAttribute('data-bytes')),
        file.bytes.length,
      );
      file.id = await row.getAttribute('data-id');
    }
    await shot(page, scenario, 'uploaded');

    // The item's page: hashes, custody (ingest, then this view), verify, download.
    await page
      .locator(`[data-testid="evidence-row"][data-name="${small.name}"]`)
      .getByTestId('evidence-link')
      .click();
    await page.locator('[data-testid="page-evidence"][data-state="loaded"]').waitFor();
    assert.equal(await page.getByTestId('evidence-name').textContent(), small.name);
    assert.equal(
      await page.getByTestId('evidence-sha256').getAttribute('data-value'),
      small.sha256,
    );
    assert.equal(
      await page.getByTestId('evidence-md5').getAttribute('data-value'),
      createHash('md5').update(small.bytes).digest('hex'),
    );
    assert.equal(
      await page.getByTestId('evidence-sha1').getAttribute('data-value'),
      createHash('sha1').update(small.bytes).digest('hex'),
    );
    await page.locator('[data-testid="custody-event"][data-action="view"]').first().waitFor();
    const actions = await page
      .getByTestId('custody-event')
      .evaluateAll((events) => events.map((event) => event.dataset.action));
    assert.equal(actions[0], 'ingest', `custody: ${actions.join(', ')}`);
    await shot(page, scenario, 'item');

    await page.getByTestId('evidence-verify').click();
    await page.locator('[data-testid="evidence-verify-result"][data-result="match"]').waitFor();
    await page.locator('[data-testid="custody-event"][data-action="verification"]').waitFor();
    assert.equal(
      await page.getByTestId('evidence-last-verification').getAttribute('data-result'),
      'match',
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('evidence-download').click(),
    ]);
    assert.ok(
      readFileSync(await download.path()).equals(small.bytes),
      'the downloaded bytes are the uploaded ones',
    );
    await shot(page, scenario, 'verified');

    // A bundle of both items, downloaded: its SHA-256 is the one listed, and it is a tar.
    await page.getByTestId('evidence-back').click();
    await page.getByTestId('bundle-form').waitFor();
    const bundlesBefore = await page.getByTestId('bundle-row').count();
    await page.getByTestId(`bundle-item-${small.id}`).check();
    await page.getByTestId(`bundle-item-${large.id}`).check();
    await page.getByTestId('bundle-purpose').fill('Для судебного заседания / Сот отырысы үшін');
    await page.getByTestId('bundle-export').click();
    await page.getByTestId('bundle-made').waitFor();
    await page.getByTestId('bundle-row').nth(bundlesBefore).waitFor();
    const bundleRow = page.getByTestId('bundle-row').nth(bundlesBefore);
    const bundleSha = await bundleRow.getAttribute('data-sha256');
    const [bundleDownload] = await Promise.all([
      page.waitForEvent('download'),
      bundleRow.getByTestId('bundle-download').click(),
    ]);
    const tar = readFileSync(await bundleDownload.path());
    assert.equal(sha256Of(tar), bundleSha, 'the bundle hashes to the listed SHA-256');
    assert.equal(tar.subarray(257, 262).toString('latin1'), 'ustar', 'the bundle is a tar');
    assert.equal(
      Number(await bundleRow.getByTestId('bundle-size').getAttribute('data-bytes')),
      tar.length,
    );
    await shot(page, scenario, 'bundle');

    // Disposal of the large item is requested; a supervisor must approve it.
    await page
      .locator(`[data-testid="evidence-row"][data-name="${large.name}"]`)
      .getByTestId('evidence-link')
      .click();
    await page.locator('[data-testid="page-evidence"][data-state="loaded"]').waitFor();
    await page.getByTestId('evidence-request-disposal').click();
    await page.getByTestId('disposal-reason').fill('Копия, оригинал хранится в деле / Көшірме');
    await page.getByTestId('disposal-submit').click();
    await page.getByTestId('evidence-saved').waitFor();
    await page.locator('[data-testid="custody-event"][data-action="disposal_request"]').waitFor();
    // The requester sees the request waiting for a supervisor (and may withdraw it).
    await page.locator('[data-testid="evidence-disposal"][data-state="pending"]').waitFor();
    assert.equal(
      await page.getByTestId('evidence-state').getAttribute('data-state'),
      'disposal_pending',
    );
    await shot(page, scenario, 'disposal-requested');
    evidenceRun = { caseUrl, small, large };
    await signOut(page, scenario);
    await finish(page);
  },
);

test(
  'the supervisor approves the disposal, sees it scheduled and recovers the item',
  {
    skip:
      skip ||
      (!config.user && 'THREATHUB_DEMO_USER is not set') ||
      (!config.supervisor && 'THREATHUB_DEMO_SUPERVISOR_PASSWORD is not set'),
  },
  async () => {
    const scenario = 'evidence-disposal';
    assert.ok(evidenceRun, 'needs the items of the previous scenario');
    const { large } = evidenceRun;
    const page = await openPage(browser);
    const result = await signIn(page, base, config.supervisor, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    await page.getByTestId('home-card-evidence-alerts').waitFor();
    await openFromNav(page, 'nav-disposals', 'page-disposals', scenario);
    const inList = (list) =>
      page.locator(
        `[data-testid="${list}"] [data-testid="disposal-row"][data-item-id="${large.id}"]`,
      );

    await inList('disposals-pending').waitFor();
    await inList('disposals-pending').getByTestId('disposal-approve').click();
    await page.getByTestId('disposals-saved').waitFor();
    await inList('disposals-queue').waitFor();
    const scheduled = await inList('disposals-queue')
      .getByTestId('disposal-scheduled')
      .getAttribute('datetime');
    const inSevenDays = Date.now() + 7 * 24 * 3600 * 1000;
    assert.ok(
      Math.abs(Date.parse(scheduled) - inSevenDays) < 24 * 3600 * 1000,
      `scheduled seven days from now: ${scheduled}`,
    );
    await shot(page, scenario, 'approved');

    // The item shows it.
    await inList('disposals-queue').getByTestId('disposal-item-link').click();
    await page.locator('[data-testid="page-evidence"][data-state="loaded"]').waitFor();
    assert.equal(
      await page.getByTestId('evidence-state').getAttribute('data-state'),
      'disposal_pending',
    );
    assert.equal(
      await page.getByTestId('evidence-disposal-scheduled').getAttribute('datetime'),
      scheduled,
    );
    await shot(page, scenario, 'item-pending');

    // Recovered from the queue: the item is back in storage.
    await openFromNav(page, 'nav-disposals', 'page-disposals', scenario);
    await inList('disposals-queue').getByTestId('disposal-recover').click();
    await page.getByTestId('disposals-saved').waitFor();
    await inList('disposals-queue').waitFor({ state: 'detached' });
    await page.goto(`${base}/evidence/${large.id}`);
    await page.locator('[data-testid="page-evidence"][data-state="loaded"]').waitFor();
    assert.equal(await page.getByTestId('evidence-state').getAttribute('data-state'), 'active');
    await page.locator('[data-testid="custody-event"][data-action="disposal_cancel"]').waitFor();
    await shot(page, scenario, 'recovered');

    // Nobody approves their own request: the server's refusal is shown.
    await page.getByTestId('evidence-request-disposal').click();
    await page.getByTestId('disposal-reason').fill('Supervisor asks, must not approve alone');
    await page.getByTestId('disposal-submit').click();
    await page.getByTestId('evidence-saved').waitFor();
    await openFromNav(page, 'nav-disposals', 'page-disposals', scenario);
    await inList('disposals-pending').getByTestId('disposal-approve').click();
    await page.getByTestId('disposal-action-error').waitFor();
    await shot(page, scenario, 'own-request-refused');
    await inList('disposals-pending').getByTestId('disposal-reject').click();
    await page.getByTestId('disposal-reject-reason').fill('Withdrawn');
    await page.getByTestId('disposal-reject-submit').click();
    await inList('disposals-pending').waitFor({ state: 'detached' });

    // The disposals page and an item's page in Kazakh.
    await page.getByTestId('lang-kk').click();
    await page.getByTestId('lang-kk').and(page.locator('[aria-pressed="true"]')).waitFor();
    // Opened afresh: the notice of the rejection above was written in English.
    await page.goto(`${base}/disposals`);
    await page.getByTestId('disposals-done-table').waitFor();
    await page.getByTestId('alerts-table').waitFor();
    await assertKazakh(page, scenario, 'disposals');
    await page.goto(`${base}/evidence/${large.id}`);
    await page.getByTestId('custody-list').waitFor();
    await assertKazakh(page, scenario, 'evidence-item');
    await page.getByTestId('lang-en').click();
    await page.getByTestId('nav-home').filter({ hasText: en['nav.home'] }).waitFor();
    await signOut(page, scenario);
    await finish(page);
  },
);

test(
  'an integrity alert reaches the supervisor, who acknowledges it (mock server only)',
  { skip: skip || (!config.supervisor && 'THREATHUB_DEMO_SUPERVISOR_PASSWORD is not set') },
  async (context) => {
    const scenario = 'evidence-alert';
    if (!evidenceRun) return context.skip('needs the items of the evidence scenario');
    const page = await openPage(browser);
    const result = await signIn(page, base, config.supervisor, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    // Only the mock server can change an item's stored bytes.
    const csrf = await page.evaluate(async () => {
      const answer = await fetch('/api/v1/session', { credentials: 'same-origin' });
      return (await answer.json()).csrf_token;
    });
    const tamper = await page.request.post(
      `${base}/api/v1/_mock/evidence/${evidenceRun.small.id}/tamper`,
      { headers: { 'X-CSRF-Token': csrf } },
    );
    if (tamper.status() === 404) {
      await finish(page);
      return context.skip('the server has no tamper hook (a real server)');
    }
    await page.goto(`${base}/evidence/${evidenceRun.small.id}`);
    await page.getByTestId('evidence-verify').click();
    await page.locator('[data-testid="evidence-verify-result"][data-result="mismatch"]').waitFor();
    await shot(page, scenario, 'mismatch');
    await page.getByTestId('nav-home').click();
    const alertItem = page.locator(
      `[data-testid="home-alert"][data-item-id="${evidenceRun.small.id}"]`,
    );
    await alertItem.waitFor();
    assert.equal(
      await alertItem.getByTestId('alert-expected').getAttribute('data-value'),
      evidenceRun.small.sha256,
    );
    await shot(page, scenario, 'home-card');
    await alertItem.getByTestId('home-alert-acknowledge').click();
    await alertItem.waitFor({ state: 'detached' });
    await signOut(page, scenario);
    await finish(page);
  },
);

test('users without need-to-know see neither the case nor the Cases entry', { skip }, async () => {
  const scenario = 'case-need-to-know';
  // Administrators manage accounts, not cases.
  const admin = await signedInAdmin(scenario);
  assert.equal(await admin.getByTestId('nav-cases').count(), 0, 'no Cases entry for admin');
  await admin.goto(`${base}/cases`);
  await admin.getByTestId('page-forbidden').waitFor();
  await shot(admin, scenario, 'admin-forbidden');
  await signOut(admin, scenario);
  await finish(admin);

  // The trainee (another agency, no cases.read) has no Cases entry either.
  if (config.trainee) {
    const page = await openPage(browser);
    const result = await signIn(page, base, config.trainee, scenario);
    assert.equal(result.outcome, 'signed_in', `trainee sign-in: ${result.reason}`);
    assert.equal(await page.getByTestId('nav-cases').count(), 0, 'no Cases entry for trainee');
    assert.equal(await page.getByTestId('home-card-cases').count(), 0);
    await shot(page, scenario, 'trainee-home');
    await signOut(page, scenario);
    await finish(page);
  }

  // An investigator of another agency (created by the administrator) may use cases but does
  // not see this one: not in the list, and its address answers "not found".
  if (createdUser && createdCase) {
    const page = await openPage(browser);
    const result = await signIn(page, base, createdUser, scenario);
    assert.equal(result.outcome, 'signed_in', `sign-in: ${result.reason}`);
    await openFromNav(page, 'nav-cases', 'page-cases', scenario);
    assert.deepEqual(await searchCases(page, createdCase.title), []);
    await page.getByTestId('cases-empty').waitFor();
    await page.goto(createdCase.url);
    await page.getByTestId('case-error').waitFor();
    assert.equal(await page.getByTestId('page-case').getAttribute('data-state'), 'not-found');
    await shot(page, scenario, 'other-agency-not-found');
    if (evidenceRun) {
      await page.goto(`${base}/evidence/${evidenceRun.small.id}`);
      await page.getByTestId('evidence-error').waitFor();
      assert.notEqual(await page.getByTestId('page-evidence').getAttribute('data-state'), 'loaded');
      await shot(page, scenario, 'other-agency-evidence');
    }
    await signOut(page, scenario);
    await finish(page);
  }
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
          (element) =>
            element.getClientRects().length > 0 &&
            !element.closest('.visually-hidden') &&
            // Data shown as it is (file names), marked translate="no", is not interface text.
            !element.closest('[translate="no"]'),
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

  // The cases pages, as the investigator (administrators do not see cases).
  if (!config.user) return;
  const investigator = await openPage(browser);
  const signedIn = await signIn(investigator, base, config.user, scenario);
  assert.equal(signedIn.outcome, 'signed_in', `investigator sign-in: ${signedIn.reason}`);
  await investigator.getByTestId('lang-kk').click();
  await investigator
    .getByTestId('lang-kk')
    .and(investigator.locator('[aria-pressed="true"]'))
    .waitFor();
  await investigator
    .getByTestId('home-card-cases')
    .and(investigator.locator(':not([data-state="loading"])'))
    .waitFor();
  await assertKazakh(investigator, scenario, 'home-investigator');
  await investigator.getByTestId('nav-cases').click();
  await investigator.getByTestId('cases-table').waitFor();
  await assertKazakh(investigator, scenario, 'cases');
  await investigator.getByTestId('cases-new').click();
  await investigator.getByTestId('case-form').waitFor();
  await assertKazakh(investigator, scenario, 'case-new');
  await investigator.getByTestId('case-form-cancel').click();
  await investigator.getByTestId('cases-table').waitFor();
  if ((await investigator.getByTestId('case-link').count()) > 0) {
    await investigator.getByTestId('case-link').first().click();
    await investigator.getByTestId('case-header').waitFor();
    await investigator.getByTestId('tasks-table').waitFor();
    await investigator.locator('[data-testid="notes-list"], [data-testid="notes-empty"]').waitFor();
    await assertKazakh(investigator, scenario, 'case');
    await investigator.getByTestId('case-edit').click();
    await investigator.getByTestId('case-form').waitFor();
    await assertKazakh(investigator, scenario, 'case-edit');
    await investigator.getByTestId('case-form-cancel').click();
    await investigator.getByTestId('case-header').waitFor();
    await investigator
      .locator('[data-testid="bundles-table"], [data-testid="bundles-load-error"]')
      .waitFor();
    if ((await investigator.getByTestId('evidence-link').count()) > 0) {
      await investigator.getByTestId('evidence-link').first().click();
      await investigator.getByTestId('custody-list').waitFor();
      await assertKazakh(investigator, scenario, 'evidence-item');
    }
  }
  await investigator.getByTestId('lang-en').click();
  await investigator.getByTestId('nav-home').filter({ hasText: en['nav.home'] }).waitFor();
  await signOut(investigator, scenario);
  await finish(investigator);
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
