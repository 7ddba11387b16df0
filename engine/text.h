/*
 * text.h -- which characters an operator's text may hold, one rule for the HTTP API
 * (api/http, parse_body) and the command line (cli.c), so the two cannot drift
 * (attack-13.4, docs/security.md).
 */
#ifndef CF_TEXT_H
#define CF_TEXT_H

#include <stddef.h>

/* The first control character in s[0..len) (UTF-8) that a text may not hold, or 0: the
 * C0 controls but tab, LF, VT, FF and CR (VT and FF come with text pasted from Word),
 * DEL, and the C1 controls U+0080..U+009F. ESC, BEL and the like would reach the
 * operator's terminal: "\033]0;...\007" retitles it, "\033[2J" clears it. */
unsigned cf_text_control(const char *s, size_t len);

/* The words of the refusal for a text holding cp (a code point cf_text_control gave):
 * "... holds the control character U+001B, which is not taken (tab, line breaks and
 * form feed are)". A printf format taking the place (%s) and cp (%04X). */
#define CF_TEXT_CONTROL_FMT                                                                        \
    "%s holds the control character U+%04X, which is not taken (tab, line breaks and form "        \
    "feed are)"

#endif
