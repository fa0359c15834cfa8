/*
 * MMIO instruction decoder and emulator (what and why in hvm/emulate.h).
 *
 * The decoder walks prefixes, REX, the opcode, ModRM, SIB, displacement
 * and immediate with one cursor that refuses to pass the bytes available
 * (-ENODATA) or the architectural 15-byte limit (-EINVAL). It does not
 * compute the effective address: the nested page fault already gave the
 * guest-physical one. Opcodes are described by one table.
 */
#include <hvm/emulate.h>
#include <sable/errno.h>
#include <sable/lib.h>

#define REX_W 8
#define REX_R 4

/* How an opcode moves data. */
struct opcode_form {
    bool valid;
    enum x86_dir dir;
    uint8_t mem_size;           /* 0: the operand size (16/32/64) */
    bool imm;                   /* C6/C7: immediate source */
    bool moffs;                 /* A0-A3: absolute address, register AL/eAX */
    bool extend;                /* MOVZX/MOVSX: reg is the operand size */
    bool sign;
};

static const struct opcode_form one_byte_forms[] = {
    [0x88] = { true, X86_MEM_WRITE, 1 },
    [0x89] = { true, X86_MEM_WRITE, 0 },
    [0x8a] = { true, X86_MEM_READ, 1 },
    [0x8b] = { true, X86_MEM_READ, 0 },
    [0xa0] = { true, X86_MEM_READ, 1, .moffs = true },
    [0xa1] = { true, X86_MEM_READ, 0, .moffs = true },
    [0xa2] = { true, X86_MEM_WRITE, 1, .moffs = true },
    [0xa3] = { true, X86_MEM_WRITE, 0, .moffs = true },
    [0xc6] = { true, X86_MEM_WRITE, 1, .imm = true },
    [0xc7] = { true, X86_MEM_WRITE, 0, .imm = true },
};

static const struct opcode_form two_byte_forms[] = {
    [0xb6] = { true, X86_MEM_READ, 1, .extend = true },
    [0xb7] = { true, X86_MEM_READ, 2, .extend = true },
    [0xbe] = { true, X86_MEM_READ, 1, .extend = true, .sign = true },
    [0xbf] = { true, X86_MEM_READ, 2, .extend = true, .sign = true },
};

/* The decoder's cursor over the instruction bytes. */
struct cursor {
    const uint8_t *b;
    unsigned int avail, pos;
};

/* Take the next n bytes (little-endian) into *val. */
static int take(struct cursor *c, unsigned int n, uint64_t *val)
{
    *val = 0;
    for (unsigned int i = 0; i < n; i++) {
        if (c->pos >= X86_MAX_INSN_LEN)
            return -EINVAL;
        if (c->pos >= c->avail)
            return -ENODATA;
        *val |= (uint64_t)c->b[c->pos++] << (8 * i);
    }
    return 0;
}

static int take_byte(struct cursor *c, uint8_t *byte)
{
    uint64_t v;
    int rc = take(c, 1, &v);

    *byte = (uint8_t)v;
    return rc;
}

static int64_t sign_extend(uint64_t v, unsigned int bytes)
{
    unsigned int shift = 64 - 8 * bytes;

    return (int64_t)(v << shift) >> shift;
}

