/*
 * Start of day of a Sable PV test kernel, and the things the domain builder
 * reads from or writes into the image: the Xen ELF notes and the hypercall
 * page.
 *
 * Xen's x86-64 PV entry state: 64-bit mode, ring 3 in "guest kernel mode",
 * RSI = virtual address of struct start_info, RSP = top of a boot stack
 * inside the bootstrap mapping, flat selectors FLAT_KERNEL_CS/SS, events
 * masked in vcpu_info. We record what the self-checks want to look at,
 * switch to our own stack in .bss and call guest_start(start_info).
 */
#include <guest/layout.h>
#include "public/elfnote.h"
#include "public/xen.h"

/*
 * One ELF note named "Xen" with a string or a 64-bit number:
 *   xen_note_str XEN_ELFNOTE_GUEST_OS, "Sable-test"
 *   xen_note_num XEN_ELFNOTE_ENTRY, _start
 * Name and descriptor are each padded to 4 bytes, as ELF notes require.
 */
.macro xen_note_begin type
        .pushsection .note.Xen, "a", @note
        .balign 4
        .long   4                       /* namesz: "Xen" and its NUL */
        .long   9f - 8f                 /* descsz */
        .long   \type
        .asciz  "Xen"
8:
.endm
.macro xen_note_end
9:      .balign 4
        .popsection
.endm
.macro xen_note_str type, str
        xen_note_begin \type
        .asciz  "\str"
        xen_note_end
.endm
.macro xen_note_num type, value
        xen_note_begin \type
        .quad   \value
        xen_note_end
.endm

        xen_note_str XEN_ELFNOTE_GUEST_OS,       "Sable-test"
        xen_note_str XEN_ELFNOTE_GUEST_VERSION,  "1.0"
        xen_note_str XEN_ELFNOTE_XEN_VERSION,    "xen-3.0"
        xen_note_str XEN_ELFNOTE_LOADER,         "generic"
        xen_note_num XEN_ELFNOTE_VIRT_BASE,      GUEST_VIRT_BASE
        xen_note_num XEN_ELFNOTE_PADDR_OFFSET,   0
        xen_note_num XEN_ELFNOTE_ENTRY,          _start
        xen_note_num XEN_ELFNOTE_HYPERCALL_PAGE, hypercall_page
        /* No optional feature is used and none is required: empty list. */
        xen_note_str XEN_ELFNOTE_FEATURES,       ""

        .section .text.head, "ax"
        .globl  _start
_start:
        cld
        mov     %rsp, boot_rsp(%rip)
        mov     %rsi, boot_rsi(%rip)
        pushfq                          /* on the builder's boot stack */
        popq    boot_rflags(%rip)
        mov     %cs, boot_cs(%rip)
        mov     %ss, boot_ss(%rip)
        mov     %ds, boot_ds(%rip)
        mov     %es, boot_es(%rip)
        lea     boot_stack_top(%rip), %rsp
        mov     %rsi, %rdi
        xor     %ebp, %ebp
        call    guest_start             /* does not return */
        ud2

/*
 * The hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE): 128 stubs of 32 bytes
 * that the builder overwrites with "push %rcx; push %r11; mov $nr,%eax;
 * syscall; pop %r11; pop %rcx; ret" (the iret stub pushes rax too and does
 * not return). Until then every stub is ud2, so calling an unfilled page
 * faults loudly instead of returning garbage.
 */
        .section .hypercall_page, "ax"
        .balign GUEST_PAGE_SIZE
        .globl  hypercall_page
hypercall_page:
        .rept   GUEST_PAGE_SIZE / HYPERCALL_STUB_SIZE
        ud2
        .fill   HYPERCALL_STUB_SIZE - 2, 1, 0xcc
        .endr

/* Start-of-day registers, for the boot self-checks (guest/guest.h). */
        .data
        .balign 8
        .globl  boot_rsp, boot_rsi, boot_rflags, boot_cs, boot_ss, boot_ds, boot_es
boot_rsp:       .quad 0
boot_rsi:       .quad 0
boot_rflags:    .quad 0
boot_cs:        .word 0
boot_ss:        .word 0
boot_ds:        .word 0
boot_es:        .word 0

        .bss
        .balign 16
        .globl  boot_stack_top
boot_stack:
        .skip   GUEST_STACK_SIZE
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
