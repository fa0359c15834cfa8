/*
 * Virtual local APIC with simulated time: APIC base mode transitions, the
 * x2APIC MSR and xAPIC MMIO register interfaces and their faults, IRR/ISR/
 * PPR priority logic, the one-shot, periodic and TSC-deadline timer, and
 * IPIs routed across a four-vCPU domain the way the SVM side does it.
 * SOURCES: hypervisor/arch/x86/hvm/vlapic.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/errno.h>
#include <asm/processor.h>
#include <hvm/vlapic.h>

#define NR 4
#define BASE_EN_XAPIC (VLAPIC_DEFAULT_BASE | APIC_BASE_EN)
#define BASE_X2APIC   (BASE_EN_XAPIC | APIC_BASE_EXTD)

static struct vlapic lapics[NR];
static uint64_t now;                    /* simulated time, ns */
static uint64_t armed[NR];              /* last set_timer deadline per vLAPIC */
static int kicks[NR];
/* IPIs the owner had to act on itself (not fixed). */
static struct { unsigned int to; uint8_t delivery, vector; } acts[16];
static int nacts, nsent;

static unsigned int idx(const struct vlapic *l) { return (unsigned int)(l - lapics); }

static uint64_t fake_now(struct vlapic *l) { return now; }
static void fake_set_timer(struct vlapic *l, uint64_t d) { armed[idx(l)] = d; }
static uint64_t fake_tsc_to_ns(struct vlapic *l, uint64_t tsc) { return tsc / 2; }  /* 2 GHz */
static void fake_kick(struct vlapic *l) { kicks[idx(l)]++; }

/* The owner's routing, as the SVM side does it (lowest priority: first match). */
static void fake_send_ipi(struct vlapic *src, const struct vlapic_ipi *ipi)
{
    nsent++;
    for (unsigned int i = 0; i < NR; i++) {
        if (!vlapic_ipi_match(&lapics[i], ipi))
            continue;
        if (ipi->delivery == VLAPIC_DM_FIXED || ipi->delivery == VLAPIC_DM_LOWEST) {
            vlapic_set_irq(&lapics[i], ipi->vector, ipi->level_trigger);
            if (ipi->delivery == VLAPIC_DM_LOWEST)
                return;
        } else {
            assert_true(nacts < (int)ARRAY_SIZE(acts));
            acts[nacts].to = i;
            acts[nacts].delivery = ipi->delivery;
            acts[nacts++].vector = ipi->vector;
        }
    }
}

static const struct vlapic_ops ops = {
    .now_ns = fake_now, .set_timer = fake_set_timer, .tsc_to_ns = fake_tsc_to_ns,
    .send_ipi = fake_send_ipi, .kick = fake_kick,
};

static int setup(void **state)
{
    now = 1000;
    nacts = nsent = 0;
    for (unsigned int i = 0; i < NR; i++) {
        armed[i] = 0;
        kicks[i] = 0;
        vlapic_init(&lapics[i], i, i == 0, &ops, NULL);
    }
    return 0;
}

static uint32_t mmio_rd(struct vlapic *l, uint32_t off)
{
    uint64_t v;

    assert_int_equal(vlapic_mmio_read(l, off, 4, &v), 0);
    return (uint32_t)v;
}

static void mmio_wr(struct vlapic *l, uint32_t off, uint32_t v)
{
    assert_int_equal(vlapic_mmio_write(l, off, 4, v), 0);
}

static uint64_t msr_rd(struct vlapic *l, uint32_t msr)
{
    uint64_t v;

    assert_int_equal(vlapic_msr_read(l, msr, &v), 0);
    return v;
}

static void msr_wr(struct vlapic *l, uint32_t msr, uint64_t v)
{
    assert_int_equal(vlapic_msr_write(l, msr, v), 0);
}

static void to_x2apic(struct vlapic *l)
{
    assert_int_equal(vlapic_base_write(l, BASE_X2APIC), 0);
}

/* Software-enable with spurious vector 0xff. */
static void enable_all_x2apic(void)
{
    for (unsigned int i = 0; i < NR; i++) {
        to_x2apic(&lapics[i]);
        msr_wr(&lapics[i], 0x80f, 0x1ff);
    }
}

