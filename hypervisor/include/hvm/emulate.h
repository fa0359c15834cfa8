/*
 * Decoding and emulating the instructions a guest uses on MMIO pages.
 *
 * A nested page fault on an emulated MMIO range (the xAPIC page, ...)
 * gives the guest-physical address but not the access: the instruction at
 * RIP says the size, the direction and which register or immediate is
 * involved. Without decode assists (QEMU TCG has none) the hypervisor
 * decodes it. Linux touches MMIO with plain moves, so that is what is
 * handled:
 *
 *   88 /r  MOV r/m8, r8         8a /r  MOV r8, r/m8
 *   89 /r  MOV r/m, r           8b /r  MOV r, r/m        (16/32/64)
 *   c6 /0  MOV r/m8, imm8       c7 /0  MOV r/m, imm16/32 (sign-extended to 64)
 *   0f b6  MOVZX r, r/m8        0f b7  MOVZX r, r/m16
 *   0f be  MOVSX r, r/m8        0f bf  MOVSX r, r/m16
 *   a0/a1  MOV AL/eAX, moffs    a2/a3  MOV moffs, AL/eAX (what compilers
 *                                      emit for an absolute address in rax)
 *
 * with the legacy prefixes 0x66 (operand size), 0x67 (address size),
 * segment overrides (recorded; the fault already gave the address) and
 * f2/f3 (ignored, as the CPU does for these opcodes), REX in 64-bit mode,
 * and any ModRM/SIB/displacement form with a memory operand, RIP-relative
 * included. Anything else (another opcode, LOCK, a register operand, more
 * than 15 bytes) is refused with an error so the caller can inject #UD or
 * crash the domain, printing insn.bytes.
 *
 * Portable (arch/x86/hvm/emulate.c), tested on the host with real
 * encodings; the caller supplies guest memory, MMIO and registers through
 * struct hvm_emul_ops.
 */
#ifndef HVM_EMULATE_H
#define HVM_EMULATE_H

#include <sable/types.h>

#define X86_MAX_INSN_LEN 15

/* General-purpose register numbers, in encoding order. */
enum x86_gpr {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NR_GPRS
};

enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
               X86_SEG_NONE };

/* The code segment the instruction runs in. */
enum x86_mode {
    X86_MODE_32,                /* protected mode, CS.D = 1 (no REX, no RIP-relative) */
    X86_MODE_64,                /* long mode, CS.L = 1 */
};

/* Which way data moves. */
enum x86_dir {
    X86_MEM_READ,               /* memory -> register */
    X86_MEM_WRITE,              /* register or immediate -> memory */
};

/* What x86_decode() found. */
struct x86_insn {
    uint8_t bytes[X86_MAX_INSN_LEN];
    uint8_t nr_bytes;           /* valid in bytes[] (for error reports) */
    uint8_t len;                /* instruction length: advance RIP by this */
    uint8_t opcode;             /* the last opcode byte */
    bool two_byte;              /* opcode followed 0x0f */
    enum x86_dir dir;
    uint8_t mem_size;           /* bytes of memory accessed: 1, 2, 4 or 8 */
    uint8_t reg_size;           /* register written by a read (MOVZX/SX: wider) */
    bool sign_extend;           /* MOVSX */
    bool has_imm;               /* write of imm instead of a register */
    uint64_t imm;               /* already sign-extended to mem_size */
    uint8_t reg;                /* enum x86_gpr (has_imm == false) */
    bool high_byte;             /* reg is AH/CH/DH/BH (bits 15:8 of reg - 4) */
    enum x86_seg seg;           /* override prefix, X86_SEG_NONE if none */
    bool rip_relative;
    int32_t disp;               /* displacement as encoded (sign-extended) */
};

/*
 * Decode the instruction in bytes[0..avail). Returns 0, -EOPNOTSUPP for an
 * instruction outside the list above (or one with LOCK or a register
 * operand), -EINVAL if it would be longer than 15 bytes, or -ENODATA if
 * avail ends inside it (fetch more and retry). insn->bytes/nr_bytes are
 * always filled in.
 */
int x86_decode(const uint8_t *bytes, unsigned int avail, enum x86_mode mode,
               struct x86_insn *insn);

/* Guest access for hvm_emulate_mmio(); ctx is the caller's. */
struct hvm_emul_ops {
    /*
     * Copy up to len guest bytes at linear address rip into buf; return
     * how many could be read (fewer at the end of readable memory), or a
     * negative error.
     */
    int (*fetch)(void *ctx, uint64_t rip, uint8_t *buf, unsigned int len);
    /* MMIO at guest-physical gpa, size 1/2/4/8: 0 or a negative error. */
    int (*mmio_read)(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value);
    int (*mmio_write)(void *ctx, uint64_t gpa, unsigned int size, uint64_t value);
    uint64_t (*get_gpr)(void *ctx, enum x86_gpr reg);
    void (*set_gpr)(void *ctx, enum x86_gpr reg, uint64_t value);
};

/*
 * Emulate the MMIO instruction at rip that faulted on gpa: fetch, decode,
 * then one mmio_read (result written to the register with the CPU's
 * merge/extension rules: 8/16-bit writes keep the other bits, 32-bit ones
 * zero bits 63:32) or one mmio_write. On success returns 0 with insn
 * filled in; the caller advances RIP by insn->len. On failure returns the
 * decode or fetch error (-EFAULT if no byte could be fetched) or the MMIO
 * callback's, and no register was changed.
 */
int hvm_emulate_mmio(const struct hvm_emul_ops *ops, void *ctx, enum x86_mode mode,
                     uint64_t rip, uint64_t gpa, struct x86_insn *insn);

/* Format insn->bytes as "8b 04 25 ..." into buf (for crash reports). */
void x86_insn_format(const struct x86_insn *insn, char *buf, size_t size);

#endif /* HVM_EMULATE_H */
