#!/bin/sh
# cli-package: `make deb`'s package, unpacked into a scratch root (dpkg-deb -x), has
# the binary, the workflows with their calendars and 案由 dictionaries, the man page,
# the conffile and the unit; the unpacked binary finds its data beside itself (init
# with no --workflows, from a directory that has none); the unit passes
# `systemd-analyze verify` with its paths moved into the scratch root (skipped, not
# failed, where systemd-analyze is absent); `serve --check-config` prints the
# packaged configuration as in effect, flags over it, and refuses a bad one (exit 2).
# Usage: package.sh CASEFLOW_BINARY BUILD_DIR   (run from the source root)
set -u
bin=$1
build=$2
src=$(pwd)
. "$(dirname "$0")/lib.sh"
cf_setup
# run EXIT COMMAND...: any command, not only caseflow.
run() { cf_exits "$@"; }

# package-1: the package builds, with its control data.
if run 0 "$src/scripts/make-deb.sh" "$build" "$tmp/deb" && deb=$(tail -1 "$tmp/out") &&
    [ -f "$deb" ] && run 0 dpkg-deb -I "$deb" && has "Package: caseflow" &&
    has "Depends: adduser, " && has "libuv1" && has "libsqlite3-0" && has "postinst" &&
    run 0 dpkg-deb -I "$deb" conffiles && has "^/etc/caseflow/caseflow.conf$"
then ok; else fail "make-deb.sh builds a package with Depends, maintainer scripts, conffiles"; fi

# package-2: the files, unpacked.
root="$tmp/root"
if dpkg-deb -x "$deb" "$root" 2>"$tmp/out" && [ -x "$root/usr/bin/caseflow" ] &&
    [ -f "$root/usr/share/caseflow/workflows/penalty-general.yaml" ] &&
    ls "$root/usr/share/caseflow/workflows/calendars/"*.yaml >/dev/null 2>&1 &&
    ls "$root/usr/share/caseflow/workflows/causes/"*.yaml >/dev/null 2>&1 &&
    [ -f "$root/usr/share/man/man1/caseflow.1.gz" ] &&
    [ -f "$root/usr/share/bash-completion/completions/caseflow" ] &&
    [ -f "$root/etc/caseflow/caseflow.conf" ] &&
    [ -f "$root/lib/systemd/system/caseflow.service" ]
then ok; else fail "the unpacked package has the binary, workflows, calendars, causes, man page, conf, unit"; fi

if zcat "$root/usr/share/man/man1/caseflow.1.gz" > "$tmp/out" && has '^\.TH CASEFLOW 1' &&
    has 'case open'
then ok; else fail "the man page lists the commands"; fi

unit="$root/lib/systemd/system/caseflow.service"
if grep -q '^Type=notify$' "$unit" && grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" &&
    grep -q '^ProtectSystem=strict$' "$unit" && grep -q '^NoNewPrivileges=yes$' "$unit" &&
    grep -q '^ReadWritePaths=/var/lib/caseflow$' "$unit" && grep -q '^PrivateTmp=yes$' "$unit" &&
    grep -q '^User=caseflow$' "$unit" && grep -q '^TimeoutStartSec=1h$' "$unit"
then ok; else fail "the unit: notify, reload, hardening, its own user, time for a schema upgrade"; fi

# package-3: the unpacked binary finds its workflows beside itself.
mkdir -p "$tmp/elsewhere"
if (cd "$tmp/elsewhere" && run 0 "$root/usr/bin/caseflow" --db "$tmp/pkg.db" init) &&
    has "$root/usr/bin/../share/caseflow/workflows/penalty-general.yaml" &&
    run 0 "$root/usr/bin/caseflow" --db "$tmp/pkg.db" workflow list && has "penalty-general"
then ok; else fail "the installed binary's init reads share/caseflow/workflows beside it"; fi

# package-3b: the document module is packaged, its libraries are in Depends, and the
# unpacked binary loads it from BINDIR/../lib/caseflow (an import reads a web page).
printf '<table><tr><th>序号</th><th>事项名称</th><th>权力类型</th></tr><tr><td>1</td><td>对某违法行为的处罚</td><td>行政处罚</td></tr></table>\n' > "$tmp/list.html"
if [ -f "$root/usr/lib/caseflow/caseflow-docs.so" ] && run 0 dpkg-deb -I "$deb" &&
    has "libpoppler-glib" && has "libcairo2" &&
    (cd "$tmp/elsewhere" && run 0 "$root/usr/bin/caseflow" import "$tmp/list.html" --out "$tmp/c.yaml") &&
    grep -q "对某违法行为的处罚" "$tmp/c.yaml"