static void enable_all_xapic(void)
{
    for (unsigned int i = 0; i < NR; i++)
        mmio_wr(&lapics[i], APIC_SVR, 0x1ff);
}

static void test_power_on_state(void **state)
{
    struct vlapic *bsp = &lapics[0], *ap = &lapics[2];

    assert_int_equal(vlapic_mode(bsp), VLAPIC_MODE_XAPIC);
    assert_int_equal(vlapic_base_read(bsp), BASE_EN_XAPIC | APIC_BASE_BSP);
    assert_int_equal(vlapic_base_read(ap), BASE_EN_XAPIC);
    assert_false(vlapic_enabled(bsp));          /* software-disabled */
    assert_int_equal(mmio_rd(ap, APIC_ID), 2u << 24);
    assert_int_equal(mmio_rd(ap, APIC_LVR), VLAPIC_VERSION);
    assert_int_equal(mmio_rd(ap, APIC_SVR), 0xff);
    assert_int_equal(mmio_rd(ap, APIC_DFR), 0xffffffff);
    for (uint32_t off = APIC_LVT_TIMER; off <= APIC_LVT_ERROR; off += 0x10)
        assert_int_equal(mmio_rd(ap, off), APIC_LVT_MASKED);
}

static void test_base_transitions(void **state)
{
    struct vlapic *l = &lapics[1];

    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC | (1u << 9)), -EINVAL);
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC | 1), -EINVAL);
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC | (1ULL << 52)), -EINVAL);
    assert_int_equal(vlapic_base_write(l, 0xfec00000 | APIC_BASE_EN), 0);   /* moved */
    assert_int_equal(vlapic_base_read(l) & APIC_BASE_ADDR, 0xfec00000);
    assert_int_equal(mmio_rd(l, APIC_ID), 1u << 24);  /* same registers, new place */
    assert_int_equal(vlapic_base_write(l, VLAPIC_DEFAULT_BASE | APIC_BASE_EXTD), -EINVAL);
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC | APIC_BASE_BSP), 0);
    assert_int_equal(vlapic_base_read(l), BASE_EN_XAPIC);   /* BSP bit is ours */
    to_x2apic(l);
    assert_int_equal(vlapic_mode(l), VLAPIC_MODE_X2APIC);
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC), -EINVAL);    /* x2APIC -> xAPIC */
    assert_int_equal(vlapic_mode(l), VLAPIC_MODE_X2APIC);
    assert_int_equal(vlapic_base_write(l, VLAPIC_DEFAULT_BASE), 0);   /* -> disabled */
    assert_int_equal(vlapic_mode(l), VLAPIC_MODE_DISABLED);
    assert_int_equal(vlapic_base_write(l, BASE_X2APIC), -EINVAL);     /* disabled -> x2APIC */
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC), 0);
    to_x2apic(l);
    to_x2apic(l);                                                    /* no change is fine */
}

/*
 * One register file, two formats: the xAPIC ID is in bits 31:24 and LDR
 * and DFR are the guest's, the ICR is two 32-bit halves (ICR2 holds the
 * destination in bits 31:24); in x2APIC mode the ID is 32 bits, LDR is
 * derived from it, DFR and ICR2 do not exist and the ICR is one 64-bit
 * MSR. Going to x2APIC forgets the old ICR2.
 */
