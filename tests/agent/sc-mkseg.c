// SPDX-License-Identifier: MIT
/*
 * sc-mkseg - test helper for the agent tests: seal synthetic GREY frames with
 * libsealcam's userspace sealer into one segment file, as the camera would.
 *
 *   sc-mkseg -o FILE --owner-pub PUBFILE --segment ID [--frames N]
 *            [--size WxH] [--device-seed TEXT] [--sequence N] [--no-last]
 *            [--cut BYTES] [--time SECONDS] [--format 1|2|3]
 *
 * --device-seed: device private key = SHA-256(TEXT) (default "agent test"),
 * so every file of a test comes from the same device. --no-last leaves the
 * segment without its LAST frame; --cut removes BYTES from the end (a
 * partial frame), both as a crash would. --time: the first frame's
 * timestamp in seconds since 1970 (default 1767225600, 2026-01-01), the
 * next ones 1/15 s apart. --owner-pub may be given up to 16 times: one
 * recipient each, in that order. --format 1 or 2 writes the old format v1 or v2
 * (default: the current one, v3). Prints the device id (16 hex).
 * --jpeg FILE (repeatable, up to 64): MJPG frames instead, frame i being
 * the bytes of the (i mod n)-th file as they are (bytesperline 0, or
 * --bpl N to write a wrong one).
 * --raw FILE --fourcc GREY|YUYV|NV12: uncompressed frames of that format
 * taken from FILE, which holds n whole frames back to back (each
 * bytesperline·height bytes, NV12 half as much again; bytesperline is the
 * format's minimum unless --bpl); frame i is the (i mod n)-th of them.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sealed.h"
#include "sealwrite.h"

static int read_pub(const char *path, unsigned char pub[32])
{
	char line[256];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (sodium_base642bin(pub, 32, line, strlen(line), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) || n != 32)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner-pub", required_argument, NULL, 'p' },
		{ "segment", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 'z' },
		{ "device-seed", required_argument, NULL, 'd' },
		{ "sequence", required_argument, NULL, 'q' },
		{ "no-last", no_argument, NULL, 'L' },
		{ "cut", required_argument, NULL, 'c' },
		{ "time", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "jpeg", required_argument, NULL, 'j' },
		{ "bpl", required_argument, NULL, 'b' },
		{ "raw", required_argument, NULL, 'r' },
		{ "fourcc", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned char *jpegs[64];
	size_t jpeg_lens[64], max_jpeg = 0;
	unsigned int n_jpeg = 0;
	long bpl = -1;
	unsigned char *raw = NULL;
	size_t raw_len = 0, raw_frame = 0;
	uint32_t fourcc = SEALCAM_PLAIN_GREY;
	const char *out = NULL, *raw_path = NULL, *pubfiles[SEALCAM_MAX_RECIPIENTS], *seed = "agent test";
	unsigned int n_pub = 0, version = SEALCAM_FORMAT_VERSION;
	unsigned long long segment = 1, sequence = 0, start = 1767225600ULL;
	unsigned int frames = 3, w = 160, h = 120, i;
	unsigned char owner_pub[SEALCAM_MAX_RECIPIENTS][32], dev_priv[32], *px, *buf;
	bool no_last = false;
	long cut = 0;
	struct sc_seg_writer wr;
	char hex[17];
	FILE *f;
	int opt;

	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'p':
			if (n_pub == SEALCAM_MAX_RECIPIENTS)
				return 2;
			pubfiles[n_pub++] = optarg;
			break;
		case 'F': version = strtoul(optarg, NULL, 10); break;
		case 's': segment = strtoull(optarg, NULL, 10); break;
		case 'n': frames = strtoul(optarg, NULL, 10); break;
		case 'z':
			if (sscanf(optarg, "%ux%u", &w, &h) != 2)
				return 2;
			break;
		case 'd': seed = optarg; break;
		case 'q': sequence = strtoull(optarg, NULL, 10); break;
		case 'L': no_last = true; break;
		case 'c': cut = strtol(optarg, NULL, 10); break;
		case 't': start = strtoull(optarg, NULL, 10); break;
		case 'b': bpl = strtol(optarg, NULL, 10); break;
		case 'r': raw_path = optarg; break;
		case 'f':
			if (strlen(optarg) != 4)
				return 2;
			fourcc = v4l2_fourcc(optarg[0], optarg[1], optarg[2],
					     optarg[3]);
			if (fourcc != SEALCAM_PLAIN_GREY &&
			    fourcc != SEALCAM_PLAIN_YUYV &&
			    fourcc != SEALCAM_PLAIN_NV12) {
				fprintf(stderr, "sc-mkseg: --fourcc takes GREY, YUYV or NV12\n");
				return 2;
			}
			break;
		case 'j': {
			FILE *jf = fopen(optarg, "rb");
			long len = -1;

			if (n_jpeg == 64 || !jf || fseek(jf, 0, SEEK_END) ||
			    (len = ftell(jf)) <= 0 || fseek(jf, 0, SEEK_SET) ||
			    !(jpegs[n_jpeg] = malloc(len)) ||
			    fread(jpegs[n_jpeg], 1, len, jf) != (size_t)len) {
				fprintf(stderr, "sc-mkseg: cannot read %s\n", optarg);
				return 1;
			}
			fclose(jf);
			jpeg_lens[n_jpeg++] = len;
			if ((size_t)len > max_jpeg)
				max_jpeg = len;
			break;
		}
		default:
			return 2;
		}
	}
	if (!out || !n_pub || !frames || (raw_path && n_jpeg) ||
	    sodium_init() < 0) {
		fprintf(stderr, "usage: sc-mkseg -o FILE --owner-pub PUBFILE --segment ID ...\n");
		return 2;
	}
	for (i = 0; i < n_pub; i++) {
		if (read_pub(pubfiles[i], owner_pub[i])) {
			fprintf(stderr, "sc-mkseg: cannot read a public key from %s\n",
				pubfiles[i]);
			return 1;
		}
	}
	crypto_hash_sha256(dev_priv, (const unsigned char *)seed, strlen(seed));
	if (sc_writer_begin_version(&wr, version, dev_priv,
				    (const unsigned char (*)[32])owner_pub,
				    n_pub, segment, 0, NULL, NULL))
		return 1;
	if (raw_path) {
		struct sc_meta m = {
			.pixelformat = fourcc, .width = w, .height = h,
			.bytesperline = bpl >= 0 ? bpl :
				fourcc == SEALCAM_PLAIN_YUYV ? 2 * w : w,
		};
		FILE *rf = fopen(raw_path, "rb");
		long len = -1;

		raw_frame = sc_meta_expected_payload(&m);
		if (!raw_frame) {
			fprintf(stderr, "sc-mkseg: no %ux%u frame of that format and stride\n",
				w, h);
			return 2;
		}
		if (!rf || fseek(rf, 0, SEEK_END) || (len = ftell(rf)) <= 0 ||
		    len % raw_frame || fseek(rf, 0, SEEK_SET) ||
		    !(raw = malloc(len)) ||
		    fread(raw, 1, len, rf) != (size_t)len) {
			fprintf(stderr, "sc-mkseg: cannot read whole %zu-byte frames from %s\n",
				raw_frame, raw_path);
			return 1;
		}
		fclose(rf);
		raw_len = len;
		bpl = m.bytesperline;
		if (max_jpeg < raw_frame)
			max_jpeg = raw_frame;
	}
	if (max_jpeg < (size_t)w * h)
		max_jpeg = (size_t)w * h;
	px = malloc(max_jpeg);
	buf = malloc(sc_writer_frame_len(&wr, max_jpeg));
	f = fopen(out, "wb");
	if (!px || !buf || !f)
		return 1;
	for (i = 0; i < frames; i++) {
		struct sc_meta m = {
			.timestamp_ns = start * 1000000000ULL + i * 66666666ULL,
			.monotonic_ns = 1000000000ULL + i * 66666666ULL,
			.sequence = sequence + i,
			.pixelformat = SEALCAM_PLAIN_GREY, .width = w, .height = h,
			.bytesperline = w, .fps_num = 1, .fps_den = 15,
		};
		size_t n, len = (size_t)w * h;

		if (n_jpeg) {
			len = jpeg_lens[i % n_jpeg];
			memcpy(px, jpegs[i % n_jpeg], len);
			m.pixelformat = SEALCAM_PLAIN_MJPG;
			m.bytesperline = 0;
		} else if (raw) {
			len = raw_frame;
			memcpy(px, raw + i % (raw_len / raw_frame) * raw_frame,
			       len);
			m.pixelformat = fourcc;
		} else {
			memset(px, (int)((segment * 7 + i) & 0xff), len);
		}
		if (bpl >= 0)
			m.bytesperline = bpl;
		n = sc_writer_frame(&wr, buf, &m, px, len,
				    !no_last && i + 1 == frames);
		if (!n || fwrite(buf, 1, n, f) != n)
			return 1;
	}
	if (fflush(f))
		return 1;
	if (cut > 0) {
		long end = ftell(f);

		if (cut >= end || ftruncate(fileno(f), end - cut))
			return 1;
	}
	fclose(f);
	printf("%s\n", sc_hex(hex, wr.device_id, 8));
	sc_writer_end(&wr);
	free(px);
	free(buf);
	free(raw);
	return 0;
}
