/*
 * HVM CPUID policy, one rule at a time, against a fake host that sets every
 * feature bit (so anything not on an allow-list must come out 0), plus the
 * Xen leaves as Linux's detection loop reads them.
 * SOURCES: hypervisor/arch/x86/hvm/cpuid.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <hvm/cpuid.h>
#include <hvm/vlapic.h>
#include "public/cpuid.h"

#define BIT(n) (1u << (n))

/* The fake host: an AMD CPU whose feature words are all ones. */
static uint32_t host_max_basic = 0x10;
static uint32_t host_max_ext = 0x80000021;
static bool host_xsave = true;

static void fake_host_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
    *r = (struct cpuid_regs){ 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };
    if (leaf == 0) {
        r->eax = host_max_basic;
        r->ebx = 0x68747541;            /* "AuthenticAMD" */
        r->edx = 0x69746e65;
        r->ecx = 0x444d4163;
    } else if (leaf == 1) {
        r->eax = 0x00a20f10;
        r->ebx = 0x12345678;            /* brand 0x78, clflush 0x56 */
        if (!host_xsave)
            r->ecx &= ~BIT(26);
    } else if (leaf == 4) {
        r->eax = sub < 2 ? 0xfc004121 : 0;  /* two caches, then the end */
    } else if (leaf == 7 && sub == 0) {
        r->eax = 2;
    } else if (leaf == 0xd) {
        static const uint32_t size[8] = { 0, 0, 256, 64, 64, 64, 512, 1024 };
        static const uint32_t offset[8] = { 0, 0, 576, 960, 1024, 1088, 1152, 1664 };
        if (sub == 0) {
            r->eax = 0x2ff;             /* x87..Hi16_ZMM, PKRU */
            r->edx = 0;
        } else if (sub == 1) {
            r->eax = 0xf;               /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
        } else if (sub < 8) {
            *r = (struct cpuid_regs){ size[sub], offset[sub], sub == 5 ? 2 : 0, 0 };
        } else if (sub == 9) {
            *r = (struct cpuid_regs){ 8, 2688, 0, 0 };
        } else {
            *r = (struct cpuid_regs){ 0 };
        }
    } else if (leaf == 0x80000000) {
        r->eax = host_max_ext;
    } else if (leaf == 0x80000008) {
        r->eax = 0x00303028;            /* guest phys 0x30, linear 48, phys 40 */
    }
}

static struct hvm_cpuid_domain dom;
static struct hvm_cpuid_vcpu vcpu;

static int setup(void **state)
{
    host_max_basic = 0x10;
    host_max_ext = 0x80000021;
    host_xsave = true;
    dom = (struct hvm_cpuid_domain){
        .host_cpuid = fake_host_cpuid, .nr_vcpus = 1, .domid = 7, .flags = 0,
        .tsc_khz = 2596201, .tsc_to_ns = { .mul = 0xc5a1f3b2, .shift = -1 },
    };
    vcpu = (struct hvm_cpuid_vcpu){ .vcpu_id = 0, .cr4 = 0, .xcr0 = 1, .apic_enabled = true };
    return 0;
}

static struct cpuid_regs q(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;

    hvm_cpuid_policy(&dom, &vcpu, leaf, sub, &r);
    return r;
}

