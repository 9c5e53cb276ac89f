#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# live-relay.sh - the live view's relay (docs/LIVE.md): Eclipse Mosquitto
# with TLS, one password per device and per viewer, and ACLs:
#   a device (user name = its device id) publishes only sealcam/ID/live and
#   reads only sealcam/ID/rotate; a viewer reads sealcam/ID/live and writes
#   sealcam/ID/rotate only for the devices given to it; an operator account
#   (--admin) reads every topic: what the relay's own staff can see.
# Browsers speak MQTT over WebSockets: --ws-port puts websockify (Debian)
# in front of a plain MQTT listener on 127.0.0.1 (--plain-port), with TLS
# on the WebSocket side (mosquitto 2.0.11's own WebSockets listener was
# slower for 100 kB+ messages; docs/LIVE.md).
#
#   scripts/live-relay.sh config DIR [OPTION]...   write DIR/ (CA, server
#                                   certificate, passwd, acl, mosquitto.conf)
#   scripts/live-relay.sh run DIR   run mosquitto (and websockify) in the
#                                   foreground with DIR's configuration
#   scripts/live-relay.sh free-port prints a free TCP port
#
# config options:
#   --port P                TLS MQTT port (default 8883)
#   --bind ADDR             listen address (default 127.0.0.1)
#   --host NAME             a name or IP in the server certificate (repeat;
#                           localhost and 127.0.0.1 are always in it)
#   --device ID:PWFILE      a device account (ID: 16 hex digits)
#   --viewer NAME:PWFILE:ID[,ID...]  a viewer account and its devices
#   --admin NAME:PWFILE     the operator's account (reads everything)
#   --plain-port P          plain MQTT on 127.0.0.1 only (for websockify)
#   --ws-port P             websockify with TLS on ADDR:P -> plain-port
#   --run-as USER           user mosquitto runs as when started as root
#                           (default mosquitto; "root" in the test VM)
# A password file's first line is the password. Passwords are stored
# hashed (mosquitto_passwd -U), never on a command line.
#
# Packages (scripts/setup.sh): mosquitto mosquitto-clients websockify openssl.
set -euo pipefail

