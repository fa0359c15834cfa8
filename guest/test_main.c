/*
 * guest_main of the PV test kernels: the banner, the start of day as
 * checks (so that a builder or hypercall bug shows up as a named failure
 * rather than a silent hang; a failed step ends the run with VERDICT
 * ERROR), then the kernel's test_main and its verdict.
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/test.h>
#include <guest/traps.h>

void guest_main(void)
{
    long rc;

    printf("Sable PV test kernel: %s (cmdline \"%s\")\n", test_title, guest_cmdline);
    rc = trap_init();
    if (!check("boot-trap-table", rc == 0, "set_trap_table/callback_op: %s", xen_errno_name(rc)))
        test_error("no trap table");
    rc = guest_map_shared_info();
    if (!check("boot-map-shared-info", rc == 0, "update_va_mapping(%#lx): %s",
               start_info->shared_info, xen_errno_name(rc)))
        test_error("no shared_info");
    guest_events_start();
    test_main();
    test_finish();
}
