/*
 * money.c -- parsing and formatting amounts, and the late-payment surcharge. See
 * money.h.
 *
 * Why by hand: strtod accepts signs, exponents, hex, "inf" and rounds through
 * binary floating point, and strtoll accepts signs and leading spaces: every one
 * of those is a way for a wrong amount to reach a case. The parser reads digits,
 * one optional point and at most two decimals, and nothing else, accumulating fen
 * with an overflow bound, so what it accepts is exactly what money.h says.
 */
#include "money.h"

#include <stdio.h>
#include <string.h>

static int refuse(cf_error_t *err, const char *text, const char *why)
{
    return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                        "amount '%s' %s: write yuan as digits with at most two decimals, "
                        "e.g. 20000 or 20000.00",
                        text, why);
}

/* Exported, documented in money.h */
int cf_money_parse(const char *text, int64_t *fen, cf_error_t *err)
{
    if (!text || !*text)
        return refuse(err, text ? text : "", "is empty");
    if (*text == '-' || *text == '+')
        return refuse(err, text, "has a sign (amounts are never negative)");
    int64_t yuan = 0, cents = 0;
    size_t i = 0, digits = 0, decimals = 0;
    for (; text[i] >= '0' && text[i] <= '9'; i++, digits++) {
        yuan = yuan * 10 + (text[i] - '0');
        if (yuan > CF_MONEY_MAX_FEN / 100)
            return refuse(err, text, "is too large");
    }
    if (digits == 0)
        return refuse(err, text, "does not start with a digit");
    if (text[i] == '.') {
        for (i++; text[i] >= '0' && text[i] <= '9'; i++, decimals++)
            if (decimals < 2)
                cents = cents * 10 + (text[i] - '0');
        if (decimals == 0)
            return refuse(err, text, "has no digit after the point");
        if (decimals > 2)
            return refuse(err, text, "has more than two decimals (amounts are counted in fen)");
        if (decimals == 1)
            cents *= 10;
    }
    if (text[i] != '\0')
        return refuse(err, text, "is not a plain decimal number (no exponent, hex or spaces)");
    if (yuan * 100 + cents > CF_MONEY_MAX_FEN)
        return refuse(err, text, "is too large");
    *fen = yuan * 100 + cents;
    return 0;
}

/* Exported, documented in money.h */
char *cf_money_format(int64_t fen, char out[CF_MONEY_BUFSZ])
{
    snprintf(out, CF_MONEY_BUFSZ, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
    return out;
}

/* Exported, documented in money.h */
int cf_money_is_canonical(const char *text)
{
    int64_t fen;
    char again[CF_MONEY_BUFSZ];
    return text && cf_money_parse(text, &fen, NULL) == 0 &&
           strcmp(cf_money_format(fen, again), text) == 0;
}

/* Exported, documented in money.h */
int64_t cf_money_surcharge(int64_t fine_fen, int64_t days)
{
    if (fine_fen <= 0 || days <= 0)
        return 0;
    /* 3% a day reaches the fine after 34 days: past that, no multiplication at all. */
    if (days >= 34)
        return fine_fen;
    int64_t s = fine_fen * 3 * days / 100;
    return s < fine_fen ? s : fine_fen;
}
