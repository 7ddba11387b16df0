#!/bin/sh
# Installs the Debian packages caseflow builds against, if any is missing.
# Everything comes from Debian; nothing is downloaded at build or run time.
set -e
PKGS="build-essential cmake pkg-config libuv1-dev libsqlite3-dev libcyaml-dev libyaml-dev
libjansson-dev libssl-dev libh2o-dev libcurl4-openssl-dev sqlite3 curl jq
libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils"
# RELIABILITY: extras for targets that are not make test: `install-deps.sh fuzz` (make fuzz:
# clang and its libFuzzer runtime), `install-deps.sh valgrind` (make valgrind)
for extra in "$@"; do
    case $extra in
    fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
    valgrind) PKGS="$PKGS valgrind" ;;
    *) echo "install-deps.sh: unknown extra '$extra' (fuzz, valgrind)" >&2; exit 1 ;;
    esac
done
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
