// SPDX-License-Identifier: MIT
/*
 * sealcam.mjs - the sealed format (docs/FORMAT.md, v3; v2 read too, v1 read
 * and reported weaker) in JavaScript, for the browser viewer and node: frame
 * parsing, every validation rule of FORMAT.md section 6 in its order, HPKE
 * mode_auth (RFC 9180, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * ChaCha20Poly1305) to open each segment's content key, ChaCha20-Poly1305
 * (RFC 8439) per frame, and the per-recipient attribution MAC of FORMAT.md
 * 4.4: v3 a one-time Poly1305 per frame (its key the first 32 bytes of the
 * ChaCha20 keystream under our mac_key and the frame index), v2 an HMAC
 * over the running SHA-256 chain.
 * Primitives from @noble/curves, @noble/hashes, @noble/ciphers.
 *
 * The verdicts and exit codes are those of `sealcam unseal`
 * (user/libsealcam/sealed.c): a frame is handed to onFrame only after it
 * passed every check.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

export const EXIT = {
  OK: 0, IO: 1, USAGE: 2, WRONG_KEY: 3, TAMPERED: 4, TRUNCATED: 5,
  UNEXPECTED_RECIPIENT: 6, UNEXPECTED_DEVICE: 7, REPLAY: 8,
  DEVICE_CHANGED: 9, UNAUTHENTICATED: 10,
};

// finding -> [name, exit code, fatal]
const FINDINGS = {
  NOT_RECIPIENT: ['wrong key', 3, true],
  UNWRAP_FAILED: ['unauthenticated', 10, true],
  BAD_MAGIC: ['tampered', 4, true],
  BAD_VERSION: ['tampered', 4, true],
  BAD_LENGTH: ['tampered', 4, true],
  BAD_FLAGS: ['tampered', 4, true],
  BAD_HEADER: ['tampered', 4, true],
  HEADER_MISMATCH: ['tampered', 4, true],
  AUTH_FAILED: ['tampered', 4, true],
  BAD_META: ['tampered', 4, true],
  NO_FIRST: ['tampered', 4, true],
  AFTER_LAST: ['tampered', 4, true],
  DROPPED: ['tampered', 4, true],
  SWAPPED: ['tampered', 4, true],
  DUPLICATE: ['tampered', 4, true],
  OTHER_SEGMENT: ['tampered', 4, true],
  OTHER_DEVICE: ['tampered', 4, true],
  FORGED: ['forged', 4, true],
  PARTIAL_FRAME: ['truncated', 5, true],
  NO_LAST: ['truncated', 5, true],
  UNEXPECTED_DEVICE: ['unexpected device', 7, true],
  DEVICE_CHANGED: ['device changed', 9, true],
  REPLAY: ['replay', 8, true],
  UNEXPECTED_RECIPIENT: ['unexpected recipient', 0, false],
  GAP: ['gap', 0, false],
  DEVICE_DROPS: ['device drops', 0, false],
  FORMAT_V1: ['format v1', 0, false],
};

export const F_FIRST = 1, F_LAST = 2, F_KEYFRAME = 4;
const F_KNOWN = 7;
const FH = 48, SH = 64, RCP = 88, MAC = 16, TAG = 16, META = 64, KEYLEN = 32;
const MAX_RCP = 16;
const MAX_CT = META + 4 * 1920 * 1080 + TAG;
const FRAME_MAGIC = 0x31464353, SEG_MAGIC = 0x31534353;
export const FOURCC = { GREY: 0x59455247, YUYV: 0x56595559, NV12: 0x3231564e, MJPG: 0x47504a4d };

const te = new TextEncoder();
// HPKE info label per version (v3 wraps K as v2 does), and Export's
// exporter_context for the attribution key mac_key (FORMAT.md 4.2)
const LABEL = { 1: te.encode('sealcam-v1 segment key'), 2: te.encode('sealcam-v2 segment key'), 3: te.encode('sealcam-v2 segment key') };
const EXPORT_LABEL = { 2: te.encode('sealcam-v2 frame attribution'), 3: te.encode('sealcam-v3 frame attribution') };

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const eq = (a, b) => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
};
const u16 = (v, o) => v.getUint16(o, true);
const u32 = (v, o) => v.getUint32(o, true);
const u64 = (v, o) => v.getBigUint64(o, true);
const le64 = (x) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(x), true); return b; };
const i2osp2 = (x) => new Uint8Array([(x >> 8) & 255, x & 255]);

export function keyId(pub) { return sha256(pub).slice(0, 8); }

export function decodeKey(text) {
  const s = String(text).trim();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(s)) throw new Error('not a base64 X25519 key');
  const bin = typeof atob === 'function' ? atob(s) : Buffer.from(s, 'base64').toString('binary');
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---- HPKE (RFC 9180), mode_auth, single-shot open + export -------------
const HPKE_V1 = te.encode('HPKE-v1');
const SUITE_KEM = concat(te.encode('KEM'), i2osp2(0x20));
const SUITE_HPKE = concat(te.encode('HPKE'), i2osp2(0x20), i2osp2(1), i2osp2(3));
const labeledExtract = (suite, salt, label, ikm) =>
  extract(sha256, concat(HPKE_V1, suite, te.encode(label), ikm), salt);
const labeledExpand = (suite, prk, label, info, L) =>
  expand(sha256, prk, concat(i2osp2(L), HPKE_V1, suite, te.encode(label), info), L);

function dh(sk, pk) {
  const s = x25519.getSharedSecret(sk, pk);
  if (s.every((b) => b === 0)) throw new Error('X25519: all-zero shared secret');
  return s;
}

/* AuthDecap + KeySchedule(mode_auth); returns {key, baseNonce, exporterSecret} */
export function hpkeSetupAuthR(enc, skR, pkS, info) {
  const pkR = x25519.getPublicKey(skR);
  const dhv = concat(dh(skR, enc), dh(skR, pkS));
  const kemContext = concat(enc, pkR, pkS);
  const eaePrk = labeledExtract(SUITE_KEM, new Uint8Array(0), 'eae_prk', dhv);
  const shared = labeledExpand(SUITE_KEM, eaePrk, 'shared_secret', kemContext, 32);
  return keySchedule(2, shared, info);
}

