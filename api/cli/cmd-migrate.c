/*
 * cmd-migrate.c -- `caseflow migrate --from FILE --to TARGET`: moving a bureau's
 * database into another store, then proving nothing was lost.
 *
 * The copy itself is cf_store_copy (storage/store-copy.c): every table, every
 * row as stored, in one transaction on the target, which must be new. What this
 * command adds is the proof, read back from the target after the commit:
 *   - every case's chain is recomputed from its events as the target stores
 *     them (cf_audit_verify) and its row compared with the fold of its events
 *     (cf_audit_cache), as `audit verify` does;
 *   - the log of all cases is read from both stores in commit order and must be
 *     the same leaves, so its Merkle root is the same and every signed
 *     checkpoint taken before the move still verifies against the target.
 * A failed proof exits 7 (verification failed) naming the first case or
 * position that differs; the copy stays committed for the operator to inspect
 * (delete the target to run the move again).
 *
 * The source is read in one snapshot: a daemon serving it may keep running, though
 * the bureau should stop it first, or what is written after the snapshot stays
 * behind. A source of an older schema is brought up to date first, as any command
 * that writes would.
 */
#include "audit.h"
#include "merkle.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* The log of one store as leaf hashes, in commit order. */
typedef struct migrate_log_s {
    unsigned char *leaves;
    size_t count, cap;
    int64_t last_pos; /* positions must run 0, 1, 2 ... (-1 before the first) */
    int unnumbered;   /* events without a position */
} migrate_log_t;

static int log_add(void *ctx, const cf_store_leaf_t *leaf)
{
    migrate_log_t *l = ctx;
    if (leaf->pos < 0) {
        l->unnumbered++;
        return 0;
    }
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4096;
        unsigned char *grown = realloc(l->leaves, cap * CF_MERKLE_HASH);
        if (!grown)
            return CF_ENOMEM;
        l->leaves = grown;
        l->cap = cap;
    }
    l->last_pos = leaf->pos;
    int rc = cf_merkle_event_leaf(leaf->case_id, leaf->seq, leaf->hash,
                                  l->leaves + l->count * CF_MERKLE_HASH);
    l->count++;
    return rc == CF_EINVAL ? 0 : rc; /* a hash that is not 64 hex digits: the chains say so */
}

/* OUT *l: the log of s. */
static int log_read(cf_store_t *s, migrate_log_t *l, cf_error_t *err)
{
    *l = (migrate_log_t){.last_pos = -1};
    return cf_store_log_each(s, log_add, l, err);
}

/* Verifies case id's chain and row in s. OUT *bad: its deviations (0: verified). */
static int verify_case(cf_store_t *s, int64_t id, size_t *bad, cf_error_t *err)
{
    cf_case_t c;
    json_t *events = NULL, *row = NULL;
    cf_audit_t a;
    int rc = cf_audit_init(&a, id);
    if (rc != 0)
        return rc;
    rc = cf_store_case_row(s, id, &c, err);
    if (rc != 0) {
        cf_audit_dispose(&a);
        return rc;
    }
    rc = cf_store_case_events_audit(s, id, &events, err);
    if (rc == 0)
        rc = cf_audit_verify(events, c.algo, c.head, &a);
    if (rc == 0)
        rc = cf_store_case_cached(s, id, &row, err);
    if (rc == 0)
        rc = cf_audit_cache(events, row, &a);
    if (rc == 0)
        *bad = a.items_count;
    json_decref(events);
    json_decref(row);
    cf_case_dispose(&c);
    cf_audit_dispose(&a);
    return rc;
}

/* What the proof found. */
typedef struct migrate_proof_s {
    size_t cases, broken; /* cases read back, and those with a deviation */
    int64_t first_broken; /* 0: none */
    size_t events;        /* the log's length at the target */
    char root[2 * CF_MERKLE_HASH + 1];
    int log_differs; /* the target's log is not the source's */
} migrate_proof_t;

