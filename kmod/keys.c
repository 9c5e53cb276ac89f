// SPDX-License-Identifier: GPL-2.0
/*
 * Recipient keys and the device key of sealcam.ko.
 *
 * Recipients are X25519 public keys that every new segment's content key is
 * HPKE-wrapped to. The device key pair is the HPKE (mode_auth) sender key; its
 * private half is written by userspace or generated here and never leaves the
 * module except inside a snapshot handed to the sealing code.
 *
 * Once locked, the keyring (recipients and device key) is frozen until the
 * module is reloaded, so that a later root compromise cannot quietly slip in
 * a recipient. Every change bumps the generation counter, which cameras use
 * to notice that a running segment is sealed to an outdated key set.
 */

#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sealcam.h"
#include "keys.h"

struct sc_keyring {
	struct mutex lock;	/* protects everything below */
	struct sc_recipient_key recipients[SEALCAM_MAX_RECIPIENTS];
	unsigned int n_recipients;
	u8 device_priv[SEALCAM_KEY_LEN];
	u8 device_pub[SEALCAM_KEY_LEN];
	u8 device_id[SEALCAM_KEY_ID_LEN];
	bool locked;
	u64 generation;
};

static struct sc_keyring *keyring;

/*
 * Points of small order on Curve25519 and their non-canonical encodings below
 * 2^255 (bit 255 is ignored by X25519, so it is masked before comparing).
 * Multiplying any of them by a clamped scalar yields the all-zero output.
 */
