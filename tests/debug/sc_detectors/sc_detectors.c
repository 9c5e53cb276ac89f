// SPDX-License-Identifier: GPL-2.0
/*
 * sc_detectors - TEST-ONLY module for `make check-debug`.
 *
 * It commits, on request, the kinds of bug the debug kernel must catch, so
 * that tests/debug/test_detectors.sh can show that lockdep,
 * DEBUG_ATOMIC_SLEEP, UBSAN, KASAN and kmemleak are live and that
 * tests/lib/dmesg-check.sh names their reports.  It is never part of
 * sealcam.ko and must never be loaded outside that test: every trigger
 * corrupts the kernel's bookkeeping on purpose.
 *
 *   echo abba > /sys/kernel/debug/sc_detectors/trigger
 *	takes mutex A then B, then B then A: lockdep's circular dependency
 *	report (one thread is enough, lockdep works on the order, not the race)
 *   echo atomic > /sys/kernel/debug/sc_detectors/trigger
 *	might_sleep() under a spinlock: "BUG: sleeping function called from
 *	invalid context" (DEBUG_ATOMIC_SLEEP; it does not actually sleep)
 *   echo shift > /sys/kernel/debug/sc_detectors/trigger
 *	shifts an int by 40: UBSAN's shift-out-of-bounds report
 *   echo uaf  > /sys/kernel/debug/sc_detectors/trigger
 *	reads a kmalloc'd byte after kfree: KASAN's use-after-free report
 *   echo leak > /sys/kernel/debug/sc_detectors/trigger
 *	allocates four objects and drops every pointer to them: kmemleak
 *	reports them after a scan
 *
 * Order matters: a KASAN report taints the kernel, which turns lockdep off,
 * so trigger abba before uaf.
 */

#include <linux/compiler.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(sc_det_a);
static DEFINE_MUTEX(sc_det_b);
static struct dentry *sc_det_dir;

static noinline void sc_det_abba(void)
{
	mutex_lock(&sc_det_a);
	mutex_lock(&sc_det_b);
	mutex_unlock(&sc_det_b);
	mutex_unlock(&sc_det_a);

	/* the inverse order closes the cycle A -> B -> A */
	mutex_lock(&sc_det_b);
	mutex_lock(&sc_det_a);
	mutex_unlock(&sc_det_a);
	mutex_unlock(&sc_det_b);
}

static DEFINE_SPINLOCK(sc_det_lock);

static noinline void sc_det_atomic(void)
{
	spin_lock(&sc_det_lock);
	might_sleep();
	spin_unlock(&sc_det_lock);
}

static noinline void sc_det_shift(void)
{
	int one = 1, shift = 40;

	OPTIMIZER_HIDE_VAR(shift);
	pr_info("sc_detectors: 1 << 40 as an int gives %d\n", one << shift);
}

static noinline int sc_det_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	char v;

	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, 64);
	kfree(p);
	/* hide the kfree from the compiler, then read the freed object */
	OPTIMIZER_HIDE_VAR(p);
	v = READ_ONCE(p[8]);
	pr_info("sc_detectors: read 0x%02x from a freed object\n", (u8)v);
	return 0;
}

static noinline int sc_det_leak(void)
{
	void *p;
	int i;

	for (i = 0; i < 4; i++) {
		p = kmalloc(96 + 32 * i, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		/* no pointers inside, and none kept: unreferenced */
		memset(p, 0xa5, 96 + 32 * i);
		OPTIMIZER_HIDE_VAR(p);
		p = NULL;
	}
	pr_info("sc_detectors: leaked 4 objects\n");
	return 0;
}

static ssize_t sc_det_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[16] = {};
	int ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	strim(buf);

	if (!strcmp(buf, "abba"))
		sc_det_abba();
	else if (!strcmp(buf, "atomic"))
		sc_det_atomic();
	else if (!strcmp(buf, "shift"))
		sc_det_shift();
	else if (!strcmp(buf, "uaf"))
		ret = sc_det_uaf();
	else if (!strcmp(buf, "leak"))
		ret = sc_det_leak();
	else
		return -EINVAL;
	return ret ? ret : len;
}

static const struct file_operations sc_det_fops = {
	.owner = THIS_MODULE,
	.write = sc_det_write,
};

static int __init sc_det_init(void)
{
	sc_det_dir = debugfs_create_dir("sc_detectors", NULL);
	debugfs_create_file("trigger", 0200, sc_det_dir, NULL, &sc_det_fops);
	pr_info("sc_detectors: loaded (TEST ONLY: triggers kernel bug reports)\n");
	return 0;
}

static void __exit sc_det_exit(void)
{
	debugfs_remove_recursive(sc_det_dir);
}

module_init(sc_det_init);
module_exit(sc_det_exit);
MODULE_DESCRIPTION("TEST ONLY: deliberate use-after-free, lock inversion and leak for make check-debug");
MODULE_LICENSE("GPL");