die() { echo "live-relay.sh: $*" >&2; exit 2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

is_devid() { [[ $1 =~ ^[0-9a-f]{16}$ ]]; }
first_line() { head -n1 "$1" | tr -d '\r\n'; }

config() {
	local dir=$1
	shift
	local port=8883 bind=127.0.0.1 plain_port= ws_port= run_as=mosquitto
	local hosts=() devices=() viewers=() admins=()
	while [ $# -gt 0 ]; do
		case $1 in
		--port) port=$2; shift 2 ;;
		--bind) bind=$2; shift 2 ;;
		--host) hosts+=("$2"); shift 2 ;;
		--device) devices+=("$2"); shift 2 ;;
		--viewer) viewers+=("$2"); shift 2 ;;
		--admin) admins+=("$2"); shift 2 ;;
		--plain-port) plain_port=$2; shift 2 ;;
		--ws-port) ws_port=$2; shift 2 ;;
		--run-as) run_as=$2; shift 2 ;;
		*) die "unknown option '$1'" ;;
		esac
	done
	[ -n "$ws_port" ] && [ -z "$plain_port" ] && die "--ws-port needs --plain-port"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)

	# CA and server certificate (P-256: quick to make, TLS 1.2/1.3)
	local san="DNS:localhost,IP:127.0.0.1" h
	for h in "${hosts[@]}"; do
		if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then san+=",IP:$h"; else san+=",DNS:$h"; fi
	done
	if [ ! -s "$dir/ca.crt" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 \
			-subj "/CN=sealcam live relay CA" 2>/dev/null
	fi
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$dir/server.key" -out "$dir/server.csr" \
		-subj "/CN=sealcam live relay" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -out "$dir/server.crt" -days 825 \
		-extfile "$dir/server.ext" 2>/dev/null
	rm -f "$dir/server.csr" "$dir/server.ext"

	# accounts: "user:password" lines, then hashed in place
	local passwd=$dir/passwd acl=$dir/acl spec name pw ids id
	: >"$passwd"
	chmod 600 "$passwd"
	{
		echo "# sealcam live relay ACL (scripts/live-relay.sh)"
		echo "# devices: user name = device id; own topics only"
		echo "pattern write sealcam/%u/live"
		echo "pattern read sealcam/%u/rotate"
	} >"$acl"
	for spec in "${devices[@]}"; do
		name=${spec%%:*} pw=${spec#*:}
		is_devid "$name" || die "--device $spec: not a device id (16 lowercase hex digits)"
		[ -r "$pw" ] || die "--device $spec: cannot read the password file"
		echo "$name:$(first_line "$pw")" >>"$passwd"
	done
	for spec in "${viewers[@]}"; do
		IFS=: read -r name pw ids <<<"$spec"
		[ -n "$name" ] && [ -n "$pw" ] && [ -n "$ids" ] || die "--viewer $spec: NAME:PWFILE:ID[,ID]"
		is_devid "$name" && die "--viewer $spec: a viewer name must not look like a device id"
		[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "--viewer $spec: name must be [A-Za-z0-9._-]"
		[ -r "$pw" ] || die "--viewer $spec: cannot read the password file"
		echo "$name:$(first_line "$pw")" >>"$passwd"
		{
			echo
			echo "user $name"
			for id in ${ids//,/ }; do
				is_devid "$id" || die "--viewer $spec: '$id' is not a device id"
				echo "topic read sealcam/$id/live"
				echo "topic write sealcam/$id/rotate"
			done
		} >>"$acl"
	done
	for spec in "${admins[@]}"; do
		name=${spec%%:*} pw=${spec#*:}
		is_devid "$name" && die "--admin $spec: a name must not look like a device id"
		[ -r "$pw" ] || die "--admin $spec: cannot read the password file"
		echo "$name:$(first_line "$pw")" >>"$passwd"
		printf '\nuser %s\ntopic read sealcam/#\n' "$name" >>"$acl"
	done
	mosquitto_passwd -U "$passwd"

	cat >"$dir/mosquitto.conf" <<CONF
# sealcam live relay (scripts/live-relay.sh config)
per_listener_settings false
allow_anonymous false
password_file $passwd
acl_file $acl
persistence false
user $run_as
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
log_timestamp_format %Y-%m-%dT%H:%M:%S
# a slow viewer gets the newest frames, not a backlog: devices publish and
# viewers subscribe with QoS 1, the relay has one frame in flight to a
# viewer (sent, not yet acknowledged) and at most 2 more queued (600 kB each
# at 640x480); the rest are dropped and the viewer resyncs (docs/LIVE.md
# "Latency")
max_queued_messages 2
max_inflight_messages 1

listener $port $bind
protocol mqtt
cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key
tls_version tlsv1.2
CONF
	if [ -n "$plain_port" ]; then
		printf '\n# plain, loopback only: websockify (TLS) in front of it\nlistener %s 127.0.0.1\nprotocol mqtt\n' \
			"$plain_port" >>"$dir/mosquitto.conf"
	fi
	: >"$dir/ws.conf"
	[ -z "$ws_port" ] || printf 'WS_BIND=%s\nWS_PORT=%s\nPLAIN_PORT=%s\n' \
		"$bind" "$ws_port" "$plain_port" >"$dir/ws.conf"
	if [ "$(id -u)" = 0 ] && [ "$run_as" != root ]; then
		chown "$run_as" "$passwd" "$dir/server.key" 2>/dev/null || true
	fi
	echo "live-relay.sh: configured $dir (TLS on $bind:$port${ws_port:+, WebSockets on $bind:$ws_port})"
}

run() {
	local dir=$1 wspid= mqpid= rc
	[ -s "$dir/mosquitto.conf" ] || die "$dir: no mosquitto.conf (run config first)"
	# shellcheck disable=SC1091
	. "$dir/ws.conf"
	if [ -n "${WS_PORT:-}" ]; then
		# both in the background, so that a TERM to this script reaches them
		websockify --cert "$dir/server.crt" --key "$dir/server.key" \
			"$WS_BIND:$WS_PORT" "127.0.0.1:$PLAIN_PORT" 2>>"$dir/websockify.log" &
		wspid=$!
		mosquitto -c "$dir/mosquitto.conf" &
		mqpid=$!
		trap 'kill "$wspid" "$mqpid" 2>/dev/null; wait; exit 143' TERM INT
		wait -n "$wspid" "$mqpid"
		rc=$?
		kill "$wspid" "$mqpid" 2>/dev/null
		wait
		return $rc
	else
		exec mosquitto -c "$dir/mosquitto.conf"
	fi
}

case ${1:-} in
config) [ $# -ge 2 ] || die "config DIR [OPTION]..."; shift; config "$@" ;;
run) [ $# -eq 2 ] || die "run DIR"; run "$2" ;;
free-port) free_port ;;
*) sed -n '3,35p' "$0" >&2; exit 2 ;;
esac
