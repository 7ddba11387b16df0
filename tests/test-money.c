/*
 * test-money.c -- money-*: amounts as decimal yuan text, computed in integer fen
 * (issue 18 item 7, issue 19 item 5, issue 17 item 4), and the late-payment surcharge.
 */
#include <stdint.h>
#include <string.h>

#include "../engine/money.h"
#include "task.h"

/* money-1.1: what is accepted, and its fen and canonical text. */
TEST_IMPL(money_parse)
{
    static const struct {
        const char *text;
        int64_t fen;
        const char *canon;
    } ok[] = {{"0", 0, "0.00"},
              {"20000", 2000000, "20000.00"},
              {"20000.00", 2000000, "20000.00"},
              {"20000.5", 2000050, "20000.50"},
              {"0.01", 1, "0.01"},
              {"007", 700, "7.00"},
              {"10000000000000", 1000000000000000LL, "10000000000000.00"}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t fen = -1;
        char canon[CF_MONEY_BUFSZ];
        ASSERT_EQ(cf_money_parse(ok[i].text, &fen, NULL), 0);
        ASSERT_EQ(fen, ok[i].fen);
        ASSERT_STR_EQ(cf_money_format(fen, canon), ok[i].canon);
        ASSERT(cf_money_is_canonical(ok[i].canon));
    }
    ASSERT(!cf_money_is_canonical("20000"));
    ASSERT(!cf_money_is_canonical("20000.5"));
    return 0;
}

/* money-1.2: every other shape is refused with a message naming the text, and the
 * output is left untouched. */
TEST_IMPL(money_refused)
{
    static const char *const bad[] = {"-5",
                                      "+5",
                                      "-9223372036854775808",
                                      "9223372036854775807",
                                      "1e308",
                                      "0x10",
                                      "1.005",
                                      "12.",
                                      ".5",
                                      "",
                                      " 5",
                                      "5 ",
                                      "1,000",
                                      "NaN",
                                      "inf",
                                      "10000000000000.01",
                                      "５"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t fen = 42;
        cf_error_t err;
        if (cf_money_parse(bad[i], &fen, &err) != CF_EINVALID)
            CF__FAIL("'%s' was accepted", bad[i]);
        ASSERT_EQ(fen, 42);
        ASSERT(strstr(err.text, "amount '") != NULL);
        ASSERT(strstr(err.text, bad[i]) != NULL);
    }
    return 0;
}

/* money-2.1: 加处罚款, 3% of the fine a day, never more than the fine (第七十二条). */
TEST_IMPL(money_surcharge)
{
    ASSERT_EQ(cf_money_surcharge(500000, 0), 0);
    ASSERT_EQ(cf_money_surcharge(500000, 1), 15000);   /* 5000 yuan, 1 day: 150 */
    ASSERT_EQ(cf_money_surcharge(500000, 2), 30000);   /* 2 days: 300 */
    ASSERT_EQ(cf_money_surcharge(500000, 33), 495000); /* 99% */
    ASSERT_EQ(cf_money_surcharge(500000, 34), 500000); /* capped at the fine */
    ASSERT_EQ(cf_money_surcharge(500000, 100000), 500000);
    ASSERT_EQ(cf_money_surcharge(333, 1), 9); /* 9.99 fen, rounded down */
    ASSERT_EQ(cf_money_surcharge(CF_MONEY_MAX_FEN, 33), CF_MONEY_MAX_FEN / 100 * 99);
    return 0;
}
