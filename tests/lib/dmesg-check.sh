# SPDX-License-Identifier: GPL-2.0
# Shell library (source it): decide whether a kernel log shows a problem.
#
# dmesg_problems FILE
#	Prints every line of FILE that reports a kernel problem (warning,
#	BUG, oops, lockdep splat, hung task, sanitizer report, ...), minus
#	lines matched by the ignore list.  Returns 0 when it printed
#	something, 1 when the log is clean.
#
# dmesg_report_kinds FILE
#	Names the kinds of checker report in FILE, one per line, each once:
#	KASAN, UBSAN, KFENCE, lockdep, sleep-in-atomic, kmemleak, warning,
#	oops.  Returns 1 when there is none.
#
# kmemleak_reports FILE MODULE [MODMAP]
#	FILE is /sys/kernel/debug/kmemleak's report (after a scan).  Prints
#	every "unreferenced object" block whose backtrace points into MODULE:
#	a frame symbolised as "[MODULE]", or - when the module was unloaded
#	before the scan, so its frames print as bare addresses - an address
#	inside one of MODULE's load ranges listed in MODMAP (lines
#	"NAME SIZE BASE", /proc/modules' fields 1, 2 and 6; tests/lib/sealcam.sh's
#	sc_load appends them to $SEALCAM_MODMAP).  Returns 0 when it printed
#	a block.
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
suspected memory leak
DEBUG_LOCKS_WARN_ON
possible irq lock inversion
bad unlock balance
held lock freed
Invalid wait context
scheduling while atomic
sleeping function called from invalid context
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

dmesg_report_kinds() {
	local log=$1
	[ -r "$log" ] || return 1
	awk '
		function kind(k) { if (!(k in seen)) { seen[k] = 1; print k; n++ } }
		/KASAN:/ { kind("KASAN") }
		/UBSAN:/ { kind("UBSAN") }
		/KFENCE:/ { kind("KFENCE") }
		/possible circular locking|inconsistent lock state|possible recursive locking|possible irq lock inversion|bad unlock balance|held lock freed|Invalid wait context|suspicious RCU usage|DEBUG_LOCKS_WARN_ON/ { kind("lockdep") }
		/sleeping function called from invalid context|scheduling while atomic/ { kind("sleep-in-atomic") }
		/unreferenced object|suspected memory leak/ { kind("kmemleak") }
		/WARNING:/ && !/possible circular|inconsistent lock|possible recursive|possible irq|bad unlock|held lock freed|suspicious RCU/ { kind("warning") }
		/Oops|kernel BUG at|general protection|Kernel panic/ { kind("oops") }
		END { exit n ? 0 : 1 }' "$log"
}

kmemleak_reports() {
	local report=$1 module=$2 modmap=${3:-/dev/null}
	[ -r "$report" ] || return 1
	[ -r "$modmap" ] || modmap=/dev/null
	# awk has no 64-bit integers: addresses are compared as zero-padded
	# 16-digit lower-case hex strings
	awk -v mod="$module" -v map="$modmap" '
		function hex16(h) {
			h = tolower(h); sub(/^0x/, "", h)
			while (length(h) < 16) h = "0" h
			return h
		}
		function add16(a, b,   i, c, d, r, x, y, digits) {
			digits = "0123456789abcdef"; c = 0; r = ""
			for (i = 16; i >= 1; i--) {
				x = index(digits, substr(a, i, 1)) - 1
				y = index(digits, substr(b, i, 1)) - 1
				d = x + y + c; c = int(d / 16)
				r = substr(digits, d % 16 + 1, 1) r
			}
			return r
		}
		function in_module(addr,   i) {
			for (i = 0; i < nr; i++)
				if (addr >= lo[i] && addr < hi[i]) return 1
			return 0
		}
		function flush() {
			if (block != "" && hit) { printf "%s", block; found = 1 }
			block = ""; hit = 0
		}
		BEGIN {
			nr = 0
			while ((getline line < map) > 0) {
				split(line, f, " ")
				if (f[1] == mod && f[3] ~ /^0x[0-9a-fA-F]+$/ && f[3] !~ /^0x0+$/) {
					lo[nr] = hex16(f[3])
					hi[nr] = add16(lo[nr], hex16(sprintf("%x", f[2])))
					nr++
				}
			}
		}
		/^unreferenced object/ { flush() }
		{
			block = block $0 "\n"
			if (index($0, "[" mod "]")) hit = 1
			# an unsymbolised frame: "[<ffffffffc0123456>] 0xffffffffc0123456"
			if (match($0, /\] 0x[0-9a-f]+$/)) {
				if (in_module(hex16(substr($0, RSTART + 2)))) hit = 1
			}
		}
		END { flush(); exit found ? 0 : 1 }' "$report"
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
