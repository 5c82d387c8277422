#!/bin/sh
# Installs the web-push npm package into bench/work (gitignored) when it is
# missing and runs bench/push/webpush.js with the data file that
# `go run ./bench/push -node` writes; that program also runs the stub push
# service this script's requests go to.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -d bench/work/node_modules/web-push ]; then
	npm install --prefix bench/work --no-audit --no-fund web-push >&2
fi
exec node bench/push/webpush.js "$@"