then ok; else fail "the package has the document module, its Depends, and the binary loads it"; fi

# package-4: the unit passes systemd-analyze verify with its paths in the scratch root.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -p "$tmp/unit"
    sed -e "s|/usr/bin/caseflow|$root/usr/bin/caseflow|g" -e "s|/bin/kill|$(command -v kill || echo /bin/kill)|" \
        -e "s|/usr/share/caseflow|$root/usr/share/caseflow|g" \
        -e "s|/etc/caseflow|$root/etc/caseflow|g" -e 's/^User=caseflow$/User=root/' \
        -e 's/^Group=caseflow$/Group=root/' "$unit" > "$tmp/unit/caseflow.service"
    if SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/unit/caseflow.service" \
        > "$tmp/out" 2>&1 && ! has "caseflow.service:"
    then ok; else fail "systemd-analyze verify finds no problem in the unit"; fi
else
    echo "SKIP: systemd-analyze not installed (apt-get install systemd)" >&2
fi

# package-5: serve --check-config on the packaged file: the file as in effect, a flag over it.
conf="$tmp/caseflow.conf"
sed "s|/var/lib/caseflow/caseflow.db|$tmp/pkg.db|" "$root/etc/caseflow/caseflow.conf" > "$conf"
if run 0 "$bin" serve --config "$conf" --check-config --timeout-ms 2500 &&
    has "^db = $tmp/pkg.db$" && has "^listen = 127.0.0.1:8080$" && has "^timeout_ms = 2500$" &&
    has "^token_cache_ms = 5000$" && has "configuration OK"
then ok; else fail "check-config prints the file's settings, the flag over the file"; fi

printf 'db = %s\nlisten = 127.0.0.1:8080\nwebhok = http://127.0.0.1:9/x\n' "$tmp/pkg.db" > "$tmp/bad.conf"
if run 2 "$bin" serve --config "$tmp/bad.conf" --check-config && has "bad.conf:3:1" &&
    printf 'db = %s/none.db\n' "$tmp" > "$tmp/bad2.conf" &&
    run 2 "$bin" serve --config "$tmp/bad2.conf" --check-config && has "caseflow init" &&
    printf 'db = %s\ncheckpoint_interval = 60\n' "$tmp/pkg.db" > "$tmp/bad3.conf" &&
    run 2 "$bin" serve --config "$tmp/bad3.conf" --check-config && has "checkpoint_key is not"
then ok; else fail "check-config refuses a misspelt key, a missing database, a keyless checkpoint"; fi

# package-6: Type=notify: READY=1 once listening, RELOADING=1 then READY=1 on SIGHUP
# (ExecReload), STOPPING=1 on SIGTERM (sd_notify).
cat > "$tmp/notify.py" <<'PY'
import os, signal, socket, subprocess, sys
path = sys.argv[1] + "/notify.sock"
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(20)
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen([sys.argv[2], "--db", sys.argv[3], "serve", "--listen", "127.0.0.1:0"],
                     env=env, stdout=subprocess.DEVNULL)
try:
    print(s.recv(512).decode())
    p.send_signal(signal.SIGHUP)
    print(s.recv(512).decode())
    print(s.recv(512).decode())
    p.send_signal(signal.SIGTERM)
    print(s.recv(512).decode())
finally:
    if p.poll() is None:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
print("exit", p.wait())
PY
if command -v python3 >/dev/null 2>&1; then
    if run 0 python3 "$tmp/notify.py" "$tmp" "$bin" "$tmp/pkg.db" && has "^READY=1$" &&
        has "^STATUS=listening on 127.0.0.1:" && has "^RELOADING=1$" &&
        has "^STATUS=calendars checked$" && has "^STOPPING=1$" && has "^exit 0$"
    then ok; else fail "serve notifies READY=1, RELOADING=1 on SIGHUP, STOPPING=1 on SIGTERM"; fi
else
    echo "SKIP: python3 not installed (scripts/install-deps.sh installs it)" >&2
fi

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
