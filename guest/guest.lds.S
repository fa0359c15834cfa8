/*
 * Link map of a Sable PV test kernel. Two loadable segments (code and
 * read-only data; data and bss) plus a PT_NOTE segment holding the Xen ELF
 * notes the domain builder reads. p_paddr is the offset from VIRT_BASE
 * (see guest/layout.h).
 */
#include <guest/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
    text PT_LOAD FLAGS(5);
    data PT_LOAD FLAGS(6);
    note PT_NOTE FLAGS(4);
}

SECTIONS
{
    . = GUEST_VIRT_BASE;
    _image_start = .;

    .text : AT(ADDR(.text) - GUEST_VIRT_BASE) {
        KEEP(*(.text.head))
        *(.text .text.*)
    } :text

    /* Filled by the domain builder: one page, page aligned (head.S). */
    .hypercall_page : AT(ADDR(.hypercall_page) - GUEST_VIRT_BASE) {
        KEEP(*(.hypercall_page))
    } :text

    .rodata : AT(ADDR(.rodata) - GUEST_VIRT_BASE) {
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __ex_table_start = .;
        KEEP(*(.ex_table))
        __ex_table_end = .;
    } :text

    .note.Xen : AT(ADDR(.note.Xen) - GUEST_VIRT_BASE) {
        KEEP(*(.note.Xen))
    } :text :note

    . = ALIGN(GUEST_PAGE_SIZE);
    .data : AT(ADDR(.data) - GUEST_VIRT_BASE) {
        *(.data .data.*)
    } :data

    .bss : AT(ADDR(.bss) - GUEST_VIRT_BASE) {
        *(.bss .bss.*)
        *(COMMON)
    } :data
    . = ALIGN(GUEST_PAGE_SIZE);
    _image_end = .;

    /DISCARD/ : {
        *(.note.gnu.*) *(.note.GNU-stack) *(.comment) *(.eh_frame)
    }
}
