// SPDX-License-Identifier: MIT
/*
 * viewer.mjs - the browser viewer (bundled into viewer.js by
 * scripts/build-web.sh): live frames over MQTT-over-WebSockets and recorded
 * segments from URLs, each verified and decrypted by sealcam.mjs with the
 * owner's key (kept in this page's memory only). A frame that fails any
 * check is never drawn; the verdict names the failure as `sealcam unseal`
 * does. Live joining follows docs/LIVE.md: subscribe, ask the device to
 * rotate, start at the next FIRST frame, resync after a lost frame.
 *
 * window.sealcamStats is for tests and the latency benchmark.
 */
import mqtt from 'mqtt';
import { SealedReader, decodeKey, infoLines, keyId, FOURCC, F_FIRST, hex } from './sealcam.mjs';

const $ = (id) => document.getElementById(id);
let priv = null;
let client = null;
const stats = window.sealcamStats = {
  frames: 0, live: 0, recorded: 0, skipped: 0, lost: 0, refused: 0,
  verdict: 'idle', lastSegment: null, lastIndex: null,
  // the last live frames shown, one record each: segment, index, when drawn
  // (at), capture -> drawn (latency), capture -> its message in the page
  // (arrival; ms, the page's clock minus the camera's) and the page's own
  // work on it (verify, decrypt, draw); shownFrom: how many older records
  // were let go (a page watched for hours keeps a bounded list)
  shown: [], shownFrom: 0,
};
const SHOWN_KEEP = 4096;
// when the live message now being handled reached the page
let msgAt = 0, msgT0 = 0;

function setVerdict(text, bad) {
  stats.verdict = text;
  $('verdict').textContent = text;
  $('verdict').className = bad ? 'bad' : 'ok';
}
const status = (t) => { $('status').textContent = t; };

$('loadkey').onclick = async () => {
  try {
    const f = $('keyfile').files[0];
    const text = f ? await f.text() : $('keytext').value;
    priv = decodeKey(text);
    $('keytext').value = '';
    $('keystatus').textContent = 'key loaded (in memory only)';
  } catch (e) {
    priv = null;
    $('keystatus').textContent = `not a key: ${e.message}`;
  }
};

function devicePub() {
  const t = $('device').value.trim();
  return t ? decodeKey(t) : null;
}