export function keySchedule(mode, shared, info) {
  const pskIdHash = labeledExtract(SUITE_HPKE, new Uint8Array(0), 'psk_id_hash', new Uint8Array(0));
  const infoHash = labeledExtract(SUITE_HPKE, new Uint8Array(0), 'info_hash', info);
  const context = concat(new Uint8Array([mode]), pskIdHash, infoHash);
  const secret = labeledExtract(SUITE_HPKE, shared, 'secret', new Uint8Array(0));
  return {
    key: labeledExpand(SUITE_HPKE, secret, 'key', context, 32),
    baseNonce: labeledExpand(SUITE_HPKE, secret, 'base_nonce', context, 12),
    exporterSecret: labeledExpand(SUITE_HPKE, secret, 'exp', context, 32),
  };
}
export const hpkeOpen = (ctx, ct, aad = new Uint8Array(0)) =>
  chacha20poly1305(ctx.key, ctx.baseNonce, aad).decrypt(ct);
export const hpkeExport = (ctx, expContext, L) =>
  labeledExpand(SUITE_HPKE, ctx.exporterSecret, 'sec', expContext, L);

// ---- metadata -----------------------------------------------------------
export function decodeMeta(p) {
  const v = new DataView(p.buffer, p.byteOffset, META);
  return {
    timestamp_ns: u64(v, 0), monotonic_ns: u64(v, 8), sequence: u64(v, 16),
    pixelformat: u32(v, 24), width: u32(v, 28), height: u32(v, 32),
    bytesperline: u32(v, 36), payload_len: u32(v, 40), fps_num: u32(v, 44),
    fps_den: u32(v, 48), pattern: u32(v, 52), reserved: u32(v, 56),
  };
}
export function expectedPayload(m) {
  const { width: w, height: h, bytesperline: bpl } = m;
  if (w < 160 || w > 1920 || h < 120 || h > 1080 || bpl > 7680) return 0;
  switch (m.pixelformat) {
    case FOURCC.GREY: return bpl < w ? 0 : bpl * h;
    case FOURCC.YUYV: return (w & 1) || bpl < 2 * w ? 0 : bpl * h;
    case FOURCC.NV12: return (w & 1) || (h & 1) || bpl < w ? 0 : bpl * h + bpl * (h / 2);
    default: return 0;
  }
}
// Rule 15's length check, MJPG included (1 .. 4·w·h bytes, bytesperline 0):
// { ok, want } where want is the size a fixed format needs, MJPG's largest,
// or 0 for an invalid format.
export function payloadCheck(m, len) {
  if (m.pixelformat !== FOURCC.MJPG) {
    const want = expectedPayload(m);
    return { ok: want !== 0 && len === want, want };
  }
  const { width: w, height: h } = m;
  if (w < 160 || w > 1920 || h < 120 || h > 1080 || m.bytesperline !== 0) return { ok: false, want: 0 };
  const want = 4 * w * h;
  return { ok: len >= 1 && len <= want, want };
}

