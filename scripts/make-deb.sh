#!/bin/sh
# make deb: builds caseflow_VERSION_ARCH.deb from a built tree with dpkg-deb
# (docs/operations.md). Usage: scripts/make-deb.sh BUILD_DIR OUT_DIR
#   BUILD_DIR  a configured and built CMake tree (make build)
#   OUT_DIR    where the .deb is written; its path is printed last
# The package installs under /usr (cmake --install --prefix /usr: the binary, the
# document module in /usr/LIBDIR/caseflow, the data in /usr/share/caseflow), adds
# /etc/caseflow/caseflow.conf (a conffile), the systemd unit, and the maintainer
# scripts of packaging/ (the caseflow system user, /var/lib/caseflow, the database).
# Depends: the Debian packages that own the shared libraries the binary links.
# Rejected: CPack's DEB generator (one more configuration to keep true, and its
# shlibdeps needs the same dpkg tools this script calls directly).
set -e
build=$1
out=$2
[ -n "$build" ] && [ -n "$out" ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
install -D -m 0644 "$src/packaging/caseflow.conf" "$stage/etc/caseflow/caseflow.conf"
install -D -m 0644 "$src/packaging/caseflow.service" "$stage/lib/systemd/system/caseflow.service"
gzip -9n "$stage/usr/share/man/man1/caseflow.1"
install -d "$stage/DEBIAN"
for f in postinst prerm postrm; do
    install -m 0755 "$src/packaging/$f" "$stage/DEBIAN/$f"
done
echo /etc/caseflow/caseflow.conf >"$stage/DEBIAN/conffiles"

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || version=0.1.0
rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo 0)
version="$version+git$rev"
arch=$(dpkg --print-architecture)
# The packages owning the libraries the binary and the document module (import and
# 文书: LIBDIR/caseflow/caseflow-docs.so, loaded on first use) link directly (their
# NEEDED entries), each at least at the version built against.
module=$(find "$stage/usr/lib" -name caseflow-docs.so | head -n 1)
[ -n "$module" ] || {
    echo "make-deb.sh: $build installs no document module (caseflow-docs.so)" >&2
    exit 1
}
libs=$(for f in "$stage/usr/bin/caseflow" "$module"; do
    objdump -p "$f" | awk '/NEEDED/ {print $2}'
done | sort -u | while read -r so; do
    ldconfig -p | awk -v so="$so" '$1 == so {print $NF; exit}'
done)
deps=$(for lib in $libs; do readlink -f "$lib"; echo "$lib"; done | xargs dpkg -S 2>/dev/null |
    cut -d: -f1 | sort -u | while read -r pkg; do
    v=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null | sed 's/-[^-]*$//')
    echo "$pkg (>= $v)"
done | paste -sd, - | sed 's/,/, /g')
size=$(du -sk "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: caseflow
Version: $version
Architecture: $arch
Maintainer: caseflow maintainers <caseflow@localhost>
Installed-Size: $size
Depends: adduser, $deps
Section: admin
Priority: optional
Description: case-workflow engine for medical-insurance administrative enforcement
 caseflow keeps each power type's procedure as a YAML state machine and every case
 as a hash-chained, append-only event log in SQLite, and counts every statutory
 deadline on China's working-day calendar. This package installs the caseflow
 command, its workflows, calendars and 案由 dictionaries, and the caseflow service.
CONTROL
mkdir -p "$out"
deb="$out/caseflow_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz -z1 --build "$stage" "$deb" >/dev/null
echo "$deb"
