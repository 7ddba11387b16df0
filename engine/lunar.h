/*
 * lunar.h -- the Chinese lunisolar calendar and the solar terms, computed.
 *
 * The statutory holidays of 全国年节及纪念日放假办法 that move with the moon
 * (春节, 端午节, 中秋节) or the sun (清明节) are computed here for the
 * provisional calendar (calendar.h, LEGAL-PERIODS R11): new moons and solar
 * longitudes by the low-precision formulas of Meeus, Astronomical Algorithms
 * (2nd ed., ch. 25 and 49), each instant turned into a day in China time (UTC+8),
 * and the months numbered by the rule of GB/T 33661-2017 (the month holding the
 * winter solstice is the 11th; in a year of 13 months the first month without a
 * principal term is the leap month). Pure: no I/O, no clock reads.
 */
#ifndef CF_LUNAR_H
#define CF_LUNAR_H

#include "cftime.h"
#include "error.h"

/* The Gregorian date, OUT *out, of day `day` (1..30) of the non-leap lunar month
 * `month` (1..10: the 11th and 12th months end in the next Gregorian year and
 * are not needed) of the lunar year that begins in Gregorian year `year`
 * (1901..2199). Returns 0, or CF_EINVAL (out untouched) for arguments out of
 * range or a day the month does not have. */
int cf_lunar_date(int year, int month, int day, cf_date_t *out);

/* The China-time day, OUT *out, on which the sun's apparent longitude reaches
 * `longitude` degrees (a multiple of 15: 15 is 清明, 270 冬至) in Gregorian year
 * `year` (1901..2199). Returns 0 or CF_EINVAL (out untouched). */
int cf_solar_term_date(int year, int longitude, cf_date_t *out);

#endif
