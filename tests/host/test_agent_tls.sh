#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent_tls.sh - sealcam-agent's https:// uploads verify TLS by default.
# A test CA and server certificates are made now with the openssl CLI; the
# store is tests/agent/fake_store.py speaking HTTPS on 127.0.0.1 and
# demanding a bearer token:
#   - no --ca-file (system CAs only): refused at startup (exit 3), nothing PUT
#   - --ca-file of another CA: refused
#   - a certificate of our CA for another host name: refused (host check)
#   - --ca-file of our CA: PUT + HEAD over TLS with the token, segment gone
#     from the spool, the stored object byte for byte the segment
#   - the right CA but a wrong token: refused (exit 3)
# Every wait is bounded.

set -uo pipefail
root=${SEALCAM_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 1
. tests/lib/tap.sh
command -v openssl >/dev/null || tap_missing "the openssl CLI"
. tests/lib/agent-host.sh

tap_plan 9

# ---- certificates: CA, a server cert for 127.0.0.1, one for another name,
# and an unrelated CA
pki=$tmp/pki
mkdir -p "$pki"
mkca() { # NAME CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/$1.key" -out "$pki/$1.pem" -days 2 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$pki/log"
}
mkcert() { # NAME CA SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$1" 2>>"$pki/log" &&
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$3" >"$pki/$1.ext" &&
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" \
		-CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>>"$pki/log"
}
mkca ca "sealcam test CA" && mkca other "some other CA" &&
	mkcert server ca "IP:127.0.0.1" && mkcert wrongname ca "DNS:wrong.invalid"
tap_check "test CA and server certificates made with openssl" \
	openssl verify -CAfile "$pki/ca.pem" "$pki/server.pem"
[ -s "$pki/server.pem" ] || { tap_diag "$(cat "$pki/log")"; tap_bail "no certificates"; }

# serve NAME CERT: an HTTPS fake store; sets port
serve() {
	local name=$1 cert=$2
	mkdir -p "$tmp/$name"
	python3 "$fake" --mode ok --token tls-token-42 --tls-cert "$pki/$cert.pem" \
		--tls-key "$pki/$cert.key" --port-file "$tmp/$name/port" --log "$tmp/$name/log" \
		2>"$tmp/$name/server.err" &
	pids+=($!)
	wait_for 10 test -s "$tmp/$name/port" || tap_bail "the HTTPS fake store did not start"
	port=$(cat "$tmp/$name/port")
}

echo "tls-token-42" >"$tmp/token"
echo "wrong-token" >"$tmp/badtoken"
fast=(--backoff-min 50 --backoff-max 300 --connect-timeout 2 --timeout 5)

# run NAME [agent options]: drain one segment to the store on $port; sets rc
run() {
	local name=$1
	shift
	dir=$tmp/run-$name
	mkdir -p "$dir/spool/ready"
	dev=$("$mkseg" -o "$dir/spool/ready/s.sealed" --owner-pub "$owner_pub" --segment 7 --frames 2)
	cp "$dir/spool/ready/s.sealed" "$dir/orig"
	"$agent" --config /dev/null --url "https://127.0.0.1:$port/store" "${fast[@]}" \
		--spool "$dir/spool" --outbox "" --status-file "" --drain --drain-timeout 10 \
		"$@" >"$dir/out" 2>"$dir/err"
	rc=$?
}
kept() { [ -e "$dir/spool/ready/s.sealed" ]; }
puts() { local n; n=$(grep -c "^PUT " "$1" 2>/dev/null); echo "${n:-0}"; }

serve good server
run noca --token-file "$tmp/token"
[ "$rc" = 3 ] && kept && grep -qi "certificate\|SSL\|TLS" "$dir/err" &&
	[ "$(puts "$tmp/good/log")" = 0 ] &&
	tap_pass "https: without --ca-file the self-signed CA is refused at startup (exit 3), nothing PUT" ||
	{ tap_fail "https: refused without --ca-file (exit $rc)"; tap_diag "$(cat "$dir/err")"; }
tap_diag "$(grep -i "certificate\|ssl" "$dir/err" | head -2)"

run otherca --token-file "$tmp/token" --ca-file "$pki/other.pem"
[ "$rc" = 3 ] && kept && [ "$(puts "$tmp/good/log")" = 0 ] &&
	tap_pass "https: --ca-file of another CA is refused (exit 3)" ||
	{ tap_fail "https: another CA refused (exit $rc)"; tap_diag "$(cat "$dir/err")"; }

run ok --token-file "$tmp/token" --ca-file "$pki/ca.pem"
[ "$rc" = 0 ] && ! kept &&
	tap_pass "https: with --ca-file of the CA the drain succeeds (exit 0), spool empty" ||
	{ tap_fail "https: succeeds with --ca-file (exit $rc)"; tap_diag "$(cat "$dir/err")"; }
obj=/store/$dev/segments/00000000000000000007.sealed
grep -q "^PUT $obj 200" "$tmp/good/log" && grep -q "^HEAD $obj 200" "$tmp/good/log" &&
	tap_pass "https: PUT with the bearer token accepted (the store demands it), HEAD confirms" ||
	{ tap_fail "https: PUT + HEAD with the token"; tap_diag "$(cat "$tmp/good/log")"; }
python3 - "$port" "$pki/ca.pem" "$obj" "$dir/orig" <<'EOF'
import http.client, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=10)
c.request("GET", sys.argv[3])
body = c.getresponse().read()
sys.exit(0 if body == open(sys.argv[4], "rb").read() else 1)
EOF
tap_check "https: the stored object is byte for byte the segment" test $? = 0

run badtok --token-file "$tmp/badtoken" --ca-file "$pki/ca.pem"
[ "$rc" = 3 ] && kept && grep -q "refused the credentials" "$dir/err" &&
	tap_pass "https: the right CA but a wrong token is refused at startup (exit 3)" ||
	{ tap_fail "https: wrong token refused (exit $rc)"; tap_diag "$(cat "$dir/err")"; }

serve wrongname wrongname
run wrongname --token-file "$tmp/token" --ca-file "$pki/ca.pem"
[ "$rc" = 3 ] && kept && [ "$(puts "$tmp/wrongname/log")" = 0 ] &&
	tap_pass "https: a certificate of the CA for another host name is refused (host check on)" ||
	{ tap_fail "https: wrong host name refused (exit $rc)"; tap_diag "$(cat "$dir/err")"; }
tap_diag "$(grep -i "certificate\|ssl\|name" "$dir/err" | head -2)"

# without the startup probe, the upload itself must still refuse
port=$(cat "$tmp/good/port")
before=$(puts "$tmp/good/log")
run noca2 --token-file "$tmp/token" --no-startup-check
[ "$rc" = 1 ] && kept && [ "$(puts "$tmp/good/log")" = "$before" ] &&
	tap_pass "https: with --no-startup-check an upload without the CA fails and the segment stays" ||
	{ tap_fail "https: upload without the CA fails, kept (exit $rc, PUTs $(puts "$tmp/good/log"))"; tap_diag "$(tail -3 "$dir/err")"; }
tap_done
