// SPDX-License-Identifier: GPL-2.0
// web_browser.mjs - drive the viewer page in Debian's Chromium with
// playwright-core for tests/host/test_web_browser.sh and
// scripts/bench-live.sh. Plays the device itself: an MQTT client on the
// relay's plain listener publishes pre-sealed frames (sc-mkseg) after the
// page's rotate request, at 15 fps. Prints "RESULT name value" lines.
//   node web_browser.mjs CONFIG.json
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import mqtt from 'mqtt';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = (k, v) => console.log(`RESULT ${k} ${v}`);
const profile = mkdtempSync(join(tmpdir(), 'sealcam-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] || await ctx.newPage();
page.on('console', (m) => console.error(`page: ${m.text()}`));
page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
try {
  await page.goto(cfg.page);
  await page.fill('#keytext', readFileSync(cfg.key, 'utf8').trim());
  await page.click('#loadkey');
  await page.fill('#device', readFileSync(cfg.devicePub, 'utf8').trim());
  out('key', await page.textContent('#keystatus'));

  // ---- live: the test is the device -------------------------------------------------
  const dev = mqtt.connect(cfg.mqtt, { username: cfg.devid, password: cfg.devpw, protocolVersion: 4 });
  await new Promise((res, rej) => { dev.on('connect', res); dev.on('error', rej); });
  const published = new Map();
  let started = false;
  const frames = cfg.liveDirs.flatMap((d) => readdirSync(d).sort().map((f) => ({ seg: d, file: join(d, f) })));
  const header = (b) => ({ seg: b.readBigUInt64LE(24).toString(), idx: b.readBigUInt64LE(32).toString() });
  await new Promise((res) => dev.subscribe(`sealcam/${cfg.devid}/rotate`, res));
  dev.on('message', () => {
    if (started) return;
    started = true;
    let i = 0;
    const tick = () => {
      if (i >= frames.length) return;
      const b = readFileSync(frames[i++].file);
      const h = header(b);
      published.set(`${h.seg}/${h.idx}`, Date.now());
      dev.publish(`sealcam/${cfg.devid}/live`, b, { qos: 0 });
      setTimeout(tick, 1000 / 15);
    };
    tick();
  });
  await page.fill('#wsurl', cfg.ws);
  await page.fill('#user', cfg.user);
  await page.fill('#password', cfg.password);
  await page.click('#live');
  const want = cfg.liveFrames;
  await page.waitForFunction((n) => window.sealcamStats.live >= n, want, { timeout: 120000 });
  await page.screenshot({ path: join(cfg.shots, 'live.png') });
  const st = await page.evaluate(() => window.sealcamStats);
  const lat = st.shown.map((s) => s.at - published.get(`${s.segment}/${s.index}`)).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  out('live_frames', st.live);
  out('live_latency_median_ms', lat[Math.floor(lat.length / 2)]);
  out('live_latency_p99_ms', lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))]);
  out('live_latency_max_ms', lat[lat.length - 1]);
  out('live_verdict', JSON.stringify(st.verdict));
  out('live_first_shown', `${st.shown[0].segment}/${st.shown[0].index}`);
  await page.click('#stop');
  dev.end(true);

  // ---- recordings ----------------------------------------------------------------
  for (const [name, listing] of [['recorded', cfg.listing], ['tampered', cfg.tamperedListing]]) {
    await page.evaluate(() => { window.sealcamStats.recorded = 0; window.sealcamStats.recordedDone = false; });
    await page.fill('#listing', listing);
    await page.click('#play');
    await page.waitForFunction(() => window.sealcamStats.recordedDone, null, { timeout: 120000 });
    await page.screenshot({ path: join(cfg.shots, `${name}.png`) });
    const s = await page.evaluate(() => window.sealcamStats);
    out(`${name}_frames`, s.recorded);
    out(`${name}_verdict`, JSON.stringify(s.verdict));
    out(`${name}_info`, JSON.stringify(await page.textContent('#info')));
  }
} catch (e) {
  out('error', JSON.stringify(e.message));
  await page.screenshot({ path: join(cfg.shots, 'error.png') }).catch(() => {});
} finally {
  await ctx.close();
}
process.exit(0);
