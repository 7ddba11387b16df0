#!/bin/sh
# tests/pg/pg.sh -- a throwaway PostgreSQL 15 for the test suite (issue 24).
#
#   pg.sh start STATE        initdb and pg_ctl start in a new temporary folder, on a unix
#                            socket in that folder only (listen_addresses=''); writes the
#                            base URI and the folder into the file STATE
#   pg.sh stop STATE         stops that server and removes its folder
#   pg.sh crash STATE        stops it at once (pg_ctl stop -m immediate: what a crash of
#                            the server leaves), its folder kept
#   pg.sh restart STATE      starts it again after crash, or, running, restarts it at once
#                            (pg_ctl restart -m immediate); the same settings as at start
#   pg.sh run STATE CMD...   runs CMD with CASEFLOW_TEST_PG (the base URI, for the unit
#                            runner, which makes a database per test) and CASEFLOW_DB (a
#                            fresh database of this run's own, also as CASEFLOW_TEST_DB,
#                            which a CLI script takes instead of its own file)
#
# CTest starts and stops it as the fixture "pg" (tests/CMakeLists.txt). As root, the
# server runs as the postgres user (initdb refuses root) with the folder given to it.
# Without PostgreSQL 15 installed, start fails saying so: the PostgreSQL tests then fail
# (never pass silently). fsync is off: the data is thrown away after the run.
set -e
BIN=${CASEFLOW_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=$1
state=$2
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: pg.sh start|stop|crash|restart|run STATE [CMD...]" >&2; exit 2; }
as=""
[ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"

case $cmd in
start)
    if [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
        echo "tests/pg/pg.sh: PostgreSQL 15 is not installed ($BIN/initdb missing): run" \
            "scripts/install-deps.sh (Debian postgresql-15), or set CASEFLOW_PG_BIN" >&2
        exit 1
    fi
    [ -f "$state" ] && "$0" stop "$state" 2>/dev/null || true
    dir=$(mktemp -d "${TMPDIR:-/tmp}/cf-pg-XXXXXX")
    [ -n "$as" ] && chown postgres "$dir"
    $as "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C --encoding=UTF8 -N \
        > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    sync=off
    fsync=off
    [ "${CASEFLOW_PG_DURABLE:-0}" = 1 ] && sync=on
    [ "${CASEFLOW_PG_FSYNC:-0}" = 1 ] && sync=on && fsync=on
    echo "-c listen_addresses='' -k $dir -c fsync=$fsync -c synchronous_commit=$sync -c full_page_writes=$fsync -c max_connections=300" \
        > "$dir/options"
    $as "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" \
        start > /dev/null || { cat "$dir/server.log" >&2; exit 1; }
    printf 'postgresql:///postgres?host=%s&user=postgres\n%s\n' "$dir" "$dir" > "$state"
    echo "PostgreSQL 15 started in $dir"
    ;;
stop)
    [ -f "$state" ] || exit 0
    dir=$(sed -n 2p "$state")
    if [ -d "$dir/data" ]; then
        $as "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || true
    fi
    case $dir in
    */cf-pg-*) rm -rf "$dir" ;;
    esac
    rm -f "$state"
    ;;
crash)
    dir=$(sed -n 2p "$state")
    $as "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null
    ;;
restart)
    dir=$(sed -n 2p "$state")
    if $as "$BIN/pg_ctl" -D "$dir/data" status > /dev/null 2>&1; then
        $as "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 \
            -o "$(cat "$dir/options")" restart > /dev/null || { tail -5 "$dir/server.log" >&2; exit 1; }
    else
        $as "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" \
            start > /dev/null || { tail -5 "$dir/server.log" >&2; exit 1; }
    fi
    ;;
run)
    shift 2
    if [ ! -f "$state" ]; then
        echo "tests/pg/pg.sh: no PostgreSQL for the tests ($state missing: the fixture pg_start" \
            "failed or did not run; is postgresql-15 installed?)" >&2
        exit 1
    fi
    base=$(sed -n 1p "$state")
    dir=$(sed -n 2p "$state")
    name="r$$_$(date +%s)"
    psql=$BIN/psql
    [ -x "$psql" ] || psql=psql
    "$psql" -q -X -h "$dir" -U postgres -d postgres -c "CREATE DATABASE $name" > /dev/null
    CASEFLOW_TEST_PG=$base
    CASEFLOW_DB="postgresql:///$name?host=$dir&user=postgres"
    CASEFLOW_TEST_DB=$CASEFLOW_DB # what a CLI script takes instead of its own file
    export CASEFLOW_TEST_PG CASEFLOW_DB CASEFLOW_TEST_DB
    "$@"
    ;;
*)
    echo "pg.sh: unknown command '$cmd' (start, stop, crash, restart, run)" >&2
    exit 2
    ;;
esac
