/*
 * lunar.c -- new moons, solar terms and lunar months. See lunar.h.
 *
 * Design: two instants are computed, each as a Julian Ephemeris Day: the new moon
 * of lunation k (Meeus ch. 49: mean phase plus the periodic and planetary
 * corrections, good to well under a minute in this century) and the sun's
 * apparent longitude at an instant (Meeus ch. 25, low accuracy: about 0.01
 * degree, some 15 minutes of time). Each is moved from dynamical time to UT by
 * ΔT (the Espenak-Meeus polynomials) and to China time by +8 h; the day it falls
 * on is what the calendar uses. A solar term is found by Newton steps on the
 * longitude. Lunar months: the month holding the winter solstice (冬至) is the
 * 11th; counting the new moons from that month to the next 11th month gives 12
 * or 13 months; with 13, the first month without a principal term (中气, a
 * longitude multiple of 30) is the leap month and takes the number of the month
 * before it.
 *
 * Rejected: a table of lunar years (what most libraries ship): it is data to be
 * typed in and trusted, and ends where its author stopped; Debian's
 * liblunar-date is such a table behind GObject, too heavy for a pure engine.
 * Cost: the 15-minute uncertainty of the solar longitude can put a term that
 * falls within minutes of midnight on the wrong day; tests/test-period.c checks
 * every term and lunar holiday used against the published calendars it can, and
 * a provisional calendar is replaced by the year's notice anyway.
 */
#include "lunar.h"

#include <math.h>

#define PI            3.14159265358979323846
#define JD_UNIX_EPOCH 2440587.5 /* 1970-01-01T00:00:00Z */

static double rad(double deg)
{
    return deg * PI / 180.0;
}

static double norm360(double deg)
{
    deg = fmod(deg, 360.0);
    return deg < 0 ? deg + 360.0 : deg;
}

/* ΔT = TT - UT in seconds for a decimal year (Espenak and Meeus, 2006). */
static double delta_t(double y)
{
    double t = y - 2000;
    if (y < 2005)
        return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t;
    if (y < 2050)
        return 62.92 + 0.32217 * t + 0.005589 * t * t;
    if (y < 2150) {
        double u = (y - 1820) / 100;
        return -20 + 32 * u * u - 0.5628 * (2150 - y);
    }
    double u = (y - 1820) / 100;
    return -20 + 32 * u * u;
}

/* The China-time day (days since 1970-01-01) of an instant in dynamical time. */
static int64_t china_day(double jde)
{
    double year = 2000 + (jde - 2451545.0) / 365.25;
    double jd_ut = jde - delta_t(year) / 86400.0;
    return (int64_t)floor(jd_ut - JD_UNIX_EPOCH + 8.0 / 24.0);
}

/* The JDE of the China-time midnight that starts day d (days since 1970). */
static double china_midnight_jde(int64_t d)
{
    double jd_ut = (double)d + JD_UNIX_EPOCH - 8.0 / 24.0;
    double year = 2000 + (jd_ut - 2451545.0) / 365.25;
    return jd_ut + delta_t(year) / 86400.0;
}

/* ---- the new moon (Meeus ch. 49) ------------------------------------------------ */

/* The JDE of the new moon of lunation k (k = 0 is the one of 2000-01-06). */
static double new_moon(int k)
{
    static const double planetary[14][3] = {
        {299.77, 0.107408, 0.000325},  {251.88, 0.016321, 0.000165}, {251.83, 26.651886, 0.000164},
        {349.42, 36.412478, 0.000126}, {84.66, 18.206239, 0.000110}, {141.74, 53.303771, 0.000062},
        {207.14, 2.453732, 0.000060},  {154.84, 7.306860, 0.000056}, {34.52, 27.261239, 0.000047},
        {207.19, 0.121824, 0.000042},  {291.34, 1.844379, 0.000040}, {161.72, 24.198154, 0.000037},
        {239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023}};
    double kk = k, t = kk / 1236.85, t2 = t * t, t3 = t2 * t, t4 = t3 * t;
    double jde =
        2451550.09766 + 29.530588861 * kk + 0.00015437 * t2 - 0.000000150 * t3 + 0.00000000073 * t4;
    double e = 1 - 0.002516 * t - 0.0000074 * t2;
    double m = rad(2.5534 + 29.10535670 * kk - 0.0000014 * t2 - 0.00000011 * t3);
    double mp =
        rad(201.5643 + 385.81693528 * kk + 0.0107582 * t2 + 0.00001238 * t3 - 0.000000058 * t4);
    double f =
        rad(160.7108 + 390.67050284 * kk - 0.0016118 * t2 - 0.00000227 * t3 + 0.000000011 * t4);
    double om = rad(124.7746 - 1.56375588 * kk + 0.0020672 * t2 + 0.00000215 * t3);
    jde += -0.40720 * sin(mp) + 0.17241 * e * sin(m) + 0.01608 * sin(2 * mp) +
           0.01039 * sin(2 * f) + 0.00739 * e * sin(mp - m) - 0.00514 * e * sin(mp + m) +
           0.00208 * e * e * sin(2 * m) - 0.00111 * sin(mp - 2 * f) - 0.00057 * sin(mp + 2 * f) +
           0.00056 * e * sin(2 * mp + m) - 0.00042 * sin(3 * mp) + 0.00042 * e * sin(m + 2 * f) +
           0.00038 * e * sin(m - 2 * f) - 0.00024 * e * sin(2 * mp - m) - 0.00017 * sin(om) -
           0.00007 * sin(mp + 2 * m) + 0.00004 * sin(2 * mp - 2 * f) + 0.00004 * sin(3 * m) +
           0.00003 * sin(mp + m - 2 * f) + 0.00003 * sin(2 * mp + 2 * f) -
           0.00003 * sin(mp + m + 2 * f) + 0.00003 * sin(mp - m + 2 * f) -
           0.00002 * sin(mp - m - 2 * f) - 0.00002 * sin(3 * mp + m) + 0.00002 * sin(4 * mp);
    for (int i = 0; i < 14; i++) {
        double a = planetary[i][0] + planetary[i][1] * kk - (i == 0 ? 0.009173 * t2 : 0);
        jde += planetary[i][2] * sin(rad(a));
    }
    return jde;
}

