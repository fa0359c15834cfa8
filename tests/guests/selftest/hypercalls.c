/*
 * Hypercall basics: xen_version, console_io, error codes for unknown
 * numbers and commands, register preservation, multicall.
 */
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include "selftest.h"

static void hc_check_version(void)
{
    static xen_extraversion_t extra;
    static xen_capabilities_info_t caps;
    struct xen_platform_parameters params = { 0 };
    struct xen_feature_info fi = { .submap_idx = 0 };
    long v = hypercall_xen_version(XENVER_version, NULL);
    long rc;

    check("xen-version", v > 0 && (v >> 16) >= 3, "XENVER_version %#lx", v);
    rc = hypercall_xen_version(XENVER_extraversion, extra);
    check("xen-extraversion", rc == 0 && strnlen(extra, sizeof(extra)) < sizeof(extra),
          "rc %ld", rc);
    printf("hypervisor: version %ld.%ld%.16s\n", v >> 16, v & 0xffff, extra);
    rc = hypercall_xen_version(XENVER_capabilities, caps);
    check("xen-capabilities", rc == 0 && strnlen(caps, sizeof(caps)) < sizeof(caps) &&
          !strncmp(caps, "xen-3.0-x86_64", 14), "rc %ld, \"%.40s\"", rc, caps);
    rc = hypercall_xen_version(XENVER_get_features, &fi);
    CHECK_RC("xen-get-features", rc, 0);
    fi.submap_idx = XENFEAT_NR_SUBMAPS;
    CHECK_RC("xen-get-features-bad-submap", hypercall_xen_version(XENVER_get_features, &fi),
             -XEN_EINVAL);
    CHECK_RC("xen-pagesize", hypercall_xen_version(XENVER_pagesize, NULL), GUEST_PAGE_SIZE);
    rc = hypercall_xen_version(XENVER_platform_parameters, &params);
    check("xen-platform-parameters", rc == 0 && params.virt_start == HYPERVISOR_VIRT_START,
          "rc %ld, virt_start %#lx", rc, params.virt_start);
    CHECK_RC("xen-version-bad-cmd", hypercall_xen_version(99, NULL), -XEN_ENOSYS);
}

static void hc_check_console(void)
{
    static const char line[] = "console_io: this line is written by one CONSOLEIO_write\n";

    CHECK_RC("console-write", hypercall_console_io(CONSOLEIO_write, sizeof(line) - 1, line), 0);
    CHECK_RC("console-write-empty", hypercall_console_io(CONSOLEIO_write, 0, line), 0);
    CHECK_RC("console-bad-cmd", hypercall_console_io(99, 1, line), -XEN_ENOSYS);
}

/* Numbers nothing answers: unused, arch-specific, past the table, 64-bit. */
static void hc_check_unknown(void)
{
    CHECK_RC("hypercall-unused-11", hypercall_raw(11, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC("hypercall-arch-48", hypercall_raw(48, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC("hypercall-127", hypercall_raw(127, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_RC("hypercall-1000", hypercall_syscall(1000, 0, 0), -XEN_ENOSYS);
    /* Would be console_io(write, 0) if the hypervisor looked at EAX only. */
    CHECK_RC("hypercall-number-64bit",
             hypercall_syscall((1ULL << 32) | __HYPERVISOR_console_io, CONSOLEIO_write, 0),
             -XEN_ENOSYS);
}

/*
 * All registers but RAX (and the argument registers, which a debug Xen may
 * clobber) survive a hypercall: RCX and R11 thanks to the stub, the rest
 * thanks to the hypervisor.
 */
static void hc_check_preserved(void)
{
    uint64_t out[8];
    const uint64_t magic = 0x5ab1e00000000000ULL;  /* as [m] below */

    __asm__ volatile(
        "push %%rbp\n\t"
        "mov %[m], %%rbx\n\t"  "lea 1(%%rbx), %%rcx\n\t" "lea 2(%%rbx), %%rbp\n\t"
        "lea 3(%%rbx), %%r9\n\t" "lea 4(%%rbx), %%r11\n\t" "lea 5(%%rbx), %%r12\n\t"
        "lea 6(%%rbx), %%r13\n\t" "lea 7(%%rbx), %%r14\n\t"
        "xor %%edi, %%edi\n\t" "xor %%esi, %%esi\n\t"
        "call hypercall_page + %c[off]\n\t"
        "mov %%rbx, 0(%[o])\n\t" "mov %%rcx, 8(%[o])\n\t" "mov %%rbp, 16(%[o])\n\t"
        "mov %%r9, 24(%[o])\n\t" "mov %%r11, 32(%[o])\n\t" "mov %%r12, 40(%[o])\n\t"
        "mov %%r13, 48(%[o])\n\t" "mov %%r14, 56(%[o])\n\t"
        "pop %%rbp"
        :
        : [m] "i"(0x5ab1e00000000000ULL), [o] "r"(out),
          [off] "i"(__HYPERVISOR_xen_version * HYPERCALL_STUB_SIZE)
        : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
          "r14", "memory", "cc");
    for (unsigned int i = 0; i < 8; i++) {
        if (out[i] != magic + i) {
            check("hypercall-preserves-registers", false, "register %u: %#lx, want %#lx", i,
                  out[i], magic + i);
            return;
        }
    }
    check("hypercall-preserves-registers", true, "-");
}

static void hc_check_multicall(void)
{
    struct multicall_entry calls[3] = {
        { .op = __HYPERVISOR_xen_version, .args = { XENVER_version } },
        { .op = __HYPERVISOR_vcpu_op, .args = { VCPUOP_is_up, 0 } },
        { .op = __HYPERVISOR_console_io, .args = { 99 } },
    };
    long version = hypercall_xen_version(XENVER_version, NULL);
    long rc = hypercall_multicall(calls, 3);

    check("multicall", rc == 0 && (long)calls[0].result == version && calls[1].result == 1 &&
          (long)calls[2].result == -XEN_ENOSYS,
          "rc %ld, results %ld %ld %ld (want %ld 1 %d)", rc, (long)calls[0].result,
          (long)calls[1].result, (long)calls[2].result, version, -XEN_ENOSYS);
    CHECK_RC("multicall-empty", hypercall_multicall(calls, 0), 0);
}

void selftest_hypercalls(void)
{
    hc_check_version();
    hc_check_console();
    hc_check_unknown();
    hc_check_preserved();
    hc_check_multicall();
}
