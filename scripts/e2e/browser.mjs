// End-to-end test of coopgraph's playground in a real browser (headless Chromium driven by
// playwright-core). Run by scripts/e2e-browser, which starts the server:
//
//   node scripts/e2e/browser.mjs http://127.0.0.1:PORT
//
// It opens the playground at /, waits for GraphiQL to render with the first example
// (`{ country(code: "MW") ...`) in the active tab, runs it with the execute button and
// waits for the demo data ("Malawi", "Government of Flanders") in the result pane. Along
// the way it fails if the page asks any host but the server for anything (the playground
// must be self-contained: no CDN), or logs an error to the console. Then it opens the
// explorer plugin and checks it lists the schema's root fields. Screenshots go to
// ${E2E_OUT:-test-output}/playground.png (the result) and playground-explorer.png (and
// playground-failure.png on failure). It ends with one summary line and a
// "browser: N passed, N failed" line; the exit code is non-zero on any failure.
//
// Environment: E2E_OUT (screenshot folder), CHROMIUM (browser binary, /usr/bin/chromium),
// E2E_TIMEOUT_MS (whole-run limit, 120000).

import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base) {
  console.error('usage: node browser.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const baseURL = new URL(base);
const outDir = process.env.E2E_OUT || 'test-output';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const runLimitMs = Number(process.env.E2E_TIMEOUT_MS || 120_000);

// What the page must show once the first example has run.
const FIRST_EXAMPLE_PREFIX = '{ country(code: "MW")';
const EXPECTED_IN_RESULT = ['Malawi', 'Government of Flanders'];

const t0 = Date.now();
const ms = () => Date.now() - t0;

// Everything the page asks for, and what went wrong in it.
const requests = []; // { method, url, type }
const foreign = []; // requests to another host than the server's (aborted)
const consoleErrors = []; // console.error messages and uncaught exceptions
const failedRequests = []; // requests to the server that got no response

// ---- a tiny step runner: steps run in order, the first failure skips the rest ----------
let passed = 0;
let failed = 0;
let skipped = 0;
let stopped = false;
async function step(name, fn) {
  if (stopped) {
    skipped++;
    console.log(`skip - ${name}`);
    return undefined;
  }
  const start = Date.now();
  try {
    const value = await fn();
    passed++;
    console.log(`ok   - ${name} (${Date.now() - start} ms)`);
    return value;
  } catch (err) {
    failed++;
    stopped = true;
    console.log(`FAIL - ${name}: ${err && err.message ? err.message : err}`);
    return undefined;
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// isLocal says whether a URL is served by the server under test (or needs no network).
function isLocal(url) {
  const u = new URL(url);
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return u.host === baseURL.host;
}

// Collapses whitespace and drops the leading `# ...` comment lines of an operation.
function operationStart(text) {
  const lines = text.split('\n');
  while (lines.length && /^\s*(#.*)?$/.test(lines[0])) lines.shift();
  return lines.join('\n').replace(/\s+/g, ' ').trim();
}

// Whether an operation is the first example: its selection starts FIRST_EXAMPLE_PREFIX,
// written as a bare `{ ... }` or as `query SomeName { ... }` (the page may name it).
function isFirstExample(text) {
  return operationStart(text)
    .replace(/^query\s+[_A-Za-z][_0-9A-Za-z]*\s*/, '')
    .startsWith(FIRST_EXAMPLE_PREFIX);
}

// Runs in the page: the text of a GraphiQL editor. GraphiQL v3/v4 editors are CodeMirror 5,
// whose DOM only holds the lines in view, so read the CodeMirror instance when there is
// one and fall back to the rendered text.
function editorText(selector) {
  const root = document.querySelector(selector);
  if (!root) return null;
  const cm = root.classList.contains('CodeMirror') ? root : root.querySelector('.CodeMirror');
  if (cm && cm.CodeMirror && typeof cm.CodeMirror.getValue === 'function') {
    return cm.CodeMirror.getValue();
  }
  return root.innerText;
}

// Polls the text of the first of `selectors` found in the page (editorText) until ok(text)
// holds, and returns it; after timeoutMs throws an error whose lastText is the last text
// seen. It polls from here rather than with page.waitForFunction: a predicate that rebuilt
// editorText inside the page would need eval, which the page's CSP rightly refuses.
async function waitForEditorText(selectors, ok, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = null;
    for (const selector of selectors) {
      text = await page.evaluate(editorText, selector);
      if (text !== null) break;
    }
    if (text !== null && ok(text)) return text;
    if (Date.now() > deadline) {
      const err = new Error(`timed out after ${timeoutMs} ms`);
      err.lastText = text;
      throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// A watchdog: the whole run, browser start included, gets runLimitMs.
const watchdog = setTimeout(() => {
  console.error(`browser: run took longer than ${runLimitMs} ms, giving up`);
  console.log(`browser: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, runLimitMs);
watchdog.unref();

let browser;
let page;
let timings = {};
try {
  browser = await step('launch Chromium', () =>
    chromium.launch({
      executablePath,
      // Flags: new headless mode; as root in a container there is no sandbox to use;
      // and no background traffic of the browser's own (updates, sync, QUIC probes).
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    }),
  );

  const context = await step('new browser context', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // Nothing may leave the machine: a request to any other host is recorded and aborted
    // at once (instead of hanging on a network that is not there); the check below fails.
    await ctx.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      return route.abort('blockedbyclient');
    });
    return ctx;
  });

  page = await step('open a page and listen to it', async () => {
    const p = await context.newPage();
    p.setDefaultTimeout(30_000);
    p.on('request', (req) => {
      const entry = { method: req.method(), url: req.url(), type: req.resourceType() };
      requests.push(entry);
      if (!isLocal(entry.url)) foreign.push(entry);
    });
    p.on('requestfailed', (req) => {
      if (isLocal(req.url())) failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
    });
    p.on('console', (msg) => {
      if (msg.type() === 'error') {
        const loc = msg.location();
        consoleErrors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
      }
    });
    p.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
    return p;
  });

  await step('GET / answers 200 with an HTML page', async () => {
    const resp = await page.goto(new URL('/', baseURL).href, { waitUntil: 'load' });
    assert(resp, 'no response for /');
    assert(resp.status() === 200, `GET / answered ${resp.status()}`);
    assert((resp.headers()['content-type'] || '').includes('text/html'), `GET / is ${resp.headers()['content-type']}`);
    timings.loaded = ms();
  });

  await step('the page loads nothing from other hosts', async () => {
    assert(
      foreign.length === 0,
      `${foreign.length} request(s) to other hosts (aborted): ` +
        foreign.map((r) => `${r.method} ${r.url}`).slice(0, 10).join(', '),
    );
  });

  await step('GraphiQL renders (editor, execute button, result pane)', async () => {
    await page.locator('.graphiql-container').first().waitFor({ state: 'visible' });
    await page.locator('.graphiql-execute-button').first().waitFor({ state: 'visible' });
    await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ state: 'attached' });
    await page.locator('.result-window, .graphiql-response').first().waitFor({ state: 'attached' });
    timings.rendered = ms();
  });

  // The examples file the page reads as its tabs (fetched again here, outside the page,
  // to compare with the tabs; the page itself must have asked for it too).
  const examples = await step('the page reads /playground/examples.json', async () => {
    const resp = await page.request.get(new URL('/playground/examples.json', baseURL).href);
    assert(resp.status() === 200, `GET /playground/examples.json answered ${resp.status()}`);
    const list = await resp.json();
    assert(Array.isArray(list) && list.length > 0, 'examples.json is not a non-empty array');
    assert(
      requests.some((r) => new URL(r.url).pathname === '/playground/examples.json'),
      'the page itself never asked for /playground/examples.json',
    );
    return list;
  });

  await step('the examples are open as tabs, the first one active', async () => {
    // One tab per example (GraphiQL v3/v4: .graphiql-tab, the active one .graphiql-tab-active).
    const tabs = page.locator('.graphiql-tab');
    await tabs.first().waitFor({ state: 'visible' });
    const count = await tabs.count();
    assert(count >= examples.length, `${count} tab(s) for ${examples.length} examples`);
    const activeIndex = await tabs.evaluateAll((els) =>
      els.findIndex((el) => el.classList.contains('graphiql-tab-active') || el.getAttribute('aria-selected') === 'true'),
    );
    assert(activeIndex === 0, `the active tab is #${activeIndex + 1}, not the first`);
    // The active tab's editor holds the first example.
    await waitForEditorText(['.graphiql-query-editor'], isFirstExample, 10_000).catch(
      (err) => {
        throw new Error(
          `the query editor does not start with ${FIRST_EXAMPLE_PREFIX}: ${JSON.stringify(operationStart(err.lastText || '').slice(0, 80))}`,
        );
      },
    );
    const first = examples[0];
    const firstQuery = typeof first === 'string' ? first : first.query;
    if (typeof firstQuery === 'string') {
      assert(
        isFirstExample(firstQuery),
        `examples.json's first example starts ${JSON.stringify(operationStart(firstQuery).slice(0, 40))}`,
      );
    }
  });

  await step('the explorer plugin is in the sidebar', async () => {
    const button = page.locator('.graphiql-sidebar button[aria-label="Show GraphiQL Explorer"]');
    await button.first().waitFor({ state: 'attached', timeout: 10_000 });
  });

  await step('no console errors while loading', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join(' | '));
  });

  await step('execute: the result pane shows Malawi and the Government of Flanders', async () => {
    const start = Date.now();
    await page.locator('.graphiql-execute-button').first().click();
    const resultPanes = ['.result-window', '.graphiql-response'];
    const text = await waitForEditorText(resultPanes, (t) => EXPECTED_IN_RESULT.every((w) => t.includes(w)), 30_000).catch(
      (err) => {
        throw new Error(`result pane after 30 s: ${JSON.stringify((err.lastText || '').slice(0, 300))}`);
      },
    );
    timings.query = Date.now() - start;
    // The pane shows the JSON response: it must have data and no errors.
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`result pane is not JSON: ${text.slice(0, 200)}`);
    }
    if (body.errors) throw new Error(`the response has errors: ${JSON.stringify(body.errors).slice(0, 300)}`);
    assert(body.data && body.data.country && body.data.country.name === 'Malawi', 'data.country.name is not Malawi');
  });

  await step(`screenshot ${path.join(outDir, 'playground.png')}`, async () => {
    fs.mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, 'playground.png') });
  });

  await step('the explorer opens and lists the root fields', async () => {
    await page.locator('.graphiql-sidebar button[aria-label="Show GraphiQL Explorer"]').first().click();
    const pane = page.locator('.graphiql-plugin').first();
    await pane.waitFor({ state: 'visible', timeout: 10_000 });
    // The explorer lists Query's fields (country, donors, ...) from the introspected schema.
    await pane.getByText('donors', { exact: true }).first().waitFor({ state: 'visible', timeout: 10_000 });
    fs.mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, 'playground-explorer.png') });
  });

  await step('no console errors, no failed requests, no other hosts at the end', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join(' | '));
    assert(failedRequests.length === 0, `failed requests: ${failedRequests.join(', ')}`);
    assert(foreign.length === 0, `requests to other hosts: ${foreign.map((r) => r.url).join(', ')}`);
  });
} catch (err) {
  // Only a bug in this script lands here: steps catch their own failures.
  failed++;
  console.log(`FAIL - unexpected: ${err && err.stack ? err.stack : err}`);
} finally {
  // On failure, keep a picture of what the page showed.
  if (failed > 0 && page) {
    try {
      fs.mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: path.join(outDir, 'playground-failure.png') });
      console.log(`failure screenshot: ${path.join(outDir, 'playground-failure.png')}`);
    } catch {
      /* the page may be gone */
    }
  }
  if (consoleErrors.length) console.log(`console errors:\n  ${consoleErrors.join('\n  ')}`);
  if (foreign.length) console.log(`requests to other hosts:\n  ${foreign.map((r) => `${r.method} ${r.url}`).join('\n  ')}`);
  if (browser) await browser.close().catch(() => {});
}

// One-line summary: requests made, hosts seen, times.
const hosts = {};
for (const r of requests) {
  const u = new URL(r.url);
  const host = ['data:', 'blob:', 'about:'].includes(u.protocol) ? u.protocol : u.host;
  hosts[host] = (hosts[host] || 0) + 1;
}
const hostList = Object.entries(hosts).map(([h, n]) => `${h} ×${n}`).join(', ') || 'none';
console.log(
  `browser summary: ${failed ? 'FAIL' : 'PASS'}; ${requests.length} requests (hosts: ${hostList}); ` +
    `${consoleErrors.length} console errors; page loaded ${timings.loaded ?? '-'} ms, GraphiQL rendered ${timings.rendered ?? '-'} ms, ` +
    `query ${timings.query ?? '-'} ms, total ${ms()} ms` +
    (failed ? '' : `; screenshots ${path.join(outDir, 'playground.png')}, ${path.join(outDir, 'playground-explorer.png')}`),
);
console.log(`browser: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
