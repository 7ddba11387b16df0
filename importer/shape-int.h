/*
 * shape-int.h -- what the files of the shaping pass share (shape.c and its shapes:
 * shape-csv.c, shape-pipes.c, shape-blanks.c, shape-together.c, shape-labeled.c, and
 * shape-headerless.c): the lines being rewritten, the label test, and each shape's
 * try function, called in order by the pass in shape.c. Not public: the importer
 * knows shaping only as cf__reshape and cf__headerless (importer-int.h).
 */
#ifndef CF_SHAPE_INT_H
#define CF_SHAPE_INT_H

#include <stddef.h>

#include "importer-int.h"

#define MAXCOLS 64

/* The text being shaped, line for line (so every message keeps its line number). */
typedef struct shape_s {
    char **lines; /* each malloc'd, no line break */
    size_t n;
    const char *name; /* the shape found, or NULL */
} shape_t;

/* A piece of a line cut at blanks (shape-blanks.c, shape-together.c). */
typedef struct seg_s {
    const char *s;
    size_t n;
    int col; /* display column where it starts */
} seg_t;

/* Replaces line i of s with the text of b (taken, b left empty). 0 or CF_ENOMEM
 * (line i then as it was). */
int cf__shape_set_line(shape_t *s, size_t i, cf__sb_t *b);

/* 1 when the n bytes at s are a known label, after normalization. */
int cf__shape_known(const char *s, size_t n);

/* The number of pipe characters (`|` or `｜`) in s (shape-pipes.c). */
int cf__shape_pipes_in(const char *s);

/* The first power type written in s, by the names of cf__power_names and the 其他
 * forms: its start in s and OUT *len its length; NULL, *len untouched, when none
 * (shape-together.c). */
const char *cf__shape_first_power(const char *s, size_t *len);

/* The shapes, each in its file: when s is in that shape, rewrite its lines into
 * the tab form and set s->name; otherwise leave s as it is. 0, or CF_ENOMEM.
 *   pipes     cells between pipes, Markdown tables            shape-pipes.c
 *   aligned   cells aligned by runs of blanks under a header   shape-blanks.c
 *   spaced    rows of cells separated by single blanks (a web page copied as
 *             text): a row starts at a line led by its 序号; a following line
 *             without blanks continues the last cell, one with blanks adds its
 *             tokens as cells; written at its first line      shape-blanks.c
 *   together  header words run together, no separators        shape-together.c
 *   labeled   one field per line, as cards                     shape-labeled.c
 *   csv       comma-separated values, RFC 4180 quotes          shape-csv.c */
int cf__shape_try_csv(shape_t *s);
int cf__shape_try_pipes(shape_t *s);
int cf__shape_try_aligned(shape_t *s);
int cf__shape_try_spaced(shape_t *s);
int cf__shape_try_together(shape_t *s);
int cf__shape_try_labeled(shape_t *s);

#endif
