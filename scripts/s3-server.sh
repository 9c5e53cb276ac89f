#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s3-server.sh - a real, signature-verifying S3 server for the tests: a
# one-node Ceph cluster (ceph-mon, one ceph-osd on memstore, radosgw with
# the beast frontend on 127.0.0.1), everything under DIR: config, data,
# logs, pid files, admin sockets.  Nothing goes to /etc/ceph, /var/lib/ceph,
# /var/log/ceph or /run, and no systemd: it runs as root on the host or in a
# VM whose root filesystem is read-only except /tmp.
#
#   scripts/s3-server.sh start DIR      new cluster in DIR (empty or absent);
#                                       waits until radosgw answers HTTP,
#                                       creates the S3 user, writes DIR/env
#   scripts/s3-server.sh stop DIR       stops every daemon, waits for exit
#   scripts/s3-server.sh kill-rgw DIR   kill -9 radosgw only (mon/osd keep
#                                       running, so the data stays)
#   scripts/s3-server.sh start-rgw DIR  starts radosgw again and waits for it
#   scripts/s3-server.sh status DIR     each daemon's pid; exit 1 if one is
#                                       not running
#   scripts/s3-server.sh free-port      prints a free port P (P+1 free too)
#                                       for SEALCAM_S3_PORT
#
# DIR/env holds shell lines for the tests:
#   S3_ENDPOINT=http://127.0.0.1:PORT  S3_REGION=default (the zonegroup)
#   AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=...  CEPH_CONF=DIR/ceph.conf
#
# Environment: SEALCAM_S3_PORT (radosgw's port, default 7480),
# SEALCAM_S3_MON_PORT (the monitor's, default SEALCAM_S3_PORT + 1),
# SEALCAM_S3_TIMEOUT (seconds to wait for each step, default 60).
#
# A failed start leaves what did start running: `stop DIR` ends it.
#
# Packages (scripts/setup.sh): ceph-mon ceph-osd radosgw ceph-common
# uuid-runtime.
# No ceph-mgr: I/O, pool creation and radosgw work without it (`ceph -s`
# then shows HEALTH_WARN "no active mgr" and unknown PG states).  cephx is
# off (auth none): the daemons listen on 127.0.0.1 only, and S3 requests
# are still verified by radosgw against the user's secret.

set -euo pipefail

prog=s3-server.sh
access_key=SEALCAMTESTACCESSKEY
secret_key=sealcam-test-secret-key-0123456789abcdef
port=${SEALCAM_S3_PORT:-7480}
mon_port=${SEALCAM_S3_MON_PORT:-$((port + 1))}
timeout=${SEALCAM_S3_TIMEOUT:-60}

say() { echo "$prog: $*"; }
die() { echo "$prog: $*" >&2; exit 1; }

usage() {
	die "usage: $prog start|stop|kill-rgw|start-rgw|status DIR, or $prog free-port"
}

# free-port: a free port P with P+1 free too (radosgw, monitor), below
# the ephemeral range (32768-60999), where an outgoing connection could
# take it between this check and the daemons' bind
if [ "${1:-}" = free-port ] && [ $# = 1 ]; then
	exec python3 -c '
import random, socket, sys
for _ in range(200):
    p = random.randrange(20000, 32766, 2)
    try:
        for q in (p, p + 1):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
    except OSError:
        continue
    print(p); sys.exit(0)
sys.exit(1)'
fi
[ $# = 2 ] || usage
cmd=$1
dir=$(realpath -m -- "$2")
conf=$dir/ceph.conf
export CEPH_CONF=$conf

# ceph CLI with a bounded wait for the monitor
ceph_cli() { ceph --connect-timeout 10 "$@"; }

# alive PID: the process runs.  A zombie counts as exited: in a VM whose
# init does not reap orphans, an exited daemon stays one.
alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "${state%% *}" != Z ]
}

