/*
 * HVM context records (what and why in hvm/hvm_context.h). Portable.
 */
#include <hvm/hvm_context.h>
#include <sable/errno.h>
#include <sable/lib.h>

#define CR0_PE   (1ULL << 0)
#define CR0_NW   (1ULL << 29)
#define CR0_CD   (1ULL << 30)
#define CR0_PG   (1ULL << 31)
#define CR4_PAE  (1ULL << 5)
/* CR4 bits a guest may start with: VME..OSXMMEXCPT, UMIP, FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP. */
#define CR4_ALLOWED (0x7ffULL | (1ULL << 11) | (1ULL << 16) | (1ULL << 17) | (1ULL << 18) | \
                     (1ULL << 20) | (1ULL << 21))
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define RFLAGS_FIXED1   (1ULL << 1)
#define RFLAGS_ALLOWED  0x3d7fd7ULL     /* CF..ID but VM (no virtual-8086 start) */
#define ATTR_L   (1U << 9)              /* packed attribute bits: 52-55 of the descriptor at 8-11 */
#define ATTR_DB  (1U << 10)
#define ATTR_MASK 0xfffU
#define KNOWN_FLAGS (XEN_X86_FPU_INITIALISED | XEN_X86_VMX)

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

int hvm_cpu_check(const struct hvm_hw_cpu *c)
{
    bool lma = c->msr_efer & EFER_LMA;
    const uint32_t attrs[] = { c->cs_arbytes, c->ds_arbytes, c->es_arbytes, c->fs_arbytes,
                               c->gs_arbytes, c->ss_arbytes, c->tr_arbytes, c->ldtr_arbytes };
    const uint64_t bases[] = { c->fs_base, c->gs_base, c->tr_base, c->ldtr_base, c->idtr_base,
                               c->gdtr_base, c->shadow_gs, c->msr_lstar, c->msr_cstar,
                               c->sysenter_esp, c->sysenter_eip };

    if (c->flags & ~KNOWN_FLAGS)
        return -EINVAL;
    if (c->flags & XEN_X86_FPU_INITIALISED)
        return -EOPNOTSUPP;
    if (c->pending_event & (1U << 31))
        return -EINVAL;                 /* nothing is injected at load */
    if (c->cr0 >> 32 || ((c->cr0 & CR0_NW) && !(c->cr0 & CR0_CD)) ||
        ((c->cr0 & CR0_PG) && !(c->cr0 & CR0_PE)))
        return -EINVAL;
    if (c->cr4 & ~CR4_ALLOWED)
        return -EINVAL;
    if (c->msr_efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
        return -EINVAL;
    /* EFER.LMA is LME with paging on, and long mode needs PAE. */
    if (lma != ((c->msr_efer & EFER_LME) && (c->cr0 & CR0_PG)) ||
        (lma && !(c->cr4 & CR4_PAE)))
        return -EINVAL;
    if (c->cr3 >> 52 || c->dr6 >> 32 || c->dr7 >> 32 || c->msr_tsc_aux >> 32)
        return -EINVAL;
    if ((c->rflags & ~RFLAGS_ALLOWED) || !(c->rflags & RFLAGS_FIXED1))
        return -EINVAL;
    if ((c->cs_arbytes & ATTR_L) && (c->cs_arbytes & ATTR_DB))
        return -EINVAL;                 /* VMRUN refuses L and D together */
    for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
        if (attrs[i] & ~ATTR_MASK)
            return -EINVAL;
    for (size_t i = 0; i < ARRAY_SIZE(bases); i++)
        if (!canonical(bases[i]))
            return -EINVAL;
    if (!lma && (c->rip >> 32 || c->rsp >> 32))
        return -EINVAL;                 /* outside long mode, 32-bit registers */
    if (lma && !canonical(c->rip))
        return -EINVAL;
    return 0;
}

struct record {
    struct hvm_save_descriptor d;
    const uint8_t *data;
};

/* The record at *off, advancing it: true, or false if it runs past the end. */
static bool next_record(const uint8_t *b, size_t size, size_t *off, struct record *r)
{
    if (size - *off < sizeof(r->d))
        return false;
    memcpy(&r->d, b + *off, sizeof(r->d));
    *off += sizeof(r->d);
    if (r->d.length > size - *off)
        return false;
    r->data = b + *off;
    *off += r->d.length;
    return true;
}

/* A CPU record's registers, zero-extended from an older, shorter one. */
static void cpu_of(const struct record *r, struct hvm_hw_cpu *c)
{
    memset(c, 0, sizeof(*c));
    memcpy(c, r->data, r->d.length);
}

/* One pass over the records after the header; apply NULL only checks their shape. */
static int walk(const uint8_t *b, size_t size, size_t off, unsigned int nr_vcpus,
                hvm_context_cpu_fn fn, void *ctx, struct hvm_hw_cpu *c)
{
    uint8_t seen[(HVM_CONTEXT_MAX_VCPUS + 7) / 8] = { 0 };
    struct record r;
    int rc;

    for (;;) {
        if (!next_record(b, size, &off, &r))
            return -EINVAL;
        switch (r.d.typecode) {
        case HVM_SAVE_CODE_END:
            return r.d.length == 0 && off == size ? 0 : -EINVAL;
        case HVM_SAVE_CODE_CPU:
            if (r.d.instance >= nr_vcpus || r.d.instance >= HVM_CONTEXT_MAX_VCPUS ||
                (seen[r.d.instance / 8] & (1U << (r.d.instance % 8))) ||
                (r.d.length != HVM_HW_CPU_SIZE_4_7 && r.d.length != sizeof(*c)))
                return -EINVAL;
            seen[r.d.instance / 8] |= (uint8_t)(1U << (r.d.instance % 8));
            cpu_of(&r, c);
            rc = fn ? fn(ctx, r.d.instance, c) : hvm_cpu_check(c);
            if (rc)
                return rc;
            break;
        case HVM_SAVE_CODE_HEADER:
            return -EINVAL;             /* only once, first */
        default:
            return -EOPNOTSUPP;
        }
    }
}

int hvm_context_load(const void *buf, size_t size, unsigned int nr_vcpus,
                     hvm_context_cpu_fn check, hvm_context_cpu_fn apply, void *ctx)
{
    const uint8_t *b = buf;
    struct hvm_save_header h;
    struct hvm_hw_cpu c;
    struct record r;
    size_t off = 0;
    int rc;

    if (!next_record(b, size, &off, &r) || r.d.typecode != HVM_SAVE_CODE_HEADER ||
        r.d.length != sizeof(h))
        return -EINVAL;
    memcpy(&h, r.data, sizeof(h));
    if (h.magic != HVM_FILE_MAGIC || h.version != HVM_FILE_VERSION)
        return -EINVAL;
    rc = walk(b, size, off, nr_vcpus, NULL, ctx, &c);
    if (!rc && check)
        rc = walk(b, size, off, nr_vcpus, check, ctx, &c);
    if (!rc)
        rc = walk(b, size, off, nr_vcpus, apply, ctx, &c);
    return rc;
}
