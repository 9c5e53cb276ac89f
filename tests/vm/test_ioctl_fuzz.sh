#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A few thousand random ioctls (random request numbers, random argument
# bytes, bad pointers, buffer and stream state changes) on a sealcam node:
# every one gets an answer, the camera still works afterwards, and the VM
# suite's dmesg check fails the run on any WARN, BUG or oops they caused.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/sealcam.sh"

tap_plan 5
T=$SEALCAM_TMP
sc_on_exit sc_unload

ITER=4000
# the debug kernel (make check-debug) runs them several times slower
[ -n "${SEALCAM_DEBUG_KERNEL:-}" ] && ITER=1000
ITER=${SEALCAM_IOCTL_ITER:-$ITER}
[ -n "${SEALCAM_LONG:-}" ] && ITER=50000
seed=${SEALCAM_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
tap_diag "seed $seed (SEALCAM_SEED=$seed reproduces this run)"

tap_ok "load sealcam.ko" sc_load devices=1
node=$(sc_node 0)
out=$("$SC_TOOLS/ioctl_fuzz" "$node" "$ITER" "$seed" 2>&1)
tap_check "$ITER random ioctls without a recipient key: all answered ($out)" \
	test $? = 0
"$SC" genkey | "$SC" pubkey >"$T/owner.pub"
"$SC" key add "$T/owner.pub" >/dev/null
out=$("$SC_TOOLS/ioctl_fuzz" "$node" "$ITER" "$((seed + 1))" 2>&1)
tap_check "$ITER random ioctls with a recipient (streams start): all answered ($out)" \
	test $? = 0
tap_ok "the camera still streams afterwards" \
	"$SC_TOOLS/sc_capture" -d "$node" -f yuyv -s 320x240 -n 5 -m mmap
tap_ok "unload sealcam" sc_unload
tap_done
