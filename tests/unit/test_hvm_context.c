/*
 * XEN_DOMCTL_sethvmcontext's records: a context as Xen's toolstack writes
 * it for a PVH vCPU 0 is accepted and handed over whole; every malformed
 * buffer and every state SVM could not enter is refused before anything
 * is applied.
 * SOURCES: hypervisor/arch/x86/hvm/hvm_context.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/errno.h>
#include <hvm/hvm_context.h>

static uint8_t buf[4096];
static unsigned int applied, checked;
static struct hvm_hw_cpu last;

static int check_ok(void *ctx, unsigned int vcpu, const struct hvm_hw_cpu *c)
{
    checked++;
    return 0;
}

static int check_busy(void *ctx, unsigned int vcpu, const struct hvm_hw_cpu *c)
{
    return vcpu == 1 ? -EEXIST : 0;
}

static int apply(void *ctx, unsigned int vcpu, const struct hvm_hw_cpu *c)
{
    applied |= 1U << vcpu;
    last = *c;
    return 0;
}

static size_t put(size_t off, uint16_t code, uint16_t inst, const void *data, uint32_t len)
{
    struct hvm_save_descriptor d = { code, inst, len };

    memcpy(buf + off, &d, sizeof(d));
    if (len)
        memcpy(buf + off + sizeof(d), data, len);
    return off + sizeof(d) + len;
}

/* The PVH start state libxc's vcpu_hvm writes. */
static void pvh_cpu(struct hvm_hw_cpu *c)
{
    memset(c, 0, sizeof(*c));
    c->rip = 0x1000000;
    c->rbx = 0x6000;
    c->rflags = 2;
    c->cr0 = 0x11;
    c->cs_limit = c->ds_limit = c->es_limit = c->ss_limit = ~0U;
    c->cs_arbytes = 0xc9b;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = 0xc93;
    c->tr_arbytes = 0x8b;
    c->tr_limit = 0x67;
}

static size_t image(const struct hvm_hw_cpu *c, uint16_t vcpu, uint32_t cpu_len)
{
    struct hvm_save_header h = { HVM_FILE_MAGIC, HVM_FILE_VERSION, 0, 0, 0 };
    size_t off = put(0, HVM_SAVE_CODE_HEADER, 0, &h, sizeof(h));

    off = put(off, HVM_SAVE_CODE_CPU, vcpu, c, cpu_len);
    return put(off, HVM_SAVE_CODE_END, 0, NULL, 0);
}

static int load(size_t size)
{
    applied = checked = 0;
    return hvm_context_load(buf, size, 2, check_ok, apply, NULL);
}