static void test_leaf0_caps_basic_range(void **state)
{
    struct cpuid_regs r = q(0, 0);

    assert_int_equal(r.eax, HVM_CPUID_MAX_BASIC);
    assert_int_equal(r.ebx, 0x68747541);
    assert_int_equal(r.ecx, 0x444d4163);
    assert_int_equal(r.edx, 0x69746e65);
    r = q(0xe, 0);                      /* host has it, guest does not */
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
    host_max_basic = 7;
    assert_int_equal(q(0, 0).eax, 7);
    r = q(0xb, 0);                      /* above the host's maximum */
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_leaf1_features(void **state)
{
    struct cpuid_regs r = q(1, 0);

    assert_int_equal(r.eax, 0x00a20f10);
    assert_true(r.ecx & BIT(31));       /* hypervisor */
    assert_true(r.ecx & BIT(21));       /* x2APIC stays */
    assert_int_equal(!!(r.ecx & BIT(24)), VLAPIC_HAS_TSC_DEADLINE);
    assert_false(r.ecx & BIT(3));       /* MONITOR */
    assert_false(r.ecx & BIT(5));       /* VMX */
    assert_false(r.ecx & BIT(6));       /* SMX */
    assert_false(r.ecx & BIT(7));       /* EST */
    assert_false(r.ecx & BIT(15));      /* PDCM: perf capabilities */
    assert_false(r.ecx & BIT(18));      /* DCA */
    assert_true(r.ecx & BIT(26));       /* XSAVE */
    assert_true(r.ecx & BIT(0));        /* SSE3 */
    assert_true(r.edx & BIT(0));        /* FPU */
    assert_true(r.edx & BIT(26));       /* SSE2 */
    assert_false(r.edx & BIT(7));       /* MCE */
    assert_false(r.edx & BIT(14));      /* MCA */
    assert_false(r.edx & BIT(12));      /* MTRR: not emulated by default */
    assert_false(r.edx & BIT(21));      /* DS */
    assert_false(r.edx & BIT(22));      /* ACPI thermal */
    assert_false(r.edx & BIT(29));      /* TM */
    assert_false(r.edx & BIT(31));      /* PBE */
    dom.flags = HVM_CPUID_MTRR;
    assert_true(q(1, 0).edx & BIT(12));
}

static void test_leaf1_dynamic_bits(void **state)
{
    assert_false(q(1, 0).ecx & BIT(27));    /* OSXSAVE follows CR4 */
    vcpu.cr4 = X86_CR4_OSXSAVE;
    assert_true(q(1, 0).ecx & BIT(27));
    host_xsave = false;                     /* no XSAVE: no OSXSAVE either */
    assert_false(q(1, 0).ecx & BIT(27));
    assert_true(q(1, 0).edx & BIT(9));      /* APIC follows APIC base EN */
    vcpu.apic_enabled = false;
    assert_false(q(1, 0).edx & BIT(9));
    assert_false(q(0x80000001, 0).edx & BIT(9));
}

static void test_leaf1_topology(void **state)
{
    struct cpuid_regs r = q(1, 0);

    assert_int_equal(r.ebx & 0xffff, 0x5678);   /* brand, CLFLUSH size kept */
    assert_int_equal(r.ebx >> 24, 0);
    assert_int_equal((r.ebx >> 16) & 0xff, 1);
    assert_false(r.edx & BIT(28));              /* HTT: one vCPU */
    dom.nr_vcpus = 3;
    vcpu.vcpu_id = 2;
    r = q(1, 0);
    assert_int_equal(r.ebx >> 24, 2);
    assert_int_equal((r.ebx >> 16) & 0xff, 4);  /* rounded to a power of two */
    assert_true(r.edx & BIT(28));
}

static void test_hidden_leaves(void **state)
{
    static const uint32_t leaves[] = { 3, 5, 6, 8, 9, 0xa, 0xc, 0x80000007, 0x80000009,
                                       0x8000000a, 0x8000001e, 0x80000021, 0x1f, 0x14,
                                       0x40000005, 0x40000006, 0x40000100, 0x40000200,
                                       0x3fffffff, 0x50000000, 0xc0000000, 0xffffffff };

    for (unsigned int i = 0; i < ARRAY_SIZE(leaves); i++) {
        struct cpuid_regs r = q(leaves[i], 0);
        if (r.eax | r.ebx | r.ecx | r.edx)
            fail_msg("leaf %#x is not empty", leaves[i]);
    }
}

static void test_leaf4_cores(void **state)
{
    struct cpuid_regs r;

    dom.nr_vcpus = 2;
    r = q(4, 0);
    assert_int_equal(r.eax >> 26, 1);           /* cores per package - 1 */
    assert_int_equal((r.eax >> 14) & 0xfff, 0); /* one thread shares the cache */
    assert_int_equal(r.eax & 0x3fff, 0x0121);
    r = q(4, 2);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_leaf7(void **state)
{
    struct cpuid_regs r = q(7, 0);

    assert_int_equal(r.eax, 1);                 /* max sub-leaf */
    assert_true(r.ebx & BIT(0));                /* FSGSBASE */
    assert_true(r.ebx & BIT(7));                /* SMEP */
    assert_true(r.ebx & BIT(20));               /* SMAP */
    assert_false(r.ebx & BIT(1));               /* TSC_ADJUST */
    assert_false(r.ebx & BIT(2));               /* SGX */
    assert_false(r.ebx & BIT(14));              /* MPX */
    assert_false(r.ebx & BIT(25));              /* PT */
    assert_false(r.ecx & BIT(16));              /* LA57 */
    assert_false(r.ecx & BIT(5));               /* WAITPKG */
    assert_false(r.ecx & BIT(7));               /* CET shadow stack */
    assert_false(r.ecx & BIT(22));              /* RDPID: no TSC_AUX by default */
    assert_false(r.ecx & BIT(4));               /* OSPKE: CR4.PKE clear */
    assert_true(r.ecx & BIT(3));                /* PKU */
    for (unsigned int b = 26; b < 32; b++)      /* IBRS, STIBP, L1D, ARCH_CAP, ... */
        assert_false(r.edx & BIT(b));
    assert_false(r.edx & BIT(15));              /* hybrid */
    vcpu.cr4 = X86_CR4_PKE;
    dom.flags = HVM_CPUID_TSC_AUX;
    r = q(7, 0);
    assert_true(r.ecx & BIT(4));
    assert_true(r.ecx & BIT(22));
    r = q(7, 1);
    assert_int_equal(r.eax, BIT(4) | BIT(5));
    assert_int_equal(r.ebx | r.ecx | r.edx, 0);
    r = q(7, 2);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_leafb_topology(void **state)
{
    struct cpuid_regs r;

    dom.nr_vcpus = 4;
    vcpu.vcpu_id = 3;
    r = q(0xb, 0);
    assert_int_equal(r.eax, 0);
    assert_int_equal(r.ebx, 1);
    assert_int_equal(r.ecx, 0x100);
    assert_int_equal(r.edx, 3);
    r = q(0xb, 1);
    assert_int_equal(r.eax, 2);
    assert_int_equal(r.ebx, 4);
    assert_int_equal(r.ecx, 0x201);
    assert_int_equal(r.edx, 3);
    r = q(0xb, 2);
    assert_int_equal(r.eax | r.ebx, 0);
    assert_int_equal(r.ecx, 2);
    assert_int_equal(r.edx, 3);
}

static void test_leafd_xsave(void **state)
{
    struct cpuid_regs r = q(0xd, 0);

    /* x87, SSE, AVX, AVX-512 (5-7), PKRU; not MPX (3, 4). */
    assert_int_equal(r.eax, 0x2e7);
    assert_int_equal(r.edx, 0);
    assert_int_equal(r.ebx, 576);               /* XCR0 = x87 only */
    assert_int_equal(r.ecx, 2696);              /* up to PKRU: 2688 + 8 */
    vcpu.xcr0 = 0x7;
    assert_int_equal(q(0xd, 0).ebx, 832);       /* AVX: 576 + 256 */
    vcpu.xcr0 = 0x1f;                           /* MPX bits are not allowed: ignored */
    assert_int_equal(q(0xd, 0).ebx, 832);
    r = q(0xd, 1);
    assert_int_equal(r.eax, 0x7);               /* XSAVES hidden */
    assert_int_equal(r.ecx | r.edx, 0);
    assert_int_equal(r.ebx, 832);               /* compacted x87+SSE+AVX */
    r = q(0xd, 2);
    assert_int_equal(r.eax, 256);
    assert_int_equal(r.ebx, 576);
    r = q(0xd, 3);                              /* BNDREGS */
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
    r = q(0xd, 63);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
    host_xsave = false;
    r = q(0xd, 0);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_extended(void **state)
{
    struct cpuid_regs r = q(0x80000000, 0);

    assert_int_equal(r.eax, HVM_CPUID_MAX_EXTENDED);
    r = q(0x80000001, 0);
    assert_false(r.ecx & BIT(2));               /* SVM */
    assert_false(r.ecx & BIT(3));               /* extended APIC space */
    assert_false(r.ecx & BIT(22));              /* topology extensions */
    assert_false(r.ecx & BIT(23));              /* core perf counters */
    assert_false(r.ecx & BIT(1));               /* CmpLegacy: one vCPU */
    assert_false(r.ecx & BIT(29));              /* MONITORX */
    assert_true(r.ecx & BIT(0));                /* LAHF_LM */
    assert_true(r.edx & BIT(29));               /* LM */
    assert_true(r.edx & BIT(20));               /* NX */
    assert_true(r.edx & BIT(11));               /* SYSCALL */
    assert_false(r.edx & BIT(27));              /* RDTSCP: no TSC_AUX */
    assert_false(r.edx & BIT(7));               /* MCE (mirrored) */
    dom.flags = HVM_CPUID_TSC_AUX;
    dom.nr_vcpus = 2;
    r = q(0x80000001, 0);
    assert_true(r.edx & BIT(27));
    assert_true(r.ecx & BIT(1));
    r = q(0x80000007, 0);
    assert_false(r.edx & BIT(8));               /* invariant TSC */
    r = q(0x80000008, 0);
    assert_int_equal(r.eax, 0x3028);            /* guest-physical size hidden */
    assert_int_equal(r.ecx, 0x1001);            /* 2 cores, 1 APIC id bit */
    assert_int_equal(r.ebx, BIT(0) | BIT(2) | BIT(9));
    assert_int_equal(r.edx, 0);
    host_max_ext = 0x80000004;
    assert_int_equal(q(0x80000000, 0).eax, 0x80000004);
    r = q(0x80000008, 0);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_xen_leaves(void **state)
{
    struct cpuid_regs r = q(0x40000000, 0);

    assert_int_equal(r.eax, 0x40000005);
    assert_memory_equal(&r.ebx, "XenV", 4);
    assert_memory_equal(&r.ecx, "MMXe", 4);
    assert_memory_equal(&r.edx, "nVMM", 4);
    r = q(0x40000001, 0);
    assert_int_equal(r.eax, 0x00040013);        /* 4.19 */
    r = q(0x40000002, 0);
    assert_int_equal(r.eax, 1);
    assert_int_equal(r.ebx, 0x40000000);
    assert_int_equal(r.ecx | r.edx, 0);
    dom.nr_vcpus = 2;
    vcpu.vcpu_id = 1;
    r = q(0x40000004, 0);
    assert_int_equal(r.eax, XEN_HVM_CPUID_X2APIC_VIRT | XEN_HVM_CPUID_VCPU_ID_PRESENT |
                            XEN_HVM_CPUID_DOMID_PRESENT);
    assert_int_equal(r.ebx, 1);
    assert_int_equal(r.ecx, 7);
    assert_int_equal(r.edx, 0);
    r = q(0x40000004, 1);
    assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
    dom.flags = HVM_CPUID_UPCALL_VECTOR;
    assert_true(q(0x40000004, 0).eax & XEN_HVM_CPUID_UPCALL_VECTOR);
}

static void test_xen_tsc_leaf(void **state)
{
    struct cpuid_regs r = q(0x40000003, 0);

    assert_int_equal(r.eax, 0);                 /* not emulated, not reliable, no RDTSCP */
    assert_int_equal(r.ebx, XEN_CPUID_TSC_MODE_DEFAULT);
    assert_int_equal(r.ecx, 2596201);
    dom.flags = HVM_CPUID_TSC_RELIABLE | HVM_CPUID_TSC_AUX;
    assert_int_equal(q(0x40000003, 0).eax,
                     XEN_CPUID_HOST_TSC_RELIABLE | XEN_CPUID_RDTSCP_INSTR_AVAIL);
    r = q(0x40000003, 1);
    assert_int_equal(r.eax | r.ebx, 0);
    assert_int_equal(r.ecx, 0xc5a1f3b2);
    assert_int_equal((int32_t)r.edx, -1);
    assert_int_equal(q(0x40000003, 2).eax, 2596201);
}

/* Linux's xen_cpuid_base(): the first 0x100 step with the signature and eax >= base + 2. */
static void test_linux_finds_xen(void **state)
{
    uint32_t found = 0;

    for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
        struct cpuid_regs r = q(base, 0);
        if (r.ebx == XEN_CPUID_SIGNATURE_EBX && r.ecx == XEN_CPUID_SIGNATURE_ECX &&
            r.edx == XEN_CPUID_SIGNATURE_EDX && r.eax - base >= 2) {
            found = base;
            break;
        }
    }
    assert_int_equal(found, 0x40000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_leaf0_caps_basic_range, setup),
        cmocka_unit_test_setup(test_leaf1_features, setup),
        cmocka_unit_test_setup(test_leaf1_dynamic_bits, setup),
        cmocka_unit_test_setup(test_leaf1_topology, setup),
        cmocka_unit_test_setup(test_hidden_leaves, setup),
        cmocka_unit_test_setup(test_leaf4_cores, setup),
        cmocka_unit_test_setup(test_leaf7, setup),
        cmocka_unit_test_setup(test_leafb_topology, setup),
        cmocka_unit_test_setup(test_leafd_xsave, setup),
        cmocka_unit_test_setup(test_extended, setup),
        cmocka_unit_test_setup(test_xen_leaves, setup),
        cmocka_unit_test_setup(test_xen_tsc_leaf, setup),
        cmocka_unit_test_setup(test_linux_finds_xen, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
