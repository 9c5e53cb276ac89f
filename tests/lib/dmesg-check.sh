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

# vivid (the kernel's virtual camera, a test fixture here) computes a
# negative sleep when its capture thread falls behind a frame on a starved
# VM, and schedule_timeout() reports that with a stack dump:
#	schedule_timeout: wrong timeout value fffffffffffffffe
#	CPU: 0 PID: 596 Comm: vivid-000-vid-c ...
#	Call Trace: ... </TASK>
# Only that whole report, in a vivid thread, is dropped; the same message
# from any other task (sealcam's threads included) still counts.
dmesg_drop_vivid_timeout() {
	awk '
	function flush(keep,   i) {
		for (i = 1; i <= n; i++)
			if (keep) print held[i]
		n = 0
	}
	/schedule_timeout: wrong timeout value/ { flush(1); held[++n] = $0; hold = 1; next }
	hold {
		held[++n] = $0
		if ((n == 2 && $0 !~ /Comm: vivid-[0-9]+-/) ||
		    $0 !~ /\] (CPU: |Hardware name: |Call Trace:| <\/?TASK>| [?] |  *[a-z_][a-z0-9_.]*\+0x)/) {
			# not vivid, or a line that is no part of the dump
			hold = 0; flush(1)
		}
		else if ($0 ~ /<\/TASK>/) { hold = 0; n = 0 }
		else if (n > 40) { hold = 0; flush(1) }
		next
	}
	{ print }
	END { flush(1) }
	' "$1"
}

dmesg_problems() {
	local log=$1 ignore patterns
	local libdir
	libdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	ignore=${SEALCAM_DMESG_IGNORE:-$libdir/dmesg-ignore}
	[ -r "$log" ] || { echo "dmesg log $log is missing"; return 0; }
	patterns=$(dmesg_problem_patterns)
	if [ -r "$ignore" ] && grep -qvE '^[[:space:]]*(#|$)' "$ignore"; then
		dmesg_drop_vivid_timeout "$log" | grep -E -e "$patterns" |
			grep -vE -f <(grep -vE '^[[:space:]]*(#|$)' "$ignore")
	else
		dmesg_drop_vivid_timeout "$log" | grep -E -e "$patterns"
	fi
}