static uint64_t size_mask(unsigned int bytes)
{
    return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

/* Legacy prefixes and REX (64-bit mode; a legacy prefix after REX cancels it). */
struct prefixes {
    bool opsize, adsize, lock;
    uint8_t rex;
    enum x86_seg seg;
};

static int decode_prefixes(struct cursor *c, enum x86_mode mode, struct prefixes *p)
{
    static const enum x86_seg segs[] = { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS };
    uint8_t byte;
    int rc;

    for (;;) {
        if ((rc = take_byte(c, &byte)))
            return rc;
        if (mode == X86_MODE_64 && (byte & 0xf0) == 0x40) {
            p->rex = byte;
            continue;
        }
        if (byte == 0x66) p->opsize = true;
        else if (byte == 0x67) p->adsize = true;
        else if (byte == 0xf0) p->lock = true;
        else if (byte == 0xf2 || byte == 0xf3) { /* REP/REPNE: no effect on MOV */ }
        else if (byte == 0x26 || byte == 0x2e || byte == 0x36 || byte == 0x3e)
            p->seg = segs[(byte >> 3) & 3];
        else if (byte == 0x64) p->seg = X86_SEG_FS;
        else if (byte == 0x65) p->seg = X86_SEG_GS;
        else {
            c->pos--;                   /* the opcode */
            return 0;
        }
        p->rex = 0;
    }
}

/* 16-bit addressing (0x67 in 32-bit mode): no SIB, disp16 forms. */
static int decode_modrm16(struct cursor *c, uint8_t mod, uint8_t rm, struct x86_insn *insn)
{
    uint64_t disp;
    unsigned int n = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
    int rc = take(c, n, &disp);

    insn->disp = n ? (int32_t)sign_extend(disp, n) : 0;
    return rc;
}

/* 32/64-bit addressing: SIB, disp8/disp32, RIP-relative (64-bit mode). */
static int decode_modrm32(struct cursor *c, enum x86_mode mode, uint8_t mod, uint8_t rm,
                          struct x86_insn *insn)
{
    uint64_t disp;
    unsigned int n = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    uint8_t sib;
    int rc;

    if (rm == 4) {
        if ((rc = take_byte(c, &sib)))
            return rc;
        if (mod == 0 && (sib & 7) == 5)
            n = 4;                      /* no base, disp32 */
    } else if (mod == 0 && rm == 5) {
        n = 4;
        insn->rip_relative = mode == X86_MODE_64;
    }
    rc = take(c, n, &disp);
    insn->disp = n ? (int32_t)sign_extend(disp, n) : 0;
    return rc;
}

/* ModRM and what hangs off it; the memory operand is required. */
static int decode_modrm(struct cursor *c, enum x86_mode mode, const struct prefixes *p,
                        const struct opcode_form *f, struct x86_insn *insn)
{
    uint8_t modrm, mod, reg, rm;
    bool addr16 = mode == X86_MODE_32 && p->adsize;
    int rc;

    if ((rc = take_byte(c, &modrm)))
        return rc;
    mod = modrm >> 6;
    reg = (modrm >> 3) & 7;
    rm = modrm & 7;
    if (mod == 3 || (f->imm && reg != 0))
        return -EOPNOTSUPP;             /* register operand; C6/C7 /1-/7 */
    insn->reg = reg | ((p->rex & REX_R) ? 8 : 0);
    if (insn->mem_size == 1 && !f->extend && !p->rex && reg >= 4) {
        insn->high_byte = true;         /* AH, CH, DH, BH */
        insn->reg = reg - 4;
    }
    return addr16 ? decode_modrm16(c, mod, rm, insn) : decode_modrm32(c, mode, mod, rm, insn);
}

/* A0-A3: the address follows the opcode, its size is the address size. */
static int decode_moffs(struct cursor *c, enum x86_mode mode, const struct prefixes *p,
                        struct x86_insn *insn)
{
    unsigned int n = mode == X86_MODE_64 ? (p->adsize ? 4 : 8) : (p->adsize ? 2 : 4);
    uint64_t addr;

    insn->reg = X86_RAX;
    return take(c, n, &addr);
}

static int decode_imm(struct cursor *c, struct x86_insn *insn)
{
    unsigned int n = MIN(insn->mem_size, 4u);   /* imm32 sign-extends to 64 */
    uint64_t imm;
    int rc = take(c, n, &imm);

    insn->has_imm = true;
    insn->imm = (uint64_t)sign_extend(imm, n) & size_mask(insn->mem_size);
    return rc;
}

static const struct opcode_form *lookup(const struct x86_insn *insn)
{
    const struct opcode_form *f;

    if (insn->two_byte)
        f = insn->opcode < ARRAY_SIZE(two_byte_forms) ? &two_byte_forms[insn->opcode] : NULL;
    else
        f = insn->opcode < ARRAY_SIZE(one_byte_forms) ? &one_byte_forms[insn->opcode] : NULL;
    return f && f->valid ? f : NULL;
}

int x86_decode(const uint8_t *bytes, unsigned int avail, enum x86_mode mode,
               struct x86_insn *insn)
{
    struct cursor c = { bytes, avail, 0 };
    struct prefixes p = { .seg = X86_SEG_NONE };
    const struct opcode_form *f;
    unsigned int opsize;
    int rc;

    memset(insn, 0, sizeof(*insn));
    insn->nr_bytes = MIN(avail, (unsigned int)X86_MAX_INSN_LEN);
    memcpy(insn->bytes, bytes, insn->nr_bytes);
    if ((rc = decode_prefixes(&c, mode, &p)) || (rc = take_byte(&c, &insn->opcode)))
        return rc;
    if (insn->opcode == 0x0f) {
        insn->two_byte = true;
        if ((rc = take_byte(&c, &insn->opcode)))
            return rc;
    }
    if (!(f = lookup(insn)) || p.lock)
        return -EOPNOTSUPP;
    opsize = (p.rex & REX_W) ? 8 : p.opsize ? 2 : 4;
    insn->dir = f->dir;
    insn->seg = p.seg;
    insn->mem_size = f->mem_size ? f->mem_size : opsize;
    insn->reg_size = f->extend ? opsize : insn->mem_size;
    insn->sign_extend = f->sign;
    rc = f->moffs ? decode_moffs(&c, mode, &p, insn) : decode_modrm(&c, mode, &p, f, insn);
    if (!rc && f->imm)
        rc = decode_imm(&c, insn);
    insn->len = c.pos;
    return rc;
}

/* --- emulation --- */

static uint64_t reg_get(const struct hvm_emul_ops *ops, void *ctx, const struct x86_insn *insn)
{
    uint64_t v = ops->get_gpr(ctx, insn->reg);

    return insn->high_byte ? (v >> 8) & 0xff : v & size_mask(insn->mem_size);
}

/* Write a loaded value with the CPU's rules: 8/16 bits merge, 32 zero-extend. */
static void reg_put(const struct hvm_emul_ops *ops, void *ctx, const struct x86_insn *insn,
                    uint64_t val)
{
    uint64_t old = ops->get_gpr(ctx, insn->reg);

    if (insn->high_byte)
        val = (old & ~0xff00ULL) | (val & 0xff) << 8;
    else if (insn->reg_size < 4)
        val = (old & ~size_mask(insn->reg_size)) | (val & size_mask(insn->reg_size));
    else
        val &= size_mask(insn->reg_size);
    ops->set_gpr(ctx, insn->reg, val);
}

int hvm_emulate_mmio(const struct hvm_emul_ops *ops, void *ctx, enum x86_mode mode,
                     uint64_t rip, uint64_t gpa, struct x86_insn *insn)
{
    uint8_t buf[X86_MAX_INSN_LEN];
    uint64_t val;
    int n, rc;

    n = ops->fetch(ctx, rip, buf, sizeof(buf));
    if (n <= 0) {
        memset(insn, 0, sizeof(*insn));
        return n < 0 ? n : -EFAULT;
    }
    rc = x86_decode(buf, (unsigned int)n, mode, insn);
    if (rc)
        return rc == -ENODATA ? -EFAULT : rc;  /* it runs into unreadable memory */
    if (insn->dir == X86_MEM_WRITE) {
        val = insn->has_imm ? insn->imm : reg_get(ops, ctx, insn);
        return ops->mmio_write(ctx, gpa, insn->mem_size, val);
    }
    if ((rc = ops->mmio_read(ctx, gpa, insn->mem_size, &val)))
        return rc;
    val &= size_mask(insn->mem_size);
    if (insn->sign_extend)
        val = (uint64_t)sign_extend(val, insn->mem_size);
    reg_put(ops, ctx, insn, val);
    return 0;
}

void x86_insn_format(const struct x86_insn *insn, char *buf, size_t size)
{
    size_t used = 0;

    if (size)
        buf[0] = '\0';
    for (unsigned int i = 0; i < insn->nr_bytes && used + 1 < size; i++) {
        int n = snprintf(buf + used, size - used, i ? " %02x" : "%02x", insn->bytes[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}
