/*
 * dom0's console back-end (dom0/toolstack/consoled.c) on a fake hypervisor
 * (fake_xc.h): a guest's output reaches the log and an attached printer,
 * input reaches its ring, full rings and hostile indices are handled as the
 * hypervisor's back-end does, and detaching gives back the mapping and port.
 * SOURCES: dom0/toolstack/consoled.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0/consoled.h>
#include "public/io/console.h"

#include "fake_xc.h"

static domid_t dom;
static struct xencons_interface *ring;
static xen_pfn_t mfn;
static int port;
static char printed[16384];
static size_t printed_len;

static void print(const char *buf, size_t n)
{
    assert_true(printed_len + n < sizeof(printed));
    memcpy(printed + printed_len, buf, n);
    printed_len += n;
    printed[printed_len] = '\0';
}

static int setup(void **state)
{
    fx_reset();
    assert_int_equal(xc_domain_create(1, 1023, &dom), 0);
    assert_int_equal(xc_domain_max_mem(dom, 4), 0);
    mfn = 0;
    assert_int_equal(xc_populate_physmap(dom, 1, &mfn), 1);
    ring = fx_frame(mfn);
    port = xc_evtchn_alloc_unbound(dom, 0);
    printed_len = 0;
    printed[0] = '\0';
    assert_int_equal(consoled_attach(dom, mfn, (uint32_t)port), 0);
    return 0;
}

static int teardown(void **state)
{
    consoled_detach(dom);
    assert_int_equal(fx_mapped, 0);
    assert_int_equal(fx_ports_bound(), 0);
    return 0;
}

/* The guest writes s into out[] as a front-end would. */
static void guest_write(const char *s)
{
    for (size_t i = 0; s[i]; i++)
        ring->out[MASK_XENCONS_IDX(ring->out_prod++, ring->out)] = s[i];
}

static void test_output_log_and_printer(void **state)
{
    guest_write("before attach\n");
    consoled_poll();
    assert_int_equal(ring->out_cons, ring->out_prod);           /* consumed */
    assert_true(consoled_connect(CONSOLED_SERIAL, dom, print));
    assert_string_equal(printed, "before attach\n");            /* the log replayed */
    guest_write("live ");
    guest_write("output\n");
    consoled_poll();
    assert_string_equal(printed, "before attach\nlive output\n");
    consoled_connect(CONSOLED_SERIAL, DOMID_INVALID, NULL);
    guest_write("while detached\n");
    consoled_poll();
    assert_string_equal(printed, "before attach\nlive output\n");
    assert_false(consoled_connect(CONSOLED_SERIAL, 77, print));  /* no such back-end */
}

static void test_more_than_a_ring(void **state)
{
    char line[64];

    assert_true(consoled_connect(CONSOLED_SERIAL, dom, print));
    for (int i = 0; i < 200; i++) {                             /* 200 x 13 bytes > 2048 */
        snprintf(line, sizeof(line), "line %03d ok\n", i);
        guest_write(line);
        if (ring->out_prod - ring->out_cons > XENCONS_OUT_SIZE - 16)
            consoled_poll();                                    /* a guest waits for room */
    }
    consoled_poll();
    assert_int_equal(printed_len, 200 * 12);
    assert_memory_equal(printed + 199 * 12, "line 199 ok\n", 12);
    assert_int_equal(consoled_bad_updates(dom), 0);
}

static void test_hostile_indices(void **state)
{
    assert_true(consoled_connect(CONSOLED_SERIAL, dom, print));
    ring->out_prod += 100000;                                   /* far beyond a ring */
    consoled_poll();
    assert_int_equal(consoled_bad_updates(dom), 1);
    assert_int_equal(printed_len, 0);                           /* nothing invented */
    assert_int_equal(ring->out_cons, ring->out_prod);           /* resynchronised */
    guest_write("after\n");
    consoled_poll();
    assert_string_equal(printed, "after\n");
    ring->in_cons += 5000;                                      /* consumer ahead of us */
    assert_int_equal(consoled_input(dom, "ab", 2), 2);
    assert_int_equal(consoled_bad_updates(dom), 2);
}

static void test_input(void **state)
{
    char big[XENCONS_IN_SIZE + 10];

    assert_int_equal(consoled_input(dom, "ls\r", 3), 3);
    assert_int_equal(ring->in_prod, 3);
    assert_memory_equal(ring->in, "ls\r", 3);
    assert_true(fx_port[1].notified > 0);
    memset(big, 'x', sizeof(big));
    assert_int_equal(consoled_input(dom, big, sizeof(big)), XENCONS_IN_SIZE - 3);   /* full */
    assert_int_equal(consoled_input(dom, "y", 1), 0);
    ring->in_cons = 1000;                                       /* the guest read some */
    assert_int_equal(consoled_input(dom, big, sizeof(big)), 1000);
    assert_int_equal(consoled_input(77, "z", 1), -1);
}

static char host_seen[256];
static size_t host_len;

static void host_print(const char *buf, size_t n)
{
    assert_true(host_len + n < sizeof(host_seen));
    memcpy(host_seen + host_len, buf, n);
    host_len += n;
}

/* The serial console and the host's channel follow the same domain at once. */
static void test_two_viewers(void **state)
{
    host_len = 0;
    guest_write("log\n");
    consoled_poll();
    assert_true(consoled_connect(CONSOLED_SERIAL, dom, print));
    assert_true(consoled_connect(CONSOLED_HOST, dom, host_print));
    guest_write("both\n");
    consoled_poll();
    assert_string_equal(printed, "log\nboth\n");
    assert_int_equal(host_len, 9);
    assert_memory_equal(host_seen, "log\nboth\n", 9);
    consoled_connect(CONSOLED_SERIAL, DOMID_INVALID, NULL);
    guest_write("host\n");
    consoled_poll();
    assert_string_equal(printed, "log\nboth\n");
    assert_int_equal(host_len, 14);
    assert_false(consoled_connect(CONSOLED_VIEWERS, dom, print));  /* no such viewer */
    consoled_detach(dom);                                       /* the domain goes */
    assert_true(consoled_connect(CONSOLED_HOST, dom, host_print) == false);
    guest_write("gone\n");
    consoled_poll();
    assert_int_equal(host_len, 14);
}

static void test_attach_refusals(void **state)
{
    assert_int_equal(consoled_attach(dom, mfn, (uint32_t)port), -XEN_ENOSPC);   /* twice */
    assert_int_equal(consoled_attach(3, mfn, 1), -XEN_ESRCH);   /* no such domain */
    assert_int_equal(fx_mapped, 1);
    assert_true(consoled_served(dom));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_output_log_and_printer),
        T(test_more_than_a_ring),
        T(test_hostile_indices),
        T(test_input),
        T(test_attach_refusals),
        T(test_two_viewers),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
