// SPDX-License-Identifier: GPL-2.0
// web_unseal.mjs - drive web/sealcam.mjs like `sealcam unseal` (test tool):
//   node tests/tools/web_unseal.mjs --key FILE [--expect-device FILE]
//        [--frames OUT] [--live] SEGMENT...
// Prints each finding ("web: NAME: message") and a last line "exit N";
// exits with the code `sealcam unseal` would. --frames writes every
// verified frame's pixels as y4m planes (GREY: Y; YUYV: Y Cb Cr 4:2:2;
// NV12: Y Cb Cr 4:2:0; MJPG: the JPEG), frames back to back, for
// comparison with unseal's y4m (or MJPEG stream). --live feeds the frames one by one (feedFrame), as the viewer does.
import { readFileSync, writeFileSync } from 'node:fs';
import { SealedReader, decodeKey, FOURCC } from '../../web/sealcam.mjs';

const args = process.argv.slice(2);
let key, dev, framesOut, live = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--key') key = decodeKey(readFileSync(args[++i], 'utf8'));
  else if (args[i] === '--expect-device') dev = decodeKey(readFileSync(args[++i], 'utf8'));
  else if (args[i] === '--frames') framesOut = args[++i];
  else if (args[i] === '--live') live = true;
  else files.push(args[i]);
}
const chunks = [];
function planar(m, px) {
  const { width: w, height: h, bytesperline: bpl } = m;
  if (m.pixelformat === FOURCC.MJPG) return Buffer.from(px);	// the JPEG, as unseal's MJPEG stream
  if (m.pixelformat === FOURCC.GREY) {
    const y = new Uint8Array(w * h);
    for (let r = 0; r < h; r++) y.set(px.subarray(r * bpl, r * bpl + w), r * w);
    return y;
  }
  if (m.pixelformat === FOURCC.YUYV) {
    const y = new Uint8Array(w * h), u = new Uint8Array(w * h / 2), v = new Uint8Array(w * h / 2);
    for (let r = 0; r < h; r++) for (let c = 0; c < w / 2; c++) {
      const o = r * bpl + 4 * c;
      y[r * w + 2 * c] = px[o]; u[r * w / 2 + c] = px[o + 1];
      y[r * w + 2 * c + 1] = px[o + 2]; v[r * w / 2 + c] = px[o + 3];
    }
    return Buffer.concat([y, u, v]);
  }
  const y = new Uint8Array(w * h), u = new Uint8Array(w * h / 4), v = new Uint8Array(w * h / 4);
  for (let r = 0; r < h; r++) y.set(px.subarray(r * bpl, r * bpl + w), r * w);
  for (let r = 0; r < h / 2; r++) for (let c = 0; c < w / 2; c++) {
    const o = h * bpl + r * bpl + 2 * c;
    u[r * w / 2 + c] = px[o]; v[r * w / 2 + c] = px[o + 1];
  }
  return Buffer.concat([y, u, v]);
}
const reader = new SealedReader(key, {
  expectDevice: dev,
  onFrame: (f) => { if (framesOut) chunks.push(planar(f.meta, f.pixels)); },
  onReport: (r) => console.log(`web: ${r.fatal ? '' : 'warning: '}${r.name}: ${r.msg}`),
});
for (const f of files) {
  const buf = new Uint8Array(readFileSync(f));
  if (!live) {
    if (reader.feedFile(buf, f) && reader.fatal) break;
    continue;
  }
  let pos = 0;
  while (pos < buf.length && !reader.fatal) {
    const len = 48 + buf.readUInt32LE ? 0 : 0;
    const dv = new DataView(buf.buffer, buf.byteOffset + pos);
    const n = 48 + dv.getUint32(8, true) + dv.getUint32(12, true);
    reader.feedFrame(buf.subarray(pos, pos + n));
    pos += n;
  }
}
if (framesOut) writeFileSync(framesOut, Buffer.concat(chunks));
const code = reader.result();
console.log(`exit ${code}`);
process.exit(code);