# daemon_pid NAME: prints the pid of daemon NAME (mon.a, osd.0, client.rgw)
# if it runs.  The daemons name their own pid files the same way
# ($run_dir/$type.$id.pid) and remove them on a clean exit.
daemon_pid() {
	local pid
	pid=$(cat "$dir/run/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && alive "$pid" && echo "$pid"
}

# run_daemon NAME COMMAND...: runs a daemon in the foreground (-f: logs to
# DIR/log/NAME.log), in the background of this script; its pid goes to
# DIR/run/NAME.pid.  Output from before logging starts (e.g. a config error)
# goes to DIR/log/NAME.out.
run_daemon() {
	local name=$1
	shift
	"$@" -f -c "$conf" </dev/null >>"$dir/log/$name.out" 2>&1 &
	echo $! >"$dir/run/$name.pid"
}

# wait_for NAME WHAT COMMAND...: polls COMMAND until it succeeds, for at
# most $timeout seconds, and gives up early when daemon NAME has exited.
wait_for() {
	local name=$1 what=$2 end=$((SECONDS + timeout))
	shift 2
	until "$@" >/dev/null 2>&1; do
		daemon_pid "$name" >/dev/null ||
			die "$what: $name exited: $(tail -n 5 "$dir/log/$name.out" "$dir/log/$name.log" 2>&1)"
		[ "$SECONDS" -lt "$end" ] ||
			die "$what: not ready after ${timeout}s (logs in $dir/log)"
		sleep 0.2
	done
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (else a foreign server
# could pass for ours)
port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null ||
		die "127.0.0.1:$1 is in use (set SEALCAM_S3_PORT)"
}

rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; }
osd_up() { ceph_cli osd stat | grep -q ' 1 up'; }

write_conf() {
	local cls_dir
	cls_dir=$(ls -d /usr/lib/*/rados-classes /usr/lib*/rados-classes 2>/dev/null | head -n1) || true
	cat >"$conf" <<EOF
[global]
fsid = $(uuidgen)
mon_host = v2:127.0.0.1:$mon_port
public_addr = 127.0.0.1
ms_bind_msgr1 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = $dir/run
crash_dir = $dir/crash
log_file = $dir/log/\$name.log
# one OSD: pools of size 1, few PGs (the default 32 PGs for each of the
# pools that radosgw creates exceed mon_max_pg_per_osd on one OSD), CRUSH
# choosing OSDs, not hosts.  No autoscaler: Ceph 18 (Debian 13) would
# create each pool with 1 PG, then refuse pgp_num 8 > pg_num (ERANGE);
# pgp_num follows pg_num (its default, 0).
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
# /tmp may be small: do not shut the monitor down when it is nearly full
mon_data_avail_crit = 0
# commit map changes every 0.1 s, not 1 s: radosgw's first start creates
# its pools one by one (13 s -> 2.5 s for the whole start)
paxos_propose_interval = 0.1

[mon]
mon_data = $dir/mon

[osd]
osd_data = $dir/osd
# the object classes radosgw calls (cls_version, cls_rgw...): Ceph 18 in
# Debian 13 looks for them under a relative path and fails every call with
# EOPNOTSUPP, so name the directory the package installs them in
${cls_dir:+osd_class_dir = $cls_dir}
osd_objectstore = memstore
memstore_device_bytes = 1073741824
# a radosgw killed with -9 leaves watches on its control objects; until they
# time out (default 30 s) radosgw's notifications, e.g. on bucket creation,
# wait for the dead one (radosgw pings its watches every objecter tick)
osd_client_watch_timeout = 5

[client.rgw]
# radosgw makes its own default "secure", which auth none cannot do: it
# would retry for 5 minutes ("get_initial_auth_request returned -13")
ms_mon_client_mode = crc
admin_socket = $dir/run/\$name.asok
rgw_frontends = beast endpoint=127.0.0.1:$port
rgw_data = $dir/rgw
objecter_tick_interval = 1
# no lifecycle (expiry) worker: it sleeps in 5 s steps and holds up stop
rgw_enable_lc_threads = false
# virtual-host style for http://BUCKET.localhost:$port (curl resolves
# *.localhost to 127.0.0.1); without it radosgw takes such a request as
# path style: GET / lists the buckets, PUT /KEY creates bucket KEY
rgw_dns_name = localhost
EOF
}

# port_released PORT: nothing listens on it any more (a radosgw killed
# with -9 shows as a zombie while its 600 threads still exit and hold the
# socket: wait for the socket, not the pid)
port_released() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_rgw() {
	local end=$((SECONDS + timeout))
	until port_released "$port"; do
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	port_free "$port"
	run_daemon client.rgw radosgw -n client.rgw
	wait_for client.rgw "radosgw on 127.0.0.1:$port" rgw_answers
}

start() {
	local start_ns uuid id
	start_ns=$(date +%s%N)
	[ ! -e "$conf" ] || die "$dir already holds a cluster: use an empty DIR"
	port_free "$mon_port"
	mkdir -p "$dir"/{run,log,crash,mon,osd,rgw}

	write_conf
	monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$conf")" \
		--addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
	ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" \
		>>"$dir/log/mon.a.out" 2>&1 || die "ceph-mon --mkfs failed: $(tail -n 5 "$dir/log/mon.a.out")"
	run_daemon mon.a ceph-mon -i a
	wait_for mon.a "ceph-mon on 127.0.0.1:$mon_port" ceph_cli mon stat

	uuid=$(uuidgen)
	id=$(ceph_cli osd new "$uuid")
	[ "$id" = 0 ] || die "ceph osd new gave id '$id', not 0"
	ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" \
		>>"$dir/log/osd.0.out" 2>&1 || die "ceph-osd --mkfs failed: $(tail -n 5 "$dir/log/osd.0.out")"
	run_daemon osd.0 ceph-osd -i 0
	wait_for osd.0 "ceph-osd up" osd_up

	start_rgw
	radosgw-admin user create --uid=sealcam --display-name=sealcam \
		--access-key="$access_key" --secret-key="$secret_key" >/dev/null

	cat >"$dir/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$port
S3_REGION=default
AWS_ACCESS_KEY_ID=$access_key
AWS_SECRET_ACCESS_KEY=$secret_key
CEPH_CONF=$conf
EOF
	say "started in $dir in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms:" \
		"S3 on http://127.0.0.1:$port (mon on $mon_port)"
}

# stop_daemon NAME SIGNAL: signals it and waits until it has exited; SIGKILL
# after $timeout seconds
stop_daemon() {
	local name=$1 sig=$2 pid end=$((SECONDS + timeout))
	pid=$(daemon_pid "$name") || { rm -f "$dir/run/$name.pid"; return 0; }
	kill "-$sig" "$pid" 2>/dev/null || true
	while alive "$pid"; do
		if [ "$SECONDS" -ge "$end" ]; then
			[ "$sig" != KILL ] || die "$name ($pid) survives SIGKILL"
			say "$name ($pid) did not exit on SIG$sig, killing it"
			sig=KILL
			kill -KILL "$pid" 2>/dev/null || true
			end=$((SECONDS + timeout))
		fi
		sleep 0.1
	done
	rm -f "$dir/run/$name.pid"
}

status() {
	local name pid rc=0
	for name in mon.a osd.0 client.rgw; do
		if pid=$(daemon_pid "$name"); then
			say "$name running (pid $pid)"
		else
			say "$name not running"
			rc=1
		fi
	done
	if rgw_answers; then
		say "S3 answers on http://127.0.0.1:$port"
	else
		say "S3 does not answer on http://127.0.0.1:$port"
		rc=1
	fi
	return "$rc"
}

if [ "$cmd" != start ]; then
	[ -r "$conf" ] || die "no cluster in $dir ($conf missing)"
	port=$(sed -n 's/^rgw_frontends = .*:\([0-9]*\)$/\1/p' "$conf")
fi
case $cmd in
start) start ;;
stop)
	stop_daemon client.rgw TERM
	stop_daemon osd.0 TERM
	stop_daemon mon.a TERM
	say "stopped"
	;;
kill-rgw) stop_daemon client.rgw KILL ;;
start-rgw)
	! daemon_pid client.rgw >/dev/null || die "radosgw is already running"
	start_rgw
	;;
status) status ;;
*) usage ;;
esac
