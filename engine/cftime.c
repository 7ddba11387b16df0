/*
 * cftime.c -- instants and civil dates in China time. See cftime.h.
 *
 * Civil-date arithmetic uses the days-from-civil algorithm (proleptic
 * Gregorian), so no libc time zone state is read: the law's zone is fixed at
 * UTC+8 with no daylight saving, and a process's TZ must not change a deadline.
 * Rejected: mktime/timegm/strptime (TZ-dependent, or not in C11/POSIX, and
 * strptime's errors carry no column). Cost: the parser is hand-written, and
 * accepts exactly the forms cftime.h lists (no fractional seconds, no "t" or
 * space for "T", no offset-less times other than a bare date).
 */
#include "cftime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Exported, documented in cftime.h */
int64_t cf_date_to_days(cf_date_t d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exported, documented in cftime.h */
cf_date_t cf_date_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    return (cf_date_t){(int)(yoe + era * 400 + (month <= 2)), month, day};
}

/* Exported, documented in cftime.h */
int cf_date_weekday(cf_date_t d)
{
    int64_t days = cf_date_to_days(d); /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days % 7 + 7 + 3) % 7;
    return (int)w + 1;
}

/* Exported, documented in cftime.h */
int cf_date_month_days(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 ? 28 + leap : days[month - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return i;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return -1;
}

/* Parses YYYY-MM-DD at s. Returns -1 on success or the offset of the error. */
static int parse_date_at(const char *s, cf_date_t *d)
{
    int at;
    if ((at = digits(s, 4, &d->year)) >= 0)
        return at;
    if (s[4] != '-')
        return 4;
    if ((at = digits(s + 5, 2, &d->month)) >= 0)
        return 5 + at;
    if (s[7] != '-')
        return 7;
    if ((at = digits(s + 8, 2, &d->day)) >= 0)
        return 8 + at;
    if (d->month < 1 || d->month > 12)
        return 5;
    if (d->day < 1 || d->day > cf_date_month_days(d->year, d->month))
        return 8;
    return -1;
}

/* Exported, documented in cftime.h */
int cf_date_parse(const char *text, cf_date_t *out, cf_error_t *err)
{
    cf_date_t d;
    int at = text ? parse_date_at(text, &d) : 0;
    if (at < 0 && text[10] != '\0')
        at = 10;
    if (at >= 0)
        return cf_error_set(err, CF_EPARSE, NULL, 1, at + 1,
                            "'%s' is not a date YYYY-MM-DD (column %d)", text ? text : "", at + 1);
    *out = d;
    return 0;
}

/* Parses "HH:MM[:SS]" at s. Returns the characters read, or -(offset+1). */
static int parse_clock(const char *s, int *seconds)
{
    int h, m, sec = 0, at;
    if ((at = digits(s, 2, &h)) >= 0)
        return -(at + 1);
    if (s[2] != ':')
        return -3;
    if ((at = digits(s + 3, 2, &m)) >= 0)
        return -(3 + at + 1);
    int n = 5;
    if (s[5] == ':') {
        if ((at = digits(s + 6, 2, &sec)) >= 0)
            return -(6 + at + 1);
        n = 8;
    }
    if (h > 23 || m > 59 || sec > 59)
        return h > 23 ? -1 : m > 59 ? -4 : -7; /* at the field out of range */
    *seconds = h * 3600 + m * 60 + sec;
    return n;
}

/* Parses "Z", "+HH:MM" or "-HH:MM" at s. Returns chars read or -(offset+1). */
static int parse_offset(const char *s, int *offset)
{
    int h, m;
    if (s[0] == 'Z') {
        *offset = 0;
        return 1;
    }
    if ((s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &h) >= 0 || s[3] != ':' ||
        digits(s + 4, 2, &m) >= 0 || h > 23 || m > 59)
        return -1;
    *offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 6;
}

/* Parses what follows the date: nothing (00:00 China time), or "T" + clock +
 * offset. Returns -1, or the offset of the error from s. */
static int parse_rest(const char *s, int *seconds, int *offset)
{
    if (*s == '\0')
        return -1;
    if (*s != 'T')
        return 0;
    int n = parse_clock(s + 1, seconds);
    if (n < 0)
        return 1 + (-n - 1);
    int m = parse_offset(s + 1 + n, offset);
    if (m < 0)
        return 1 + n;
    return s[1 + n + m] == '\0' ? -1 : 1 + n + m;
}

/* Exported, documented in cftime.h */
int cf_time_parse(const char *text, cf_time_t *out, cf_error_t *err)
{
    cf_date_t d;
    int seconds = 0, offset = CF_CHINA_UTC_OFFSET;
    int at = text ? parse_date_at(text, &d) : 0;
    if (at < 0) {
        at = parse_rest(text + 10, &seconds, &offset);
        at = at < 0 ? -1 : 10 + at;
    }
    if (at >= 0)
        return cf_error_set(err, CF_EPARSE, NULL, 1, at + 1,
                            "'%s' is not an ISO 8601 time such as 2026-09-30T10:00:00+08:00 "
                            "(column %d)",
                            text ? text : "", at + 1);
    *out = cf_date_to_days(d) * 86400 + seconds - offset;
    return 0;
}

/* Exported, documented in cftime.h */
cf_date_t cf_time_china_date(cf_time_t t)
{
    int64_t local = t + CF_CHINA_UTC_OFFSET;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return cf_date_from_days(days);
}

/* Exported, documented in cftime.h */
cf_time_t cf_date_start(cf_date_t d)
{
    return cf_date_to_days(d) * 86400 - CF_CHINA_UTC_OFFSET;
}

/* Exported, documented in cftime.h */
cf_time_t cf_date_end(cf_date_t d)
{
    return cf_date_start(d) + 86399;
}

/* Exported, documented in cftime.h */
void cf_time_format(cf_time_t t, char *out)
{
    cf_date_t d = cf_time_china_date(t);
    int64_t secs = t - cf_date_start(d);
    int h = (int)(secs / 3600), m = (int)(secs / 60 % 60), s = (int)(secs % 60);
    if (d.year < 0 || d.year > 9999 || secs < 0 || h > 99) { /* never, for a real instant */
        snprintf(out, CF_TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.year, d.month, d.day,
                 h, m, s);
        return;
    }
    /* What the snprintf above writes, digit by digit: it was ~3,200 instructions a call,
     * two calls a transition on the daemon's writer (docs/performance.md, httpprof). */
    static const int at[6] = {0, 5, 8, 11, 14, 17};
    const int v[6] = {d.year / 100, d.month, d.day, h, m, s};
    memcpy(out, "0000-00-00T00:00:00+08:00", sizeof("0000-00-00T00:00:00+08:00"));
    for (int i = 0; i < 6; i++) {
        out[at[i]] = (char)('0' + v[i] / 10);
        out[at[i] + 1] = (char)('0' + v[i] % 10);
    }
    out[2] = (char)('0' + d.year % 100 / 10);
    out[3] = (char)('0' + d.year % 10);
}

/* Exported, documented in cftime.h */
void cf_time_format_basic(cf_time_t t, char *out)
{
    cf_date_t d = cf_time_china_date(t);
    int64_t secs = t - cf_date_start(d);
    snprintf(out, CF_TIME_BUFSZ, "%04d%02d%02dT%02d%02d%02d+0800", d.year, d.month, d.day,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* Exported, documented in cftime.h */
int cf_time_parse_basic(const char *text, cf_time_t *out, cf_error_t *err)
{
    /* Rewritten into the extended form, so that one parser checks ranges. */
    size_t n = strlen(text);
    int ok = n == 16 || n == 20;
    for (size_t i = 0; ok && i < 15; i++)
        ok = i == 8 ? text[i] == 'T' : isdigit((unsigned char)text[i]);
    if (ok && n == 16)
        ok = text[15] == 'Z';
    if (ok && n == 20)
        ok = (text[15] == '+' || text[15] == '-') && isdigit((unsigned char)text[16]) &&
             isdigit((unsigned char)text[17]) && isdigit((unsigned char)text[18]) &&
             isdigit((unsigned char)text[19]);
    if (!ok)
        return cf_error_set(err, CF_EPARSE, NULL, 0, 0,
                            "\"%s\" is not an instant in basic form (YYYYMMDDTHHMMSS+HHMM)", text);
    char ext[CF_TIME_BUFSZ];
    if (n == 16)
        snprintf(ext, sizeof(ext), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", text, text + 4, text + 6,
                 text + 9, text + 11, text + 13);
    else
        snprintf(ext, sizeof(ext), "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s%.3s:%.2s", text, text + 4,
                 text + 6, text + 9, text + 11, text + 13, text + 15, text + 18);
    return cf_time_parse(ext, out, err);
}

/* Exported, documented in cftime.h */
void cf_date_format(cf_date_t d, char *out)
{
    snprintf(out, CF_DATE_BUFSZ, "%04d-%02d-%02d", d.year, d.month, d.day);
}