/*
 * FORMAT.md 4.4, v3: mac(r, i) = Poly1305(otk, body(i)), otk = the first 32
 * bytes of the ChaCha20 keystream (RFC 8439 2.4: key mac_key(r), nonce
 * 0^4 || le64(i), block counter 0), the body MACed as it is.
 */
export function attributionV3(macKey, nonce, body) {
  const otk = chacha20(macKey, nonce, new Uint8Array(32), undefined, 0);
  return poly1305(body, otk);
}

class Fatal extends Error {}

/*
 * A reader of one run (one or more files, or a live stream of frames):
 *   new SealedReader(priv, { expectDevice, trusted: [pub...], keepCut,
 *                            onFrame(f), onSegment(seg), onReport(r) })
 *   reader.feedFile(bytes, name)   whole segment files, in order
 *   reader.feedFrame(bytes)        one live frame (no end-of-file rule)
 *   reader.result()                exit code as `sealcam unseal`
 */
export class SealedReader {
  constructor(priv, opts = {}) {
    this.priv = priv;
    this.pub = x25519.getPublicKey(priv);
    this.keyId = keyId(this.pub);
    this.expectDevice = opts.expectDevice || null;
    this.trusted = opts.trusted || [];
    this.keepCut = opts.keepCut !== false;
    this.onFrame = opts.onFrame || (() => {});
    this.onSegment = opts.onSegment || (() => {});
    this.onReport = opts.onReport || (() => {});
    this.inSegment = false;
    this.seg = null;
    this.streams = new Map();
    this.deviceId = null;
    this.fatal = null;
    this.message = '';
    this.cuts = 0;
    this.unexpectedRecipient = false;
    this.warnedV1 = false;
    this.haveClosed = false;
    this.closedSegmentId = -1n;
    this.frames = 0;
    this.segments = 0;
    this.findings = [];
  }

  report(kind, msg) {
    const [name, code, fatal] = FINDINGS[kind];
    const r = { kind, name, code, fatal, msg: `offset ${this.offset}: ${msg}`, source: this.source };
    this.findings.push(r);
    if (kind === 'UNEXPECTED_RECIPIENT') this.unexpectedRecipient = true;
    this.onReport(r);
    const keptCut = code === 5 && this.keepCut;
    if (fatal && !keptCut && !this.fatal) { this.fatal = r; this.message = r.msg; }
    if (fatal) throw new Fatal(r.msg);
  }

  result() {
    if (this.fatal) return this.fatal.code;
    if (this.cuts) return EXIT.TRUNCATED;
    return this.unexpectedRecipient ? EXIT.UNEXPECTED_RECIPIENT : EXIT.OK;
  }

  endSegment() {
    if (this.inSegment) this.onSegment(this.seg);
    this.inSegment = false;
    if (this.seg) { this.seg.key = null; this.seg.macKey = null; }
  }

  cutSegment() {
    if (this.inSegment && this.seg.haveMeta) this.rememberStream();
    this.endSegment();
  }

  rememberStream() {
    const s = this.seg;
    this.streams.set(`${hex(s.deviceId)}/${s.camera}`, { lastSegmentId: s.segmentId, lastSequence: s.last.sequence });
  }

  // returns true when the reader goes on (a cut kept), false when stopped
  handle(e) {
    if (!(e instanceof Fatal)) throw e;
    if (!this.fatal && this.keepCut) { this.cuts++; this.cutSegment(); return true; }
    return false;
  }

