/*
 * Self-check framework of the PV test kernels, after XTF: each check prints
 * one machine-readable line
 *
 *     CHECK <name> PASS
 *     CHECK <name> FAIL <detail>
 *
 * and the end of the run one verdict line before the domain powers off:
 *
 *     VERDICT SUCCESS|FAILURE|ERROR|SKIP (<n> passed, <m> failed)
 *
 * SUCCESS: every check passed; FAILURE: some failed; ERROR: the test could
 * not run on (unexpected trap, set-up failed; the domain then crashes);
 * SKIP: the test does not apply here. Other lines are informational.
 * Check names are unique, lowercase words joined by '-'.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include <guest/lib.h>

/* Print the CHECK line; returns ok. The detail is only printed on failure. */
bool check(const char *name, bool ok, const char *fmt, ...) __printf(3, 4);

/* A check of a condition; the detail is its text. */
#define CHECK(name, cond) check((name), (cond), "%s", #cond)

/* A check that a number (e.g. a hypercall result) has the wanted value. */
#define CHECK_EQ(name, got, want) ({                                          \
    long got_ = (long)(got), want_ = (long)(want);                            \
    check((name), got_ == want_, "got %ld (%#lx), want %ld (%#lx)",          \
          got_, got_, want_, want_);                                          \
})

/* A check of a hypercall's result against the wanted value or XEN_E* error. */
#define CHECK_RC(name, got, want) ({                                          \
    long got_ = (long)(got), want_ = (long)(want);                            \
    check((name), got_ == want_, "got %ld (%s), want %ld (%s)", got_,        \
          xen_errno_name(got_), want_, xen_errno_name(want_));                \
})

extern unsigned int test_passed, test_failed;

/* End the test: print the verdict and shut the domain down. */
void test_finish(void) __noreturn;                          /* SUCCESS or FAILURE */
void test_error(const char *fmt, ...) __printf(1, 2) __noreturn;   /* ERROR, crash */
void test_skip(const char *fmt, ...) __printf(1, 2) __noreturn;    /* SKIP */

/* Xen error names, for details: "-EINVAL" etc. */
const char *xen_errno_name(long rc);

#endif /* GUEST_TEST_H */
