/*
 * Check lines and verdicts (format: guest/test.h).
 */
#include <guest/guest.h>
#include <guest/test.h>

unsigned int test_passed, test_failed;

bool check(const char *name, bool ok, const char *fmt, ...)
{
    char detail[PRINTF_MAX - 64];
    va_list ap;

    if (ok) {
        test_passed++;
        printf("CHECK %s PASS\n", name);
        return true;
    }
    test_failed++;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printf("CHECK %s FAIL %s\n", name, detail);
    return false;
}

static void verdict(const char *what)
{
    printf("VERDICT %s (%u passed, %u failed)\n", what, test_passed, test_failed);
}

void test_finish(void)
{
    verdict(test_failed ? "FAILURE" : "SUCCESS");
    guest_shutdown(SHUTDOWN_poweroff);
}

void test_error(const char *fmt, ...)
{
    char why[PRINTF_MAX - 32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printf("ERROR %s\n", why);
    verdict("ERROR");
    guest_shutdown(SHUTDOWN_crash);
}

void test_skip(const char *fmt, ...)
{
    char why[PRINTF_MAX - 32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printf("SKIP %s\n", why);
    verdict("SKIP");
    guest_shutdown(SHUTDOWN_poweroff);
}

const char *xen_errno_name(long rc)
{
    static const struct {
        long err;
        const char *name;
    } names[] = {
        { 0, "0" },
        { -XEN_EPERM, "-EPERM" },   { -XEN_ENOENT, "-ENOENT" }, { -XEN_ESRCH, "-ESRCH" },
        { -XEN_EIO, "-EIO" },       { -XEN_E2BIG, "-E2BIG" },   { -XEN_EBADF, "-EBADF" },
        { -XEN_EAGAIN, "-EAGAIN" }, { -XEN_ENOMEM, "-ENOMEM" }, { -XEN_EACCES, "-EACCES" },
        { -XEN_EFAULT, "-EFAULT" }, { -XEN_EBUSY, "-EBUSY" },   { -XEN_EEXIST, "-EEXIST" },
        { -XEN_ENODEV, "-ENODEV" }, { -XEN_EINVAL, "-EINVAL" }, { -XEN_ENOSPC, "-ENOSPC" },
        { -XEN_ERANGE, "-ERANGE" }, { -XEN_ENOSYS, "-ENOSYS" }, { -XEN_ETIME, "-ETIME" },
        { -XEN_EOPNOTSUPP, "-EOPNOTSUPP" },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].err == rc)
            return names[i].name;
    return rc < 0 ? "?" : "value";
}
