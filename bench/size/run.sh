#!/bin/sh
# Runtime size: swkit's generated sw.js against workbox generateSW's sw.js +
# workbox-*.js for the same configs (bench/size/*.swkit.json and
# *.workbox.cjs), raw, gzip -9 and brotli 11, runtime only and with the
# manifest of a 50-file site. Installs workbox-cli@7 with npm into bench/work
# when missing. Prints a Markdown table. Deterministic: sizes, not times.
#
#   bench/size/run.sh
set -eu
cd "$(dirname "$0")/../.."
WORK=bench/work
OUT=$WORK/size
command -v go >/dev/null || { echo "bench/size: needs Go 1.26 or newer" >&2; exit 1; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "bench/size: installing Node.js and npm (Debian)" >&2
	apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x "$WORK/node_modules/.bin/workbox" ]; then
	echo "bench/size: installing workbox-cli@7 into $WORK" >&2
	npm install --prefix "$WORK" --no-audit --no-fund workbox-cli@7 >/dev/null
fi

rm -rf "$OUT" && mkdir -p "$OUT/one"
# Workbox will not build with nothing to precache: a one-file site, whose
# one entry bench/size cuts out of sw.js for the runtime-only figure.
echo '<!doctype html><title>one</title>' > "$OUT/one/index.html"
go run ./bench/sitegen -files 50 -size 1MB -out "$OUT/site" >&2

for c in precache routes; do
	for site in one site; do
		GLOB_DIR="$OUT/$site" SW_DEST="$OUT/wb-$c-$site/sw.js" \
			"$WORK/node_modules/.bin/workbox" generateSW "bench/size/$c.workbox.cjs" >"$OUT/wb-$c-$site.log" 2>&1 ||
			{ cat "$OUT/wb-$c-$site.log" >&2; exit 1; }
	done
done

echo "workbox-cli $("$WORK/node_modules/.bin/workbox" --version 2>/dev/null || echo '?'), swkit $(git rev-parse --short HEAD)"
echo
go run ./bench/size -work "$OUT" -configs bench/size
