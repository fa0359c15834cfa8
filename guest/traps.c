/*
 * The virtual IDT of a PV test kernel and what happens on an exception:
 * an expected one (TRY_INSN, listed in the exception table) is recorded
 * and skipped; anything else ends the test with VERDICT ERROR.
 */
#include <guest/events.h>
#include <guest/guest.h>
#include <guest/hypercall.h>
#include <guest/test.h>
#include <guest/traps.h>

struct trap_record trap_last;
bool (*trap_hook)(struct trap_frame *f, uint64_t cr2);

struct extable_entry {
    uint64_t from, to;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

/* Exceptions we take: all CPU exceptions a PV guest can be sent. */
static bool trap_wanted(unsigned int vec)
{
    return vec <= 19 && vec != 2 /* NMI: callback */ && vec != 8 /* #DF: never bounced */ &&
           vec != 9 && vec != 15 /* reserved */;
}

/*
 * Our entry for vector vec: events are masked in every handler (TI_FLAG_IF,
 * an "interrupt gate"), the iret restores the mask from the saved
 * RFLAGS.IF. #BP and #OF get DPL 3, as INT3/INTO are meant to be usable
 * from user space.
 */
static struct trap_info trap_info_for(unsigned int vec)
{
    return (struct trap_info){
        .vector = (uint8_t)vec,
        .flags = TI_FLAG_IF | (vec == TRAP_BP || vec == TRAP_OF ? 3 : 0),
        .cs = FLAT_KERNEL_CS,
        .address = trap_entries[vec],
    };
}

void trap_table_fill(struct trap_info table[256])
{
    memset(table, 0, 256 * sizeof(*table));
    for (unsigned int vec = 0; vec < 32; vec++)
        if (trap_wanted(vec))
            table[vec] = trap_info_for(vec);
}

long trap_init(void)
{
    static struct trap_info table[33];
    struct callback_register event = {
        .type = CALLBACKTYPE_event,
        .address = (uint64_t)(uintptr_t)event_entry,
    };
    struct callback_register failsafe = {
        .type = CALLBACKTYPE_failsafe,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)failsafe_entry,
    };
    unsigned int n = 0;
    long rc;

    for (unsigned int vec = 0; vec < 32; vec++)
        if (trap_wanted(vec))
            table[n++] = trap_info_for(vec);
    table[n].address = 0;       /* the terminator is address 0, not vector 0 */
    rc = hypercall_set_trap_table(table);
    if (!rc)
        rc = hypercall_callback_op(CALLBACKOP_register, &event);
    if (!rc)
        rc = hypercall_callback_op(CALLBACKOP_register, &failsafe);
    return rc;
}

long trap_set_softint(unsigned int vector, unsigned int dpl)
{
    struct trap_info table[2] = {
        { .vector = vector, .flags = TI_FLAG_IF | (dpl & TI_FLAG_DPL_MASK),
          .cs = FLAT_KERNEL_CS, .address = trap_entry_softint },
        { .address = 0 },
    };

    return hypercall_set_trap_table(table);
}

static const struct extable_entry *extable_find(uint64_t rip)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->from == rip || e->to == rip)
            return e;
    return NULL;
}

static void trap_record(const struct trap_frame *f, uint64_t cr2)
{
    trap_last.vector = f->vector;
    trap_last.error_code = f->error_code;
    trap_last.rip = f->rip;
    trap_last.cs = f->cs;
    trap_last.rflags = f->rflags;
    trap_last.rsp = f->rsp;
    trap_last.ss = f->ss;
    trap_last.rcx = f->rcx;
    trap_last.r11 = f->r11;
    trap_last.cr2 = cr2;
    trap_last.upcall_mask = shared_info ? this_vcpu_info()->evtchn_upcall_mask : 0xff;
    barrier();
    trap_last.count++;
}

static void __noreturn trap_unexpected(const struct trap_frame *f, uint64_t cr2)
{
    printf("unexpected trap: vector %lu error %#lx rip %#lx cs %#lx rflags %#lx "
           "rsp %#lx ss %#lx cr2 %#lx\n", f->vector, f->error_code, f->rip, f->cs,
           f->rflags, f->rsp, f->ss, cr2);
    printf("  rax %#lx rbx %#lx rcx %#lx rdx %#lx rsi %#lx rdi %#lx rbp %#lx\n",
           f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
    test_error("unexpected trap %lu at %#lx", f->vector, f->rip);
}

/*
 * Every exception and event upcall lands here. CR2 is read first, before
 * anything could fault and overwrite it.
 */
void trap_dispatch(struct trap_frame *f)
{
    uint64_t cr2 = 0;
    const struct extable_entry *e;

    if (f->vector == TRAP_VEC_EVENT) {
        evtchn_do_upcall();
        return;
    }
    if (f->vector == TRAP_PF && shared_info)
        cr2 = READ_ONCE(this_vcpu_info()->arch.cr2);
    if (trap_hook && trap_hook(f, cr2))
        return;
    e = extable_find(f->rip);
    if (!e)
        trap_unexpected(f, cr2);
    trap_record(f, cr2);
    f->rip = e->to;
}

/* The failsafe callback: frame is DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS. */
void trap_failsafe(const uint64_t *frame)
{
    printf("failsafe callback: ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx "
           "rflags %#lx rsp %#lx ss %#lx\n", frame[0], frame[1], frame[2], frame[3],
           frame[4], frame[5], frame[6], frame[7], frame[8]);
    test_error("failsafe callback");
}

void trap_touch(uint64_t va, bool write)
{
    uint8_t v = 0;

    trap_reset();
    if (write)
        __asm__ volatile(TRY_INSN("movb %[v], (%[a])") :: [v] "q"(v), [a] "r"(va) : "memory");
    else
        __asm__ volatile(TRY_INSN("movb (%[a]), %[v]") : [v] "=q"(v) : [a] "r"(va) : "memory");
}
