#!/bin/bash
# Serve benchmark: swkit serve vs the seed's Express server (express.static),
# Go's http.FileServer and nginx, on the same folder (bench/sitegen's
# 1,000-file tree plus a 10 KiB page and a 100 KiB JPEG), with wrk on
# 127.0.0.1. Installs wrk, nginx (Debian) and express@4 (npm, into
# bench/work) when missing. Prints a Markdown report, also saved in
# bench/work/serve-report.md.
#
#   bench/serve/run.sh
#   ROUNDS=3 DURATION=10s CONNS=50 THREADS=2 bench/serve/run.sh    # the defaults
#   SWKIT_REV=HEAD bench/serve/run.sh      # swkit as committed, not the work tree
#   PROFILE=1 bench/serve/run.sh           # also a CPU profile of swkit's handler
#
# All servers bind 127.0.0.1 only (ports PORT_BASE+1..+4, default 18081..18084)
# and are stopped on exit. Takes about 7 minutes with the defaults
# (3 requests x 4 servers x 3 rounds x 10 s, plus warm-ups).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=bench/work
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
THREADS=${THREADS:-2}
PORT_BASE=${PORT_BASE:-18080}
EXPRESS_VERSION=${EXPRESS_VERSION:-4}
SITE=$WORK/serve-site
RUN=$WORK/serve-run
mkdir -p "$WORK" "$RUN"

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
command -v curl >/dev/null || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "bench/serve: installing ${need_apt[*]} (Debian)" >&2
	apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -f "$WORK/node_modules/express/package.json" ]; then
	echo "bench/serve: installing express@$EXPRESS_VERSION into $WORK" >&2
	npm install --prefix "$WORK" --no-audit --no-fund "express@$EXPRESS_VERSION" >/dev/null
fi

if [ -n "${SWKIT_REV:-}" ]; then
	rm -rf "$WORK/src" && mkdir -p "$WORK/src"
	git archive "$SWKIT_REV" | tar -x -C "$WORK/src"
	(cd "$WORK/src" && go build -o ../swkit ./cmd/swkit)
	REV=$(git rev-parse --short "$SWKIT_REV")
else
	go build -o "$WORK/swkit" ./cmd/swkit
	REV="$(git rev-parse --short HEAD) + work tree$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
fi
go build -o "$WORK/gofs" ./bench/serve/gofs
go build -o "$WORK/sitegen" ./bench/sitegen
rm -rf "$SITE"
"$WORK/sitegen" -files 1000 -size 20MB -serve-fixtures -out "$SITE" >&2
SITE_ABS=$(cd "$SITE" && pwd)
RUN_ABS=$(cd "$RUN" && pwd)

P_SWKIT=$((PORT_BASE + 1)) P_EXPRESS=$((PORT_BASE + 2)) P_GOFS=$((PORT_BASE + 3)) P_NGINX=$((PORT_BASE + 4))
for p in $P_SWKIT $P_EXPRESS $P_GOFS $P_NGINX; do
	if curl -s -o /dev/null "http://127.0.0.1:$p/"; then
		echo "bench/serve: port $p is in use: set PORT_BASE to a free range" >&2
		exit 1
	fi
done

# nginx as a static server with the usual production settings: sendfile,
# gzip (level 1, its default) for text types, ETags (its default), no access
# log; one worker per core; keep-alive without a request cap, like the others.
cat >"$RUN/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $RUN_ABS/nginx.pid;
error_log $RUN_ABS/nginx-error.log warn;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 10000000;
	keepalive_timeout 60s;
	gzip on;
	gzip_types text/css application/javascript application/json image/svg+xml text/plain;
	client_body_temp_path $RUN_ABS/nginx-body;
	proxy_temp_path $RUN_ABS/nginx-proxy;
	fastcgi_temp_path $RUN_ABS/nginx-fastcgi;
	uwsgi_temp_path $RUN_ABS/nginx-uwsgi;
	scgi_temp_path $RUN_ABS/nginx-scgi;
	server {
		listen 127.0.0.1:$P_NGINX;
		root $SITE_ABS;
	}
}
EOF

PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A SPID
"$WORK/swkit" serve --addr "127.0.0.1:$P_SWKIT" "$SITE" >"$RUN/swkit.log" 2>&1 &
PIDS+=($!) SPID[swkit]=$!
NODE_PATH="$WORK/node_modules" node bench/serve/server.js "$SITE" "$P_EXPRESS" >"$RUN/express.log" 2>&1 &
PIDS+=($!) SPID[express]=$!
"$WORK/gofs" -addr "127.0.0.1:$P_GOFS" "$SITE" >"$RUN/gofs.log" 2>&1 &
PIDS+=($!) SPID[gofs]=$!
"$NGINX" -c "$RUN_ABS/nginx.conf" >"$RUN/nginx.log" 2>&1 &
PIDS+=($!) SPID[nginx]=$!

for p in $P_SWKIT $P_EXPRESS $P_GOFS $P_NGINX; do
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$p/bench-page.html" && break
		sleep 0.1
	done
	curl -sf -o /dev/null "http://127.0.0.1:$p/bench-page.html" || {
		echo "bench/serve: server on port $p did not start; see $RUN/*.log" >&2
		exit 1
	}
done

SERVERS=(swkit express gofs nginx)
declare -A PORT=([swkit]=$P_SWKIT [express]=$P_EXPRESS [gofs]=$P_GOFS [nginx]=$P_NGINX)
REQS=(page page-gzip image)
declare -A PATHS=([page]=/bench-page.html [page-gzip]=/bench-page.html [image]=/bench-photo.jpg)
declare -A HDR=([page]="" [page-gzip]="Accept-Encoding: gzip" [image]="")
declare -A DESC=([page]="10 KiB HTML page, no Accept-Encoding" [page-gzip]="10 KiB HTML page, Accept-Encoding: gzip" [image]="100 KiB JPEG")