static void test_register_formats_by_mode(void **state)
{
    struct vlapic *l = &lapics[3];
    uint64_t v;

    enable_all_xapic();
    assert_int_equal(mmio_rd(l, APIC_ID), 3u << 24);
    mmio_wr(l, APIC_LDR, 0x80000000);
    mmio_wr(l, APIC_ICR2, 0x02000000);
    assert_int_equal(mmio_rd(l, APIC_ICR2), 0x02000000);
    mmio_wr(l, APIC_ICR, 0x60);
    assert_int_equal(vlapic_pending(&lapics[2]), 0x60);
    assert_int_equal(mmio_rd(l, APIC_ICR), 0x60);
    to_x2apic(l);
    assert_int_equal(msr_rd(l, 0x802), 3);
    assert_int_equal(msr_rd(l, 0x80d), 1u << 3);             /* cluster 0, bit 3 */
    assert_int_equal(vlapic_msr_read(l, 0x80e, &v), -EINVAL);  /* no DFR */
    assert_int_equal(vlapic_msr_read(l, 0x831, &v), -EINVAL);  /* no ICR2 */
    assert_int_equal(msr_rd(l, 0x830) >> 32, 0);              /* ICR2 forgotten */
    msr_wr(l, 0x830, (1ULL << 32) | 0x61);
    assert_int_equal(msr_rd(l, 0x830), (1ULL << 32) | 0x61);
    assert_int_equal(vlapic_pending(&lapics[1]), 0x61);
    assert_int_equal(vlapic_mmio_read(l, APIC_ID, 4, &v), -ENODEV);   /* page gone */
    assert_int_equal(vlapic_mmio_write(l, APIC_TPR, 4, 0x10), -ENODEV);
}

static void test_x2apic_msrs_need_x2apic_mode(void **state)
{
    struct vlapic *l = &lapics[3];
    uint64_t v;

    assert_true(vlapic_is_msr(0x802));
    assert_true(vlapic_is_msr(MSR_TSC_DEADLINE));
    assert_false(vlapic_is_msr(0x900));
    assert_int_equal(vlapic_msr_read(l, 0x802, &v), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x808, 0), -EINVAL);
    to_x2apic(l);
    assert_int_equal(msr_rd(l, 0x802), 3);
    assert_int_equal(msr_rd(l, 0x803), VLAPIC_VERSION);
    assert_int_equal(msr_rd(l, 0x80d), 0x8);            /* cluster 0, bit 3 */
    lapics[2].id = 0x23;
    to_x2apic(&lapics[2]);
    assert_int_equal(msr_rd(&lapics[2], 0x80d), 0x20008);
    uint64_t dummy;
    assert_int_equal(vlapic_mmio_read(l, APIC_ID, 4, &dummy), -ENODEV);
    assert_int_equal(vlapic_mmio_write(l, APIC_TPR, 4, 0), -ENODEV);
}

static void test_x2apic_faults(void **state)
{
    static const uint32_t readonly[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818,
                                         0x820, 0x827, 0x839 };
    static const uint32_t absent[] = { 0x800, 0x804, 0x809, 0x80c, 0x80e, 0x829, 0x82f,
                                       0x831, 0x83a, 0x840, 0x8ff };
    struct vlapic *l = &lapics[0];
    uint64_t v;

    to_x2apic(l);
    for (unsigned int i = 0; i < ARRAY_SIZE(readonly); i++) {
        assert_int_equal(vlapic_msr_write(l, readonly[i], 0), -EINVAL);
        assert_int_equal(vlapic_msr_read(l, readonly[i], &v), 0);
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(absent); i++) {
        assert_int_equal(vlapic_msr_read(l, absent[i], &v), -EINVAL);
        assert_int_equal(vlapic_msr_write(l, absent[i], 0), -EINVAL);
    }
    assert_int_equal(vlapic_msr_read(l, 0x80b, &v), -EINVAL);     /* EOI: write-only */
    assert_int_equal(vlapic_msr_read(l, 0x83f, &v), -EINVAL);     /* SELF_IPI */
    /* Reserved bits: refused whole, nothing changes. */
    assert_int_equal(vlapic_msr_write(l, 0x808, 0x100), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x808, 1ULL << 32), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x80f, 0x11ff), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x80b, 1), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x828, 1), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x83f, 0x130), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x832, 3u << 17), -EINVAL);  /* timer mode 3 */
    assert_int_equal(vlapic_msr_write(l, 0x832, 1u << 20), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x837, 0x700), -EINVAL);     /* error LVT: no DM */
    assert_int_equal(vlapic_msr_write(l, 0x83e, 0x4), -EINVAL);
    assert_int_equal(vlapic_msr_write(l, 0x830, 1u << 13), -EINVAL);
    assert_int_equal(msr_rd(l, 0x808), 0);
    assert_int_equal(msr_rd(l, 0x80f), 0xff);
    assert_int_equal(msr_rd(l, 0x832), APIC_LVT_MASKED);
    assert_int_equal(nsent, 0);
    /* And the good forms work. */
    msr_wr(l, 0x808, 0x20);
    assert_int_equal(msr_rd(l, 0x808), 0x20);
    msr_wr(l, 0x80f, 0x1ff);
    msr_wr(l, 0x835, 0x1a7ff & ~APIC_LVT_MASKED);
    assert_int_equal(msr_rd(l, 0x835), 0x0a7ff);
}

