/*
 * money.h -- amounts of money: fines, amounts paid, funds ordered returned.
 *
 * One shape everywhere: on the command line and in JSON an amount is a decimal
 * string of yuan with at most two decimals ("20000", "20000.5", "20000.00"); the
 * engine computes in integer fen (int64_t, 1 yuan = 100 fen), never in floating
 * point; a case's record keeps the canonical text, yuan with exactly two decimals
 * ("20000.00"), so one amount always hashes the same and reads back exactly.
 * Refused, each with a message naming the text: a sign ("-5", "+5"), an exponent
 * ("1e308"), hex ("0x10"), more than two decimals, spaces, an empty text, and any
 * amount above CF_MONEY_MAX_FEN.
 */
#ifndef CF_MONEY_H
#define CF_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The largest amount accepted: 10^15 fen (ten trillion yuan), far beyond any fine,
 * and small enough that a sum of a few thousand amounts cannot overflow int64_t. */
#define CF_MONEY_MAX_FEN 1000000000000000LL

/* Room for any formatted amount: 13 digits, the point, two decimals and the NUL. */
#define CF_MONEY_BUFSZ 32

/* Parses text (NUL-terminated) as yuan. Returns 0 and OUT *fen, or CF_EINVALID
 * (err's text says what is wrong with the text; *fen untouched). err may be NULL. */
int cf_money_parse(const char *text, int64_t *fen, cf_error_t *err);

/* Writes fen (0 <= fen <= CF_MONEY_MAX_FEN) as canonical yuan, "20000.00", into out
 * (CF_MONEY_BUFSZ bytes). Returns out. */
char *cf_money_format(int64_t fen, char out[CF_MONEY_BUFSZ]);

/* 1 if text is an amount in canonical form (what cf_money_format writes). */
int cf_money_is_canonical(const char *text);

/* The 加处罚款 (late-payment surcharge) of 行政处罚法 第七十二条: 3% of the fine for each
 * day of days, at most the fine itself. Rounded down to the fen (never more than the
 * law allows). fine_fen and days must be >= 0. */
int64_t cf_money_surcharge(int64_t fine_fen, int64_t days);

#endif
