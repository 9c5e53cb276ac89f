# SPDX-License-Identifier: GPL-2.0
# Shell library (source it): the Linux audit subsystem (Debian's auditd) as
# the reference for counting camera opens, in the VM.
#
#   la_start DIR        start auditd logging to DIR/audit.log (own config,
#                       no plugins), auditing on, no rate limit, a backlog
#                       that makes tasks wait instead of losing records
#   la_quiet            no rules, auditing off, and no audit context for
#                       new tasks (-a never,task): as close to "no audit" as
#                       a kernel where auditd once ran gets
#   la_watch KEY PATH.. auditing on, a read watch (-p r) on each PATH
#   la_stop             remove every rule, wait until auditd has written all
#                       the kernel sent (a marker message reaches its log),
#                       turn auditing off, stop auditd;
#                       leaves "-a never,task" so later tasks get no audit
#                       context
#   la_lost             audit records the kernel lost since la_start
#   la_count KEY COMM   SYSCALL records in the log with that key and comm
#
# auditd and its rules are machine-wide: every test that calls la_start
# must call la_stop (also from its EXIT handler), so that later tests are
# not slowed by left-over rules.

LA_DIR=
LA_PID=
LA_LOST0=0

la_available() {
	command -v auditd >/dev/null && command -v auditctl >/dev/null
}

la_start() {
	LA_DIR=$1
	mkdir -p "$LA_DIR/conf" "$LA_DIR/plugins"
	chmod 700 "$LA_DIR" "$LA_DIR/conf"
	cat >"$LA_DIR/conf/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $LA_DIR/audit.log
log_format = RAW
flush = INCREMENTAL
freq = 1
max_log_file = 1000
max_log_file_action = IGNORE
num_logs = 2
priority_boost = 4
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $LA_DIR/plugins
q_depth = 2000
overflow_action = IGNORE
end_of_event_timeout = 2
EOF
	chmod 600 "$LA_DIR/conf/auditd.conf"
	auditctl -D >/dev/null 2>&1
	LA_LOST0=$(auditctl -s 2>/dev/null | awk '$1 == "lost" { print $2 }')
	(trap - EXIT; exec auditd -n -c "$LA_DIR/conf" >"$LA_DIR/auditd.out" 2>&1) &
	LA_PID=$!
	local i
	for i in $(seq 300); do
		# auditd registered itself with the kernel
		[ "$(auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }')" = "$LA_PID" ] &&
			break
		if ! kill -0 "$LA_PID" 2>/dev/null; then
			# it said why to syslog: run it again in the foreground
			# (-f), where the reason goes to stderr
			LA_PID=
			timeout 10 auditd -f -c "$LA_DIR/conf" >>"$LA_DIR/auditd.out" 2>&1
			auditctl -D >/dev/null 2>&1
			return 1
		fi
		sleep 0.1
	done
	auditctl -b 65536 >/dev/null &&
		auditctl --backlog_wait_time 60000 >/dev/null &&
		auditctl -r 0 >/dev/null &&
		auditctl -e 1 >/dev/null
}

la_quiet() {
	auditctl -D >/dev/null
	auditctl -a never,task >/dev/null
	auditctl -e 0 >/dev/null
}

la_watch() {
	local key=$1 p
	shift
	auditctl -D >/dev/null
	auditctl -e 1 >/dev/null || return 1
	for p in "$@"; do
		auditctl -w "$p" -p r -k "$key" >/dev/null || return 1
	done
}

la_lost() {
	auditctl -s 2>/dev/null | awk -v l0="${LA_LOST0:-0}" '$1 == "lost" { print $2 - l0 }'
}

la_stop() {
	[ -n "$LA_PID" ] || return 0
	auditctl -D >/dev/null 2>&1
	# auditd stops reading its socket at SIGTERM: what the kernel sent and
	# it had not written yet would be lost. A marker message queued after
	# every record must reach the log first (up to 10 minutes under TCG).
	# The kernel drops user messages while auditing is off (after
	# la_quiet), so it is turned on for the marker: with no rules left
	# that adds nothing else to the log.
	local mark=sealcam-la-end-$$-$RANDOM end=$((SECONDS + 600))
	if auditctl -e 1 >/dev/null 2>&1 && auditctl -m "$mark" >/dev/null 2>&1; then
		while [ "$SECONDS" -lt "$end" ]; do
			tail -c 200000 "$LA_DIR/audit.log" 2>/dev/null | grep -qF "$mark" && break
			kill -0 "$LA_PID" 2>/dev/null || break
			sleep 0.1
		done
		[ "$SECONDS" -lt "$end" ] ||
			echo "linux-audit: auditd did not write its queue within 600 s; stopping it anyway" >&2
	fi
	auditctl -e 0 >/dev/null 2>&1
	kill -TERM "$LA_PID" 2>/dev/null
	wait "$LA_PID" 2>/dev/null
	auditctl -a never,task >/dev/null 2>&1
	LA_PID=
}

# la_by_path KEY COMM: those records counted by the names of their PATH
# records, for diagnostics
la_by_path() {
	awk -v k="key=\"$1\"" -v c="comm=\"$2\"" '
		{ if (!match($0, /msg=audit\([0-9.:]+\)/)) next; id = substr($0, RSTART, RLENGTH) }
		/^type=SYSCALL/ && index($0, k) && index($0, c) { ids[id] = 1 }
		/^type=PATH/ && match($0, / name=[^ ]*/) { names[id] = names[id] substr($0, RSTART + 1, RLENGTH - 1) " " }
		END { for (i in ids) n[names[i]]++; for (p in n) print n[p], p }' "$LA_DIR/audit.log" |
		sort -rn | head -20
}

la_count() {
	grep '^type=SYSCALL' "$LA_DIR/audit.log" 2>/dev/null |
		grep -F "comm=\"$2\"" | grep -cF "key=\"$1\""
}
