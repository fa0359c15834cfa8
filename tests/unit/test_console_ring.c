/*
 * The PV console ring back-end and serial input routing: attaching (which
 * frames are refused), output drained on the guest's event and printed
 * tagged, wrapping, impossible indices from a hostile guest (ignored,
 * resynchronised, reported at doublings), input into the ring (full ring,
 * consumer ahead of producer), dom0 taking the port over, the Ctrl-A x3
 * focus cycle (Sable -> dom0 -> domains with rings -> Sable), CONSOLEIO_read
 * for dom0, and no frame or port left behind.
 * SOURCES: hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/console_io.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <sable/guest_console.h>
#include <public/event_channel.h>
#include <public/io/console.h>
#include <public/sched.h>

static struct domain *dom0, *dA, *dB;

static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = fake_domain_new(1, 8, true);
    dA = fake_domain_new(1, 8, false);
    dB = fake_domain_new(1, 8, false);
    fake_current = dA->vcpu[0];
    return 0;
}

static int teardown(void **state)
{
    fake_domain_destroy(dB);
    fake_domain_destroy(dA);
    fake_domain_destroy(dom0);
    fake_check_all_returned();
    return 0;
}

/* A ring frame of d, attached; its port. */
static int ring_attach(struct domain *d, struct xencons_interface **ring)
{
    struct page_info *pg = domain_alloc_page(d);
    int port;

    assert_non_null(pg);
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    port = console_ring_attach(d, page_to_mfn(pg));
    assert_true(port > 0);
    *ring = page_to_virt(pg);
    return port;
}

/* The guest's side of output: bytes into out[], out_prod moved, port signalled. */
static void guest_write(struct domain *d, struct xencons_interface *r, int port,
                        const char *s)
{
    for (size_t i = 0; s[i]; i++)
        r->out[MASK_XENCONS_IDX(r->out_prod + i, r->out)] = s[i];
    r->out_prod += strlen(s);
    assert_int_equal(evtchn_send(d, port), 0);
}

static bool port_pending(struct domain *d, int port)
{
    return evtchn_port_is_pending(d, port);
}

static void clear_pending(struct domain *d, int port)
{
    __atomic_fetch_and(&d->shared_info->evtchn_pending[port / 64], ~(1ULL << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

/* "(dN) text" for domain d, to look for in captured output. */
static const char *tagged(struct domain *d, const char *text)
{
    static char buf[4][128];
    static int i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "(d%u) %s", d->domain_id, text);
    return buf[i];
}

/* "input to domN " for domain d. */
static const char *input_to(struct domain *d)
{
    static char buf[2][64];
    static int i;

    i = (i + 1) % 2;
    snprintf(buf[i], sizeof(buf[i]), "input to dom%u ", d->domain_id);
    return buf[i];
}

static void test_attach_refuses_bad_frames(void **state)
{
    struct page_info *other = domain_alloc_page(dB), *table = domain_alloc_page(dA);
    struct xencons_interface *r;
    struct evtchn_status st = { .dom = DOMID_SELF };
    int port;

    assert_int_equal(console_ring_attach(dA, page_to_mfn(other)), -EINVAL);   /* not ours */
    assert_int_equal(console_ring_attach(dA, FAKE_FRAMES + 5), -EINVAL);      /* no frame */
    assert_int_equal(page_get_type(table, PGT_l1_page_table), 0);
    assert_int_equal(console_ring_attach(dA, page_to_mfn(table)), -EINVAL);   /* a page table */
    page_put_type(table);
    assert_false(console_ring_attached(dA));

    port = ring_attach(dA, &r);
    assert_true(console_ring_attached(dA));
    /* The guest sees an unbound port for dom0, as before xenconsoled connects. */
    st.port = port;
    memcpy(gptr(0), &st, sizeof(st));
    assert_int_equal(do_event_channel_op(EVTCHNOP_status, gva(0), 0, 0, 0), 0);
    memcpy(&st, gptr(0), sizeof(st));
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 0);
    /* A second ring is refused and its port not kept. */
    assert_int_equal(console_ring_attach(dA, page_to_mfn(table)), -EINVAL);
    assert_int_equal(evtchn_send(dA, port + 1), -EINVAL);
    /* The frame is held: it cannot become a page table or be freed meanwhile. */
    assert_int_equal(page_get_type(virt_to_page(r), PGT_l1_page_table), -EINVAL);
}

static void test_output_is_drained_on_the_event(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);
    const char *out;

    capture_begin();
    guest_write(dA, r, port, "hello\nwor");
    guest_write(dA, r, port, "ld\n\x1b[2Jx\n");
    out = capture_end();
    assert_non_null(strstr(out, tagged(dA, "hello\n")));
    assert_non_null(strstr(out, tagged(dA, "world\n")));
    assert_non_null(strstr(out, tagged(dA, "x\n")));       /* the escape sequence dropped whole */
    assert_null(strstr(out, "[2J"));
    assert_int_equal(r->out_cons, r->out_prod);
    assert_false(port_pending(dA, port));               /* a few bytes: nobody waits */
    /* Half a ring and more at once: a writer may be waiting for room. */
    char big[XENCONS_OUT_SIZE / 2 + 1];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[100] = big[300] = big[900] = '\n';
    capture_begin();
    guest_write(dA, r, port, big);
    capture_end();
    assert_true(port_pending(dA, port));                /* "room again" */
}