  feedFile(buf, name = 'input') {
    if (this.fatal) return this.fatal.code;
    this.source = name;
    this.haveClosed = false;
    let pos = 0;
    try {
      if (buf.length === 0) { this.offset = 0; this.report('PARTIAL_FRAME', 'empty file'); }
      while (pos < buf.length) {
        this.offset = pos;
        try {
          pos += this.readFrame(buf, pos);
        } catch (e) {
          if (!this.handle(e)) return this.fatal.code;
          if (this.lastCutEndsFile) break;
          pos += this.skipLen;
        }
      }
      this.offset = pos;
      if (this.inSegment) {
        this.report('NO_LAST', `segment ${this.seg.segmentId} is cut after frame ${this.nextIndex - 1n}: the file ends without a LAST frame`);
      }
    } catch (e) {
      if (!this.handle(e)) return this.fatal.code;
    }
    this.endSegment();
    return this.fatal ? this.fatal.code : 0;
  }

  /* One live frame; the segment stays open. Returns 0, or the fatal exit code. */
  feedFrame(buf) {
    if (this.fatal) return this.fatal.code;
    this.source = 'live';
    this.offset = 0;
    try {
      const n = this.readFrame(buf, 0);
      if (n !== buf.length) this.report('BAD_LENGTH', `a message of ${buf.length} bytes holds a frame of ${n} bytes and more`);
    } catch (e) {
      if (!this.handle(e)) return this.fatal.code;
    }
    return 0;
  }

  checkFrameHeader(buf, pos) {
    this.lastCutEndsFile = false;
    const avail = buf.length - pos;
    if (avail < FH) {
      this.lastCutEndsFile = true;
      this.report('PARTIAL_FRAME', this.inSegment
        ? `segment ${this.seg.segmentId} is cut at frame ${this.nextIndex}: the file ends inside a frame header`
        : `file ends inside a frame header (${avail} of 48 bytes)`);
    }
    const v = new DataView(buf.buffer, buf.byteOffset + pos, FH);
    if (u32(v, 0) !== FRAME_MAGIC) this.report('BAD_MAGIC', 'bad frame magic');
    const version = v.getUint8(4);
    if (version !== 1 && version !== 2 && version !== 3) this.report('BAD_VERSION', `unsupported frame version ${version}`);
    if (v.getUint8(5) !== FH) this.report('BAD_LENGTH', `frame hdr_len ${v.getUint8(5)}, want 48`);
    const flags = u16(v, 6);
    if (flags & ~F_KNOWN) this.report('BAD_FLAGS', `unknown frame flags 0x${flags.toString(16)}`);
    const macLen = u32(v, 40);
    if (u32(v, 44) || (version === 1 && macLen)) this.report('BAD_HEADER', 'frame header reserved field is not zero');
    const first = !!(flags & F_FIRST);
    const segHdrLen = u32(v, 8);
    let ctLen = u32(v, 12);
    if (version !== 1 && (!macLen || macLen > MAX_RCP * MAC || macLen % MAC || macLen > ctLen))
      this.report('BAD_LENGTH', `mac_len ${macLen} is not 16 * n within ct_len ${ctLen}`);
    const aeadLen = ctLen - macLen;
    if (first && !(flags & F_KEYFRAME)) this.report('BAD_FLAGS', 'FIRST frame without KEYFRAME flag');
    if (first && u64(v, 32) !== 0n) this.report('BAD_HEADER', 'FIRST frame has frame_index != 0');
    if (!first && segHdrLen) this.report('BAD_LENGTH', `seg_hdr_len ${segHdrLen} on a frame without FIRST`);
    if (first && (segHdrLen < SH + RCP || segHdrLen > SH + MAX_RCP * RCP || (segHdrLen - SH) % RCP))
      this.report('BAD_LENGTH', `seg_hdr_len ${segHdrLen} is not 64 + 88 * n`);
    if (first && version !== 1 && macLen / MAC !== (segHdrLen - SH) / RCP)
      this.report('BAD_LENGTH', `mac_len ${macLen} is not 16 per recipient`);
    if (aeadLen < META + TAG || aeadLen > MAX_CT) this.report('BAD_LENGTH', `ct_len ${aeadLen} out of range`);
    const total = FH + segHdrLen + ctLen;
    if (total > avail) {
      this.lastCutEndsFile = true;
      this.report('PARTIAL_FRAME', this.inSegment
        ? `segment ${this.seg.segmentId} is cut at frame ${u64(v, 32)}: the file ends inside the frame (${avail} of ${total} bytes)`
        : `the file ends inside a frame (${avail} of ${total} bytes)`);
    }
    return { v, version, flags, first, segHdrLen, ctLen, macLen, aeadLen, total };
  }

