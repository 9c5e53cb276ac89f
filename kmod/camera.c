// SPDX-License-Identifier: GPL-2.0
/*
 * sealcam camera instances: creation and teardown of the V4L2 devices,
 * open/release accounting, and the camera side of kmod/sealcam.h used by
 * the netlink family (status, segment policy, rotation).
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/suspend.h>
#include <linux/timekeeping.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-ioctl.h>

#include "sealcam.h"
#include "camera.h"

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "number of sealed cameras (1-8, default 1)");

static unsigned int seg_frames = 150;
module_param(seg_frames, uint, 0444);
MODULE_PARM_DESC(seg_frames,
		 "frames per segment, 0 = no limit (default 150)");

static unsigned int seg_ms;
module_param(seg_ms, uint, 0444);
MODULE_PARM_DESC(seg_ms, "segment duration in ms, 0 = no limit (default 0)");

/*
 * Segment ids must grow across reloads even when the clock does not (an
 * unset RTC, a clock stepped back): userspace keeps the largest id it has
 * seen + 1 in a state file and passes it back at load; ids then start at
 * max(segment_floor, clock seconds << 20). docs/KERNEL.md.
 */
static unsigned long long segment_floor;
module_param(segment_floor, ullong, 0444);
MODULE_PARM_DESC(segment_floor,
		 "first segment id at least this (restored by userspace; default 0: the clock alone)");

/* Guards the camera table against netlink requests during load/unload. */
static DEFINE_MUTEX(sc_cameras_mutex);
static struct sc_camera *sc_cameras[SC_MAX_CAMERAS];
static unsigned int sc_n_cameras;

void sc_cameras_lock(void)
{
	mutex_lock(&sc_cameras_mutex);
}

void sc_cameras_unlock(void)
{
	mutex_unlock(&sc_cameras_mutex);
}

struct sc_camera *sc_camera_get_locked(unsigned int idx)
{
	lockdep_assert_held(&sc_cameras_mutex);
	return idx < sc_n_cameras ? sc_cameras[idx] : NULL;
}

/* ---- file operations ---- */

static int sc_open(struct file *file)
{
	struct sc_camera *cam = video_drvdata(file);
	u64 opens;
	int ret;

	ret = v4l2_fh_open(file);
	if (ret)
		return ret;
	opens = atomic64_inc_return(&cam->opens);
	sc_event_open(cam->index, true, opens);
	return 0;
}

static int sc_release(struct file *file)
{
	struct sc_camera *cam = video_drvdata(file);

	sc_event_open(cam->index, false, atomic64_read(&cam->opens));
	return vb2_fop_release(file);
}

const struct v4l2_file_operations sc_fops = {
	.owner		= THIS_MODULE,
	.open		= sc_open,
	.release	= sc_release,
	.read		= vb2_fop_read,
	.poll		= vb2_fop_poll,
	.mmap		= vb2_fop_mmap,
	.unlocked_ioctl	= video_ioctl2,
};

/* ---- instances ---- */

/* v4l2_device release: runs once the video node and all users are gone. */
static void sc_camera_free(struct v4l2_device *v4l2_dev)
{
	struct sc_camera *cam = container_of(v4l2_dev, struct sc_camera,
					     v4l2_dev);

	sc_vid_cap_free(cam);
	tpg_free(&cam->tpg);
	kfree_sensitive(cam->snap);
	kfree(cam);
}

static struct sc_camera *sc_camera_create(unsigned int idx, u64 segment_seed)
{
	struct sc_camera *cam;
	int ret;

	cam = kzalloc(sizeof(*cam), GFP_KERNEL);
	if (!cam)
		return ERR_PTR(-ENOMEM);
	cam->index = idx;
	mutex_init(&cam->lock);
	mutex_init(&cam->src_lock);
	spin_lock_init(&cam->qlock);
	INIT_LIST_HEAD(&cam->buf_list);
	init_waitqueue_head(&cam->wq);
	cam->next_segment_id = segment_seed;
	cam->seg_frames = seg_frames;
	cam->seg_ms = seg_ms;

	snprintf(cam->v4l2_dev.name, sizeof(cam->v4l2_dev.name), "%s-%u",
		 SC_DRV_NAME, idx);
	ret = v4l2_device_register(NULL, &cam->v4l2_dev);
	if (ret) {
		kfree(cam);
		return ERR_PTR(ret);
	}
	/* From here on the last v4l2_device_put() frees the camera. */
	cam->v4l2_dev.release = sc_camera_free;

	cam->snap = kzalloc(sizeof(*cam->snap), GFP_KERNEL);
	if (!cam->snap) {
		ret = -ENOMEM;
		goto err_put;
	}
	tpg_init(&cam->tpg, SEALCAM_MAX_WIDTH, SEALCAM_MAX_HEIGHT);
	ret = tpg_alloc(&cam->tpg, SEALCAM_MAX_WIDTH);
	if (ret)
		goto err_put;
	ret = sc_vid_cap_init(cam);
	if (ret)
		goto err_put;
	ret = video_register_device(&cam->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err_put;
	v4l2_info(&cam->v4l2_dev, "sealed camera %u is %s\n", idx,
		  video_device_node_name(&cam->vdev));
	return cam;

err_put:
	v4l2_device_unregister(&cam->v4l2_dev);
	v4l2_device_put(&cam->v4l2_dev);
	return ERR_PTR(ret);
}

static void sc_camera_destroy(struct sc_camera *cam)
{
	video_unregister_device(&cam->vdev);
	v4l2_device_unregister(&cam->v4l2_dev);
	v4l2_device_put(&cam->v4l2_dev);
}

/*
 * A VM fork or snapshot restore, or a hibernation image resumed (perhaps
 * twice), would go on sealing with a content key and frame index that the
 * other copy also uses: ChaCha20-Poly1305 nonce reuse. So every open
 * segment ends (no LAST, K wiped) when the VM generation changes or the
 * system prepares to hibernate or suspend; the next frame starts a new
 * segment with a new K (docs/KERNEL.md).
 */
void sc_cameras_end_segments(const char *why)
{
	unsigned int i, n = 0;

	mutex_lock(&sc_cameras_mutex);
	for (i = 0; i < sc_n_cameras; i++)
		n += sc_capture_end_segment(sc_cameras[i]);
	mutex_unlock(&sc_cameras_mutex);
	if (n)
		pr_info("%s: %s: %u open segment(s) ended, their keys wiped\n",
			SC_DRV_NAME, why, n);
}

static int sc_vmfork_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	sc_cameras_end_segments("VM fork or snapshot restore");
	return NOTIFY_DONE;
}