static void test_xapic_mmio(void **state)
{
    struct vlapic *l = &lapics[1];
    uint64_t v;

    mmio_wr(l, APIC_TPR, 0x12345);                  /* reserved bits masked */
    assert_int_equal(mmio_rd(l, APIC_TPR), 0x45);
    assert_int_equal(vlapic_mmio_read(l, APIC_ID + 3, 1, &v), 0);
    assert_int_equal(v, 1);                         /* byte 3 of ID = id */
    assert_int_equal(vlapic_mmio_read(l, APIC_ID + 4, 4, &v), 0);
    assert_int_equal(v, 0);                         /* padding */
    assert_int_equal(vlapic_mmio_read(l, APIC_LVR, 2, &v), 0);
    assert_int_equal(v, 0x14);
    mmio_wr(l, APIC_ID, 0x7f000000);                /* read-only: ignored */
    assert_int_equal(mmio_rd(l, APIC_ID), 1u << 24);
    assert_int_equal(vlapic_mmio_write(l, APIC_TPR, 1, 0x80), 0);  /* byte write: ignored */
    assert_int_equal(vlapic_mmio_write(l, APIC_TPR + 4, 4, 0x80), 0);
    assert_int_equal(mmio_rd(l, APIC_TPR), 0x45);
    mmio_wr(l, APIC_LDR, 0x03ffffff);
    assert_int_equal(mmio_rd(l, APIC_LDR), 0x03000000);
    mmio_wr(l, APIC_DFR, 0x0);
    assert_int_equal(mmio_rd(l, APIC_DFR), 0x0fffffff);
    /* A write to no register is an illegal register address error. */
    mmio_wr(l, 0x3f0, 0x30);                        /* SELF_IPI is x2APIC only */
    mmio_wr(l, APIC_ESR, 0);
    assert_int_equal(mmio_rd(l, APIC_ESR), 1u << 7);
    mmio_wr(l, APIC_ESR, 0);
    assert_int_equal(mmio_rd(l, APIC_ESR), 0);
}

static void test_priorities(void **state)
{
    struct vlapic *l = &lapics[0];

    assert_false(vlapic_set_irq(l, 0x30, false));  /* software-disabled: dropped */
    assert_int_equal(vlapic_pending(l), -1);
    mmio_wr(l, APIC_SVR, 0x1ff);
    assert_true(vlapic_enabled(l));
    assert_true(vlapic_set_irq(l, 0x30, false));
    assert_true(vlapic_set_irq(l, 0x50, true));
    assert_int_equal(kicks[0], 2);
    assert_true(vlapic_set_irq(l, 0x50, true));    /* already pending: no kick */
    assert_int_equal(kicks[0], 2);
    assert_int_equal(mmio_rd(l, APIC_IRR + 0x10), 1u << 16);     /* 0x30 */
    assert_int_equal(mmio_rd(l, APIC_IRR + 0x20), 1u << 16);     /* 0x50 */
    assert_int_equal(mmio_rd(l, APIC_TMR + 0x20), 1u << 16);
    assert_int_equal(vlapic_pending(l), 0x50);
    vlapic_set_tpr(l, 0x50);                        /* same class: masked */
    assert_int_equal(vlapic_pending(l), -1);
    assert_int_equal(vlapic_ppr(l), 0x50);
    vlapic_set_tpr(l, 0x4f);
    assert_int_equal(vlapic_pending(l), 0x50);
    vlapic_set_tpr(l, 0);
    vlapic_ack(l, 0x50);
    assert_int_equal(mmio_rd(l, APIC_ISR + 0x20), 1u << 16);
    assert_int_equal(vlapic_ppr(l), 0x50);
    assert_int_equal(vlapic_pending(l), -1);        /* 0x30 is below the in-service class */
    assert_true(vlapic_set_irq(l, 0x80, false));
    assert_int_equal(vlapic_pending(l), 0x80);      /* nests above it */
    vlapic_ack(l, 0x80);
    mmio_wr(l, APIC_EOI, 0);                        /* ends 0x80, the highest */
    assert_int_equal(mmio_rd(l, APIC_ISR + 0x40), 0);
    assert_int_equal(mmio_rd(l, APIC_ISR + 0x20), 1u << 16);
    mmio_wr(l, APIC_EOI, 0);
    assert_int_equal(mmio_rd(l, APIC_TMR + 0x20), 0);   /* level EOI clears TMR */
    assert_int_equal(vlapic_ppr(l), 0);
    assert_int_equal(vlapic_pending(l), 0x30);
    mmio_wr(l, APIC_EOI, 0);                        /* nothing in service: harmless */
    assert_int_equal(vlapic_pending(l), 0x30);
}