static const u8 weak_points[][SEALCAM_KEY_LEN] = {
	/* 0 */
	{ 0 },
	/* 1 */
	{ 1 },
	/* order 8 */
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
	  0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
	  0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	/* order 8 */
	{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
	  0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
	  0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	/* p - 1 */
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* p, non-canonical 0 */
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	/* p + 1, non-canonical 1 */
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

bool sc_keys_pub_is_weak(const u8 pub[SEALCAM_KEY_LEN])
{
	u8 masked[SEALCAM_KEY_LEN];
	unsigned int i;

	memcpy(masked, pub, SEALCAM_KEY_LEN);
	masked[SEALCAM_KEY_LEN - 1] &= 0x7f;
	for (i = 0; i < ARRAY_SIZE(weak_points); i++)
		if (!memcmp(masked, weak_points[i], SEALCAM_KEY_LEN))
			return true;
	return false;
}

static bool label_is_valid(const char *label)
{
	size_t len = strnlen(label, SEALCAM_LABEL_MAX);
	size_t i;

	if (len >= SEALCAM_LABEL_MAX)
		return false;
	/* Labels end up on terminals: no control characters. */
	for (i = 0; i < len; i++)
		if ((u8)label[i] < 0x20 || (u8)label[i] == 0x7f)
			return false;
	return true;
}

static int find_recipient(const u8 id[SEALCAM_KEY_ID_LEN])
{
	unsigned int i;

	lockdep_assert_held(&keyring->lock);
	for (i = 0; i < keyring->n_recipients; i++)
		if (!memcmp(keyring->recipients[i].id, id, SEALCAM_KEY_ID_LEN))
			return i;
	return -ENOENT;
}

int sc_keys_add(const u8 pub[SEALCAM_KEY_LEN], const char *label,
		u8 id[SEALCAM_KEY_ID_LEN])
{
	struct sc_recipient_key *slot;
	unsigned int i;
	int ret = 0;

	if (!label)
		label = "";
	if (sc_keys_pub_is_weak(pub) || !label_is_valid(label))
		return -EINVAL;
	sc_key_id(pub, id);

	mutex_lock(&keyring->lock);
	if (keyring->locked) {
		ret = -EKEYREJECTED;
		goto out;
	}
	for (i = 0; i < keyring->n_recipients; i++) {
		/* Same id and different key is a 2^-64 event; refuse it too. */
		if (!memcmp(keyring->recipients[i].pub, pub, SEALCAM_KEY_LEN) ||
		    !memcmp(keyring->recipients[i].id, id, SEALCAM_KEY_ID_LEN)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (keyring->n_recipients >= SEALCAM_MAX_RECIPIENTS) {
		ret = -ENOSPC;
		goto out;
	}
	slot = &keyring->recipients[keyring->n_recipients];
	memcpy(slot->pub, pub, SEALCAM_KEY_LEN);
	memcpy(slot->id, id, SEALCAM_KEY_ID_LEN);
	strscpy(slot->label, label, sizeof(slot->label));
	keyring->n_recipients++;
	keyring->generation++;
out:
	mutex_unlock(&keyring->lock);
	return ret;
}

int sc_keys_del(const u8 id[SEALCAM_KEY_ID_LEN])
{
	unsigned int last;
	int idx, ret = 0;

	mutex_lock(&keyring->lock);
	if (keyring->locked) {
		ret = -EKEYREJECTED;
		goto out;
	}
	idx = find_recipient(id);
	if (idx < 0) {
		ret = idx;
		goto out;
	}
	/* Keep insertion order so that listings stay stable. */
	last = keyring->n_recipients - 1;
	memmove(&keyring->recipients[idx], &keyring->recipients[idx + 1],
		(last - idx) * sizeof(keyring->recipients[0]));
	memset(&keyring->recipients[last], 0, sizeof(keyring->recipients[0]));
	keyring->n_recipients--;
	keyring->generation++;
out:
	mutex_unlock(&keyring->lock);
	return ret;
}

int sc_keys_get(unsigned int idx, struct sc_recipient_key *out, u64 *generation)
{
	int ret = 0;

	mutex_lock(&keyring->lock);
	if (generation)
		*generation = keyring->generation;
	if (idx >= keyring->n_recipients)
		ret = -ENOENT;
	else
		*out = keyring->recipients[idx];
	mutex_unlock(&keyring->lock);
	return ret;
}

int sc_keys_lock(void)
{
	int changed;

	mutex_lock(&keyring->lock);
	changed = !keyring->locked;
	if (changed) {
		keyring->locked = true;
		keyring->generation++;
	}
	mutex_unlock(&keyring->lock);
	return changed;
}

bool sc_keys_locked(void)
{
	bool locked;

	mutex_lock(&keyring->lock);
	locked = keyring->locked;
	mutex_unlock(&keyring->lock);
	return locked;
}

/* Install a private key whose public half is already computed. */
static void install_devkey(const u8 priv[SEALCAM_KEY_LEN],
			   const u8 pub[SEALCAM_KEY_LEN])
{
	lockdep_assert_held(&keyring->lock);
	memcpy(keyring->device_priv, priv, SEALCAM_KEY_LEN);
	memcpy(keyring->device_pub, pub, SEALCAM_KEY_LEN);
	sc_key_id(pub, keyring->device_id);
	keyring->generation++;
}

int sc_keys_devkey_set(const u8 priv[SEALCAM_KEY_LEN])
{
	u8 pub[SEALCAM_KEY_LEN];
	int ret;

	if (!memchr_inv(priv, 0, SEALCAM_KEY_LEN))
		return -EINVAL;
	ret = sc_x25519_public(pub, priv);
	if (ret)
		return ret;
	if (sc_keys_pub_is_weak(pub))
		return -EINVAL;

	mutex_lock(&keyring->lock);
	if (keyring->locked)
		ret = -EKEYREJECTED;
	else
		install_devkey(priv, pub);
	mutex_unlock(&keyring->lock);
	return ret;
}

int sc_keys_devkey_generate(void)
{
	u8 priv[SEALCAM_KEY_LEN], pub[SEALCAM_KEY_LEN];
	int ret;

	sc_x25519_generate(priv);
	ret = sc_x25519_public(pub, priv);
	if (ret)
		goto out;

	mutex_lock(&keyring->lock);
	if (keyring->locked)
		ret = -EKEYREJECTED;
	else
		install_devkey(priv, pub);
	mutex_unlock(&keyring->lock);
out:
	memzero_explicit(priv, sizeof(priv));
	return ret;
}

void sc_keys_devkey_public(u8 pub[SEALCAM_KEY_LEN], u8 id[SEALCAM_KEY_ID_LEN])
{
	mutex_lock(&keyring->lock);
	memcpy(pub, keyring->device_pub, SEALCAM_KEY_LEN);
	memcpy(id, keyring->device_id, SEALCAM_KEY_ID_LEN);
	mutex_unlock(&keyring->lock);
}

int sc_keys_snapshot(struct sc_key_snapshot *snap)
{
	int ret = 0;

	mutex_lock(&keyring->lock);
	if (!keyring->n_recipients) {
		ret = -ENOKEY;
		goto out;
	}
	memcpy(snap->device_priv, keyring->device_priv, SEALCAM_KEY_LEN);
	memcpy(snap->device_pub, keyring->device_pub, SEALCAM_KEY_LEN);
	memcpy(snap->device_id, keyring->device_id, SEALCAM_KEY_ID_LEN);
	snap->n_recipients = keyring->n_recipients;
	memcpy(snap->recipients, keyring->recipients,
	       keyring->n_recipients * sizeof(snap->recipients[0]));
	memset(&snap->recipients[keyring->n_recipients], 0,
	       (SEALCAM_MAX_RECIPIENTS - keyring->n_recipients) *
	       sizeof(snap->recipients[0]));
	snap->generation = keyring->generation;
out:
	mutex_unlock(&keyring->lock);
	return ret;
}

void sc_keys_snapshot_wipe(struct sc_key_snapshot *snap)
{
	memzero_explicit(snap, sizeof(*snap));
}

u64 sc_keys_generation(void)
{
	u64 generation;

	mutex_lock(&keyring->lock);
	generation = keyring->generation;
	mutex_unlock(&keyring->lock);
	return generation;
}

unsigned int sc_keys_count(void)
{
	unsigned int n;

	mutex_lock(&keyring->lock);
	n = keyring->n_recipients;
	mutex_unlock(&keyring->lock);
	return n;
}

int sc_keys_init(void)
{
	int ret;

	/*
	 * The device key, and later every content key and HPKE ephemeral key,
	 * come from get_random_bytes(): wait until the RNG is seeded. A signal
	 * interrupts the wait and fails the load with its error.
	 */
	ret = wait_for_random_bytes();
	if (ret)
		return ret;
	keyring = kzalloc(sizeof(*keyring), GFP_KERNEL);
	if (!keyring)
		return -ENOMEM;
	mutex_init(&keyring->lock);
	keyring->generation = 1;
	ret = sc_keys_devkey_generate();
	if (ret) {
		mutex_destroy(&keyring->lock);
		kfree_sensitive(keyring);
		keyring = NULL;
	}
	return ret;
}

void sc_keys_exit(void)
{
	if (!keyring)
		return;
	mutex_destroy(&keyring->lock);
	/* kfree_sensitive wipes the device private key with the rest. */
	kfree_sensitive(keyring);
	keyring = NULL;
}
