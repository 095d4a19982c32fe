// End-to-end test of the page served by `dotations serve`, in headless Chromium.
//
// Starts the release binary on a free port, then drives Debian's Chromium with playwright-core:
// search a commune, open it, check the amounts shown against the API, change a criterion and see
// a new amount; then the same path with the keyboard only. Run: `npm ci && node --test` here,
// after `cargo build --release -p dotations-cli`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.DOTATIONS_BIN || join(here, '..', '..', 'target', 'release', 'dotations');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshots = process.env.SCREENSHOT_DIR; // set it to look at the page

let server;
let base;
let context;
let profile;

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForServer(url, child, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not answer within ${seconds} s`);
}

async function api(path, options) {
  const response = await fetch(base + path, options);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return response.json();
}

// The page formats euros as fr-FR with no decimals; so does the test.
const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(binary, ['serve', '--port', String(port), '--year', '2024', '--year', '2025'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForServer(`${base}/law`, server, 120);
  profile = mkdtempSync(join(tmpdir(), 'dotations-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  if (context) await context.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('search a commune, see its dotations, change a criterion and see a new amount', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(base + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await page.waitForSelector('body[data-ready="true"]');

  // Every field has a label.
  const unlabelled = await page.$$eval('input, select', (fields) =>
    fields.filter((f) => f.labels.length === 0).map((f) => f.id));
  assert.deepEqual(unlabelled, []);

  await page.fill('#search-input', '27001');
  await page.click('#search-button');
  await page.click('#search-results button[data-code="27001"]');
  await page.waitForSelector('#commune:not([hidden])');
  assert.equal(await page.textContent('#commune-title'), 'Commune 27001 (27001)');

  // The amounts shown are the API's.
  const commune = await api('/communes/27001?year=2025');
  for (const dotation of commune.dotations) {
    const row = page.locator(`#dotations-table tr[data-variable="${dotation.variable}"]`);
    assert.equal(await row.locator('td.amount').textContent(), euros.format(dotation.amount), dotation.variable);
    if (dotation.previous_amount !== null) {
      assert.equal(await row.locator('td.previous').textContent(), euros.format(dotation.previous_amount), dotation.variable);
    }
  }
  const dgf = commune.dotations.find((d) => d.variable === 'dotation_globale_fonctionnement_communes');
  assert.ok(dgf.amount > 0);
  if (screenshots) await page.screenshot({ path: join(screenshots, 'commune.png'), fullPage: true });

  // Ten times the population: a new amount.
  const population = commune.criteria.find((c) => c.variable === 'population_insee').value;
  await page.selectOption('#criterion-select', 'population_insee');
  assert.equal(await page.inputValue('#criterion-value'), String(population));
  await page.fill('#criterion-value', String(population * 10));
  await page.click('#whatif-button');
  await page.waitForFunction(() => document.getElementById('whatif-status').textContent === 'Nouveaux montants calculés.',
    null, { timeout: 60000 });
  const simulated = await api('/communes/27001/simulation?year=2025', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ criteria: { population_insee: population * 10 } }),
  });
  const after = simulated.dotations.find((d) => d.variable === 'dotation_globale_fonctionnement_communes');
  assert.notEqual(euros.format(after.amount), euros.format(dgf.amount), 'the DGF moves');
  const shown = await page.locator('#whatif-commune tr[data-variable="dotation_globale_fonctionnement_communes"] td.new-amount')
    .textContent();
  assert.equal(shown, euros.format(after.amount));
  assert.ok(await page.isVisible('#whatif-national'));
  if (screenshots) await page.screenshot({ path: join(screenshots, 'whatif.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the keyboard alone finds and opens a commune, with the focus visible', async () => {
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="true"]');
  const focused = () => page.evaluate(() => {
    const element = document.activeElement;
    return { id: element.id, tag: element.tagName, code: element.dataset.code || null,
      outline: getComputedStyle(element).outlineStyle };
  });

  await page.keyboard.press('Tab'); // the skip link
  assert.equal((await focused()).tag, 'A');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).id, 'search-input');
  await page.keyboard.type('commune 27002');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search-results button[data-code="27002"]');
  // From the field: the year, the button, then the first commune found.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const result = await focused();
  assert.equal(result.code, '27002');
  assert.notEqual(result.outline, 'none', 'the focus is visible');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#commune:not([hidden])');
  const heading = await focused();
  assert.equal(heading.id, 'commune-title', 'the focus moves to the commune');
  assert.equal(await page.textContent('#commune-title'), 'Commune 27002 (27002)');

  // On to the first explanation, opened with the keyboard.
  for (let i = 0; i < 10 && (await focused()).tag !== 'SUMMARY'; i += 1) await page.keyboard.press('Tab');
  assert.equal((await focused()).tag, 'SUMMARY');
  await page.keyboard.press('Enter');
  assert.equal(await page.$eval('#explanations details', (d) => d.open), true);
  // The explanation shows the formula and the law's texts.
  const explanation = page.locator('#explanations > details').first();
  assert.match(await explanation.textContent(), /formulas\/dotation_forfaitaire\.rules/);
  if (screenshots) await page.screenshot({ path: join(screenshots, 'explanation.png'), fullPage: true });
  await page.close();
});