static void test_illegal_vector(void **state)
{
    struct vlapic *l = &lapics[0];

    mmio_wr(l, APIC_SVR, 0x1ff);
    mmio_wr(l, APIC_LVT_ERROR, 0xfe);
    assert_false(vlapic_set_irq(l, 15, false));
    assert_int_equal(vlapic_pending(l), 0xfe);      /* the error interrupt */
    mmio_wr(l, APIC_ESR, 0);
    assert_int_equal(mmio_rd(l, APIC_ESR), 1u << 6);
}

static void test_software_disable_masks_lvts(void **state)
{
    struct vlapic *l = &lapics[0];

    mmio_wr(l, APIC_LVT_LINT0, 0x700);              /* disabled: stays masked */
    assert_int_equal(mmio_rd(l, APIC_LVT_LINT0), 0x10700);
    mmio_wr(l, APIC_SVR, 0x1ff);
    mmio_wr(l, APIC_LVT_LINT0, 0x700);
    mmio_wr(l, APIC_LVT_TIMER, 0xec);
    assert_int_equal(mmio_rd(l, APIC_LVT_LINT0), 0x700);
    mmio_wr(l, APIC_SVR, 0xff);
    assert_int_equal(mmio_rd(l, APIC_LVT_LINT0), 0x10700);
    assert_int_equal(mmio_rd(l, APIC_LVT_TIMER), 0x100ec);
}

static void test_timer_oneshot(void **state)
{
    struct vlapic *l = &lapics[0];

    mmio_wr(l, APIC_SVR, 0x1ff);
    mmio_wr(l, APIC_TDCR, APIC_TDCR_DIV1);
    mmio_wr(l, APIC_LVT_TIMER, 0xec);
    now = 5000;
    mmio_wr(l, APIC_TMICT, 1000);
    assert_int_equal(armed[0], 6000);
    now = 5400;
    assert_int_equal(mmio_rd(l, APIC_TMCCT), 600);
    now = 5999;
    vlapic_timer_expired(l);                        /* early: nothing */
    assert_int_equal(vlapic_pending(l), -1);
    now = 6000;
    vlapic_timer_expired(l);
    assert_int_equal(vlapic_pending(l), 0xec);
    assert_int_equal(mmio_rd(l, APIC_TMCCT), 0);
    assert_int_equal(mmio_rd(l, APIC_TMICT), 1000);
    armed[0] = 0;
    now = 7000;
    vlapic_timer_expired(l);                        /* one-shot: not re-armed */
    assert_int_equal(armed[0], 0);
    /* Divide by 16: 100 counts are 1600 ns. */
    mmio_wr(l, APIC_TDCR, 0x3);
    mmio_wr(l, APIC_TMICT, 100);
    assert_int_equal(armed[0], 8600);
    now = 7800;
    assert_int_equal(mmio_rd(l, APIC_TMCCT), 50);
    mmio_wr(l, APIC_TMICT, 0);                      /* stops */
    assert_int_equal(armed[0], 0);
    assert_int_equal(mmio_rd(l, APIC_TMCCT), 0);
}

