// SPDX-License-Identifier: GPL-2.0
// web_live_bench.mjs - the viewer page's live latency for
// scripts/bench-live.sh: Debian's Chromium (headless, playwright-core) opens
// the page, loads the owner's key, joins the device's live topic over
// MQTT-over-WebSockets (the relay's websockify) and waits for FRAMES live
// frames. The latency of each is the page's own figure: Date.now() when
// the frame is verified, decrypted and drawn minus its capture timestamp
// (the device's CLOCK_REALTIME, sealed in the frame). bench-live.sh corrects
// the figures for the camera's clock offset when the page runs on another
// machine than the camera (its default: the camera in a VM, the page on the
// host); the LATFILE here holds them as the page measured them, with when
// the frame's message reached the page and the page's own work on it.
// Prints "RESULT name value" lines; the per-frame latencies (ms) to LATFILE.
//   node web_live_bench.mjs CONFIG.json
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = (k, v) => console.log(`RESULT ${k} ${v}`);
const profile = mkdtempSync(join(tmpdir(), 'sealcam-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, timeout: 600000,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--disable-crash-reporter'],
});
const page = ctx.pages()[0] || await ctx.newPage();
page.setDefaultTimeout(600000);
page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
try {
  await page.goto(cfg.page);
  await page.fill('#keytext', readFileSync(cfg.key, 'utf8').trim());
  await page.click('#loadkey');
  await page.fill('#device', readFileSync(cfg.devicePub, 'utf8').trim());
  await page.fill('#wsurl', cfg.ws);
  await page.fill('#user', cfg.user);
  await page.fill('#password', cfg.password);
  await page.click('#live');
  // warm-up (the join), then the measured frames
  await page.waitForFunction((n) => window.sealcamStats.live >= n, cfg.warmup, { timeout: 600000 });
  // the measured frames: the live frames shown after the warm-up (counted
  // from the first: the page keeps the last 4096 records)
  const skip = await page.evaluate(() => window.sealcamStats.shownFrom + window.sealcamStats.shown.length);
  await page.waitForFunction((n) => window.sealcamStats.live >= n, cfg.warmup + cfg.frames,
    { timeout: 600000, polling: 500 });
  await page.click('#stop');
  const st = await page.evaluate(() => window.sealcamStats);
  const rows = st.shown.slice(skip - st.shownFrom, skip - st.shownFrom + cfg.frames);
  if (skip < st.shownFrom || rows.length < cfg.frames) throw new Error(`${rows.length} of ${cfg.frames} measured frames kept by the page`);
  // per frame: capture -> drawn, capture -> message in the page, the
  // page's work (ms; the first two on the page's clock minus the camera's),
  // the frame's segment id and index (to join with the agent's trace)
  writeFileSync(cfg.latfile, rows.map((r) =>
    `${r.latency} ${r.arrival} ${r.work.toFixed(2)} ${r.segment} ${r.index}\n`).join(''));
  out('frames', rows.length);
  out('lost', st.lost);
  out('skipped', st.skipped);
  out('refused', st.refused);
} catch (e) {
  out('error', JSON.stringify(e.message));
} finally {
  await ctx.close();
}
process.exit(0);
