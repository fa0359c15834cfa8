/*
 * selftest: checks of everything a PV kernel relies on (issue 3), each a
 * CHECK line, then a VERDICT. Two of them side by side must both succeed.
 */
#include <guest/guest.h>
#include <guest/test.h>
#include "selftest.h"

const char test_title[] = "selftest: PV ABI self-checks";

void test_main(void)
{
    selftest_boot();
    selftest_hypercalls();
    selftest_cpu();
    selftest_traps();
    selftest_events();
    selftest_time();
    selftest_vcpu_areas();
}
