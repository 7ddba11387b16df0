/*
 * overlay.h -- a province's rules laid over a national workflow, without editing it.
 *
 * An overlay is a YAML file naming the workflow it lays over and what it changes
 * (format in docs/workflow-language.md, "Overlays"): facts, states and transitions
 * it adds, clocks and rules it adds or replaces by id (a rule replaced is how a
 * threshold changes; a rule added is how a guard tightens), and transitions it
 * redirects to a step it adds. Laying it over gives a complete definition as YAML
 * text, with its own id and content hash, recording the base's id and hash under
 * `overlay_of`: that text is what is stored and pinned, so a case replays on
 * exactly the merged rules it ran under, even after the overlay file changes.
 * Pure: text in, text out.
 */
#ifndef CF_OVERLAY_H
#define CF_OVERLAY_H

#include <stddef.h>

#include "error.h"

/* 1 if buf is an overlay (its top level has the key `overlay`), with OUT *base_id
 * (malloc'd) the workflow it lays over; 0 if it is not an overlay; CF_EPARSE if
 * it is not YAML; CF_ENOMEM. */
int cf_overlay_base(const char *buf, size_t len, char **base_id);

/* Lays overlay (source names it in problems) over base, whose content hash is
 * base_hash. OUT *merged (malloc'd, NUL-terminated) and *merged_len: the merged
 * definition, to be parsed with cf_workflow_parse. Every problem found in the
 * overlay (an unknown key, an id added twice, a redirect that matches no
 * transition, a base that is not the one named) is appended with its line.
 * Returns 0, CF_EPARSE (not YAML), CF_EINVALID (problems) or CF_ENOMEM; outputs
 * untouched on failure. */
int cf_overlay_apply(const char *base, size_t base_len, const char *base_hash, const char *overlay,
                     size_t overlay_len, const char *source, char **merged, size_t *merged_len,
                     cf_errlist_t *problems);

#endif
