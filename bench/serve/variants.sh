#!/bin/bash
# Serve variants: swkit serve with single optimisations switched off
# (SWKIT_EXPERIMENT, see internal/experiment), beside Express and Go's
# FileServer, on bench/serve's site, by requests per CPU-second of each
# server process. Run bench/serve/run.sh once first (it installs wrk and
# express and generates bench/work/serve-site).
#
#   ROUNDS=3 DURATION=10s bench/serve/variants.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=bench/work
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
SITE=$WORK/serve-site
RUN=$WORK/serve-variants
mkdir -p "$RUN"
go build -o "$WORK/swkit" ./cmd/swkit
go build -o "$WORK/gofs" ./bench/serve/gofs
[ -d "$SITE" ] || "$WORK/sitegen" -files 1000 -size 20MB -serve-fixtures -out "$SITE" >&2

# VARIANTS=2 picks the second list: the small optimisations on top of the
# ones the first list showed to earn their place.
if [ "${VARIANTS:-1}" = 2 ]; then
	NAMES=(
		"simple"
		"+ quick answers"
		"+ quick answers + small files in memory"
		"+ quick + memory + coalescer"
		"+ quick + memory + sibling absence remembered"
		"+ quick + memory + O_NONBLOCK opens"
		"all (before)"
	)
	SWITCHES=(
		"nocoalesce,nomem,noquick,nodirprobe,plainfs"
		"nocoalesce,nomem,nodirprobe,plainfs"
		"nocoalesce,nodirprobe,plainfs"
		"nodirprobe,plainfs"
		"nocoalesce,plainfs"
		"nocoalesce,nodirprobe"
		""
	)
else
	NAMES=(
		"simple"
		"+ coalescer"
		"+ small files in memory"
		"+ small files in memory + coalescer"
		"+ quick answers"
		"+ sibling absence remembered"
		"+ O_NONBLOCK opens"
		"simple - gzip cache"
		"all (before)"
	)
	SWITCHES=(
		"nocoalesce,nomem,noquick,nodirprobe,plainfs"
		"nomem,noquick,nodirprobe,plainfs"
		"nocoalesce,noquick,nodirprobe,plainfs"
		"noquick,nodirprobe,plainfs"
		"nocoalesce,nomem,nodirprobe,plainfs"
		"nocoalesce,nomem,noquick,plainfs"
		"nocoalesce,nomem,noquick,nodirprobe"
		"nocoalesce,nomem,noquick,nodirprobe,plainfs,nogzipcache"
		""
	)
fi

PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A PORT SPID
SERVERS=()
for i in "${!NAMES[@]}"; do
	p=$((18100 + i))
	SWKIT_EXPERIMENT="${SWITCHES[$i]}" "$WORK/swkit" serve --addr "127.0.0.1:$p" "$SITE" >"$RUN/swkit-$i.log" 2>&1 &
	PIDS+=($!) SPID[v$i]=$! PORT[v$i]=$p
	SERVERS+=("v$i")
done
NODE_PATH="$WORK/node_modules" node bench/serve/server.js "$SITE" 18090 >"$RUN/express.log" 2>&1 &
PIDS+=($!) SPID[express]=$! PORT[express]=18090
"$WORK/gofs" -addr 127.0.0.1:18091 "$SITE" >"$RUN/gofs.log" 2>&1 &
PIDS+=($!) SPID[gofs]=$! PORT[gofs]=18091
SERVERS+=(express gofs)
for s in "${SERVERS[@]}"; do
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:${PORT[$s]}/bench-page.html" && break
		sleep 0.1
	done
	curl -sf -o /dev/null "http://127.0.0.1:${PORT[$s]}/bench-page.html"
done

REQS=(page page-gzip image)
declare -A PATHS=([page]=/bench-page.html [page-gzip]=/bench-page.html [image]=/bench-photo.jpg)
declare -A HDR=([page]="" [page-gzip]="Accept-Encoding: gzip" [image]="")
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
bench() { # SERVER REQ DURATION -> requests per server CPU-second
	local url="http://127.0.0.1:${PORT[$1]}${PATHS[$2]}" out t0 t1
	local args=(-t2 -c50 -d"$3" --timeout 5s)
	[ -n "${HDR[$2]}" ] && args+=(-H "${HDR[$2]}")
	t0=$(cputicks "${SPID[$1]}")
	out=$(timeout 120 wrk "${args[@]}" "$url")
	t1=$(cputicks "${SPID[$1]}")
	if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then echo "$1 $2: errors: $out" >&2; fi
	awk -v ticks=$((t1 - t0)) -v hz="$HZ" '/requests in/ {n = $1} END {printf "%.0f\n", (ticks > 0 ? n / (ticks / hz) : 0)}' <<<"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "# serve variants"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); swkit $(git rev-parse --short HEAD)"
echo "- wrk -t2 -c50 -d$DURATION, $ROUNDS rounds round-robin after a 2 s warm-up; requests per CPU-second of the server process, median"
echo "- load before: $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure $(awk '/^some/ {sub("avg60=","",$3); print $3}' /proc/pressure/cpu)%"
for r in "${REQS[@]}"; do for s in "${SERVERS[@]}"; do bench "$s" "$r" 2s >/dev/null; done; done
declare -A EFF
for round in $(seq "$ROUNDS"); do
	for r in "${REQS[@]}"; do
		for s in "${SERVERS[@]}"; do
			e=$(bench "$s" "$r" "$DURATION")
			EFF[$s,$r]="${EFF[$s,$r]:-} $e"
			echo "round $round: $s $r: $e" >&2
		done
	done
done
echo
echo "| server | page | page, gzip | 100 KiB JPEG | page × simple | gzip × simple | JPEG × simple |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
declare -A M
for s in "${SERVERS[@]}"; do
	for r in "${REQS[@]}"; do M[$s,$r]=$(tr ' ' '\n' <<<"${EFF[$s,$r]}" | grep . | median); done
done
for s in "${SERVERS[@]}"; do
	name=$s
	[[ $s == v* ]] && name=${NAMES[${s#v}]}
	awk -v n="$name" -v a="${M[$s,page]}" -v b="${M[$s,page-gzip]}" -v c="${M[$s,image]}" \
		-v a0="${M[v0,page]}" -v b0="${M[v0,page-gzip]}" -v c0="${M[v0,image]}" \
		'BEGIN {printf "| %s | %d | %d | %d | %.2f | %.2f | %.2f |\n", n, a, b, c, a/a0, b/b0, c/c0}'
done
echo
echo "Rounds:"
for s in "${SERVERS[@]}"; do for r in "${REQS[@]}"; do echo "- $s $r:${EFF[$s,$r]}"; done; done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure $(awk '/^some/ {sub("avg60=","",$3); print $3}' /proc/pressure/cpu)%"