static void test_timer_periodic(void **state)
{
    struct vlapic *l = &lapics[1];

    to_x2apic(l);
    msr_wr(l, 0x80f, 0x1ff);
    msr_wr(l, 0x83e, APIC_TDCR_DIV1);
    msr_wr(l, 0x832, (1u << 17) | 0xef);
    now = 0;
    msr_wr(l, 0x838, 1000);
    assert_int_equal(armed[1], 1000);
    now = 1000;
    vlapic_timer_expired(l);
    assert_int_equal(vlapic_pending(l), 0xef);
    assert_int_equal(armed[1], 2000);
    vlapic_ack(l, 0xef);
    msr_wr(l, 0x80b, 0);
    now = 2500;
    assert_int_equal(msr_rd(l, 0x839), 500);
    now = 5500;                                     /* three periods late */
    vlapic_timer_expired(l);
    assert_int_equal(armed[1], 6000);               /* next boundary, not a burst */
    assert_int_equal(vlapic_pending(l), 0xef);
    vlapic_ack(l, 0xef);
    msr_wr(l, 0x80b, 0);
    msr_wr(l, 0x832, (1u << 17) | APIC_LVT_MASKED | 0xef);
    now = 6000;
    vlapic_timer_expired(l);                        /* masked: counts, no interrupt */
    assert_int_equal(vlapic_pending(l), -1);
    assert_int_equal(armed[1], 7000);
}

static void test_timer_tsc_deadline(void **state)
{
    struct vlapic *l = &lapics[2];

    to_x2apic(l);
    msr_wr(l, 0x80f, 0x1ff);
    msr_wr(l, MSR_TSC_DEADLINE, 4000);              /* one-shot mode: ignored */
    assert_int_equal(msr_rd(l, MSR_TSC_DEADLINE), 0);
    assert_int_equal(armed[2], 0);
    msr_wr(l, 0x832, APIC_TIMER_DEADLINE | 0xee);
    msr_wr(l, 0x838, 500);                          /* TMICT ignored in this mode */
    assert_int_equal(armed[2], 0);
    assert_int_equal(msr_rd(l, 0x838), 0);
    msr_wr(l, MSR_TSC_DEADLINE, 4000);
    assert_int_equal(msr_rd(l, MSR_TSC_DEADLINE), 4000);
    assert_int_equal(armed[2], 2000);               /* tsc_to_ns */
    now = 2000;
    vlapic_timer_expired(l);
    assert_int_equal(vlapic_pending(l), 0xee);
    assert_int_equal(msr_rd(l, MSR_TSC_DEADLINE), 0);
    msr_wr(l, MSR_TSC_DEADLINE, 10000);
    msr_wr(l, MSR_TSC_DEADLINE, 0);                 /* disarm */
    assert_int_equal(armed[2], 0);
    msr_wr(l, MSR_TSC_DEADLINE, 10000);
    msr_wr(l, 0x832, 0xee);                         /* mode change disarms */
    assert_int_equal(armed[2], 0);
    assert_int_equal(msr_rd(l, MSR_TSC_DEADLINE), 0);
    msr_wr(l, MSR_TSC_DEADLINE, 1);                 /* a deadline at time 0 is still armed */
    assert_int_equal(armed[2], 0);
    msr_wr(l, 0x832, APIC_TIMER_DEADLINE | 0xee);
    msr_wr(l, MSR_TSC_DEADLINE, 1);
    assert_int_equal(armed[2], 1);
}

static int pending_count(uint8_t vector)
{
    int n = 0;

    for (unsigned int i = 0; i < NR; i++)
        n += vlapic_pending(&lapics[i]) == vector;
    return n;
}

