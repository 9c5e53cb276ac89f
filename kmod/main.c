// SPDX-License-Identifier: GPL-2.0
/*
 * sealcam: V4L2 cameras whose frames are sealed in the kernel to their
 * owners' keys. Module init and exit only: subsystems come up in order and
 * go down in exact reverse.
 */

#include <linux/init.h>
#include <linux/module.h>

#include "sealcam.h"
#include "camera.h"

static int __init sc_mod_init(void)
{
	int ret;

	ret = sc_crypto_init();
	if (ret)
		return ret;

	ret = sc_crypto_selftest();
	if (unlikely(ret)) {
		pr_err("%s: crypto self-test failed (%d); refusing to load\n",
		       SC_DRV_NAME, ret);
		goto err_crypto;
	}

	ret = sc_keys_init();
	if (ret)
		goto err_crypto;

	ret = sc_netlink_init();
	if (ret)
		goto err_keys;

	ret = sc_cameras_init();
	if (ret)
		goto err_netlink;

	sc_bench_init();
	pr_info("%s: %u sealed camera(s), AEAD %s\n", SC_DRV_NAME,
		sc_camera_count(), sc_crypto_driver());
	return 0;

err_netlink:
	sc_netlink_exit();
err_keys:
	sc_keys_exit();
err_crypto:
	sc_crypto_exit();
	return ret;
}

static void __exit sc_mod_exit(void)
{
	sc_bench_exit();
	sc_cameras_exit();
	sc_netlink_exit();
	sc_keys_exit();
	sc_crypto_exit();
}

module_init(sc_mod_init);
module_exit(sc_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sealed V4L2 camera: frames encrypted in the kernel to their owners' keys");
MODULE_AUTHOR("sealcam developers");
MODULE_SOFTDEP("pre: chacha20-x86_64 poly1305-x86_64 curve25519-x86_64 chacha20poly1305 hmac sha256");
