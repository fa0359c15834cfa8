/*
 * Exceptions in a PV test kernel: the virtual IDT (set_trap_table), the
 * frame the common entry path hands to C, and "expected faults": an
 * instruction wrapped in TRY_INSN() that faults resumes after itself, with
 * what the hypervisor delivered recorded in trap_last for the test to check.
 * Any other exception is a bug: it ends the test with VERDICT ERROR.
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

/* Vector numbers the entry path uses beyond the CPU's 0..31. */
#define TRAP_VEC_SOFTINT    0x80    /* software interrupt stub (int $0x80) */
#define TRAP_VEC_EVENT      0x100   /* the event upcall */

#define TRAP_DE     0
#define TRAP_DB     1
#define TRAP_BP     3
#define TRAP_OF     4
#define TRAP_UD     6
#define TRAP_NM     7
#define TRAP_GP     13
#define TRAP_PF     14

/* Page-fault error code bits. */
#define PFEC_PRESENT    (1U << 0)
#define PFEC_WRITE      (1U << 1)
#define PFEC_USER       (1U << 2)
#define PFEC_INSN       (1U << 4)

#ifndef __ASSEMBLER__

#include <guest/lib.h>

/*
 * What trap_common (guest/arch/entry.S) saved, lowest address first: the
 * general registers, then vector and error code, then the rest of Xen's
 * bounce frame. Handlers may change rip (and registers) to resume elsewhere.
 */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;        /* 0 for vectors without one */
    uint64_t rip;
    uint64_t cs;                /* selector | saved_upcall_mask << 32 */
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};

/* The last expected fault, as delivered. */
struct trap_record {
    unsigned int count;         /* expected faults taken since trap_reset() */
    unsigned int vector;
    uint64_t error_code, rip, cs, rflags, rsp, ss, rcx, r11;
    uint64_t cr2;               /* vcpu_info.arch.cr2 at entry (for #PF) */
    uint8_t upcall_mask;        /* vcpu_info.evtchn_upcall_mask in the handler */
};
extern struct trap_record trap_last;

static inline void trap_reset(void)
{
    memset(&trap_last, 0, sizeof(trap_last));
    barrier();
}

/*
 * Exception table: an instruction at `from` that faults (RIP = from) or
 * traps (RIP = to, for INT3 / INT n) resumes at `to`.
 */
#define EXTABLE(from, to)                                                     \
    ".pushsection .ex_table, \"a\"\n\t.balign 8\n\t.quad " #from ", " #to    \
    "\n\t.popsection\n\t"

/* Wrap one instruction (asm text, operands %0.. as usual) in an extable entry. */
#define TRY_INSN(insn) "1:\n\t" insn "\n2:\n\t" EXTABLE(1b, 2b)

/*
 * A test's own exception handler, tried before the exception table: true
 * if it dealt with the exception (resuming at f->rip, which it may move:
 * a page fault it resolved retries the access). cr2 is the #PF address.
 */
extern bool (*trap_hook)(struct trap_frame *f, uint64_t cr2);

/* Read or write one byte at va as an expected fault: trap_last says what came. */
void trap_touch(uint64_t va, bool write);

/* Install the trap table and callbacks (guest_start). 0 or a hypercall error. */
long trap_init(void);
/* The same table indexed by vector, as vcpu_guest_context.trap_ctxt wants it. */
struct trap_info;
void trap_table_fill(struct trap_info table[256]);
/*
 * Route software interrupt `vector` (INT n) to the softint stub, allowed
 * from privilege `dpl` and up; it is then reported like an expected fault.
 */
long trap_set_softint(unsigned int vector, unsigned int dpl);

/* Entry from guest/arch/entry.S. */
void trap_dispatch(struct trap_frame *f);
void trap_failsafe(const uint64_t *frame) __noreturn;

/* Stub addresses (entry.S), for tests that build their own tables. */
extern const uint64_t trap_entries[32];
extern const uint64_t trap_entry_softint;
void event_entry(void);
void failsafe_entry(void);

#endif /* !__ASSEMBLER__ */
#endif /* GUEST_TRAPS_H */