static void test_xapic_ipis(void **state)
{
    struct vlapic *src = &lapics[0];

    enable_all_xapic();
    mmio_wr(src, APIC_ICR2, 2u << 24);
    mmio_wr(src, APIC_ICR, 0x40);                   /* fixed, physical, dest 2 */
    assert_int_equal(vlapic_pending(&lapics[2]), 0x40);
    assert_int_equal(pending_count(0x40), 1);
    assert_int_equal(mmio_rd(src, APIC_ICR) & APIC_ICR_BUSY, 0);
    mmio_wr(src, APIC_ICR2, 0xffu << 24);
    mmio_wr(src, APIC_ICR, 0x41);                   /* physical broadcast */
    assert_int_equal(pending_count(0x41), NR);
    mmio_wr(src, APIC_ICR, APIC_ICR_ALLBUTSELF | 0x42);
    assert_int_equal(pending_count(0x42), NR - 1);
    assert_int_equal(vlapic_pending(src), 0x41);
    nsent = 0;
    mmio_wr(src, APIC_ICR, (1u << 18) | 0x43);      /* self: no owner involved */
    assert_int_equal(nsent, 0);
    assert_int_equal(vlapic_pending(src), 0x43);
    /* Logical flat: CPUs 1 and 2 have bits 1 and 2. */
    for (unsigned int i = 0; i < NR; i++)
        mmio_wr(&lapics[i], APIC_LDR, (1u << i) << 24);
    mmio_wr(src, APIC_ICR2, 0x06u << 24);
    mmio_wr(src, APIC_ICR, (1u << 11) | 0x44);
    assert_int_equal(pending_count(0x44), 2);
    assert_int_equal(vlapic_pending(&lapics[3]), 0x42);
    /* Logical cluster: cluster 1, members 0x3 -> LDR 0x11, 0x12. */
    for (unsigned int i = 0; i < NR; i++) {
        mmio_wr(&lapics[i], APIC_DFR, 0x0fffffff);
        mmio_wr(&lapics[i], APIC_LDR, (i < 2 ? 0x11u + i : 0x21u) << 24);
    }
    mmio_wr(src, APIC_ICR2, 0x13u << 24);
    mmio_wr(src, APIC_ICR, (1u << 11) | 0x45);
    assert_int_equal(pending_count(0x45), 2);
    assert_int_equal(vlapic_pending(&lapics[2]), 0x44);
    /* Lowest priority reaches one target only. */
    mmio_wr(src, APIC_ICR2, 0xffu << 24);
    mmio_wr(src, APIC_ICR, (1u << 8) | 0x46);
    assert_int_equal(pending_count(0x46), 1);
}

static void test_x2apic_ipis(void **state)
{
    struct vlapic *src = &lapics[1];

    enable_all_x2apic();
    msr_wr(src, 0x830, (3ULL << 32) | 0x50);        /* physical dest 3 */
    assert_int_equal(vlapic_pending(&lapics[3]), 0x50);
    assert_int_equal(pending_count(0x50), 1);
    assert_int_equal(msr_rd(src, 0x830), (3ULL << 32) | 0x50);
    msr_wr(src, 0x830, (0x5ULL << 32) | (1u << 11) | 0x51);   /* cluster 0, ids 0, 2 */
    assert_int_equal(vlapic_pending(&lapics[0]), 0x51);
    assert_int_equal(vlapic_pending(&lapics[2]), 0x51);
    assert_int_equal(pending_count(0x51), 2);
    msr_wr(src, 0x830, (0x10005ULL << 32) | (1u << 11) | 0x52);   /* cluster 1: nobody */
    assert_int_equal(pending_count(0x52), 0);
    msr_wr(src, 0x830, (0xffffffffULL << 32) | 0x53);
    assert_int_equal(pending_count(0x53), NR);
    nsent = 0;
    msr_wr(src, 0x83f, 0x54);                       /* SELF_IPI */
    assert_int_equal(nsent, 0);
    assert_int_equal(vlapic_pending(src), 0x54);
    assert_int_equal(pending_count(0x54), 1);
}

static void test_init_sipi_nmi(void **state)
{
    struct vlapic *src = &lapics[0];

    enable_all_x2apic();
    msr_wr(src, 0x830, (1ULL << 32) | APIC_ICR_LEVEL | APIC_ICR_ASSERT | APIC_ICR_INIT);
    msr_wr(src, 0x830, (1ULL << 32) | APIC_ICR_LEVEL | APIC_ICR_INIT);    /* de-assert */
    msr_wr(src, 0x830, (1ULL << 32) | APIC_ICR_STARTUP | 0x9a);
    msr_wr(src, 0x830, APIC_ICR_ALLBUTSELF | APIC_ICR_NMI);
    msr_wr(src, 0x830, (1ULL << 32) | (2u << 8));  /* SMI: not delivered */
    msr_wr(src, 0x830, (1ULL << 32) | 0x0f);        /* fixed, illegal vector */
    assert_int_equal(nacts, 5);
    assert_int_equal(acts[0].to, 1);
    assert_int_equal(acts[0].delivery, VLAPIC_DM_INIT);
    assert_int_equal(acts[1].delivery, VLAPIC_DM_SIPI);
    assert_int_equal(acts[1].vector, 0x9a);
    for (int i = 2; i < 5; i++) {
        assert_int_equal(acts[i].delivery, VLAPIC_DM_NMI);
        assert_int_equal(acts[i].to, i - 1);
    }
    assert_int_equal(pending_count(0x0f), 0);
    msr_wr(src, 0x828, 0);
    assert_int_equal(msr_rd(src, 0x828), 1u << 5);  /* send illegal vector */
}

