#!/bin/sh
# In the browser: swkit's worker against workbox generateSW's on the same
# sites, server and Chromium (see bench/browser/main.go). Installs Chromium
# (Debian) and workbox-cli@7 (npm, into bench/work) when missing, generates
# the sites with bench/sitegen and prints Markdown.
#
#   bench/browser/run.sh                 # 1,000-file site, 5 rounds per tool
#   LARGE=1 bench/browser/run.sh         # and the 20,000-file site
set -eu
cd "$(dirname "$0")/../.."
WORK=bench/work
OUT=$WORK/browser
command -v go >/dev/null || { echo "bench/browser: needs Go 1.26 or newer" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x "$WORK/node_modules/.bin/workbox" ]; then
	npm install --prefix "$WORK" --no-audit --no-fund workbox-cli@7 >/dev/null
fi
mkdir -p "$OUT"
rm -rf "$OUT/site-small" && go run ./bench/sitegen -files 1000 -size 20MB -out "$OUT/site-small" >&2
flags="-rounds ${ROUNDS:-5}"
if [ -n "${LARGE:-}" ]; then
	rm -rf "$OUT/site-large" && go run ./bench/sitegen -files 20000 -size 100MB -out "$OUT/site-large" >&2
	flags="$flags -large"
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
go run ./bench/browser -work "$OUT" $flags
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