  startSegment(buf, pos, h) {
    const segmentId = u64(h.v, 24);
    if (this.inSegment) {
      if (segmentId === this.seg.segmentId) this.report('DUPLICATE', `segment ${segmentId}: FIRST frame appears again`);
      // a cut: ends the open segment, then this FIRST frame is read again
      this.skipLen = 0;
      this.report('NO_LAST', `segment ${this.seg.segmentId} is cut after frame ${this.nextIndex - 1n}: it ends without a LAST frame (segment ${segmentId} starts)`);
    }
    const sh = buf.subarray(pos + FH, pos + FH + h.segHdrLen);
    const sv = new DataView(sh.buffer, sh.byteOffset, sh.length);
    if (u32(sv, 0) !== SEG_MAGIC) this.report('BAD_MAGIC', 'bad segment header magic');
    if (u16(sv, 4) !== h.version) this.report('BAD_VERSION', `segment header version ${u16(sv, 4)} in a version ${h.version} frame`);
    const n = u16(sv, 6);
    if (n < 1 || n > MAX_RCP || SH + RCP * n !== h.segHdrLen) this.report('BAD_LENGTH', `n_recipients ${n} does not match seg_hdr_len ${h.segHdrLen}`);
    if (u32(sv, 52) || u64(sv, 56)) this.report('BAD_HEADER', 'segment header reserved fields are not zero');
    if (u64(sv, 40) !== segmentId) this.report('HEADER_MISMATCH', 'segment header id != frame header segment_id');
    const devicePub = sh.slice(8, 40);
    const deviceId = keyId(devicePub);
    const frameDev = buf.subarray(pos + 16, pos + 24);
    if (!eq(deviceId, frameDev)) this.report('HEADER_MISMATCH', `frame device_id ${hex(frameDev)} is not the id ${hex(deviceId)} of the segment's device key`);
    const seg = {
      segmentId, camera: u32(sv, 48), devicePub, deviceId, nRecipients: n,
      recipientIds: [], ourIndex: -1, expected: [], version: h.version,
      frames: 0, haveMeta: false, first: null, last: null, deviceDrops: 0n,
      complete: false, unwrapped: false, attributed: false, source: this.source,
    };
    for (let i = 0; i < n; i++) {
      const id = sh.slice(SH + i * RCP, SH + i * RCP + 8);
      if (seg.recipientIds.some((x) => eq(x, id))) this.report('BAD_HEADER', `recipient key id ${hex(id)} listed twice`);
      seg.recipientIds.push(id);
      seg.expected.push(eq(id, this.keyId));
      if (eq(id, this.keyId)) seg.ourIndex = i;
    }
    this.seg = seg;
    this.segHdr = sh;
    this.inSegment = true;
    this.nextIndex = 0n;
    if (this.expectDevice && !eq(devicePub, this.expectDevice))
      this.report('UNEXPECTED_DEVICE', `segment ${segmentId} comes from device ${hex(deviceId)}, expected device ${hex(keyId(this.expectDevice))}`);
    if (!this.expectDevice && this.trusted.length && !this.trusted.some((t) => eq(t, devicePub)))
      this.report('DEVICE_CHANGED', `segment ${segmentId} comes from device ${hex(deviceId)}, which is not a trusted (pinned) device of our key ${hex(this.keyId)}`);
    if (seg.ourIndex < 0)
      this.report('NOT_RECIPIENT', `segment ${segmentId} is not sealed to our key ${hex(this.keyId)} (${n} recipient${n === 1 ? '' : 's'})`);
    const r = sh.subarray(SH + seg.ourIndex * RCP, SH + (seg.ourIndex + 1) * RCP);
    const info = concat(LABEL[h.version], deviceId, le64(segmentId));
    try {
      const ctx = hpkeSetupAuthR(r.slice(8, 40), this.priv, devicePub, info);
      seg.key = hpkeOpen(ctx, r.slice(40, 88));
      if (h.version !== 1) seg.macKey = hpkeExport(ctx, EXPORT_LABEL[h.version], 32);
    } catch {
      this.report('UNWRAP_FAILED', `segment ${segmentId}: not sealed by ${this.expectDevice || this.trusted.length ? 'the expected ' : ''}device ${hex(deviceId)} named in its header: HPKE open of our key entry ${hex(this.keyId)} fails`);
    }
    seg.chain = new Uint8Array(32);
    seg.unwrapped = true;
    seg.attributed = h.version !== 1;
  }