static void test_init_reset_keeps_mode(void **state)
{
    struct vlapic *l = &lapics[1];

    to_x2apic(l);
    msr_wr(l, 0x80f, 0x1ff);
    msr_wr(l, 0x808, 0x30);
    vlapic_set_irq(l, 0x60, false);
    msr_wr(l, 0x832, 0xec);
    msr_wr(l, 0x838, 100);
    vlapic_reset(l);
    assert_int_equal(vlapic_mode(l), VLAPIC_MODE_X2APIC);
    assert_int_equal(msr_rd(l, 0x802), 1);
    assert_int_equal(msr_rd(l, 0x808), 0);
    assert_int_equal(msr_rd(l, 0x80f), 0xff);
    assert_int_equal(msr_rd(l, 0x832), APIC_LVT_MASKED);
    assert_int_equal(msr_rd(l, 0x820 + 3), 0);
    assert_int_equal(armed[1], 0);
}

static void test_hardware_disable(void **state)
{
    struct vlapic *l = &lapics[2];
    struct vlapic_ipi ipi = { .delivery = VLAPIC_DM_INIT, .shorthand = VLAPIC_SH_ALL };
    uint64_t v;

    mmio_wr(l, APIC_SVR, 0x1ff);
    mmio_wr(l, APIC_LVT_TIMER, 0xec);
    mmio_wr(l, APIC_TMICT, 100);
    vlapic_set_irq(l, 0x70, false);
    assert_int_equal(vlapic_base_write(l, VLAPIC_DEFAULT_BASE), 0);
    assert_int_equal(armed[2], 0);
    assert_false(vlapic_set_irq(l, 0x70, false));
    assert_int_equal(vlapic_pending(l), -1);
    assert_false(vlapic_ipi_match(l, &ipi));
    assert_int_equal(vlapic_mmio_read(l, APIC_ID, 4, &v), -ENODEV);
    assert_int_equal(vlapic_base_write(l, BASE_EN_XAPIC), 0);
    assert_int_equal(mmio_rd(l, APIC_SVR), 0xff);   /* power-on state again */
    assert_int_equal(mmio_rd(l, APIC_IRR + 0x30), 0);
    assert_true(vlapic_ipi_match(l, &ipi));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_power_on_state, setup),
        cmocka_unit_test_setup(test_base_transitions, setup),
        cmocka_unit_test_setup(test_x2apic_msrs_need_x2apic_mode, setup),
        cmocka_unit_test_setup(test_x2apic_faults, setup),
        cmocka_unit_test_setup(test_xapic_mmio, setup),
        cmocka_unit_test_setup(test_register_formats_by_mode, setup),
        cmocka_unit_test_setup(test_priorities, setup),
        cmocka_unit_test_setup(test_illegal_vector, setup),
        cmocka_unit_test_setup(test_software_disable_masks_lvts, setup),
        cmocka_unit_test_setup(test_timer_oneshot, setup),
        cmocka_unit_test_setup(test_timer_periodic, setup),
        cmocka_unit_test_setup(test_timer_tsc_deadline, setup),
        cmocka_unit_test_setup(test_xapic_ipis, setup),
        cmocka_unit_test_setup(test_x2apic_ipis, setup),
        cmocka_unit_test_setup(test_init_sipi_nmi, setup),
        cmocka_unit_test_setup(test_init_reset_keeps_mode, setup),
        cmocka_unit_test_setup(test_hardware_disable, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
