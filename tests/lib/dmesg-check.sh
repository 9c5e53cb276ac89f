# SPDX-License-Identifier: GPL-2.0
# Shell library (source it): decide whether a kernel log shows a problem.
#
# dmesg_problems FILE
#	Prints every line of FILE that reports a kernel problem (warning,
#	BUG, oops, lockdep splat, hung task, sanitizer report, ...), minus
#	lines matched by the ignore list.  Returns 0 when it printed
#	something, 1 when the log is clean.
#
# The ignore list is tests/lib/dmesg-ignore (extended regular expressions,
# one per line, '#' comments); SEALCAM_DMESG_IGNORE may name another file.
# Keep it short: every entry hides a class of kernel reports.

# Extended regular expressions for lines that mean "something went wrong".
dmesg_problem_patterns() {
	cat <<'EOF'
WARNING:
BUG:
kernel BUG at
Oops
general protection
possible circular locking
INFO: possible
inconsistent lock state
possible recursive locking
suspicious RCU usage
hung task
blocked for more than [0-9]+ seconds
Call Trace:
UBSAN:
KASAN:
KFENCE:
Kernel panic
refcount_t:
list_add corruption
list_del corruption
unreferenced object
EOF
}

dmesg_problems() {
	local log=$1 ignore patterns
	local libdir
	libdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	ignore=${SEALCAM_DMESG_IGNORE:-$libdir/dmesg-ignore}
	[ -r "$log" ] || { echo "dmesg log $log is missing"; return 0; }
	patterns=$(dmesg_problem_patterns)
	if [ -r "$ignore" ] && grep -qvE '^[[:space:]]*(#|$)' "$ignore"; then
		grep -E -e "$patterns" "$log" |
			grep -vE -f <(grep -vE '^[[:space:]]*(#|$)' "$ignore")
	else
		grep -E -e "$patterns" "$log"
	fi
}
