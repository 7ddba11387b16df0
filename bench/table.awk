# bench/table.awk -- the table of a bench run (bench/run.sh; docs/performance.md):
# reads the RESULT and INFO lines of results.txt and prints, in Markdown, each
# figure beside its limit or peer from the same run, the ratio, the target and
# whether it was met. A figure that is missing (a subcommand that failed, the
# peer without node) prints as "not measured" and its target as "not judged".
# A figure measured in several rounds (run.sh runs engine, raw and http three
# times, interleaved) is the median of its rounds; a ratio of two such figures
# is the median of the rounds' ratios, each of a pair measured back to back, and
# the row lists every round's ratio. PostgreSQL's HTTP row is set beside the mean of
# the raw rounds run right before and right after it (between_row): its raw limit moved
# 1.8x between rounds on the shared machine. Details after "=" come from the last round.
# POSIX awk (Debian's mawk has no %' for thousands, hence fmt()).

function fmt(x,    s, neg, out) {
    neg = x < 0
    s = sprintf("%.0f", neg ? -x : x)
    out = ""
    while (length(s) > 3) {
        out = "," substr(s, length(s) - 2) out
        s = substr(s, 1, length(s) - 3)
    }
    return (neg ? "-" : "") s out
}
function has(k) { return (k in v) }
# The median of the values in a[1..n] (sorted in place).
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function median_of(k,    a, i) {
    for (i = 1; i <= cnt[k]; i++)
        a[i] = all[k, i]
    return median(a, cnt[k])
}
function shown_ratio(r, unit) { return unit == "%" ? sprintf("%.1f%%", 100 * r) : sprintf("%.1f×", r) }
function val(k) { return has(k) ? fmt(v[k]) : "not measured" }
function f1(x) { return sprintf("%.1f", x) }
# A row judged against a ratio target: mine / theirs >= want.
function ratio_row(n, what, mine, theirs, theirs_label, want, unit,    r, shown, verdict, a,
                   i, rounds) {
    if (has(mine) && has(theirs) && v[theirs] > 0) {
        r = v[mine] / v[theirs]
        if (cnt[mine] > 1 && cnt[mine] == cnt[theirs]) { # paired rounds
            rounds = ""
            for (i = 1; i <= cnt[mine]; i++) {
                a[i] = all[mine, i] / all[theirs, i]
                rounds = rounds (i > 1 ? ", " : "") shown_ratio(a[i], unit)
            }
            r = median(a, cnt[mine])
        }
        shown = shown_ratio(r, unit) (rounds == "" ? "" : " (rounds: " rounds ")")
        verdict = want == "" ? "" : (r >= want ? "met" : "**MISSED**")
    } else {
        shown = "—"
        verdict = want == "" ? "" : "not judged"
    }
    printf "| %s | %s | %s | %s: %s | %s | %s | %s |\n", n, what, val(mine), theirs_label,
        val(theirs), shown, want == "" ? "—" : (unit == "%" ? "≥ " 100 * want "%" : "≥ " want "×"),
        verdict
}
# A row judged against the mean of two limits measured on either side of it in each
# round (before, after): mine_i / ((before_i + after_i) / 2) per round, the median of
# those judged; every round's figure, limits and ratio listed.
function between_row(n, what, mine, before, after, theirs_label, want, unit,    r, a, i,
                     rounds, lim, shown, verdict, m) {
    m = cnt[mine]
    if (has(mine) && has(before) && has(after) && cnt[before] == m && cnt[after] == m) {
        rounds = ""
        for (i = 1; i <= m; i++) {
            lim = (all[before, i] + all[after, i]) / 2
            a[i] = lim > 0 ? all[mine, i] / lim : 0
            rounds = rounds (i > 1 ? "; " : "") fmt(all[mine, i]) " / (" fmt(all[before, i]) \
                " + " fmt(all[after, i]) ")/2 = " shown_ratio(a[i], unit)
        }
        r = median(a, m)
        shown = shown_ratio(r, unit) " (rounds: " rounds ")"
        verdict = want == "" ? "" : (r >= want ? "met" : "**MISSED**")
    } else {
        shown = "—"
        verdict = want == "" ? "" : "not judged"
    }
    printf "| %s | %s | %s | %s: %s | %s | %s | %s |\n", n, what, val(mine), theirs_label,
        has(before) && has(after) ? fmt(v[before]) " / " fmt(v[after]) : "not measured", shown,
        want == "" ? "—" : (unit == "%" ? "≥ " 100 * want "%" : "≥ " want "×"), verdict
}
function limit_row(n, what, shown, ok, target) {
    printf "| %s | %s | %s | — | — | %s | %s |\n", n, what, shown, target,
        target == "—" ? "" : (ok == "" ? "not judged" : (ok ? "met" : "**MISSED**"))
}
# limit: the p99 target in ms: 50 for 10,000 due within one minute (issue 8), 500 for
# 10,000 on one second (issue 26).
function late_row(n, what, k, limit,    ok) {
    ok = has(k) ? (v[k] <= limit) : ""
    limit_row(n, what, has(k) ? x[k, "p50_ms"] " / " x[k, "p99_ms"] " ms (max " x[k, "max_ms"] \
        ", " fmt(x[k, "received"]) " alerts)" : "not measured", ok, "p99 ≤ " limit " ms")
}
# Requests of the other clients during a storm: p50 ≤ 5 ms and p99 ≤ 50 ms (issue 26).
function busy_row(n, what, k,    ok) {
    # +0: the fields are strings (substr), compared as text otherwise ("123.3" <= 50)
    ok = has(k) ? (x[k, "p50_ms"] + 0 <= 5 && x[k, "p99_ms"] + 0 <= 50) : ""
    limit_row(n, what, has(k) ? x[k, "p50_ms"] " / " x[k, "p99_ms"] " ms (max " x[k, "max_ms"] \
        ", " fmt(x[k, "requests"]) " requests, " x[k, "failed"] " failed)" : "not measured", ok,
        "p50 ≤ 5, p99 ≤ 50 ms")
}
# The same figures as a reference, not judged.
function ref_row(n, what, k) {
    limit_row(n, what, has(k) ? x[k, "p50_ms"] " / " x[k, "p99_ms"] " ms (max " x[k, "max_ms"] \
        ", " fmt(x[k, "requests"]) " requests, " x[k, "failed"] " failed)" : "not measured", "",
        "—")
}

