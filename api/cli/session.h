/*
 * session.h -- what most commands need before they can act: the store opened,
 * the calendar loaded from it, a case's pinned workflow; and how they print a
 * refusal. Shared by the case and workflow commands.
 */
#ifndef CF_SESSION_H
#define CF_SESSION_H

#include "cli.h"
#include "engine.h"
#include "store.h"

typedef struct cf__session_s {
    cf_store_t *store;
    cf_calendar_t *cal; /* NULL unless asked for */
} cf__session_t;

/* Opens cli->db_path (which must exist) and, if with_calendar, loads its
 * calendars. with_calendar | CF__SESSION_READONLY opens it for reading only
 * (cf_store_open_readonly: a reading command never takes the write lock). Returns 0
 * or a CF_E* code with err filled. */
#define CF__SESSION_READONLY 2
int cf__session_open(cf_cli_t *cli, cf__session_t *s, int with_calendar, cf_error_t *err);
void cf__session_close(cf__session_t *s);

/* Reads case id (text, as typed) into c and the workflow it pinned into *wf. */
int cf__session_case(cf__session_t *s, const char *id_text, cf_case_t *c, cf_workflow_t **wf,
                     cf_error_t *err);

/* Prints a refusal (text, rule and article, allowed actions with what each still
 * needs) and returns the exit code for code. */
int cf__print_refusal(cf_cli_t *cli, int code, const cf_refusal_t *why);

/* Prints the allowed actions (cf_engine_allowed) one per line with what each
 * still needs. */
void cf__print_allowed(FILE *f, const json_t *allowed);

/* The acting person: --actor, else $CASEFLOW_ACTOR, else $USER (borrowed from argv or
 * the environment), or NULL when none names anyone: never a placeholder, the
 * operation layer refuses a change without it. */
const char *cf__actor_of(int argc, char **argv);

/* Parses "k=v" into OUT key (malloc'd) and value (borrowed, points into text). */
int cf__split_kv(const char *text, char **key, const char **value);

/* Every --fact NAME=VALUE of argv as {NAME: "VALUE"}, each value as text (the operation,
 * or the 文书 fill, types it). OUT *facts (new; untouched on failure). Returns 0,
 * CF_EINVAL with err naming a --fact that is not NAME=VALUE or not UTF-8, or CF_ENOMEM.
 * (`case open`, `case act`, `doc render`) */
int cf__facts_of(int argc, char **argv, json_t **facts, cf_error_t *err);

/* The *.yaml files directly in dir, as "dir/name", sorted by name. OUT *paths
 * (free with cf__dir_free), *count. */
int cf__dir_yaml(const char *dir, char ***paths, size_t *count, cf_error_t *err);
void cf__dir_free(char **paths, size_t count);

/* Prints a JSON value (indented) and a newline on cli->out. */
void cf__print_json(cf_cli_t *cli, const json_t *value);

/* Renders document name of case c (workflow wf) as PDF: the case's events
 * read from store, the template and bureau found on path (NULL:
 * $CASEFLOW_TEMPLATES, else workflows/templates), filled with extra facts (may
 * be NULL; text as --fact gives it is taken as the fact's value) over the
 * case's, dated date (0: the document's own date, render.h
 * cf_render_doc_date). OUT *pdf (free()), *len. (cmd-doc.c) */
int cf__doc_render(cf_store_t *store, const char *path, const cf_workflow_t *wf, const cf_case_t *c,
                   const char *name, const json_t *extra, cf_time_t date, unsigned char **pdf,
                   size_t *len, cf_error_t *err);

/* Checks the templates found on path (NULL: the default, as above) for the
 * documents wf's actions name against wf's facts (wenshu.h cf_wenshu_check),
 * adding what is wrong to problems. Returns how many templates it checked.
 * (cmd-doc.c) */
int cf__doc_check(const cf_workflow_t *wf, const char *path, cf_errlist_t *problems);

#endif
