/*
 * clock-from.c -- where a clock's period is counted from.
 *
 * Most clocks count from the action that starts them. Two kinds count from
 * elsewhere, and both are decided here, once, for the start, the recount when the
 * start moves (clock.rebased, clock.c) and `case show --explain`:
 *   from_end_of  the end (deadline) of another clock: 行政强制法 第五十三条's three
 *                months run from the end of the suit period, whenever record_final
 *                is taken;
 *   from_fact    the end of a date fact, when later: 行政处罚法 第七十二条第二款's
 *                "自暂缓或者分期缴纳罚款期限结束之日起计算" (the approved plan's last
 *                day, installment_ends_on). The day is rolled off a rest day (R4)
 *                first: it ends a period the party pays in, and the party may still
 *                pay on the next working day.
 * "Later" because a plan ending before the suit period does not let the bureau
 * apply to the court before the decision is final (第五十三条). Rejected: the
 * fact's date replacing the other start outright (three months from a plan ending
 * in the first month after service would run out before the decision is final).
 * The date is checked when an action gives it: not before the day the clock it is
 * counted from started (or the case was opened).
 */
#include "engine-int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Exported, documented in engine.h */
int cf_engine_date_end(const cf_calendar_t *cal, cf_date_t d, cf_count_t *out, cf_error_t *err)
{
    cf_period_part_t part = {{0, CF_UNIT_DAYS}, NULL}; /* d itself, then R4 */
    return cf_period_count(cal, cf_date_end(d), &part, 1, out, NULL, NULL, err);
}

/* Appends printf-style text to out (size bytes), if any. */
static void say(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *out, size_t size, const char *fmt, ...)
{
    if (!out || !size)
        return;
    size_t len = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    if (len < size)
        vsnprintf(out + len, size - len, fmt, ap);
    va_end(ap);
}

/* The from_fact part of cf_engine_clock_from: *from moved to the end of the fact's
 * date when later. */
static int fact_from(const cf_wf_clock_t *def, const cf_calendar_t *cal, const json_t *facts,
                     cf_time_t *from, int *by_fact, char *because, size_t size, cf_error_t *err)
{
    const char *date = json_string_value(json_object_get(facts, def->from_fact));
    char was[CF_TIME_BUFSZ], end[CF_DATE_BUFSZ];
    cf_date_t d;
    cf_count_t n;
    if (!date || cf_date_parse(date, &d, NULL) != 0) {
        say(because, size, "%sfact '%s' not given",
            because && *because ? "; " : "counted from its start; ", def->from_fact);
        return 0;
    }
    int rc = cf_engine_date_end(cal, d, &n, err);
    if (rc != 0)
        return rc;
    cf_date_format(cf_time_china_date(n.deadline), end);
    int rolled = strcmp(end, date) != 0;
    cf_time_format(*from, was);
    if (n.deadline <= *from) {
        say(because, size, "%sfact '%s' %s ends no later than %s, so it does not move it",
            because && *because ? "; " : "counted from its start; ", def->from_fact, date, was);
        return 0;
    }
    if (because && size)
        because[0] = '\0';
    say(because, size, "counted from the end of fact '%s' %s", def->from_fact, date);
    if (rolled)
        say(because, size, " (a rest day: the period ends on the next working day, %s, R4)", end);
    if (def->from_end_of)
        say(because, size, ", later than the end of clock '%s' (%s)", def->from_end_of, was);
    else
        say(because, size, ", later than its start (%s)", was);
    *from = n.deadline;
    *by_fact = 1;
    return 0;
}

/* Exported, documented in engine.h */
int cf_engine_clock_from(const cf_case_t *c, const cf_wf_clock_t *def, const cf_calendar_t *cal,
                         const json_t *facts, cf_time_t at, cf_time_t *from, int *by_fact,
                         char *because, size_t size, cf_error_t *err)
{
    char end[CF_TIME_BUFSZ];
    *from = at;
    *by_fact = 0;
    if (because && size)
        because[0] = '\0';
    if (def->from_end_of) {
        const cf_clock_rt_t *base = cf_case_clock(c, def->from_end_of);
        if (!base || base->state == CF_CLOCK_IDLE)
            return cf_error_set(err, CF_EREFUSED, NULL, 0, 0,
                                "clock '%s' (%s) is counted from the end of clock '%s', which has "
                                "not started",
                                def->id, def->name, def->from_end_of);
        *from = base->deadline;
        cf_time_format(*from, end);
        say(because, size, "counted from the end of clock '%s' (%s)", def->from_end_of, end);
    }
    return def->from_fact ? fact_from(def, cal, facts, from, by_fact, because, size, err) : 0;
}

/* Exported, documented in engine-int.h */
/* The date of def's from_fact the action gives may not be before the day the
 * clock it is counted from started (for court_application, the decision's
 * service: a plan approved after the decision cannot end before it), or the day
 * the case was opened. CF_EINVALID otherwise. */
int cf__clock_fact_date_check(const cf_case_t *c, const cf_wf_clock_t *def,
                              const cf__clock_act_t *a, cf_refusal_t *why)
{
    const char *date = json_string_value(json_object_get(a->given, def->from_fact));
    const cf_clock_rt_t *base = def->from_end_of ? cf_case_clock(c, def->from_end_of) : NULL;
    int by_base = base && base->state != CF_CLOCK_IDLE;
    cf_time_t floor = by_base ? base->started_at : c->opened_at ? c->opened_at : a->at;
    char day[CF_DATE_BUFSZ];
    cf_date_t d;
    if (!date || cf_date_parse(date, &d, NULL) != 0 ||
        cf_date_to_days(d) >= cf_date_to_days(cf_time_china_date(floor)))
        return 0;
    cf_date_format(cf_time_china_date(floor), day);
    if (by_base)
        return cf__refuse(why, CF_EINVALID,
                          "fact '%s' is %s, before %s, the day clock '%s' started: clock '%s' "
                          "(%s) cannot be counted from a day before it",
                          def->from_fact, date, day, def->from_end_of, def->id, def->name);
    return cf__refuse(why, CF_EINVALID,
                      "fact '%s' is %s, before %s, the day the case was opened: clock '%s' (%s) "
                      "cannot be counted from a day before it",
                      def->from_fact, date, day, def->id, def->name);
}