static int64_t new_moon_day(int k)
{
    return china_day(new_moon(k));
}

/* The lunation whose new moon day is on or before day d and whose next one is
 * after it: the month holding day d. */
static int month_of(int64_t d)
{
    int k = (int)floor(((double)d - 10957.0) / 29.530588861); /* 10957: 2000-01-01 */
    while (new_moon_day(k) > d)
        k--;
    while (new_moon_day(k + 1) <= d)
        k++;
    return k;
}

/* ---- the sun (Meeus ch. 25, low accuracy) --------------------------------------- */

/* The sun's apparent longitude in degrees at JDE. */
static double sun_longitude(double jde)
{
    double t = (jde - 2451545.0) / 36525.0;
    double l0 = 280.46646 + 36000.76983 * t + 0.0003032 * t * t;
    double m = rad(357.52911 + 35999.05029 * t - 0.0001537 * t * t);
    double c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * sin(m) +
               (0.019993 - 0.000101 * t) * sin(2 * m) + 0.000289 * sin(3 * m);
    double om = rad(125.04 - 1934.136 * t);
    return norm360(l0 + c - 0.00569 - 0.00478 * sin(om));
}

/* The JDE at which the longitude reaches lon, near guess. */
static double sun_reaches(double lon, double guess)
{
    double jde = guess;
    for (int i = 0; i < 20; i++) {
        double diff = norm360(lon - sun_longitude(jde) + 180.0) - 180.0;
        jde += diff * 365.2422 / 360.0;
        if (fabs(diff) < 1e-7)
            break;
    }
    return jde;
}

static double term_jde(int year, int longitude)
{
    /* the sun is at 0 degrees (春分) about March 20; 1 degree is about 1.0146 days */
    double march = 2451623.8 + (year - 2000) * 365.2422;
    return sun_reaches(longitude, march + norm360(longitude) * 365.2422 / 360.0);
}

/* Exported, documented in lunar.h */
int cf_solar_term_date(int year, int longitude, cf_date_t *out)
{
    if (year < 1901 || year > 2199 || longitude < 0 || longitude >= 360 || longitude % 15)
        return CF_EINVAL;
    /* longitudes from 285 (小寒) on to 345 fall early in the next Gregorian year
     * when counted from March; those of January to March belong to `year`. */
    int from_year = longitude >= 285 ? year - 1 : year;
    *out = cf_date_from_days(china_day(term_jde(from_year, longitude)));
    return 0;
}

/* 1 if the month from day a (included) to day b (excluded) holds a principal term. */
static int has_principal_term(int64_t a, int64_t b)
{
    double la = sun_longitude(china_midnight_jde(a)), lb = sun_longitude(china_midnight_jde(b));
    return floor(la / 30.0) != floor(lb / 30.0) || lb < la;
}

/* Exported, documented in lunar.h */
int cf_lunar_date(int year, int month, int day, cf_date_t *out)
{
    if (year < 1901 || year > 2199 || month < 1 || month > 10 || day < 1 || day > 30)
        return CF_EINVAL;
    cf_date_t ws0, ws1;
    cf_solar_term_date(year - 1, 270, &ws0);
    cf_solar_term_date(year, 270, &ws1);
    int k0 = month_of(cf_date_to_days(ws0)), k1 = month_of(cf_date_to_days(ws1));
    int leap = 0; /* lunation index (k0 + leap) of the leap month, 0 when none */
    for (int i = 1; k1 - k0 == 13 && !leap && i < 13; i++)
        if (!has_principal_term(new_moon_day(k0 + i), new_moon_day(k0 + i + 1)))
            leap = i;
    int number = 11;
    for (int i = 1; i < k1 - k0; i++) {
        if (i == leap)
            continue; /* the leap month repeats the number before it */
        number = number % 12 + 1;
        if (number != month)
            continue;
        int64_t first = new_moon_day(k0 + i);
        if (day > new_moon_day(k0 + i + 1) - first)
            return CF_EINVAL;
        *out = cf_date_from_days(first + day - 1);
        return 0;
    }
    return CF_EINVAL;
}
