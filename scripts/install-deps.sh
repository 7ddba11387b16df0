#!/bin/sh
# Installs the Debian packages caseflow builds against, if any is missing.
# Everything comes from Debian; nothing is downloaded at build or run time.
set -e
PKGS="build-essential cmake pkg-config libuv1-dev libsqlite3-dev libcyaml-dev libyaml-dev
libjansson-dev libssl-dev libh2o-dev libcurl4-openssl-dev libmimalloc-dev sqlite3 curl jq
libsystemd-dev systemd dpkg-dev python3
libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils"
# the contract checks: promtool for /metrics (tests/cli/metrics.sh; Debian ships it in
# prometheus, about 100 MB installed, taken without its recommends), node and npm for the
# OpenAPI validators below (the machine's own Node.js when it has one, else Debian's)
LEAN="prometheus"
command -v npm > /dev/null 2>&1 || PKGS="$PKGS nodejs npm"
# Extras for targets that are not make test: `install-deps.sh fuzz` (make fuzz:
# clang and its libFuzzer runtime), `install-deps.sh valgrind` (make valgrind)
for extra in "$@"; do
    case $extra in
    fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
    valgrind) PKGS="$PKGS valgrind" ;;
    *) echo "install-deps.sh: unknown extra '$extra' (fuzz, valgrind)" >&2; exit 1 ;;
    esac
done
# web pages, .xlsx/.docx (libxml2, libzip), traditional characters (OpenCC and its
# dictionaries) for the importer; time and bc for bench/importer.sh
PKGS="$PKGS libxml2-dev libzip-dev libopencc-dev libopencc-data time bc"
# the workbench's browser test (tests/browser): Debian's chromium, driven headless
PKGS="$PKGS chromium"
# PDF text layers (poppler-glib) and .xls workbooks (FreeXL) for the importer
PKGS="$PKGS libpoppler-glib-dev libfreexl-dev"
# the PostgreSQL backend (libpq, always linked) and the throwaway server its tests start
# (tests/pg/pg.sh: initdb and pg_ctl from /usr/lib/postgresql/15/bin)
PKGS="$PKGS libpq-dev postgresql-15"
# the packages of the list given that are not installed
missing_of() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}
missing=$(missing_of $PKGS)
lean=$(missing_of $LEAN)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ -n "$missing$lean" ]; then
    echo "installing:" $missing $lean
    $SUDO apt-get update -qq
fi
[ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
[ -z "$lean" ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $lean >/dev/null
# the OpenAPI validators of tests/cli/openapi.sh (redocly, swagger-cli) at the versions
# tools/package-lock.json pins, into tools/node_modules
tools="$(dirname "$0")/../tools"
if ! [ -x "$tools/node_modules/.bin/redocly" ] || ! [ -x "$tools/node_modules/.bin/swagger-cli" ]; then
    echo "installing the OpenAPI validators into tools/node_modules"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
# the browser test's driver (puppeteer-core, pinned by tests/browser/package-lock.json)
# into tests/browser/node_modules; no browser is downloaded: it drives /usr/bin/chromium
browser="$(dirname "$0")/../tests/browser"
if ! [ -d "$browser/node_modules/puppeteer-core" ]; then
    echo "installing puppeteer-core into tests/browser/node_modules"
    (cd "$browser" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