/* Reads the target back (above). */
static int prove(cf_store_t *from, cf_store_t *to, migrate_proof_t *p, cf_error_t *err)
{
    int64_t *ids = NULL;
    size_t count = 0;
    int rc = cf_store_case_ids(to, NULL, &ids, &count, err);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        size_t bad = 0;
        rc = verify_case(to, ids[i], &bad, err);
        p->cases++;
        if (rc == 0 && bad > 0 && p->broken++ == 0)
            p->first_broken = ids[i];
    }
    free(ids);
    migrate_log_t a = {0}, b = {0};
    if (rc == 0)
        rc = log_read(from, &a, err);
    if (rc == 0)
        rc = log_read(to, &b, err);
    unsigned char root[CF_MERKLE_HASH];
    if (rc == 0 && b.count > 0)
        rc = cf_merkle_root(b.leaves, b.count, root);
    if (rc == 0) {
        p->events = b.count;
        p->log_differs = a.count != b.count || a.unnumbered != b.unnumbered ||
                         (a.count && memcmp(a.leaves, b.leaves, a.count * CF_MERKLE_HASH) != 0);
        for (size_t i = 0; b.count > 0 && i < CF_MERKLE_HASH; i++)
            snprintf(p->root + 2 * i, 3, "%02x", root[i]);
    }
    free(a.leaves);
    free(b.leaves);
    return rc;
}

static void print_text(cf_cli_t *cli, const char *to, const cf_store_copy_t *copy,
                       const migrate_proof_t *p)
{
    fprintf(cli->out, "copied into %s:\n", to);
    for (size_t i = 0; i < copy->tables_count; i++)
        fprintf(cli->out, "  %-16s %lld\n", copy->tables[i].name, (long long)copy->tables[i].rows);
    fprintf(cli->out, "chains: %zu cases read back, %zu verified", p->cases, p->cases - p->broken);
    if (p->broken)
        fprintf(cli->out, ", %zu do not (first: case %lld; run `caseflow audit verify`)", p->broken,
                (long long)p->first_broken);
    fprintf(cli->out, "\nlog: %zu events, root %s, %s\n", p->events, p->events ? p->root : "-",
            p->log_differs ? "NOT the source's" : "the same as the source's");
}

static void print_json(cf_cli_t *cli, const char *to, const cf_store_copy_t *copy,
                       const migrate_proof_t *p)
{
    json_t *tables = json_object();
    for (size_t i = 0; i < copy->tables_count; i++)
        json_object_set_new(tables, copy->tables[i].name, json_integer(copy->tables[i].rows));
    json_t *o = json_pack("{s:s, s:o, s:I, s:I, s:I, s:s?, s:b}", "to", to, "tables", tables,
                          "cases", (json_int_t)p->cases, "chains_broken", (json_int_t)p->broken,
                          "log_events", (json_int_t)p->events, "log_root",
                          p->events ? p->root : NULL, "log_same", !p->log_differs);
    cf__print_json(cli, o);
    json_decref(o);
}

/* Opens the source: as any command that writes would (an older schema is brought up
 * to date first, as the bureau's next command would do anyway), or, where it cannot
 * be written (a read-only mount), for reading only. */
static int open_source(const char *path, cf_store_t **out, cf_error_t *err)
{
    if (cf_store_is_pg(path))
        return cf_error_set(err, CF_EINVAL, path, 0, 0,
                            "--from is a SQLite file; the source cannot be PostgreSQL");
    int rc = cf_store_open_existing(path, out, err);
    if (rc == CF_EIO)
        rc = cf_store_open_readonly(path, out, err);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_migrate(cf_cli_t *cli, int argc, char **argv)
{
    const char *from_path = cf__opt_value(argc, argv, "--from");
    const char *to_path = cf__opt_value(argc, argv, "--to");
    cf_store_t *from = NULL, *to = NULL;
    cf_store_copy_t copy;
    migrate_proof_t proof = {0};
    cf_error_t err;
    cf_error_clear(&err);
    int rc = strcmp(from_path, to_path) == 0
                 ? cf_error_set(&err, CF_EINVAL, to_path, 0, 0, "--from and --to are the same")
                 : open_source(from_path, &from, &err);
    if (rc == 0)
        rc = cf_store_open(to_path, &to, &err);
    if (rc == 0)
        rc = cf_store_copy(from, to, &copy, &err);
    if (rc == 0)
        rc = prove(from, to, &proof, &err);
    cf_store_close(from);
    cf_store_close(to);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (cli->json)
        print_json(cli, to_path, &copy, &proof);
    else
        print_text(cli, to_path, &copy, &proof);
    return proof.broken || proof.log_differs ? CF_EXIT_VERIFY : CF_EXIT_OK;
}