static void test_pvh_start_state(void **state)
{
    struct hvm_hw_cpu c;

    pvh_cpu(&c);
    assert_int_equal(hvm_cpu_check(&c), 0);
    assert_int_equal(load(image(&c, 0, sizeof(c))), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(checked, 1);
    assert_int_equal(last.rip, 0x1000000);
    assert_int_equal(last.rbx, 0x6000);
    /* An older, shorter CPU record is zero-extended. */
    c.vmx.pending_dbg = 7;
    assert_int_equal(load(image(&c, 1, HVM_HW_CPU_SIZE_4_7)), 0);
    assert_int_equal(applied, 2);
    assert_int_equal(last.vmx.pending_dbg, 0);
}

static void test_malformed_buffers(void **state)
{
    struct hvm_hw_cpu c;
    size_t n;

    pvh_cpu(&c);
    n = image(&c, 0, sizeof(c));
    for (size_t cut = 0; cut < n; cut += 7)
        assert_int_equal(load(cut), -EINVAL);
    assert_int_equal(applied, 0);
    assert_int_equal(load(image(&c, 2, sizeof(c))), -EINVAL);          /* no such vCPU */
    assert_int_equal(load(image(&c, 0, sizeof(c) - 8)), -EINVAL);      /* odd length */
    n = image(&c, 0, sizeof(c));
    buf[0] = HVM_SAVE_CODE_CPU;                                        /* no header first */
    assert_int_equal(load(n), -EINVAL);
    n = image(&c, 0, sizeof(c));
    buf[sizeof(struct hvm_save_descriptor)] ^= 1;                      /* magic */
    assert_int_equal(load(n), -EINVAL);
    n = image(&c, 0, sizeof(c));
    n = put(n, HVM_SAVE_CODE_END, 0, NULL, 0);                         /* after END */
    assert_int_equal(load(n), -EINVAL);
    {   /* the same vCPU twice */
        struct hvm_save_header h = { HVM_FILE_MAGIC, HVM_FILE_VERSION, 0, 0, 0 };
        size_t off = put(0, HVM_SAVE_CODE_HEADER, 0, &h, sizeof(h));
        off = put(off, HVM_SAVE_CODE_CPU, 0, &c, sizeof(c));
        off = put(off, HVM_SAVE_CODE_CPU, 0, &c, sizeof(c));
        assert_int_equal(load(put(off, HVM_SAVE_CODE_END, 0, NULL, 0)), -EINVAL);
        /* a record Sable keeps no state for */
        off = put(0, HVM_SAVE_CODE_HEADER, 0, &h, sizeof(h));
        off = put(off, HVM_SAVE_CODE_MTRR, 0, &c, 64);
        assert_int_equal(load(put(off, HVM_SAVE_CODE_END, 0, NULL, 0)), -EOPNOTSUPP);
        /* a refusal by check applies nothing, even to the vCPUs before */
        off = put(0, HVM_SAVE_CODE_HEADER, 0, &h, sizeof(h));
        off = put(off, HVM_SAVE_CODE_CPU, 0, &c, sizeof(c));
        off = put(off, HVM_SAVE_CODE_CPU, 1, &c, sizeof(c));
        off = put(off, HVM_SAVE_CODE_END, 0, NULL, 0);
        applied = 0;
        assert_int_equal(hvm_context_load(buf, off, 2, check_busy, apply, NULL), -EEXIST);
        assert_int_equal(applied, 0);
    }
    assert_int_equal(applied, 0);
}

static void test_states_svm_refuses(void **state)
{
    static const struct { const char *what; size_t off; uint64_t value; } bad[] = {
        { "cr0 high", offsetof(struct hvm_hw_cpu, cr0), 1ULL << 32 | 0x11 },
        { "cr0 NW without CD", offsetof(struct hvm_hw_cpu, cr0), 0x20000011 },
        { "cr0 PG without PE", offsetof(struct hvm_hw_cpu, cr0), 0x80000010 },
        { "cr4 reserved", offsetof(struct hvm_hw_cpu, cr4), 1ULL << 30 },
        { "efer reserved", offsetof(struct hvm_hw_cpu, msr_efer), 1ULL << 3 },
        { "efer LMA without paging", offsetof(struct hvm_hw_cpu, msr_efer), 0x500 },
        { "rflags VM", offsetof(struct hvm_hw_cpu, rflags), 0x20002 },
        { "rflags bit 1 clear", offsetof(struct hvm_hw_cpu, rflags), 0 },
        { "rip above 4 GiB outside long mode", offsetof(struct hvm_hw_cpu, rip), 1ULL << 32 },
        { "fs base not canonical", offsetof(struct hvm_hw_cpu, fs_base), 1ULL << 60 },
        { "dr7 high", offsetof(struct hvm_hw_cpu, dr7), 1ULL << 40 },
        { "cr3 reserved", offsetof(struct hvm_hw_cpu, cr3), 1ULL << 60 },
    };
    struct hvm_hw_cpu c;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        pvh_cpu(&c);
        memcpy((uint8_t *)&c + bad[i].off, &bad[i].value, 8);
        if (hvm_cpu_check(&c) != -EINVAL)
            fail_msg("%s accepted", bad[i].what);
        assert_int_equal(load(image(&c, 0, sizeof(c))), -EINVAL);
    }
    pvh_cpu(&c);
    c.cs_arbytes |= 1U << 9;                /* L with D */
    assert_int_equal(hvm_cpu_check(&c), -EINVAL);
    pvh_cpu(&c);
    c.pending_event = 1U << 31;
    assert_int_equal(hvm_cpu_check(&c), -EINVAL);
    pvh_cpu(&c);
    c.flags = XEN_X86_FPU_INITIALISED;
    assert_int_equal(hvm_cpu_check(&c), -EOPNOTSUPP);
    /* Long mode with paging is fine. */
    pvh_cpu(&c);
    c.cr0 = 0x80000011;
    c.cr4 = 0x20;
    c.msr_efer = 0x500;
    c.cs_arbytes = 0xa9b;
    c.rip = 0xffffffff81000000ULL;
    assert_int_equal(hvm_cpu_check(&c), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pvh_start_state),
        cmocka_unit_test(test_malformed_buffers),
        cmocka_unit_test(test_states_svm_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
