#!/bin/sh
# The worker's own speed in the browser, side by side (see main.go), in
# Chromium, Firefox and WebKit, each run holding the benchmark lock.
# Installs workbox-cli@7 (npm, into .cache/npm as ./test.sh does) when
# missing; the browsers come from Debian (./test.sh installs them).
#
#   bench/browser-speed/run.sh              # 20 loads per worker, three engines
#   LOADS=5 ENGINES=chromium bench/browser-speed/run.sh
set -eu
cd "$(dirname "$0")/../.."
workbox=${SWKIT_WORKBOX_CLI:-.cache/npm/node_modules/.bin/workbox}
if [ ! -x "$workbox" ]; then
	npm install --prefix .cache/npm --no-audit --no-fund --loglevel=error workbox-cli@7 >/dev/null
fi
for engine in ${ENGINES:-chromium firefox webkit}; do
	echo "## $engine"
	flock /tmp/swkit-bench.lock go run ./bench/browser-speed -workbox "$workbox" -loads "${LOADS:-20}" -engine "$engine"
	echo
done
