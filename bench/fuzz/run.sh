#!/bin/sh
# bench/fuzz/run.sh [SECONDS]: runs every fuzz target of the module for a
# bounded time each (default 30 s), one package and one target at a time,
# and prints a Markdown table: target, execs, new interesting inputs, result.
#
# A crash stops that target; Go writes the failing input to
# <package>/testdata/fuzz/<Target>/<hash>: fix the bug, then commit that file
# so that plain `go test` replays it as a regression case ever after.
#
# The machines are small and shared: -parallel 2 (two workers), minimisation
# capped at 2 s. Logs go to bench/work/fuzz/<Target>.log.
set -u
seconds=${1:-30}
cd "$(dirname "$0")/../.." || exit 1
logs=bench/work/fuzz
mkdir -p "$logs"

# Packages with a fuzz target, found from the sources (bench/work holds copies).
pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./bench/work/' |
	xargs -n1 dirname | sort -u)

echo "fuzzing each target for ${seconds}s on $(nproc) CPUs, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| target | package | execs | new interesting | result |"
echo "| --- | --- | ---: | ---: | --- |"
failed=0
for pkg in $pkgs; do
	targets=$(grep -h --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' -r "$pkg" --exclude-dir=testdata |
		sed 's/^func //' | sort -u)
	for t in $targets; do
		log="$logs/$t.log"
		go test -run '^$' -fuzz "^$t\$" -fuzztime "${seconds}s" -fuzzminimizetime 2s \
			-parallel 2 "$pkg" >"$log" 2>&1
		status=$?
		# The last progress line: "fuzz: elapsed: 30s, execs: 123 (4/sec), new interesting: 5 (total: 40)"
		last=$(grep 'fuzz: elapsed' "$log" | tail -1)
		execs=$(echo "$last" | sed -n 's/.*execs: \([0-9]*\).*/\1/p')
		interesting=$(echo "$last" | sed -n 's/.*new interesting: \([0-9]*\).*/\1/p')
		if [ $status -eq 0 ]; then
			result=ok
		else
			failed=1
			crash=$(sed -n 's/.*Failing input written to \(.*\)$/\1/p' "$log" | head -1)
			if [ -n "$crash" ]; then
				result="CRASH: $pkg/$crash"
			elif grep -q 'build failed\|setup failed' "$log"; then
				result="build failed (see $log)"
			else
				result="FAIL (see $log)"
			fi
		fi
		echo "| $t | ${pkg#./} | ${execs:--} | ${interesting:--} | $result |"
	done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
