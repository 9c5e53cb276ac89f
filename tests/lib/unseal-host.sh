# SPDX-License-Identifier: GPL-2.0
# Shell library (source it first) for the host tests of `sealcam unseal`:
# the checkout as cwd, tap.sh loaded, and
#   tmp  scratch directory (SEALCAM_TMP)     sc   the CLI
#   mk   sc-mkseg (userspace sealer)         vec  tests/vectors
#   key  the vectors' owner key
# Pins go to a known-devices file in tmp, never the user's own.  A missing
# CLI or sc-mkseg fails the test (tap_missing): make tests builds both.

root=${SEALCAM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
tmp=${SEALCAM_TMP:-$(mktemp -d)}
cd "$root" || exit 1
. tests/lib/tap.sh

sc=build/sealcam
mk=build/tests/agent/sc-mkseg
vec=tests/vectors
key=$vec/owner.key

[ -x "$sc" ] || tap_missing "$sc (make user)"
[ -x "$mk" ] || tap_missing "$mk (make tests)"
export SEALCAM_KNOWN_DEVICES=$tmp/known_devices
unset XDG_CONFIG_HOME
