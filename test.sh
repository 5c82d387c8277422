#!/usr/bin/env bash
# Runs every swkit test: formatting, vet, unit, command-line and browser tests.
# It installs what the tests need when it is missing (Debian's chromium,
# firefox-esr, webkit2gtk-driver, xvfb and postgresql, and workbox-cli from npm
# for the Workbox parity test), so a fresh
# Debian machine needs only Go. Nothing is skipped silently: a missing tool
# that cannot be installed stops the run with a message saying how to get it.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go not found: install Go 1.26 or newer (https://go.dev/doc/install)"

apt_updated=
apt_install() { # package...
	local sudo=
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "need $* but cannot install it: run 'sudo apt-get install -y $*' and try again"
		sudo="sudo -n"
	fi
	command -v apt-get >/dev/null || die "need $* and this is not a Debian-like system: install $* with your package manager and try again"
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		$sudo apt-get update -qq >/dev/null || die "apt-get update failed: check the package sources, then run 'apt-get install -y $*'"
		apt_updated=1
	fi
	log "installing $*"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# Browser tests need the full Chromium (not chromium-headless-shell, which keeps
# notifications denied and background sync off): see docs/testing.md.
chromium="${SWKIT_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
	[ -n "${SWKIT_CHROMIUM:-}" ] && die "SWKIT_CHROMIUM=$chromium is not an executable"
	apt_install chromium
fi
export SWKIT_CHROMIUM="$chromium"

# The browser tests run in Firefox ESR (WebDriver BiDi, headless) and in
# WebKitGTK's MiniBrowser (WebKitWebDriver, on an Xvfb display) too.
missing=()
[ -n "${SWKIT_FIREFOX:-}" ] || [ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
[ -n "${SWKIT_WEBKIT_DRIVER:-}" ] || [ -x /usr/bin/WebKitWebDriver ] || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null || missing+=(xvfb)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# The store's PostgreSQL tests start a private server from Debian's binaries
# (initdb, postgres) on 127.0.0.1, unless SWKIT_TEST_POSTGRES_DSN names one.
if [ -z "${SWKIT_TEST_POSTGRES_DSN:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
	apt_install postgresql
fi

# The Workbox parity test (e2e/workbox_test.go) runs Workbox's own generateSW
# as a peer, from workbox-cli installed under .cache/npm (never vendored), unless
# SWKIT_WORKBOX_CLI names a workbox binary.
if [ -z "${SWKIT_WORKBOX_CLI:-}" ]; then
	workbox=.cache/npm/node_modules/.bin/workbox
	if [ ! -x "$workbox" ]; then
		command -v npm >/dev/null || apt_install nodejs npm
		log "installing workbox-cli@7 into .cache/npm"
		npm install --prefix .cache/npm --no-audit --no-fund --loglevel=error workbox-cli@7 >/dev/null ||
			die "npm install workbox-cli@7 failed: run 'npm install --prefix .cache/npm workbox-cli@7' or set SWKIT_WORKBOX_CLI to a workbox binary"
	fi
	SWKIT_WORKBOX_CLI="$PWD/$workbox"
fi
[ -x "$SWKIT_WORKBOX_CLI" ] || die "SWKIT_WORKBOX_CLI=$SWKIT_WORKBOX_CLI is not an executable"
export SWKIT_WORKBOX_CLI

log "gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
[ -z "$unformatted" ] || die "gofmt needed on: $unformatted (run 'gofmt -w .')"

log "go vet"
go vet ./...

log "go test"
# -race everywhere: the browser tests spend their time in Chromium, so it is cheap.
go test -race -count=1 -timeout 30m "$@" ./...
