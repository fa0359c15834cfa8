/*
 * idle: the smallest PV domain that stays: it says it is up and then
 * blocks (no timer, no work) until it is destroyed, or for s= seconds
 * (then it powers off). For counting how many domains fit in memory
 * (bench/toolstack.py) and timing create to first line.
 *
 *   idle: up
 */
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/time.h>
#include <guest/window.h>

const char test_title[] = "idle: up, then blocked until destroyed";

void test_main(void)
{
    uint64_t secs = cmdline_get_ulong("s", 0);
    uint64_t until = time_now() + secs * NSEC_PER_SEC;

    printf("idle: up\n");
    while (!secs || time_now() < until)
        sleep_until(secs ? until : time_now() + 3600 * NSEC_PER_SEC);
}
