/*
 * Guests' output on the console (common/console_io.c): the domain with the
 * input focus is interactive (partial lines at once, escape sequences,
 * backspace and bell passed on, a carriage return redraws after the tag);
 * the others are buffered a line at a time, shown partial only after
 * CONSOLE_QUIET_NS of silence, and filtered (escape sequences removed whole,
 * however they are split); a line that something else interrupted starts
 * again whole; empty and over-long lines; the rate limit on interactive
 * output. The console's own line contract is faked in fake_pv.h: "(dN) "
 * starts a line, an open line is ended before another starts.
 * SOURCES: hypervisor/common/console_ring.c hypervisor/common/console_input.c hypervisor/common/console_io.c hypervisor/common/domain.c hypervisor/common/grant_table.c hypervisor/common/event_channel.c hypervisor/common/vcpu_op.c hypervisor/common/vcpu_time.c hypervisor/common/timer.c hypervisor/common/frame_table.c hypervisor/common/page_type.c
 */
#include "fake_pv.h"

#include <sable/guest_console.h>
#include <public/sched.h>

#define QUIET (20 * NSEC_PER_MSEC)      /* CONSOLE_QUIET_NS */

static struct domain *dom0, *dA, *dB;

static int setup(void **state)
{
    fake_reset_with_table();
    dom0 = fake_domain_new(1, 8, true);
    dA = fake_domain_new(1, 8, false);
    dB = fake_domain_new(1, 8, false);
    fake_now = 10 * NSEC_PER_SEC;
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

static void put(struct domain *d, const char *s)
{
    guest_console_put(d, s, strlen(s));
}

/*
 * Ctrl-A three times until serial input goes to d (or to Sable: d NULL).
 * The announcement is a printk, which ends an open guest line: the fake
 * console is told so.
 */
static void focus_on(struct domain *d)
{
    char want[32];
    const char *out;

    console_guest_lock();
    console_line_close();
    console_guest_unlock(0);

    if (d)
        snprintf(want, sizeof(want), "input to dom%u ", d->domain_id);
    else
        snprintf(want, sizeof(want), "input to Sable ");
    for (int i = 0; i < 8; i++) {
        capture_begin();
        console_input_chars("\x01\x01\x01", 3);
        out = capture_end();
        if (strstr(out, want))
            return;
    }
    fail_msg("focus never reached %s", want);
}

/* dA's ring, so that it takes input and can have the focus. */
static void give_ring(struct domain *d)
{
    struct page_info *pg = domain_alloc_page(d);

    assert_non_null(pg);
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    assert_true(console_ring_attach(d, page_to_mfn(pg)) > 0);
}

static void test_unfocused_partial_line_waits_for_quiet(void **state)
{
    focus_on(NULL);
    capture_begin();
    put(dA, "Loading");
    guest_console_tick();
    fake_now += QUIET / 2;
    guest_console_tick();                               /* not quiet long enough */
    assert_string_equal(capture_end(), "");

    capture_begin();
    fake_now += QUIET;
    guest_console_tick();
    assert_string_equal(capture_end(), "(d1) Loading");
    capture_begin();
    put(dA, "... ");                                    /* the same terminal line goes on */
    fake_now += QUIET;
    guest_console_tick();
    put(dA, "done\n");
    assert_string_equal(capture_end(), "... done\n");
}

static void test_unfocused_lines_of_two_domains_stay_whole(void **state)
{
    focus_on(NULL);
    capture_begin();
    put(dA, "first ");
    put(dB, "other\n");
    put(dA, "half\n");
    assert_string_equal(capture_end(), "(d2) other\n(d1) first half\n");
}

static void test_interrupted_line_starts_again_whole(void **state)
{
    focus_on(NULL);
    capture_begin();
    put(dA, "eth0: ");
    fake_now += 2 * QUIET;
    guest_console_tick();                               /* shown partial */
    fake_console_print("dom3: shut down (poweroff)");   /* Sable prints a line */
    put(dA, "link up\n");
    put(dB, "x\n");
    assert_string_equal(capture_end(), "(d1) eth0: \ndom3: shut down (poweroff)\n"
                                       "(d1) eth0: link up\n(d2) x\n");
    /* Shown whole before the interruption: the newline adds nothing. */
    capture_begin();
    put(dA, "whole");
    fake_now += 2 * QUIET;
    guest_console_tick();
    put(dB, "between\n");
    put(dA, "\n");
    assert_string_equal(capture_end(), "(d1) whole\n(d2) between\n");
}

static void test_unfocused_escape_sequences_go_whole(void **state)
{
    focus_on(NULL);
    capture_begin();
    put(dA, "\x1b[1;31mred\x1b[0m plain\n");              /* SGR */
    put(dA, "a\x1b[");                                  /* CSI split over writes */
    put(dA, "2");
    put(dA, "Jb\n");
    put(dA, "\x1b]0;my title\x07t\n");                  /* OSC ended by BEL */
    put(dA, "\x1b]2;x\x1b\\u\n");                       /* ... and by ST */
    put(dA, "\x1b" "7s\x1b(Bv\n");                      /* two- and three-byte escapes */
    put(dA, "w\x1b\n");                                 /* a lone ESC: the newline still counts */
    put(dA, "\x1b[6n~ # \n");                           /* busybox asking for the cursor */
    assert_string_equal(capture_end(), "(d1) red plain\n(d1) ab\n(d1) t\n(d1) u\n(d1) sv\n"
                                       "(d1) w\n(d1) ~ # \n");
}

static void test_unfocused_runaway_string_is_cut_off(void **state)
{
    char s[400];

    focus_on(NULL);
    memset(s, 'z', sizeof(s));
    memcpy(s, "\x1b]", 2);
    memcpy(s + sizeof(s) - 6, "after\n", 6);            /* never terminated */
    capture_begin();
    guest_console_put(dA, s, sizeof(s));
    /* After 256 bytes the string is given up and the rest is text again. */
    const char *out = capture_end();
    assert_non_null(strstr(out, "zafter\n"));
    assert_true(strlen(out) < sizeof(s) - 200);
}

static void test_focused_output_is_interactive(void **state)
{
    give_ring(dA);
    focus_on(dA);
    capture_begin();
    put(dA, "~ # \x1b[6n");                             /* prompt and cursor query at once */
    assert_string_equal(capture_end(), "(d1) ~ # \x1b[6n");
    capture_begin();
    put(dA, "l");                                       /* echo of each key */
    put(dA, "s");
    put(dA, "\r");
    put(dA, "\n");                                      /* \r\n split: one newline */
    assert_string_equal(capture_end(), "ls\n");
    capture_begin();
    put(dA, "ab\bc\x07\x01\x7f\n");                     /* BS and BEL pass, other controls not */
    put(dA, "abc\rxyz\n");                              /* a redraw starts after the tag */
    put(dA, "\xc3\xa9t\xc3\xa9\n");                     /* UTF-8 passes */
    assert_string_equal(capture_end(), "(d1) ab\bc\x07\n(d1) abc\r(d1) xyz\n"
                                       "(d1) \xc3\xa9t\xc3\xa9\n");
}

static void test_focused_line_interrupted_by_another_domain(void **state)
{
    give_ring(dA);
    focus_on(dA);
    capture_begin();
    put(dA, "~ # ");
    put(dB, "\x1b[2Jlog line\n");                       /* unfocused: filtered */
    put(dA, "e");
    put(dA, "cho\r\n");
    assert_string_equal(capture_end(), "(d1) ~ # \n(d2) log line\n(d1) ~ # echo\n");
}

static void test_focus_moves_away_mid_line(void **state)
{
    give_ring(dA);
    focus_on(dA);
    capture_begin();
    put(dA, "~ # ");
    assert_string_equal(capture_end(), "(d1) ~ # ");
    focus_on(NULL);                                     /* Sable's announcement ends it */
    capture_begin();
    put(dA, "\x1b[6nx");                                /* unfocused again: filtered, buffered */
    assert_string_equal(capture_end(), "");
    capture_begin();
    put(dA, "\n");
    assert_string_equal(capture_end(), "(d1) ~ # x\n");
}

static void test_long_and_empty_lines(void **state)
{
    char line[GUEST_CONSOLE_LINE + 4];

    focus_on(NULL);
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    capture_begin();
    guest_console_put(dA, line, sizeof(line));
    put(dA, "\n");
    const char *out = capture_end();
    assert_int_equal(strlen(out), 5 + GUEST_CONSOLE_LINE + 1 + 5 + 3 + 1 + 5 + 1);
    assert_string_equal(out + 5 + GUEST_CONSOLE_LINE, "\n(d1) xxx\n(d1) \n");
}

static void test_focused_output_is_rate_limited(void **state)
{
    const char *out;

    give_ring(dA);
    focus_on(dA);
    capture_begin();
    for (int i = 0; i < 1005; i++) {
        put(dA, "~ # ");                                /* a prompt, then its echo */
        put(dA, "y\r\n");
    }
    out = capture_end();
    assert_non_null(strstr(out, "(d1) ~ # y\n"));
    capture_begin();
    fake_now += NSEC_PER_SEC;                           /* refilled */
    put(dA, "z\n");
    out = capture_end();
    assert_string_equal(out, "(d1) [5 lines dropped by the console rate limit]\n(d1) z\n");
}

static void test_partial_line_flushed_when_domain_stops(void **state)
{
    focus_on(NULL);
    capture_begin();
    put(dA, "no newline\x1b[");
    domain_shutdown(dA, SHUTDOWN_poweroff);
    put(dB, "next\n");
    assert_string_equal(capture_end(), "(d1) no newline\ndom1: shut down (poweroff)\n"
                                       "(d2) next\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unfocused_partial_line_waits_for_quiet, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unfocused_lines_of_two_domains_stay_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_line_starts_again_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unfocused_escape_sequences_go_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unfocused_runaway_string_is_cut_off, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_focused_output_is_interactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_focused_line_interrupted_by_another_domain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_focus_moves_away_mid_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_and_empty_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_focused_output_is_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_line_flushed_when_domain_stops, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