static int sc_pm_notify(struct notifier_block *nb, unsigned long action,
			void *data)
{
	if (action == PM_HIBERNATION_PREPARE || action == PM_SUSPEND_PREPARE ||
	    action == PM_RESTORE_PREPARE)
		sc_cameras_end_segments(action == PM_SUSPEND_PREPARE ?
					"suspend" : "hibernation");
	return NOTIFY_DONE;
}

static struct notifier_block sc_vmfork_nb = {
	.notifier_call = sc_vmfork_notify,
};

static struct notifier_block sc_pm_nb = {
	.notifier_call = sc_pm_notify,
};

int sc_cameras_init(void)
{
	/*
	 * Segment ids keep growing across reloads: seed from the clock, and
	 * never below the floor userspace restored (the clock may be wrong).
	 */
	u64 seed = max_t(u64, (u64)ktime_get_real_seconds() << 20,
			 segment_floor);
	struct sc_camera *cam;
	unsigned int i;

	if (devices < 1 || devices > SC_MAX_CAMERAS) {
		pr_err("%s: devices=%u out of range 1..%u\n", SC_DRV_NAME,
		       devices, SC_MAX_CAMERAS);
		return -EINVAL;
	}

	for (i = 0; i < devices; i++) {
		cam = sc_camera_create(i, seed);
		if (IS_ERR(cam)) {
			sc_cameras_exit();
			return PTR_ERR(cam);
		}
		mutex_lock(&sc_cameras_mutex);
		sc_cameras[i] = cam;
		sc_n_cameras = i + 1;
		mutex_unlock(&sc_cameras_mutex);
	}
	/* Neither can fail (both only add to a notifier chain). */
	register_random_vmfork_notifier(&sc_vmfork_nb);
	register_pm_notifier(&sc_pm_nb);
	return 0;
}

void sc_cameras_exit(void)
{
	unsigned int i;

	/* -ENOENT when init failed before registering: harmless */
	unregister_pm_notifier(&sc_pm_nb);
	unregister_random_vmfork_notifier(&sc_vmfork_nb);
	mutex_lock(&sc_cameras_mutex);
	for (i = sc_n_cameras; i-- > 0;) {
		sc_camera_destroy(sc_cameras[i]);
		sc_cameras[i] = NULL;
	}
	sc_n_cameras = 0;
	mutex_unlock(&sc_cameras_mutex);
}

/* ---- camera side of kmod/sealcam.h ---- */

unsigned int sc_camera_count(void)
{
	unsigned int n;

	mutex_lock(&sc_cameras_mutex);
	n = sc_n_cameras;
	mutex_unlock(&sc_cameras_mutex);
	return n;
}

int sc_camera_status(unsigned int idx, struct sc_camera_status *st)
{
	struct sc_camera *cam;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	mutex_lock(&sc_cameras_mutex);
	cam = sc_camera_get_locked(idx);
	if (!cam) {
		ret = -ENODEV;
		goto out;
	}
	strscpy(st->node, video_device_node_name(&cam->vdev),
		sizeof(st->node));
	st->streaming = READ_ONCE(cam->streaming);
	st->segment_id = atomic64_read(&cam->segment_id);
	st->frames = atomic64_read(&cam->frames);
	st->bytes = atomic64_read(&cam->bytes);
	st->segments = atomic64_read(&cam->segments);
	st->drops = atomic64_read(&cam->drops);
	st->opens = atomic64_read(&cam->opens);
	st->seg_frames = READ_ONCE(cam->seg_frames);
	st->seg_ms = READ_ONCE(cam->seg_ms);
out:
	mutex_unlock(&sc_cameras_mutex);
	return ret;
}

int sc_camera_set_segment_policy(int idx, u32 frames, u32 ms)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&sc_cameras_mutex);
	if (idx >= (int)sc_n_cameras) {
		ret = -ENODEV;
		goto out;
	}
	for (i = 0; i < sc_n_cameras; i++) {
		if (idx >= 0 && i != idx)
			continue;
		WRITE_ONCE(sc_cameras[i]->seg_frames, frames);
		WRITE_ONCE(sc_cameras[i]->seg_ms, ms);
	}
out:
	mutex_unlock(&sc_cameras_mutex);
	return ret;
}

int sc_camera_rotate(int idx)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&sc_cameras_mutex);
	if (idx >= (int)sc_n_cameras) {
		ret = -ENODEV;
		goto out;
	}
	for (i = 0; i < sc_n_cameras; i++) {
		if (idx >= 0 && i != idx)
			continue;
		/* Only a running segment can end; start clears the flag. */
		if (READ_ONCE(sc_cameras[i]->streaming))
			atomic_set(&sc_cameras[i]->rotate, 1);
	}
out:
	mutex_unlock(&sc_cameras_mutex);
	return ret;
}
