// The web dashboard in a real browser (playwright-core driving Debian's chromium) against a
// real `barge serve`: log in, submit a request from the form, watch its chart and numbers,
// pause, resume, change its priority and cancel it; a read token sees no buttons and its
// POSTs are refused; a wrong token is refused. Screenshots of each page go to
// test-output/screenshots/ (the path is printed).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BARGE_VERSION } from '../src/cli/barge-version.js';
import { ADMIN_SECRET, READ_SECRET, makeSmallTree, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

const CHROMIUM = process.env.BARGE_CHROMIUM ?? '/usr/bin/chromium';
// under CI a missing browser fails the test (launch throws); elsewhere the test says what to install
const skip = !fs.existsSync(CHROMIUM) && process.env.CI !== 'true' ? `no browser at ${CHROMIUM} (apt-get install chromium)` : undefined;
const SHOTS = path.resolve('test-output', 'screenshots');

interface View { id: string; state: string; priority: number; bytes: { copied: number } }
interface AuditPage { items: { action: string; actor: string; detail: string | null }[] }

async function login(browser: Browser, url: string, secret: string, shotName?: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // every action asks first (hx-confirm): the operator says yes
  page.on('dialog', (d) => { void d.accept(); });
  await page.goto(`${url}/`);
  assert.match(page.url(), /\/login$/, 'without a session the dashboard sends the browser to the login page');
  if (shotName !== undefined) await shot(page, shotName);
  await page.fill('#token', secret);
  await page.click('#login');
  return { context, page, errors };
}

/**
 * waits until an attribute satisfies `ok`, read from here (the pages' Content-Security-Policy
 * refuses the string evaluation page.waitForFunction would need)
 */
async function untilAttribute(page: Page, selector: string, name: string, ok: (v: string | null) => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let v: string | null = null;
  while (Date.now() < end) {
    v = await page.getAttribute(selector, name);
    if (ok(v)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${selector} ${name} is still ${String(v)} after ${timeoutMs} ms`);
}

/** the chart holds at least n points (dashboard.js counts them in data-points) */
const atLeast = (n: number) => (v: string | null): boolean => Number(v) >= n;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** a number the page shows with data-value, inside `scope` */
async function shown(page: Page, selector: string): Promise<number> {
  return Number(await page.getAttribute(selector, 'data-value'));
}

/**
 * the view once its bytes have not moved for 4 s: longer than a task in flight is held (1.5 s)
 * plus its run, so the last task the pause let finish has reported (a shorter quiet spell can
 * fall inside that task's hold, and its bytes then land after the check)
 */
async function stableBytes(s: Service, id: string): Promise<View> {
  const QUIET_MS = 4000;
  let before = -1;
  let since = Date.now();
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const v = (await s.api<View>('GET', `/api/requests/${id}`)).body;
    if (v.bytes.copied !== before) { before = v.bytes.copied; since = Date.now(); } else if (Date.now() - since >= QUIET_MS) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the paused request kept moving for a minute');
}

function within5(a: number, b: number, what: string): void {
  assert.ok(b > 0, `${what}: the API shows no bytes`);
  assert.ok(Math.abs(a - b) <= 0.05 * b, `${what}: the page shows ${a}, the API ${b} (more than 5% apart)`);
}

test('the dashboard: login, submit, live chart and numbers, pause, resume, priority, cancel; read and wrong tokens', { skip, timeout: 300_000 }, async (t) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  t.diagnostic(`screenshots in ${SHOTS}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-web-'));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  // 24 directories of 8 subdirectories of 128 small files: the service scans siblings in
  // groups and copies small files in its scans; each task is held 1.5 s, two at a time, so
  // bytes move for well over a minute: more than the steps up to the cancel take even on a
  // loaded machine (the request must still be open at the pause, the resume and the cancel)
  for (let d = 0; d < 24; d++) makeSmallTree(path.join(src, `top${d}`), 8, 128);
  fs.mkdirSync(dst);
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--transfers', '1'], { env: { BARGE_TEST_TASK_DELAY_MS: '1500' } });
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  } catch (e) {
    // the service is up: stopped here, or the file would wait on it until its timeout
    await stopService(s);
    throw e;
  }
  try {
    // a wrong token: refused, with a message that says so, and no session
    const wrong = await login(browser, s.url, 'not-a-token-of-this-coordinator');
    assert.match(await wrong.page.textContent('#login-error') ?? '', /Unknown token/);
    assert.match(wrong.page.url(), /\/login$/);
    assert.deepEqual((await wrong.context.cookies()).filter((c) => c.name === 'barge_session'), []);
    await shot(wrong.page, 'login-refused');
    await wrong.context.close();

    // the admin logs in and submits a request from the form
    const admin = await login(browser, s.url, ADMIN_SECRET, 'login');
    const { page } = admin;
    assert.equal(new URL(page.url()).pathname, '/');
    const cookie = (await admin.context.cookies()).find((c) => c.name === 'barge_session');
    assert.ok(cookie?.httpOnly === true && cookie.sameSite === 'Strict', `the session cookie is HTTP-only and SameSite=Strict: ${JSON.stringify(cookie)}`);
    await shot(page, 'overview-idle');
    await page.goto(`${s.url}/requests`);
    await page.click('#submit-box summary');
    await page.fill('#source', 'src:/');
    await page.fill('#destination', 'dst:/');
    await page.fill('#submit-form input[name=id]', 'web-1');
    await shot(page, 'submit-form');
    await page.click('#submit-button');
    await page.waitForURL(/\/requests\/web-1$/, { timeout: 10_000 });
    const submitted = (await s.api<AuditPage>('GET', '/api/requests/web-1/audit')).body.items;
    assert.deepEqual(submitted.map((e) => [e.action, e.actor]), [['submit', 'ops']], 'the submit is the admin token\'s in the audit trail');

    // its chart fills from the coordinator's samples, once a second
    await untilAttribute(page, '#request-chart', 'data-points', atLeast(20), 90_000);
    assert.equal((await s.api<View>('GET', '/api/requests/web-1')).body.state, 'running', 'the request still runs after 20 samples');
    await shot(page, 'request-running');
    await page.goto(`${s.url}/`);
    await untilAttribute(page, '#rate-chart', 'data-points', atLeast(5), 20_000);
    await page.waitForSelector('tr[data-request-id="web-1"]');
    await shot(page, 'overview-running');
    await page.goto(`${s.url}/requests`);
    await page.waitForSelector('tr[data-request-id="web-1"]');
    await shot(page, 'requests');
    await page.goto(`${s.url}/agents`);
    assert.match(await page.textContent('#agents') ?? '', /alive/);
    assert.ok((await page.textContent('#agents') ?? '').includes(BARGE_VERSION), 'the barge version each agent enrolled with');
    await shot(page, 'agents');

    // pause from the page: once the tasks in flight finish, the numbers and the chart agree with the API
    await page.goto(`${s.url}/requests/web-1`);
    await page.click('#action-pause');
    await page.waitForSelector('.numbers [data-field="state"]:text("paused")', { timeout: 5000 });
    const paused = await stableBytes(s, 'web-1');
    // the chart polls once a second: its last sample is one taken after the quiet spell began
    await untilAttribute(page, '#request-chart', 'data-last-rate', (v) => v === '0', 5000);
    within5(await shown(page, '.numbers [data-field="bytes"]'), paused.bytes.copied, 'bytes copied (numbers)');
    within5(Number(await page.getAttribute('#request-chart', 'data-last-bytes')), paused.bytes.copied, 'bytes copied (chart)');
    assert.equal(await page.getAttribute('#request-chart', 'data-last-rate'), '0', 'a paused request\'s rate line is at 0');

    // a resume through the API shows on the open page by the server-sent events (no reload)
    assert.equal((await s.api<View>('POST', '/api/requests/web-1/resume')).status, 200);
    await page.waitForSelector('.numbers [data-field="state"]:text("running")', { timeout: 5000 });
    await page.waitForSelector('#action-cancel', { timeout: 5000 }); // the buttons follow the state

    // a new priority from the page
    await page.fill('#priority-input', '8');
    await page.click('#action-priority');
    await page.waitForSelector('.numbers [data-field="priority"]:text("8")', { timeout: 5000 });
    assert.equal((await s.api<View>('GET', '/api/requests/web-1')).body.priority, 8);

    // cancel: the page shows it within 2 s
    const asked = Date.now();
    await page.click('#action-cancel');
    await page.waitForSelector('.numbers [data-field="state"]:text("canceled")', { timeout: 2000 });
    t.diagnostic(`canceled shown ${Date.now() - asked} ms after the click`);
    assert.equal((await s.api<View>('GET', '/api/requests/web-1')).body.state, 'canceled');
    await untilAttribute(page, '#request-chart', 'data-last-rate', (v) => v === '0', 5000);
    await shot(page, 'request-canceled');
    const trail = (await s.api<AuditPage>('GET', '/api/requests/web-1/audit')).body.items;
    assert.deepEqual(trail.map((e) => [e.action, e.actor, e.detail]), [
      ['submit', 'ops', null], ['pause', 'ops', null], ['resume', 'ops', null], ['priority', 'ops', '8'], ['cancel', 'ops', null],
    ]);
    assert.deepEqual(admin.errors, [], 'no console errors on the admin\'s pages');

    // a refused submit: the message shows in the page where the form is (htmx swaps error answers too)
    const second = await login(browser, s.url, ADMIN_SECRET);
    await second.page.goto(`${s.url}/requests`);
    await second.page.click('#submit-box summary');
    await second.page.fill('#source', 'nowhere:/x');
    await second.page.fill('#destination', 'dst:/');
    await second.page.click('#submit-button');
    await second.page.waitForSelector('#flash .error', { timeout: 5000 });
    assert.match(await second.page.textContent('#flash .error') ?? '', /nowhere/);
    await shot(second.page, 'submit-refused');
    // the browser logs the refused answer's status as an error; nothing else may be logged
    assert.deepEqual(second.errors.filter((e) => !/status of 4\d\d/.test(e)), []);
    await second.context.close();

    // a read token sees the pages but no button, and what it posts is refused
    const reader = await login(browser, s.url, READ_SECRET);
    await reader.page.goto(`${s.url}/requests/web-1`);
    assert.equal(await reader.page.locator('button.action').count(), 0);
    await reader.page.goto(`${s.url}/requests`);
    assert.equal(await reader.page.locator('#submit-form').count(), 0);
    await shot(reader.page, 'requests-read-token');
    const csrf = await reader.page.getAttribute('input[name=_csrf]', 'value') ?? '';
    const readCookie = (await reader.context.cookies()).find((c) => c.name === 'barge_session')?.value ?? '';
    const post = (route: string, body: string, type = 'application/x-www-form-urlencoded'): Promise<Response> =>
      fetch(`${s.url}${route}`, { method: 'POST', headers: { cookie: `barge_session=${readCookie}`, 'content-type': type }, body });
    assert.equal((await post('/ui/requests/web-1/act', `_csrf=${encodeURIComponent(csrf)}&action=retry`)).status, 403, 'a read session may not act');
    assert.equal((await post('/api/requests/web-1/retry', '{}', 'application/json')).status, 401, 'a session cookie never authorizes an API POST');
    assert.equal((await s.api<View>('GET', '/api/requests/web-1')).body.state, 'canceled');
    assert.deepEqual(reader.errors, [], 'no console errors on the reader\'s pages');
    await reader.context.close();

    // an admin session without its CSRF token may not act either; logout ends the session
    const adminCookie = cookie?.value ?? '';
    const noCsrf = await fetch(`${s.url}/ui/requests/web-1/act`, {
      method: 'POST', headers: { cookie: `barge_session=${adminCookie}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=retry',
    });
    assert.equal(noCsrf.status, 403);
    await page.click('#logout');
    await page.waitForURL(/\/login$/);
    const after = await fetch(`${s.url}/requests`, { headers: { cookie: `barge_session=${adminCookie}` }, redirect: 'manual' });
    assert.equal(after.status, 303, 'the session ended with the logout');
    await admin.context.close();
  } finally {
    await browser.close();
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
