# SPDX-License-Identifier: GPL-2.0
# Shell library (source it) for honest skips (issue 12): finding the skips in
# a test's TAP, looking them up in the declarations of expected skips, and
# listing them at the end of a run.  Used by tests/lib/tap-exec and
# tests/run-tests.sh.
#
#   skips_in_tap FILE       one "POINT<TAB>REASON" line per skip in the TAP
#                           FILE: POINT is "plan" for "1..0 # SKIP reason",
#                           else the point's number
#   skip_declared NAME REASON
#                           status 0 when $SEALCAM_EXPECTED_SKIPS (default
#                           tests/expected-skips) declares that test NAME may
#                           skip for REASON
#   skip_list LOG           "run-tests: skipped checks (N):" and one line per
#                           entry of a skip log (see tap-exec)
#   prove_summary FILE      prove's summary block in its output FILE, from
#                           "All tests successful." or "Test Summary Report"
#                           to the end (run-tests.sh prints it again last)
#
# Declarations: one per line, "GLOB REGEX # WHY": GLOB matches the test's
# file name (test_x.sh, test_netlink), REGEX (extended, unanchored, may hold
# spaces but not " #") the skip's reason, WHY says why the skip is expected.
# A line without a WHY declares nothing and is reported.

skips_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEALCAM_EXPECTED_SKIPS=${SEALCAM_EXPECTED_SKIPS:-$skips_root/tests/expected-skips}

# The same grammar as prove's (TAP::Parser::Grammar): a plan of 0 tests is a
# skip, its reason after "# SKIP..."; an "ok" point is a skip when its first
# unescaped '#' is followed by SKIP (any case) as a word.  "not ok ... # SKIP"
# is a failure to prove, so not a skip here either.  Indented lines (YAML,
# subtests) are not top-level TAP.
skips_in_tap() {
	awk '
	{
		sub(/\r$/, "")
		low = tolower($0)
		if (low ~ /^1\.\.0([^0-9]|$)/) {
			reason = ""
			if (match(low, /^1\.\.0[ \t]*#[ \t]*skip[^ \t]*[ \t]*/))
				reason = substr($0, RLENGTH + 1)
			print "plan\t" (reason == "" ? "(no reason given)" : reason)
			next
		}
		if (low !~ /^(not )?ok([^a-z0-9_]|$)/)
			next
		n++
		if (low !~ /^ok/)
			next
		rest = substr($0, 3)
		if (match(rest, /^[ \t]*[0-9]+/))
			num = substr(rest, RSTART, RLENGTH) + 0
		else
			num = n
		# blank out escaped characters ("\#") to find the first real #
		scan = rest
		gsub(/\\./, "xx", scan)
		h = index(scan, "#")
		if (!h)
			next
		tail = substr(rest, h + 1)
		if (!match(tolower(tail), /^[ \t]*skip/))
			next
		reason = substr(tail, RLENGTH + 1)
		if (tolower(reason) ~ /^[a-z0-9_]/)	# "# SKIPPY": no SKIP
			next
		sub(/^[ \t]+/, "", reason)
		gsub(/\t/, " ", reason)
		print num "\t" (reason == "" ? "(no reason given)" : reason)
	}' "$1"
}

skip_declared() {
	local name=$1 reason=$2 line glob rest re why n=0
	[ -r "$SEALCAM_EXPECTED_SKIPS" ] || return 1
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		read -r glob rest <<<"$line"
		re=${rest%%[[:space:]]#*}
		why=${rest:${#re}}
		why=${why#*#}
		re=${re%"${re##*[![:space:]]}"}
		if [ -z "$re" ] || [ -z "${why//[[:space:]]/}" ]; then
			echo "skips: $SEALCAM_EXPECTED_SKIPS:$n: want \"GLOB REGEX # WHY\": $line" >&2
			continue
		fi
		# shellcheck disable=SC2053
		[[ $name == $glob ]] && [[ $reason =~ $re ]] && return 0
	done <"$SEALCAM_EXPECTED_SKIPS"
	return 1
}

skip_list() {
	local log=$1 name point verdict reason n=0 bad=0
	[ -s "$log" ] && n=$(grep -c . "$log")
	echo "run-tests: skipped checks ($n):"
	[ "$n" = 0 ] && return 0
	while IFS=$'\t' read -r name point verdict reason; do
		case $point in
		plan) ;;
		[0-9]*) name="$name #$point" ;;
		*) name="$name ($point)" ;;
		esac
		[ "$verdict" = declared ] || bad=$((bad + 1))
		printf '  %-10s  %s: %s\n' "$verdict" "$name" "$reason"
	done <"$log"
	[ "$bad" = 0 ] || echo "run-tests: $bad undeclared: declare each in" \
		"tests/expected-skips with why it is expected, or fix the setup" \
		"(under CI=true they fail their test)"
}

prove_summary() {
	awk '/^(All tests successful\.|Test Summary Report)/ { n = 0; keep = 1 }
		keep { line[n++] = $0 }
		END { for (i = 0; i < n; i++) print line[i] }' "$1"
}
