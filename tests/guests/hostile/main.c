/*
 * hostile: privileged instructions, bad pointers, out-of-range ports and
 * vCPU ids, unknown commands, forbidden mappings, each expecting Xen's
 * documented result (a CHECK line each); then a deliberate double fault,
 * after which the hypervisor must crash this domain and only this one.
 * The last line it prints is "CHECK about-to-crash PASS".
 *
 * Command line: crash=stack (default) | nohandler | badhandler, see crash.c.
 */
#include <guest/guest.h>
#include <guest/test.h>
#include "hostile.h"

const char test_title[] = "hostile: bad input, then a deliberate double fault";

void test_main(void)
{
    hostile_privileged();
    hostile_pointers();
    hostile_values();
    hostile_memory();
    hostile_permissions();
    hostile_crash();
}
