#!/bin/sh
# Build benchmark: swkit build vs workbox generateSW, workbox injectManifest
# and the SHA-256 floor on two generated trees (a median site, 500 files /
# 10 MB, and 10,000 files / 400 MB). Installs workbox-cli@7 with npm into bench/work when
# missing. Prints a Markdown report, also saved in bench/work/build-report.md.
#
#   bench/build/run.sh                       # both trees: 5 rounds median, 3 large
#   TREES=median:3 bench/build/run.sh        # only the median tree, 3 rounds
#   SWKIT_REV=HEAD bench/build/run.sh        # swkit as committed, not the work tree
#
# Takes about 2 minutes on 2 cores; each tool run is cut off after 5 minutes.
set -eu
cd "$(dirname "$0")/../.."
WORK=bench/work
TREES=${TREES:-median:5,large:3}
mkdir -p "$WORK"

command -v go >/dev/null || { echo "bench/build: needs Go 1.26 or newer" >&2; exit 1; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "bench/build: installing Node.js and npm (Debian)" >&2
	apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -x "$WORK/node_modules/.bin/workbox" ]; then
	echo "bench/build: installing workbox-cli@7 into $WORK" >&2
	npm install --prefix "$WORK" --no-audit --no-fund workbox-cli@7 >/dev/null
fi

if [ -n "${SWKIT_REV:-}" ]; then
	# Build swkit from a commit (git archive), leaving the work tree alone.
	rm -rf "$WORK/src" && mkdir -p "$WORK/src"
	git archive "$SWKIT_REV" | tar -x -C "$WORK/src"
	(cd "$WORK/src" && go build -o ../swkit ./cmd/swkit)
	REV=$(git rev-parse --short "$SWKIT_REV")
else
	go build -o "$WORK/swkit" ./cmd/swkit
	REV="$(git rev-parse --short HEAD) + work tree$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
fi
go build -o "$WORK/floor" ./bench/build/floor
go build -o "$WORK/sitegen" ./bench/sitegen

# The trees are regenerated every time (under a second each), so that they
# are exactly what the flags say.
gen() { # name files size
	rm -rf "$WORK/$1"
	"$WORK/sitegen" -files "$2" -size "$3" -out "$WORK/$1" >&2
}
case "$TREES" in *median*) gen median 500 10MB ;; esac
case "$TREES" in *large*) gen large 10000 400MB ;; esac

go run ./bench/build -work "$WORK" -trees "$TREES" -rev "$REV" | tee "$WORK/build-report.md"
