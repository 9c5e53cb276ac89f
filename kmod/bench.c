// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel sealing benchmark, root-only, in debugfs:
 *
 *   echo "1280x720 100 [SPLIT]" > /sys/kernel/debug/sealcam/bench
 *   cat /sys/kernel/debug/sealcam/bench
 *
 * seals 100 YUYV frames of that size exactly as the capture path does
 * (sc_seal_frame: in-place ChaCha20-Poly1305 in a private buffer, the
 * format v3 MAC, then the copy out) to a throw-away segment with a
 * throw-away recipient, on one CPU (SPLIT 0) or split with a second
 * (SPLIT 1; default: the seal_split parameter), and times beside it the
 * same number of plain memcpy()s, AEADs, Poly1305s and SHA-256s of the
 * same size. The result line reports nanoseconds for each and the
 * implementations used.
 * Nothing here touches the device's keys or cameras.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/hash.h>
#include <crypto/poly1305.h>
#include <crypto/sha2.h>

#include "sealcam.h"

#define SC_BENCH_MAX_FRAMES 10000

static struct dentry *sc_debugfs_dir;
static DEFINE_MUTEX(sc_bench_lock);
static char sc_bench_result[384];

static int sc_bench_snapshot(struct sc_key_snapshot *snap)
{
	u8 recipient_priv[SEALCAM_KEY_LEN];
	int ret;

	memset(snap, 0, sizeof(*snap));
	sc_x25519_generate(snap->device_priv);
	sc_x25519_generate(recipient_priv);
	ret = sc_x25519_public(snap->device_pub, snap->device_priv);
	if (!ret)
		ret = sc_x25519_public(snap->recipients[0].pub, recipient_priv);
	memzero_explicit(recipient_priv, sizeof(recipient_priv));
	if (ret)
		return ret;
	sc_key_id(snap->device_pub, snap->device_id);
	sc_key_id(snap->recipients[0].pub, snap->recipients[0].id);
	snap->n_recipients = 1;
	return 0;
}

static int sc_bench_run(unsigned int width, unsigned int height,
			unsigned int frames, int split)
{
	size_t plain_len = SEALCAM_META_LEN + (size_t)width * height * 2;
	size_t dst_len = sc_sealed_max(plain_len);
	struct sc_key_snapshot *snap;
	struct sc_segment seg = { 0 };
	u8 *plain, *dst;
	u64 t0, seal_ns, copy_ns, aead_ns, sha_ns, shash_ns = 0, poly_ns;
	struct poly1305_desc_ctx pd;
	u8 key[CHACHA20POLY1305_KEY_SIZE] = { 0 };
	u8 digest[SHA256_DIGEST_SIZE];
	char shash_driver[CRYPTO_MAX_ALG_NAME] = "none";
	struct crypto_shash *tfm;
	unsigned int i;
	ssize_t n = 0;
	int ret = -ENOMEM;

	snap = kzalloc(sizeof(*snap), GFP_KERNEL);
	plain = vmalloc(plain_len + SEALCAM_TAG_LEN);
	dst = vmalloc(dst_len);
	if (!snap || !plain || !dst)
		goto out;
	ret = sc_bench_snapshot(snap);
	if (ret)
		goto out;
	ret = sc_segment_start(&seg, 1, 0, snap);
	if (ret)
		goto out;
	if (split >= 0)
		seg.split = split;
	split = seg.split;
	memset(plain, 0x80, plain_len);

	t0 = ktime_get_ns();
	for (i = 0; i < frames && n >= 0; i++) {
		n = sc_seal_frame(&seg, dst, dst_len, plain, plain_len,
				  i + 1 == frames);
		cond_resched();
	}
	seal_ns = ktime_get_ns() - t0;
	sc_segment_end(&seg);
	if (n < 0) {
		ret = n;
		goto out;
	}

	t0 = ktime_get_ns();
	for (i = 0; i < frames; i++) {
		memcpy(dst, plain, plain_len);
		cond_resched();
	}
	copy_ns = ktime_get_ns() - t0;

	/* the parts of a seal alone: the AEAD, and SHA-256 over the frame */
	t0 = ktime_get_ns();
	for (i = 0; i < frames; i++) {
		chacha20poly1305_encrypt(plain, plain, plain_len, NULL, 0, i,
					 key);
		cond_resched();
	}
	aead_ns = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < frames; i++) {
		poly1305_init(&pd, key);
		poly1305_update(&pd, plain, plain_len);
		poly1305_final(&pd, digest);
		cond_resched();
	}
	poly_ns = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < frames; i++) {
		sha256(plain, plain_len, digest);
		cond_resched();
	}
	sha_ns = ktime_get_ns() - t0;
	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (!IS_ERR(tfm)) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		strscpy(shash_driver, crypto_shash_driver_name(tfm),
			sizeof(shash_driver));
		t0 = ktime_get_ns();
		for (i = 0; i < frames; i++) {
			crypto_shash_digest(desc, plain, plain_len, digest);
			cond_resched();
		}
		shash_ns = ktime_get_ns() - t0;
		shash_desc_zero(desc);
		crypto_free_shash(tfm);
	}

	snprintf(sc_bench_result, sizeof(sc_bench_result),
		 "size=%ux%u frame_bytes=%zu frames=%u split=%d cpus=%u seal_ns=%llu memcpy_ns=%llu aead_ns=%llu poly1305_ns=%llu sha256_lib_ns=%llu sha256_api_ns=%llu sha256_api=%s driver=%s\n",
		 width, height, plain_len, frames, split,
		 num_online_cpus(), seal_ns, copy_ns, aead_ns, poly_ns,
		 sha_ns, shash_ns, shash_driver, sc_crypto_driver());
	ret = 0;