$1 == "RESULT" {
    all[$2, ++cnt[$2]] = $3
    v[$2] = median_of($2)
    for (i = 4; i <= NF; i++) {
        eq = index($i, "=")
        if (eq)
            x[$2, substr($i, 1, eq - 1)] = substr($i, eq + 1)
    }
}
$1 == "INFO" {
    key = $2
    $1 = ""
    $2 = ""
    sub(/^  /, "")
    info[key] = $0
}

END {
    printf "caseflow bench, %s run: %s × %s, %s RAM, disk %s, %s, SQLite %s, node %s.\n",
        info["mode"], info["nproc"], info["cpu"], info["memory"], info["disk"], info["kernel"],
        info["sqlite"], ("node" in info) ? info["node"] : "not used"
    printf "Load average (1, 5, 15 min) at start %s, at end %s; the run took %s s.\n",
        info["load_start"], info["load_end"], info["elapsed_s"]
    printf "The disk (a 4 KB overwrite + fdatasync, p50 / p99 / mean ms): %s / %s / %s just " \
        "before `durable_txn`, %s / %s / %s just before `raw`.\n\n", x["fsync_engine", "p50_ms"],
        x["fsync_engine", "p99_ms"], x["fsync_engine", "mean_ms"], x["fsync", "p50_ms"],
        x["fsync", "p99_ms"], x["fsync", "mean_ms"]
    print "| # | figure | caseflow | beside it (same run) | ratio | target | |"
    print "|---|---|---|---|---|---|---|"
    # The issue's figure: transitions in large transactions against the raw writer's
    # large transactions. The one-commit-per-transition path (the command line's)
    # waits for an fsync each time; it is set beside the raw writer doing the same.
    ratio_row("1a", "durable transitions/s in process, batch path (`cf_store_tx_begin` / " \
        "`case_append_tx` / `tx_commit`, " fmt(x["durable_batch", "batch"]) " per transaction)",
        "durable_batch", "raw_batch", "raw limit", 0.5, "%")
    ratio_row("1a", "durable transitions/s in process, one transaction (one fsync) per " \
        "transition, the command line's path (`cf_store_case_append`, " \
        fmt(x["durable_txn", "transitions"]) " transitions)",
        "durable_txn", "raw_txn", "raw, one commit each", "", "%")
    ratio_row("1b", "durable transitions/s over HTTP (" x["http", "clients"] " keep-alive " \
        "clients, answer after commit; " x["http", "per_commit"] " per commit; p50 " \
        x["http", "p50_ms"] " ms, p99 " x["http", "p99_ms"] " ms)", "http", "raw_batch",
        "raw limit", 0.40, "%")
    # Reported, not judged: the same load over a Unix socket (a proxy on the same host),
    # each round run right after the TCP one, so the ratio pairs rounds (bench-http.c).
    ratio_row("1b", "the same over a Unix socket, not loopback TCP (" x["http_unix", "clients"] \
        " clients; " x["http_unix", "per_commit"] " per commit; p50 " x["http_unix", "p50_ms"] \
        " ms, p99 " x["http_unix", "p99_ms"] " ms; reported, not judged)", "http_unix", "http",
        "over TCP (1b)", "", "%")
    ratio_row("1b", "the same with " x["http_c64", "clients"] " clients (" \
        x["http_c64", "per_commit"] " per commit; p50 " x["http_c64", "p50_ms"] " ms, p99 " \
        x["http_c64", "p99_ms"] " ms)", "http_c64", "raw_batch", "raw limit", "", "%")
    ratio_row("1b", "the same with " x["http_sse", "clients"] " clients and an event stream " \
        "open (`/v1/stream`: all " fmt(x["http_sse", "stream_frames"]) " transition notices " \
        "received; p50 " x["http_sse", "p50_ms"] " ms, p99 " x["http_sse", "p99_ms"] " ms)",
        "http_sse", "raw_batch", "raw limit", "", "%")
    limit_row("2", "ready: start to the first API answer (GET /v1/cases/1), " \
        fmt(x["ready", "cases"]) " open cases (listening after " x["ready", "listening_s"] \
        " s, /healthz answered after " x["ready", "healthz_s"] " s)",
        has("ready") ? sprintf("%.3f s", v["ready"]) : "not measured",
        has("ready") ? v["ready"] <= 2 : "", "≤ 2 s")
    limit_row("2", "a case read (GET /v1/cases/{id}) once running, median of 20 (max " \
        x["case_read", "max_ms"] " ms)", has("case_read") ? x["case_read", "p50_ms"] " ms" : \
        "not measured", "", "—")
    limit_row("2", "resident memory, peak (VmHWM) after both alert rounds (at ready: " \
        x["memory_ready", "hwm_mb"] " MB)",
        has("memory_peak") ? f1(v["memory_peak"]) " MB" : "not measured",
        has("memory_peak") ? v["memory_peak"] <= 300 : "", "≤ 300 MB")
    late_row("2", "alert lateness p50 / p99, 10,000 due over one minute (alert log)",
        "late_spread_log", 50)
    late_row("2", "the same, received on the event stream (SSE)", "late_spread_sse", 50)
    late_row("6", "burst (issue 26): alert lateness p50 / p99, 10,000 due on one second " \
        "(alert log)", "late_burst_log", 500)
    late_row("6", "the same, received on the event stream (SSE)", "late_burst_sse", 500)
    limit_row("6", "burst: each alert once on its case's chain (" fmt(x["burst_chain", "events"]) \
        " alert events due on that second, " fmt(x["burst_chain", "ids"]) " distinct ids, of " \
        fmt(x["burst_chain", "of"]) ")", has("burst_chain") ? fmt(v["burst_chain"]) " missing " \
        "or twice" : "not measured", has("burst_chain") ? v["burst_chain"] == 0 : "", "0")
    limit_row("6", "burst: write-ahead log's largest size (" x["burst_wal", "frames"] \
        " frames written, " x["burst_wal", "restarts"] " restarts of the log copying " \
        x["burst_wal", "restart_copied"] " frames themselves in " x["burst_wal", "restart_ms"] \
        " ms)", has("burst_wal") ? f1(v["burst_wal"]) " MB" : "not measured",
        has("burst_wal") ? v["burst_wal"] <= 64 : "", "≤ 64 MB")
    limit_row("6", "storm: " fmt(x["storm_fire", "of"]) " alerts due at one instant, the " \
        "instant to the last in the log (" fmt(x["storm_fire", "alerts"]) " fired; first after " \
        x["storm_fire", "first_ms"] " ms)", has("storm_fire") ? sprintf("%.1f s, %s/s",
        v["storm_fire"], fmt(x["storm_fire", "rate"])) : "not measured", "", "—")
    busy_row("6", "storm: GET /v1/cases/{id} p50 / p99 of 32 other clients meanwhile",
        "storm_get")
    busy_row("6", "storm: POST /v1/cases p50 / p99 of the same clients", "storm_post")
    ref_row("6", "storm: GET p50 / p99 of the same clients before the instant, nothing " \
        "firing (this run's floor)", "storm_get_idle")
    ref_row("6", "storm: POST p50 / p99 before the instant, nothing firing", "storm_post_idle")
    limit_row("6", "storm: resident memory, peak (VmHWM; write-ahead log peak " \
        x["storm_memory", "wal_peak_mb"] " MB)", has("storm_memory") ? \
        f1(v["storm_memory"]) " MB" : "not measured", has("storm_memory") ? \
        v["storm_memory"] <= 300 : "", "≤ 300 MB")
    limit_row("6", "write-ahead log under the HTTP load (`http`): largest size (" \
        x["http_wal", "after_mb"] " MB a second after the load; " x["http_wal", "restarts"] \
        " restarts)", has("http_wal") ? f1(v["http_wal"]) " MB" : "not measured",
        has("http_wal") ? v["http_wal"] <= 64 : "", "≤ 64 MB")
    limit_row("6", "restart after a day down, " fmt(x["downtime_fire", "of"]) " alerts due " \
        "meanwhile: start to the first API answer (GET /v1/cases/1) while they fire",
        has("downtime_ready") ? sprintf("%.3f s", v["downtime_ready"]) : "not measured",
        has("downtime_ready") ? v["downtime_ready"] <= 1 : "", "≤ 1 s")
    limit_row("6", "the same: start to the last alert (" fmt(x["downtime_fire", "alerts"]) \
        " fired; log: " x["downtime_order", "out_of_order"] " out of due order, " \
        x["downtime_order", "not_late"] " not marked late)", has("downtime_fire") ? \
        sprintf("%.1f s, %s/s", v["downtime_fire"], fmt(x["downtime_fire", "rate"])) : \
        "not measured", has("downtime_order") ? v["downtime_order"] == 0 : "",
        "in order, all late")
    busy_row("6", "the same: GET p50 / p99 of 32 other clients meanwhile", "downtime_get")
    busy_row("6", "the same: POST p50 / p99", "downtime_post")
    limit_row("3", "audit: events/s verified, chain + conformance replay, by `caseflow audit " \
        "replay --json`" (has("audit_cli") ? " over " fmt(x["audit_cli", "cases"]) \
        " closed cases (" fmt(x["audit_cli", "events"]) " events; one thread per processor, " \
        "report written; peak memory " x["audit_cli", "peak_mb"] " MB)" : ""),
        val("audit_cli"), has("audit_cli") ? v["audit_cli"] >= 100000 : "", "≥ 100,000")
    limit_row("3", "inside it, one thread: read through the store and audited, no report",
        val("audit_store"), "", "—")
    limit_row("3", "inside it, one thread: the two calls alone, events already read",
        val("audit_pure"), "", "—")
    ratio_row("4", "transitions/s in memory, whole cases (engine only)", "mem", "peer_mem",
        "bpmn-engine 25", "", "x")
    ratio_row("4", "durable transitions/s, whole cases (open + 8 steps, batch path)",
        "durable_life", "peer_mem", "bpmn-engine 25", 20, "x")
    ratio_row("4", "durable transitions/s, one transaction per transition", "durable_txn",
        "peer_mem", "bpmn-engine 25", "", "x")
    limit_row("5", "importer: a list of " fmt(x["import_5k", "matters"]) " matters (" \
        fmt(x["import_5k", "bytes"]) " bytes, tab-separated) through `caseflow import`, " \
        "process start to exit (CPU " x["import_5k", "cpu_s"] " s)",
        has("import_5k") ? sprintf("%.2f s", v["import_5k"]) : "not measured",
        has("import_5k") ? v["import_5k"] < 2 : "", "< 2 s")
    limit_row("5", "importer: `caseflow catalog load` of " fmt(x["catalog_10k", "matters"]) \
        " matters (" fmt(x["catalog_10k", "bytes"]) " bytes of YAML), one transaction " \
        "(CPU " x["catalog_10k", "cpu_s"] " s)",
        has("catalog_10k") ? sprintf("%.2f s", v["catalog_10k"]) : "not measured",
        has("catalog_10k") ? v["catalog_10k"] < 2 : "", "< 2 s")
    limit_row("7", "stats: a bureau's report for a year (`caseflow stats`, `GET /v1/stats`: " \
        "cf_store_stats) over " fmt(x["stats_ms", "cases"]) " cases, median of 5 (CPU " \
        x["stats_ms", "cpu_ms"] " ms; " fmt(x["stats_ms", "overdue"]) " overdue, " \
        fmt(x["stats_ms", "due"]) " due within 7 days)",
        has("stats_ms") ? f1(v["stats_ms"]) " ms" : "not measured",
        has("stats_ms") ? v["stats_ms"] <= 1000 : "", "≤ 1 s")
    limit_row("6", "the same, one handler's cases (" fmt(x["stats_handler_ms", "cases"]) \
        " of them; CPU " x["stats_handler_ms", "cpu_ms"] " ms)",
        has("stats_handler_ms") ? f1(v["stats_handler_ms"]) " ms" : "not measured",
        has("stats_handler_ms") ? v["stats_handler_ms"] <= 1000 : "", "≤ 1 s")
    # PostgreSQL (issue 24 item 5): row pg, on a PostgreSQL of its own, fsync on
    ratio_row("8", "PostgreSQL " (("postgresql" in info) ? info["postgresql"] " " : "") \
        "(issue 24): durable transitions/s in process, batch path (" \
        fmt(x["pg_durable_batch", "batch"]) " per transaction)", "pg_durable_batch",
        "pg_raw_store", "raw libpq limit, pipelined, the same rows", "", "%")
    between_row("8", "PostgreSQL: durable transitions/s over HTTP, one node (" \
        x["pg_http", "clients"] " clients; " x["pg_http", "per_commit"] " per commit; p50 " \
        x["pg_http", "p50_ms"] " ms, p99 " x["pg_http", "p99_ms"] " ms)", "pg_http",
        "pg_raw_batch", "pg_raw_after", "raw libpq limit, pipelined, before / after", 0.25, "%")
    ratio_row("8", "PostgreSQL: the same against three nodes on the one database (" \
        x["pg_http3", "clients"] " clients over the three; " x["pg_http3", "conflicts"] \
        " answers 409 sent again; p50 " x["pg_http3", "p50_ms"] " ms, p99 " \
        x["pg_http3", "p99_ms"] " ms)", "pg_http3", "pg_http", "one node", "", "x")
    if ("peer_skipped" in info)
        printf "\nThe peer was not run: %s.\n", info["peer_skipped"]
}