  checkMembership(buf, pos, h) {
    const segmentId = u64(h.v, 24), index = u64(h.v, 32);
    if (!this.inSegment) {
      if (this.haveClosed && segmentId === this.closedSegmentId)
        this.report('AFTER_LAST', `segment ${segmentId}: frame ${index} follows the LAST frame`);
      this.report('NO_FIRST', `segment ${segmentId} does not start with its FIRST frame (found frame ${index})`);
    }
    if (!eq(buf.subarray(pos + 16, pos + 24), this.seg.deviceId))
      this.report('OTHER_DEVICE', `segment ${this.seg.segmentId}: frame ${index} comes from another device`);
    if (segmentId !== this.seg.segmentId)
      this.report('OTHER_SEGMENT', `frame ${index} of segment ${segmentId} inside segment ${this.seg.segmentId}`);
    if (h.version !== this.seg.version) this.report('BAD_VERSION', `frame version ${h.version}, the segment's ${this.seg.version}`);
    if (this.seg.version !== 1 && h.macLen !== this.seg.nRecipients * MAC)
      this.report('BAD_LENGTH', `mac_len ${h.macLen} for ${this.seg.nRecipients} recipients`);
  }

  checkOrder(buf, pos, index, total) {
    const want = this.nextIndex;
    if (index === want) return;
    const s = this.seg.segmentId;
    if (index + 1n === want) this.report('DUPLICATE', `segment ${s}: frame ${index} appears twice`);
    if (index < want) this.report('SWAPPED', `segment ${s}: frame ${index} arrives after frame ${want - 1n} (frames out of order)`);
    const np = pos + total;
    if (buf.length - np >= FH) {
      const nv = new DataView(buf.buffer, buf.byteOffset + np, FH);
      if (u32(nv, 0) === FRAME_MAGIC && u64(nv, 24) === s && u64(nv, 32) === want)
        this.report('SWAPPED', `segment ${s}: frame ${index} arrives before frame ${want} (frames swapped)`);
    }
    this.report('DROPPED', `segment ${s}: frame index jumps from ${want - 1n} to ${index} (${index - want} frame(s) dropped)`);
  }

  checkMeta(m, pixelsLen, index) {
    const s = this.seg;
    const { ok, want } = payloadCheck(m, pixelsLen);
    if (m.reserved) this.report('BAD_META', `frame ${index}: metadata reserved field is not zero`);
    if (!want) this.report('BAD_META', `frame ${index}: invalid format`);
    if (m.payload_len !== pixelsLen || !ok) this.report('BAD_META', `frame ${index}: payload_len ${m.payload_len}, ciphertext holds ${pixelsLen}, ${m.pixelformat === FOURCC.MJPG ? 'MJPG takes 1 to' : 'format needs'} ${want}`);
    if (!m.fps_num || !m.fps_den) this.report('BAD_META', `frame ${index}: frame interval ${m.fps_num}/${m.fps_den}`);
    if (!s.haveMeta) return;
    if (m.pixelformat !== s.first.pixelformat || m.width !== s.first.width || m.height !== s.first.height || m.bytesperline !== s.first.bytesperline)
      this.report('BAD_META', `frame ${index}: format changes inside segment ${s.segmentId}`);
    if (m.sequence <= s.last.sequence) this.report('BAD_META', `frame ${index}: sequence ${m.sequence} does not increase`);
  }

  checkContinuity(m) {
    const s = this.seg;
    if (!this.deviceId) this.deviceId = s.deviceId;
    else if (!eq(this.deviceId, s.deviceId))
      this.report('UNEXPECTED_DEVICE', `segment ${s.segmentId} comes from device ${hex(s.deviceId)}, earlier segments from device ${hex(this.deviceId)}`);
    const st = this.streams.get(`${hex(s.deviceId)}/${s.camera}`);
    if (st) {
      if (s.segmentId <= st.lastSegmentId)
        this.report('REPLAY', `segment ${s.segmentId} of camera ${s.camera} follows segment ${st.lastSegmentId}: replayed or reordered segment`);
      if (s.segmentId !== st.lastSegmentId + 1n)
        this.report('GAP', `segment id jumps from ${st.lastSegmentId} to ${s.segmentId} (${s.segmentId - st.lastSegmentId - 1n} segment(s) missing)`);
      if (m.sequence !== st.lastSequence + 1n)
        this.report('GAP', `frame sequence jumps from ${st.lastSequence} to ${m.sequence} between segments ${st.lastSegmentId} and ${s.segmentId}`);
    }
    s.recipientIds.forEach((id, i) => {
      if (!s.expected[i]) this.report('UNEXPECTED_RECIPIENT', `segment ${s.segmentId} is also sealed to key id ${hex(id)}, which is neither ours nor expected`);
    });
  }

