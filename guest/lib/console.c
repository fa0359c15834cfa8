/*
 * Console output of a PV test kernel: console_io(CONSOLEIO_write), which
 * the hypervisor prints on its console tagged with our domain id.
 */
#include <guest/hypercall.h>
#include <guest/lib.h>

/* Write len bytes; 0, or the hypercall's error. */
int console_write(const char *buf, size_t len)
{
    return hypercall_console_io(CONSOLEIO_write, len, buf);
}

/*
 * Format into a stack buffer (event handlers may print while the
 * interrupted code is half-way through a line of its own) and write it
 * with one hypercall. Returns the number of bytes written.
 */
int vprintf(const char *fmt, va_list ap)
{
    char buf[PRINTF_MAX];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n >= (int)sizeof(buf)) {
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';          /* keep lines whole for the log reader */
    }
    if (n > 0)
        console_write(buf, n);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
