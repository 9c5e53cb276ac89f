// SPDX-License-Identifier: GPL-2.0
/*
 * sc_keyscan - test tool (issue 14, "no secret left behind"): derive, as the
 * owner, every secret the kernel computed for one sealed segment, and look
 * for each of them in the guest's physical memory through /proc/kcore.
 *
 *   sc_keyscan OWNER.key SEGMENT.sealed
 *
 * From the owner's private key and the segment's first frame it derives
 * what sealcam.ko held while it started that segment and sealed its frames
 * (RFC 9180 DHKEM(X25519) auth mode, key schedule, exporter, our entry's
 * content key K), checks each derivation against libsealcam's own HPKE
 * (so a wrong derivation cannot pass as "absent"), and builds the needles:
 *
 *   K                       the content key (ChaCha20 key of every frame)
 *   mac_key                 our recipient's frame-MAC key (HPKE export)
 *   dh_e, dh_s              the two X25519 outputs of the auth-mode DHKEM
 *   eae_prk, shared_secret, secret, hpke_key, base_nonce, exporter_secret
 *   X.ipad / X.opad         for every HMAC key X the kernel used (mac_key,
 *                           eae_prk, shared_secret, secret, exporter_secret):
 *                           the SHA-256 state after the padded key block,
 *                           which is what an HMAC transform (or the frame MAC
 *                           key) keeps instead of the key itself
 *   X^ipad / X^opad         the padded key blocks themselves
 *
 * It then scans every RAM page except user memory (pages flagged anonymous
 * or on an LRU list in /proc/kpageflags: this process's own copies of the
 * needles live there, and so does the page cache), free pages included, at
 * every byte offset, and prints one line per needle: "found" with the
 * physical address, or "absent". A second scan runs after a line is read
 * from stdin, so that a test can compare "segment open" with "segment
 * ended" using one process: the needles never leave this process's
 * anonymous memory, so they cannot show up in a page it freed. It exits when
 * stdin is closed.
 *
 * Output (stdout), per scan N:
 *   scan N: PAGES pages, MB MiB scanned in S s
 *   scan N: NAME found at 0xPADDR (page flags 0xFLAGS)
 *   scan N: NAME absent
 *   scan N: done
 * Exit: 0 ok, 1 error (bad input, derivation mismatch, no kcore), 2 usage.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "sealcam.h"
#include "hpke.h"
#include "sealed.h"

#define PAGE		4096UL
#define KPF_LRU		5
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_ANON	12
#define KPF_NOPAGE	20
#define CHUNK_PAGES	256

struct needle {
	char name[40];
	unsigned char b[64];
	size_t len;
	bool found;
	uint64_t paddr, flags;
};

static struct needle needles[64];
static unsigned int n_needles;
static uint8_t *prefix_map;	/* 2^24 bits: first three bytes of a needle */

static void die(const char *msg)
{
	fprintf(stderr, "sc_keyscan: %s\n", msg);
	exit(1);
}

static void add(const char *name, const unsigned char *b, size_t len)
{
	struct needle *n;
	uint32_t p;

	if (n_needles == sizeof(needles) / sizeof(needles[0]))
		die("too many needles");
	n = &needles[n_needles++];
	snprintf(n->name, sizeof(n->name), "%s", name);
	memcpy(n->b, b, len);
	n->len = len;
	p = b[0] | b[1] << 8 | (uint32_t)b[2] << 16;
	prefix_map[p >> 3] |= 1 << (p & 7);
}

/* the HMAC midstates and padded blocks of one HMAC-SHA256 key */
static void add_hmac_key(const char *name, const unsigned char key[32])
{
	crypto_auth_hmacsha256_state st;
	unsigned char block[32];
	char n[40];
	unsigned int i;

	crypto_auth_hmacsha256_init(&st, key, 32);
	snprintf(n, sizeof(n), "%s.ipad", name);
	add(n, (const unsigned char *)st.ictx.state, 32);
	snprintf(n, sizeof(n), "%s.opad", name);
	add(n, (const unsigned char *)st.octx.state, 32);
	for (i = 0; i < 32; i++)
		block[i] = key[i] ^ 0x36;
	snprintf(n, sizeof(n), "%s^ipad", name);
	add(n, block, 32);
	for (i = 0; i < 32; i++)
		block[i] = key[i] ^ 0x5c;
	snprintf(n, sizeof(n), "%s^opad", name);
	add(n, block, 32);
	sodium_memzero(&st, sizeof(st));
}