# cputicks PID: user + system clock ticks of PID and its children processes
# (nginx's workers), from /proc.
cputicks() {
	local t=0 p
	for p in $1 $(pgrep -P "$1" || true); do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# bench SERVER REQ DURATION: prints requests/s and the requests per CPU-second
# the server process used, and checks that every answer was 2xx. The second
# figure hardly moves when other work competes for the cores; the first does.
bench() {
	local url="http://127.0.0.1:${PORT[$1]}${PATHS[$2]}" out t0 t1
	local args=(-t"$THREADS" -c"$CONNS" -d"$3" --timeout 5s)
	[ -n "${HDR[$2]}" ] && args+=(-H "${HDR[$2]}")
	t0=$(cputicks "${SPID[$1]}")
	out=$(timeout 120 wrk "${args[@]}" "$url")
	t1=$(cputicks "${SPID[$1]}")
	if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
		echo "bench/serve: $1 $2: errors:" >&2
		echo "$out" >&2
	fi
	awk -v ticks=$((t1 - t0)) -v hz="$HZ" '/^Requests\/sec:/ {rps = $2} /requests in/ {n = $1}
		END {printf "%s %.0f\n", rps, (ticks > 0 ? n / (ticks / hz) : 0)}' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

{
	echo "# serve benchmark"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores shared by wrk and the server, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r)"
	echo "- swkit: $REV ($(go env GOVERSION)); Express $(node -p "require('./$WORK/node_modules/express/package.json').version") on Node.js $(node --version); nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
	echo "- load: wrk -t$THREADS -c$CONNS -d$DURATION on 127.0.0.1, $ROUNDS rounds round-robin over the servers after a 2 s warm-up each; median requests/s"
	echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure (some, avg60): $(awk '/^some/ {sub("avg60=","",$3); print $3}' /proc/pressure/cpu 2>/dev/null || echo n/a)%"
	echo
	echo "Headers each server sends for the page (GET with Accept-Encoding: gzip):"
	echo
	for s in "${SERVERS[@]}"; do
		h=$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:${PORT[$s]}/bench-page.html" |
			grep -i -E '^(cache-control|etag|last-modified|content-encoding|vary|x-content-type-options):' | tr -d '\r' | paste -sd ';' | sed 's/;/; /g')
		echo "- $s: ${h:-(none of Cache-Control, ETag, Last-Modified, Content-Encoding, Vary)}"
	done
	echo
} | tee "$WORK/serve-report.md"

declare -A RESULTS EFF
for r in "${REQS[@]}"; do
	for s in "${SERVERS[@]}"; do
		bench "$s" "$r" 2s >/dev/null
	done
done
for round in $(seq "$ROUNDS"); do
	for r in "${REQS[@]}"; do
		for s in "${SERVERS[@]}"; do
			read -r v e < <(bench "$s" "$r" "$DURATION")
			RESULTS[$s,$r]="${RESULTS[$s,$r]:-} $v"
			EFF[$s,$r]="${EFF[$s,$r]:-} $e"
			echo "round $round: $s $r: $v req/s, $e requests per server CPU-second" >&2
		done
	done
done

# table TITLE ARRAY-NAME: one row per request, medians and ratios.
table() {
	local -n vals=$2
	echo "$1"
	echo
	echo "| request | swkit | Express | Go FileServer | nginx | swkit / Express | swkit / Go FileServer | swkit / nginx |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for r in "${REQS[@]}"; do
		declare -A M=()
		for s in "${SERVERS[@]}"; do
			M[$s]=$(tr ' ' '\n' <<<"${vals[$s,$r]}" | grep . | median)
		done
		awk -v d="${DESC[$r]}" -v a="${M[swkit]}" -v b="${M[express]}" -v c="${M[gofs]}" -v n="${M[nginx]}" \
			'BEGIN {printf "| %s | %.0f | %.0f | %.0f | %.0f | %.1f× | %.2f× | %.2f× |\n", d, a, b, c, n, a/b, a/c, a/n}'
	done
	echo
}
{
	table "Requests per second (median of $ROUNDS rounds):" RESULTS
	table "Requests per CPU-second of the server process (median; nginx: master and workers; robust to other load on the machine):" EFF
	echo "Rounds (requests/s; requests per server CPU-second):"
	echo
	for r in "${REQS[@]}"; do
		for s in "${SERVERS[@]}"; do
			echo "- $r, $s:${RESULTS[$s,$r]};${EFF[$s,$r]}"
		done
	done
	echo
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); CPU pressure (some, avg60): $(awk '/^some/ {sub("avg60=","",$3); print $3}' /proc/pressure/cpu 2>/dev/null || echo n/a)%"
} | tee -a "$WORK/serve-report.md"

if [ -n "${PROFILE:-}" ]; then
	# swkit's handler under the same load, as swkit serve sets it up, with the
	# CPU profiler on; the other servers are idle meanwhile.
	P_PROF=$((PORT_BASE + 10))
	go build -o "$WORK/serve-profile" ./bench/serve/profile
	for r in page page-gzip image; do
		"$WORK/serve-profile" -addr "127.0.0.1:$P_PROF" -for 14s -cpuprofile "$WORK/serve-$r.pprof" "$SITE" >&2 &
		PIDS+=($!)
		for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$P_PROF/" && break; sleep 0.1; done
		PORT[prof]=$P_PROF SPID[prof]=${PIDS[-1]}
		bench prof "$r" 10s >/dev/null
		wait "${PIDS[-1]}"
		echo "bench/serve: profile of swkit on $r: $WORK/serve-$r.pprof (go tool pprof -top $WORK/serve-$r.pprof)" >&2
	done
fi
