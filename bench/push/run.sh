#!/bin/sh
# Runs the push benchmark: swkit's push.Sender and the web-push npm package
# against the same local stub push service, and prints the ratio.
set -eu
cd "$(dirname "$0")/../.."
exec go run ./bench/push -node "$@"