static void test_output_wraps_around_the_ring(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);
    char line[64];
    int lines = 0;
    const char *out, *p;

    capture_begin();
    for (int i = 0; i < 300; i++) {                     /* ~ 8 KiB: four rings' worth */
        snprintf(line, sizeof(line), "line %03d of the wrapping test\n", i);
        guest_write(dA, r, port, line);
    }
    out = capture_end();
    for (p = out; (p = strstr(p, "of the wrapping test")); p++)
        lines++;
    assert_int_equal(lines, 300);
    assert_non_null(strstr(out, tagged(dA, "line 299 of the wrapping test")));
    assert_true(r->out_prod > XENCONS_OUT_SIZE * 3);
    assert_int_equal(r->out_cons, r->out_prod);
}

static void test_impossible_out_prod_is_ignored(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);
    const char *out, *p;
    int reports = 0;

    memset(r->out, 'A', sizeof(r->out));
    capture_begin();
    for (int i = 0; i < 10; i++) {
        r->out_prod = r->out_cons + XENCONS_OUT_SIZE + 1 + i * 1000;
        evtchn_send(dA, port);
        assert_int_equal(r->out_cons, r->out_prod);     /* resynchronised */
    }
    out = capture_end();
    assert_null(strstr(out, "AAAA"));                   /* nothing was read */
    for (p = out; (p = strstr(p, "impossible out_prod")); p++)
        reports++;
    assert_int_equal(reports, 4);                       /* the 1st, 2nd, 4th, 8th */
    assert_int_equal(dA->console.ring_bad, 10);
    /* Sane again afterwards. */
    capture_begin();
    guest_write(dA, r, port, "fine\n");
    assert_non_null(strstr(capture_end(), tagged(dA, "fine\n")));
}

static void test_input_goes_into_the_ring(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);
    char big[2000];

    assert_int_equal(console_ring_input(dA, "abc", 3), 3);
    assert_memory_equal(r->in, "abc", 3);
    assert_int_equal(r->in_prod, 3);
    assert_true(port_pending(dA, port));
    /* Full: what does not fit is dropped and counted. */
    memset(big, 'z', sizeof(big));
    assert_int_equal(console_ring_input(dA, big, sizeof(big)), XENCONS_IN_SIZE - 3);
    assert_int_equal(dA->console.ring_in_dropped, sizeof(big) - (XENCONS_IN_SIZE - 3));
    assert_int_equal(console_ring_input(dA, "q", 1), 0);
    /* The guest consumes: room again, and the producer wraps. */
    r->in_cons = r->in_prod;
    assert_int_equal(console_ring_input(dA, "xyz", 3), 3);
    assert_int_equal(r->in[MASK_XENCONS_IDX(XENCONS_IN_SIZE, r->in)], 'x');
    assert_int_equal(r->in_prod, XENCONS_IN_SIZE + 3);
    assert_int_equal(console_ring_input(dB, "x", 1), -ENODEV);    /* no ring */
}

static void test_input_with_consumer_ahead(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);

    (void)port;
    r->in_cons = 4096 + 7;                  /* ahead of our in_prod 0 */
    capture_begin();
    assert_int_equal(console_ring_input(dA, "ok", 2), 2);
    assert_non_null(strstr(capture_end(), "impossible in_cons"));
    assert_int_equal(r->in_prod, 4096 + 7 + 2);
    assert_int_equal(r->in[MASK_XENCONS_IDX(4096 + 7, r->in)], 'o');
    assert_int_equal(r->in[MASK_XENCONS_IDX(4096 + 8, r->in)], 'k');
}