  readFrame(buf, pos) {
    this.skipLen = 0;
    const h = this.checkFrameHeader(buf, pos);
    this.skipLen = h.total;
    const { v, flags, first } = h;
    const index = u64(v, 32);
    if (first) this.startSegment(buf, pos, h);
    else this.checkMembership(buf, pos, h);
    this.skipLen = h.total;
    const aadLen = FH + (first ? h.segHdrLen : 0);
    const aad = buf.subarray(pos, pos + aadLen);
    const body = buf.subarray(pos, pos + aadLen + h.aeadLen);
    const nonce = concat(new Uint8Array(4), le64(index));
    let plain;
    try {
      plain = chacha20poly1305(this.seg.key, nonce, aad).decrypt(buf.subarray(pos + aadLen, pos + aadLen + h.aeadLen));
    } catch {
      this.report('AUTH_FAILED', `segment ${u64(v, 24)}: frame ${index} fails authentication (altered header or ciphertext)`);
    }
    let forged = false;
    if (this.seg.version !== 1) {
      let mac;
      if (this.seg.version === 2) {
        this.seg.chain = sha256(concat(this.seg.chain, body));
        mac = hmac(sha256, this.seg.macKey, this.seg.chain).slice(0, MAC);
      } else {
        mac = attributionV3(this.seg.macKey, nonce, body);
      }
      const at = pos + aadLen + h.aeadLen + this.seg.ourIndex * MAC;
      forged = !eq(mac, buf.subarray(at, at + MAC));
    }
    this.checkOrder(buf, pos, index, h.total);
    if (forged) this.report('FORGED', `segment ${u64(v, 24)}: frame ${index} is forged: it decrypts under the content key but fails our attribution MAC, so device ${hex(this.seg.deviceId)} did not seal it`);
    if (first && this.seg.version === 1 && !this.warnedV1) {
      this.warnedV1 = true;
      this.report('FORMAT_V1', `segment ${this.seg.segmentId} is format v1: frames are authenticated only under the content key every recipient holds; another recipient could have altered them`);
    }
    const m = decodeMeta(plain);
    const pixelsLen = h.aeadLen - TAG - META;
    this.checkMeta(m, pixelsLen, index);
    if (first) {
      this.checkContinuity(m);
      this.seg.first = m;
      this.seg.haveMeta = true;
    } else if (m.sequence > this.seg.last.sequence + 1n) {
      this.seg.deviceDrops += m.sequence - this.seg.last.sequence - 1n;
      this.report('DEVICE_DROPS', `segment ${this.seg.segmentId}: sequence jumps from ${this.seg.last.sequence} to ${m.sequence}`);
    }
    this.seg.last = m;
    this.seg.frames++;
    this.frames++;
    this.nextIndex = index + 1n;
    this.onFrame({ seg: this.seg, frameIndex: index, flags, meta: m, pixels: plain.subarray(META, META + pixelsLen), offset: pos, length: h.total });
    if (flags & F_LAST) {
      this.seg.complete = true;
      this.segments++;
      this.rememberStream();
      this.haveClosed = true;
      this.closedSegmentId = this.seg.segmentId;
      this.endSegment();
    }
    return h.total;
  }
}

/* `sealcam unseal --info`-like summary lines of a reader's run. */
export function infoLines(reader, segs) {
  const out = [];
  for (const s of segs) {
    out.push(`segment ${s.segmentId} device ${hex(s.deviceId)} camera ${s.camera} format v${s.version}${s.version === 1 ? ' (weaker: frames not attributable per recipient)' : ''}`);
    out.push(`  recipients: ${s.recipientIds.map((id, i) => hex(id) + (i === s.ourIndex ? ' (ours)' : '')).join(', ')}`);
    out.push(`  frames: ${s.frames}${s.complete ? ', complete' : ', cut (no LAST)'}${s.deviceDrops ? `, device drops ${s.deviceDrops}` : ''}`);
  }
  return out;
}
export { hex };