// ---- drawing: BT.601 limited range, as the CLI's PNG writer ------------
const clamp = (x) => (x < 0 ? 0 : x > 255 ? 255 : x);
function draw(meta, px) {
  const { width: w, height: h, bytesperline: bpl } = meta;
  const cv = $('screen');
  if (meta.pixelformat === FOURCC.MJPG) {
    // the webcam's own JPEG: the browser decodes it
    createImageBitmap(new Blob([px], { type: 'image/jpeg' })).then((bm) => {
      if (cv.width !== bm.width || cv.height !== bm.height) { cv.width = bm.width; cv.height = bm.height; }
      cv.getContext('2d').drawImage(bm, 0, 0);
      bm.close();
    }, (e) => { $('info').textContent += `warning: a JPEG frame does not decode: ${e.message}\n`; });
    return;
  }
  if (cv.width !== w || cv.height !== h) { cv.width = w; cv.height = h; }
  const ctx = cv.getContext('2d');
  const img = ctx.createImageData(w, h);
  const d = img.data;
  const put = (i, y, u, v) => {
    const c = y - 16, dd = u - 128, e = v - 128;
    d[i] = clamp((298 * c + 409 * e + 128) >> 8);
    d[i + 1] = clamp((298 * c - 100 * dd - 208 * e + 128) >> 8);
    d[i + 2] = clamp((298 * c + 516 * dd + 128) >> 8);
    d[i + 3] = 255;
  };
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const i = 4 * (r * w + c);
      if (meta.pixelformat === FOURCC.GREY) {
        const y = px[r * bpl + c];
        d[i] = d[i + 1] = d[i + 2] = y; d[i + 3] = 255;
      } else if (meta.pixelformat === FOURCC.YUYV) {
        const o = r * bpl + 4 * (c >> 1);
        put(i, px[o + 2 * (c & 1)], px[o + 1], px[o + 3]);
      } else {
        const o = h * bpl + (r >> 1) * bpl + 2 * (c >> 1);
        put(i, px[r * bpl + c], px[o], px[o + 1]);
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

function onReport(r) {
  if (r.fatal && r.code !== 5) {
    stats.refused++;
    setVerdict(`REFUSED: ${r.name}: ${r.msg}`, true);
  } else if (r.fatal) {
    setVerdict(`truncated: ${r.msg}`, true);
  } else if (r.kind === 'FORMAT_V1') {
    $('info').textContent += `warning: ${r.name}: ${r.msg}\n`;
  }
}

// ---- live ------------------------------------------------------------------
let reader = null, lastSegment = -1n, devId = null, lastRotate = 0, rotateTimer = null;
function newReader() {
  reader = new SealedReader(priv, {
    expectDevice: devicePub(),
    keepCut: true,
    onReport,
    onFrame: (f) => {
      draw(f.meta, f.pixels);
      const now = Date.now();
      stats.frames++; stats.live++;
      resyncing = false;
      if (f.meta.fps_den) intervalMs = (f.meta.fps_num * 1000) / f.meta.fps_den;
      stats.lastSegment = String(f.seg.segmentId); stats.lastIndex = String(f.frameIndex);
      const captured = Number(f.meta.timestamp_ns / 1000000n);
      const lat = now - captured;
      stats.shown.push({
        segment: stats.lastSegment, index: stats.lastIndex, at: now,
        latency: lat, arrival: msgAt - captured, work: performance.now() - msgT0,
      });
      if (stats.shown.length > SHOWN_KEEP) {
        stats.shown.splice(0, SHOWN_KEEP / 2);
        stats.shownFrom += SHOWN_KEEP / 2;
      }
      status(`live: segment ${f.seg.segmentId} frame ${f.frameIndex}, latency ${lat} ms, ${stats.lost} lost, ${stats.refused} refused`);
    },
  });
}
// Waiting for a FIRST frame (joining, or after a loss), or no frame for
// three frame intervals (at least 1.5 s): ask for a new segment again, every
// 2 s at most. A device that dropped a frame skips the rest of its segment,
// so nothing may come to notice the loss by (as sealcam view does).
let resyncing = true, lastMsg = 0, intervalMs = 0;
function rotateTick() {
  const now = Date.now();
  const quiet = Math.max(1500, 3 * intervalMs);
  if ((resyncing || (lastMsg && now - lastMsg >= quiet)) && now - lastRotate >= 2000) askRotate();
}
function askRotate() {
  const now = Date.now();
  if (client && now - lastRotate > 1000) {
    lastRotate = now;
    client.publish(`sealcam/${devId}/rotate`, new Uint8Array(0));
  }
}
function onLiveMessage(topic, payload) {
  const buf = new Uint8Array(payload.buffer, payload.byteOffset, payload.length);
  if (buf.length < 48) return;
  lastMsg = msgAt = Date.now();
  msgT0 = performance.now();
  const v = new DataView(buf.buffer, buf.byteOffset, 48);
  const flags = v.getUint16(6, true), segment = v.getBigUint64(24, true);
  if (!reader.inSegment && !(flags & F_FIRST)) { stats.skipped++; askRotate(); return; }
  if ((flags & F_FIRST) && segment <= lastSegment && !(reader.inSegment && segment === reader.seg.segmentId)) {
    stats.refused++;
    setVerdict(`REFUSED: replay: segment ${segment} starts again after segment ${lastSegment}`, true);
    return;
  }
  // A later segment's frame without its FIRST: frames lost on the way (the
  // relay dropped them for a slow viewer), not a forgery; resync (as
  // sealcam view does). An earlier segment's goes to the reader: refused.
  if (!(flags & F_FIRST) && reader.inSegment && reader.seg && segment > reader.seg.segmentId) {
    stats.lost++;
    setVerdict(`live: frames lost on the way before segment ${segment}; resyncing`, false);
    newReader();
    resyncing = true;
    askRotate();
    return;
  }
  const want = reader.nextIndex;
  const code = reader.feedFrame(buf);
  if ((flags & F_FIRST) && reader.seg && reader.seg.unwrapped) lastSegment = segment;
  if (!code) {
    if (stats.verdict === 'connecting' || stats.verdict.startsWith('waiting')) setVerdict('live: verified', false);
    return;
  }
  if (reader.fatal && reader.fatal.kind === 'DROPPED') {
    stats.refused--;
    stats.lost += Number(v.getBigUint64(32, true) - want);
    setVerdict(`live: frames lost on the way in segment ${segment}; resyncing`, false);
  }
  newReader();
  resyncing = true;
  askRotate();
}
$('live').onclick = () => {
  if (!priv) { setVerdict('load your key first', true); return; }
  const dev = devicePub();
  if (!dev) { setVerdict('give the camera\'s device public key (pinned)', true); return; }
  if (client) client.end(true);
  resyncing = true;
  clearInterval(rotateTimer);
  lastMsg = 0;
  rotateTimer = setInterval(rotateTick, 500);
  // device id = first 8 bytes of SHA-256(device key), from the reader
  newReader();
  devId = hex(keyId(dev));
  setVerdict('connecting', false);
  client = mqtt.connect($('wsurl').value, {
    username: $('user').value, password: $('password').value,
    protocolVersion: 4, reconnectPeriod: 1000, clean: true,
    // websockify in front of the relay speaks the "binary" subprotocol
    // (scripts/live-relay.sh); MQTT bytes pass through it unchanged
    createWebsocket: (url) => {
      const ws = new WebSocket(url, ['binary', 'mqtt']);
      ws.binaryType = 'arraybuffer';
      return ws;
    },
  });
  client.on('connect', () => {
    setVerdict('waiting for the next segment', false);
    // QoS 1: the relay sends the next frame once this one is here (as
    // sealcam view does; docs/LIVE.md "Latency")
    client.subscribe(`sealcam/${devId}/live`, { qos: 1 }, () => { lastRotate = 0; askRotate(); });
  });
  client.on('message', onLiveMessage);
  client.on('error', (e) => setVerdict(`relay: ${e.message}`, true));
};
$('stop').onclick = () => {
  clearInterval(rotateTimer);
  if (client) client.end(true);
  client = null;
  setVerdict('stopped', false);
};




// ---- recordings ----------------------------------------------------------------
async function segmentUrls() {
  const list = $('listing').value.trim();
  let lines = $('urls').value.split('\n');
  if (list) {
    const r = await fetch(list);
    if (!r.ok) throw new Error(`listing: HTTP ${r.status}`);
    const base = new URL(list, location.href);
    lines = (await r.text()).split('\n').map((l) => (l.trim() ? new URL(l.trim(), base).href : ''));
  }
  return lines.map((l) => l.trim()).filter(Boolean);
}
$('play').onclick = async () => {
  if (!priv) { setVerdict('load your key first', true); return; }
  $('info').textContent = '';
  const segs = [], frames = [];
  const r = new SealedReader(priv, {
    expectDevice: devicePub(), keepCut: true, onReport,
    onSegment: (s) => segs.push(s),
    onFrame: (f) => frames.push({ meta: f.meta, pixels: f.pixels.slice() }),
  });
  setVerdict('verifying', false);
  try {
    for (const u of await segmentUrls()) {
      const resp = await fetch(u);
      if (!resp.ok) throw new Error(`${u}: HTTP ${resp.status}`);
      if (r.feedFile(new Uint8Array(await resp.arrayBuffer()), u) && r.fatal) break;
    }
  } catch (e) {
    setVerdict(`cannot read: ${e.message}`, true);
    return;
  }
  const code = r.result();
  $('info').textContent = infoLines(r, segs).join('\n') + '\n' + $('info').textContent;
  if (code === 0 || code === 6) setVerdict(`verified ${r.segments} segment(s), ${r.frames} frame(s)${code === 6 ? ' (unexpected recipient)' : ''}`, false);
  // frames before a refusal were verified one by one; nothing after it is shown
  for (const f of frames) {
    draw(f.meta, f.pixels);
    stats.frames++; stats.recorded++;
    await new Promise((res) => setTimeout(res, 1000 * f.meta.fps_num / f.meta.fps_den));
  }
  stats.recordedDone = true;
};