/* dom0 binds the console port: from then on the ring is its business. */
static void test_dom0_takes_the_port_over(void **state)
{
    struct xencons_interface *r;
    int port = ring_attach(dA, &r);
    struct evtchn_bind_interdomain b = { .remote_dom = dA->domain_id, .remote_port = port };
    const char *out;

    fake_current = dom0->vcpu[0];
    memcpy(gptr(0), &b, sizeof(b));
    assert_int_equal(do_event_channel_op(EVTCHNOP_bind_interdomain, gva(0), 0, 0, 0), 0);
    memcpy(&b, gptr(0), sizeof(b));
    fake_current = dA->vcpu[0];
    clear_pending(dom0, b.local_port);
    assert_false(console_ring_attached(dA));
    capture_begin();
    guest_write(dA, r, port, "for dom0\n");
    out = capture_end();
    assert_null(strstr(out, "for dom0"));                       /* not printed by us */
    assert_int_equal(r->out_cons, 0);                           /* not consumed by us */
    assert_true(port_pending(dom0, b.local_port));              /* dom0 was told */
    assert_int_equal(console_ring_input(dA, "x", 1), -ENODEV);
}

static void test_flush_drains_unsignalled_output(void **state)
{
    struct xencons_interface *r;
    const char *out;

    ring_attach(dA, &r);
    memcpy(r->out, "last words", 10);
    r->out_prod = 10;                                   /* never signalled */
    capture_begin();
    domain_shutdown(dA, SHUTDOWN_crash);
    out = capture_end();
    assert_non_null(strstr(out, tagged(dA, "last words\n")));
}

/* Press the switch character three times; the announcement line. */
static const char *press_switch(void)
{
    capture_begin();
    console_input_chars("\x01\x01\x01", 3);
    return capture_end();
}

static void test_focus_cycle_and_routing(void **state)
{
    struct xencons_interface *ra, *rb;
    int pa = ring_attach(dA, &ra), pb = ring_attach(dB, &rb);
    struct domain *dC = fake_domain_new(1, 8, false);       /* no ring: skipped */
    char buf[16];

    (void)pa;
    (void)pb;
    /* Wherever an earlier test left it: go round to Sable first. */
    for (int i = 0; i < 5 && !strstr(press_switch(), "input to Sable"); i++)
        ;
    console_input_chars("dropped", 7);                      /* Sable ignores input */
    assert_int_equal(ra->in_prod + rb->in_prod, 0);

    assert_non_null(strstr(press_switch(), "*** Serial input to dom0 (type 'CTRL-a'"));
    console_input_chars("ls\r", 3);                         /* dom0: CONSOLEIO_read */
    assert_int_equal(console_input_read(buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "ls\r", 3);
    assert_int_equal(console_input_read(buf, sizeof(buf)), 0);

    assert_non_null(strstr(press_switch(), input_to(dA)));
    console_input_chars("a\x01" "b\x01\x01" "c", 6);        /* fewer than 3: passed on */
    assert_int_equal(ra->in_prod, 6);
    assert_memory_equal(ra->in, "a\x01" "b\x01\x01" "c", 6);

    assert_non_null(strstr(press_switch(), input_to(dB)));
    console_input_chars("x", 1);
    assert_int_equal(rb->in_prod, 1);
    assert_int_equal(ra->in_prod, 6);

    assert_non_null(strstr(press_switch(), "input to Sable "));    /* dC has no ring */

    /* A focused domain that goes away gives the focus back. */
    press_switch();
    press_switch();
    assert_non_null(strstr(press_switch(), input_to(dB)));
    domain_shutdown(dB, SHUTDOWN_poweroff);
    capture_begin();
    console_input_chars("y", 1);
    assert_non_null(strstr(capture_end(), "input to Sable "));
    assert_int_equal(rb->in_prod, 1);
    fake_domain_destroy(dC);
}

/* CONSOLEIO_read: dom0 gets the bytes; others -EPERM; bad buffers -EFAULT. */
static void test_consoleio_read(void **state)
{
    for (int i = 0; i < 5 && !strstr(press_switch(), "input to dom0 "); i++)
        ;
    console_input_chars("hey", 3);
    fake_current = dA->vcpu[0];
    assert_int_equal(do_console_io(CONSOLEIO_read, 16, gva(0), 0, 0), -EPERM);
    fake_current = dom0->vcpu[0];
    assert_int_equal(do_console_io(CONSOLEIO_read, 16, 0x10, 0, 0), -EFAULT);
    assert_int_equal(do_console_io(CONSOLEIO_read, 2, gva(0), 0, 0), 2);
    assert_memory_equal(gptr(0), "he", 2);
    assert_int_equal(do_console_io(CONSOLEIO_read, 16, gva(0), 0, 0), 1);
    assert_memory_equal(gptr(0), "y", 1);
    assert_int_equal(do_console_io(CONSOLEIO_read, 16, gva(0), 0, 0), 0);
    fake_current = dA->vcpu[0];
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attach_refuses_bad_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_is_drained_on_the_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_wraps_around_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impossible_out_prod_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_goes_into_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_with_consumer_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dom0_takes_the_port_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_drains_unsignalled_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_focus_cycle_and_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consoleio_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