/* RFC 9180 LabeledExtract / LabeledExpand, built on libsealcam's HKDF */
static void labeled_extract(unsigned char prk[32], const unsigned char *suite,
			    size_t suite_len, const unsigned char *salt,
			    size_t salt_len, const char *label,
			    const unsigned char *ikm, size_t ikm_len)
{
	unsigned char buf[256];
	size_t n = 0, l = strlen(label);

	memcpy(buf, "HPKE-v1", 7), n = 7;
	memcpy(buf + n, suite, suite_len), n += suite_len;
	memcpy(buf + n, label, l), n += l;
	memcpy(buf + n, ikm, ikm_len), n += ikm_len;
	sc_hkdf_extract(prk, salt, salt_len, buf, n);
	sodium_memzero(buf, sizeof(buf));
}

static void labeled_expand(unsigned char *out, size_t out_len,
			   const unsigned char prk[32],
			   const unsigned char *suite, size_t suite_len,
			   const char *label, const unsigned char *info,
			   size_t info_len)
{
	unsigned char buf[256];
	size_t n = 0, l = strlen(label);

	buf[0] = out_len >> 8, buf[1] = out_len & 0xff, n = 2;
	memcpy(buf + n, "HPKE-v1", 7), n += 7;
	memcpy(buf + n, suite, suite_len), n += suite_len;
	memcpy(buf + n, label, l), n += l;
	memcpy(buf + n, info, info_len), n += info_len;
	if (sc_hkdf_expand(out, out_len, prk, buf, n))
		die("HKDF-Expand failed");
	sodium_memzero(buf, sizeof(buf));
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void derive(const char *key_path, const char *seg_path)
{
	static const unsigned char kem_suite[] = { 'K', 'E', 'M', 0x00, 0x20 };
	static const unsigned char hpke_suite[] = { 'H', 'P', 'K', 'E', 0x00,
						    0x20, 0x00, 0x01, 0x00,
						    0x03 };
	unsigned char priv[32], pub[32], id[SEALCAM_KEY_ID_LEN];
	unsigned char dh[64], kem_ctx[96], eae_prk[32], ss[32], ss_lib[32];
	unsigned char psk_id_hash[32], info_hash[32], ks_ctx[65], secret[32];
	unsigned char key[32], nonce[12], exp[32], k[32], mac_key[32];
	unsigned char info[SC_HPKE_INFO_MAX], *seg, *sh, *rcp = NULL;
	struct sc_hpke_ctx ctx;
	size_t seg_len, info_len, b64_len, bin_len;
	char b64[128];
	unsigned int n, i;
	FILE *f;

	f = fopen(key_path, "r");
	if (!f || !fgets(b64, sizeof(b64), f))
		die("cannot read the owner key");
	fclose(f);
	b64_len = strcspn(b64, "\r\n");
	if (sodium_base642bin(priv, sizeof(priv), b64, b64_len, NULL, &bin_len,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    bin_len != 32)
		die("the owner key is not 32 bytes of base64");
	sodium_memzero(b64, sizeof(b64));
	if (sc_x25519_public(pub, priv))
		die("bad owner key");
	sc_key_id(id, pub);

	if (sc_read_file(seg_path, &seg, &seg_len))
		die("cannot read the segment");
	if (seg_len < 48 + 64 || le32(seg) != SEALCAM_FRAME_MAGIC ||
	    !(le32(seg + 4) >> 16 & SEALCAM_F_FIRST))
		die("the file does not start with a FIRST frame");
	sh = seg + 48;
	n = sh[6] | sh[7] << 8;
	if (le32(seg + 8) != SEALCAM_SEG_HDR_LEN(n) ||
	    seg_len < 48 + SEALCAM_SEG_HDR_LEN(n))
		die("bad segment header length");
	for (i = 0; i < n; i++)
		if (!memcmp(sh + 64 + 88 * i, id, SEALCAM_KEY_ID_LEN))
			rcp = sh + 64 + 88 * i;
	if (!rcp)
		die("the segment is not sealed to this owner key");

	/* DHKEM(X25519) auth decap: dh = DH(skR, pkE) || DH(skR, pkS) */
	if (crypto_scalarmult(dh, priv, rcp + 8) ||
	    crypto_scalarmult(dh + 32, priv, sh + 8))
		die("X25519 failed");
	memcpy(kem_ctx, rcp + 8, 32);		/* enc */
	memcpy(kem_ctx + 32, pub, 32);		/* pkR */
	memcpy(kem_ctx + 64, sh + 8, 32);	/* pkS */
	labeled_extract(eae_prk, kem_suite, sizeof(kem_suite), NULL, 0,
			"eae_prk", dh, sizeof(dh));
	labeled_expand(ss, 32, eae_prk, kem_suite, sizeof(kem_suite),
		       "shared_secret", kem_ctx, sizeof(kem_ctx));
	if (sc_hpke_auth_decap(ss_lib, rcp + 8, priv, sh + 8) ||
	    memcmp(ss, ss_lib, 32))
		die("derivation mismatch: shared_secret");

	/* key schedule, mode_auth, no PSK */
	info_len = sc_segment_info_bytes_v(info, seg[4],
					   seg + 16, le64(sh + 40));
	labeled_extract(psk_id_hash, hpke_suite, sizeof(hpke_suite), NULL, 0,
			"psk_id_hash", NULL, 0);
	labeled_extract(info_hash, hpke_suite, sizeof(hpke_suite), NULL, 0,
			"info_hash", info, info_len);
	ks_ctx[0] = SC_HPKE_MODE_AUTH;
	memcpy(ks_ctx + 1, psk_id_hash, 32);
	memcpy(ks_ctx + 33, info_hash, 32);
	labeled_extract(secret, hpke_suite, sizeof(hpke_suite), ss, 32,
			"secret", NULL, 0);
	labeled_expand(key, 32, secret, hpke_suite, sizeof(hpke_suite), "key",
		       ks_ctx, sizeof(ks_ctx));
	labeled_expand(nonce, 12, secret, hpke_suite, sizeof(hpke_suite),
		       "base_nonce", ks_ctx, sizeof(ks_ctx));
	labeled_expand(exp, 32, secret, hpke_suite, sizeof(hpke_suite), "exp",
		       ks_ctx, sizeof(ks_ctx));
	if (sc_hpke_setup_auth_r(&ctx, rcp + 8, priv, sh + 8, info, info_len) ||
	    memcmp(ctx.key, key, 32) || memcmp(ctx.base_nonce, nonce, 12) ||
	    memcmp(ctx.exporter_secret, exp, 32))
		die("derivation mismatch: key schedule");
	if (sc_hpke_open(&ctx, k, NULL, 0, rcp + 40, 48))
		die("cannot unwrap the content key (a forged or altered entry?)");
	if (sc_hpke_export(&ctx, mac_key, 32,
			   (const unsigned char *)SEALCAM_EXPORT_LABEL,
			   sizeof(SEALCAM_EXPORT_LABEL) - 1))
		die("HPKE export failed");
	sc_hpke_ctx_wipe(&ctx);

	add("K", k, 32);
	add("mac_key", mac_key, 32);
	add_hmac_key("mac_key", mac_key);
	add("dh_e", dh, 32);
	add("dh_s", dh + 32, 32);
	add("eae_prk", eae_prk, 32);
	add_hmac_key("eae_prk", eae_prk);
	add("shared_secret", ss, 32);
	add_hmac_key("shared_secret", ss);
	add("secret", secret, 32);
	add_hmac_key("secret", secret);
	add("hpke_key", key, 32);
	add("base_nonce", nonce, 12);
	add("exporter_secret", exp, 32);
	add_hmac_key("exporter_secret", exp);

	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(eae_prk, sizeof(eae_prk));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(ss_lib, sizeof(ss_lib));
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(nonce, sizeof(nonce));
	sodium_memzero(exp, sizeof(exp));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(mac_key, sizeof(mac_key));
	free(seg);
}

struct ram {
	uint64_t paddr, len, offset;
};

static struct ram rams[256];
static unsigned int n_rams;

/* the direct-map (KCORE_RAM) segments of /proc/kcore: those with a
 * physical address below the kernel text mapping */
static void read_kcore_map(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		die("/proc/kcore: not an ELF64 core");
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			die("/proc/kcore: short program header");
		if (ph.p_type != PT_LOAD || ph.p_paddr == (Elf64_Addr)-1 ||
		    ph.p_vaddr >= 0xffffffff80000000ULL)
			continue;
		if (n_rams == sizeof(rams) / sizeof(rams[0]))
			die("/proc/kcore: too many RAM segments");
		rams[n_rams].paddr = ph.p_paddr;
		rams[n_rams].len = ph.p_memsz;
		rams[n_rams].offset = ph.p_offset;
		n_rams++;
	}
	if (!n_rams)
		die("/proc/kcore: no RAM segment");
}

static void check_at(const unsigned char *p, size_t avail, uint64_t paddr,
		     uint64_t flags)
{
	unsigned int i;

	for (i = 0; i < n_needles; i++) {
		struct needle *n = &needles[i];

		if (n->found || n->len > avail || memcmp(p, n->b, n->len))
			continue;
		n->found = true;
		n->paddr = paddr;
		n->flags = flags;
	}
}

/* look for every needle in @len bytes read from physical address @paddr */
static void scan_run(const unsigned char *buf, size_t len, uint64_t paddr,
		     const uint64_t *flags)
{
	size_t off;

	for (off = 0; off + 12 <= len; off++) {
		uint32_t p = buf[off] | buf[off + 1] << 8 |
			     (uint32_t)buf[off + 2] << 16;

		if (!(prefix_map[p >> 3] & (1 << (p & 7))))
			continue;
		check_at(buf + off, len - off, paddr + off, flags[off / PAGE]);
	}
}

/* a page the scan leaves out: user memory (the test's own copies) or none */
static bool user_page(uint64_t f)
{
	if (f & 1ULL << KPF_NOPAGE)
		return true;
	if (f & 1ULL << KPF_SLAB)
		return false;
	return f & (1ULL << KPF_ANON | 1ULL << KPF_LRU);
}

static void scan(int scan_no, int kcore, int kpf)
{
	static unsigned char buf[CHUNK_PAGES * PAGE + 64];
	uint64_t flags[CHUNK_PAGES];
	uint64_t pages = 0;
	struct timespec t0, t1;
	unsigned int r, i, j, k;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n_needles; i++)
		needles[i].found = false;
	for (r = 0; r < n_rams; r++) {
		uint64_t pfn0 = rams[r].paddr / PAGE;
		uint64_t npages = rams[r].len / PAGE, done;

		for (done = 0; done < npages; done += CHUNK_PAGES) {
			unsigned int cnt = npages - done < CHUNK_PAGES ?
					   npages - done : CHUNK_PAGES;
			ssize_t got;

			got = pread(kpf, flags, cnt * 8, (pfn0 + done) * 8);
			if (got != (ssize_t)(cnt * 8))
				die("/proc/kpageflags: short read");
			/*
			 * runs of pages that are not user memory. KPF_SLAB wins
			 * over KPF_ANON: 6.12's struct slab keeps the per-CPU
			 * partial list's count where struct page has ->mapping,
			 * so a slab page on that list with an odd count reads
			 * as anonymous (6.1 has slab_cache there, never odd)
			 */
			for (i = 0; i < cnt; i = j) {
				size_t len;

				if (user_page(flags[i])) {
					j = i + 1;
					continue;
				}
				for (j = i + 1; j < cnt && !user_page(flags[j]); j++)
					;
				len = (size_t)(j - i) * PAGE;
				got = pread(kcore, buf, len, rams[r].offset +
					    (done + i) * PAGE);
				if (got == (ssize_t)len) {
					pages += j - i;
					scan_run(buf, len, rams[r].paddr +
						 (done + i) * PAGE, flags + i);
					continue;
				}
				/*
				 * One page of the run cannot be read (a hole, or
				 * a page /proc/kcore refuses, as 6.12 does for
				 * some): read the run page by page and skip only
				 * those - else every needle in the run is missed
				 */
				for (k = i; k < j; k++) {
					got = pread(kcore, buf, PAGE, rams[r].offset +
						    (done + k) * PAGE);
					if (got != PAGE)
						continue;
					pages++;
					scan_run(buf, PAGE, rams[r].paddr +
						 (done + k) * PAGE, flags + k);
				}
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("scan %d: %llu pages, %llu MiB scanned in %.1f s\n", scan_no,
	       (unsigned long long)pages, (unsigned long long)(pages * PAGE >> 20),
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < n_needles; i++) {
		if (needles[i].found)
			printf("scan %d: %s found at 0x%llx (page flags 0x%llx%s)\n",
			       scan_no, needles[i].name,
			       (unsigned long long)needles[i].paddr,
			       (unsigned long long)needles[i].flags,
			       needles[i].flags & 1ULL << KPF_SLAB ? ", slab" :
			       needles[i].flags & 1ULL << KPF_BUDDY ? ", free" : "");
		else
			printf("scan %d: %s absent\n", scan_no, needles[i].name);
	}
	printf("scan %d: done\n", scan_no);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char line[16];
	int kcore, kpf;

	if (argc != 3) {
		fprintf(stderr, "usage: sc_keyscan OWNER.key SEGMENT.sealed\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("libsodium");
	prefix_map = calloc(1, 1 << 21);
	if (!prefix_map)
		die("out of memory");
	derive(argv[1], argv[2]);
	kcore = open("/proc/kcore", O_RDONLY);
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (kcore < 0 || kpf < 0)
		die("cannot open /proc/kcore or /proc/kpageflags (root, CONFIG_PROC_KCORE, CONFIG_PROC_PAGE_MONITOR)");
	read_kcore_map(kcore);
	printf("sc_keyscan: %u needles, %u RAM segments\n", n_needles, n_rams);
	scan(1, kcore, kpf);
	if (fgets(line, sizeof(line), stdin))
		scan(2, kcore, kpf);
	/* stay until stdin closes: a bash coproc that exits early takes its
	 * unread output with it */
	while (fgets(line, sizeof(line), stdin))
		;
	sodium_memzero(needles, sizeof(needles));
	return 0;
}