out:
	if (snap)
		sc_keys_snapshot_wipe(snap);
	kfree(snap);
	vfree(plain);
	vfree(dst);
	return ret;
}

static ssize_t sc_bench_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	unsigned int width, height, frames;
	char buf[64];
	int ret, n, split;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	split = -1;
	n = sscanf(buf, "%ux%u %u %d", &width, &height, &frames, &split);
	if (n < 3 || (n == 4 && split != 0 && split != 1))
		return -EINVAL;
	if (width < SEALCAM_MIN_WIDTH || width > SEALCAM_MAX_WIDTH ||
	    height < SEALCAM_MIN_HEIGHT || height > SEALCAM_MAX_HEIGHT ||
	    !frames || frames > SC_BENCH_MAX_FRAMES)
		return -ERANGE;

	mutex_lock(&sc_bench_lock);
	ret = sc_bench_run(width, height, frames, split);
	mutex_unlock(&sc_bench_lock);
	return ret ? ret : len;
}

static ssize_t sc_bench_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&sc_bench_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, sc_bench_result,
				      strlen(sc_bench_result));
	mutex_unlock(&sc_bench_lock);
	return ret;
}

static const struct file_operations sc_bench_fops = {
	.owner = THIS_MODULE,
	.read = sc_bench_read,
	.write = sc_bench_write,
	.llseek = default_llseek,
};

/*
 * Writing anything to end_segments does what a VM fork or a hibernation
 * does (kmod/camera.c): every open segment ends without LAST, its key
 * wiped. For tests (tests/vm/test_seal_epoch.sh); root only.
 */
static ssize_t sc_end_segments_write(struct file *file, const char __user *ubuf,
				     size_t len, loff_t *ppos)
{
	sc_cameras_end_segments("debugfs end_segments");
	return len;
}

static const struct file_operations sc_end_segments_fops = {
	.owner = THIS_MODULE,
	.write = sc_end_segments_write,
	.llseek = noop_llseek,
};

void sc_bench_init(void)
{
	/* debugfs is optional: without it there is just no benchmark */
	sc_debugfs_dir = debugfs_create_dir(SC_DRV_NAME, NULL);
	debugfs_create_file("bench", 0600, sc_debugfs_dir, NULL,
			    &sc_bench_fops);
	debugfs_create_file("end_segments", 0200, sc_debugfs_dir, NULL,
			    &sc_end_segments_fops);
}

void sc_bench_exit(void)
{
	debugfs_remove_recursive(sc_debugfs_dir);
}
