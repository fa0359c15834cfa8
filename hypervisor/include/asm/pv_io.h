/*
 * Port I/O of PV guests, as on Xen: a PV kernel runs in ring 3 with the
 * real IOPL 0 and no TSS I/O bitmap, so every IN/OUT it executes raises
 * #GP and the hypervisor decides. The guest's virtual IOPL
 * (PHYSDEVOP_set_iopl) or I/O bitmap (PHYSDEVOP_set_iobitmap, a bitmap in
 * its own memory, a clear bit allowing the port) says whether the guest's
 * own kernel allows the access: if not, the #GP is the guest's. If so, the
 * access is emulated, reaching the device only when the administrator
 * allows it: the privileged domain, for ports the hypervisor does not use
 * itself; for any other domain reads give all ones and writes are dropped
 * (Xen's admin_io_okay()).
 *
 * The decoding and bitmap arithmetic are portable (pv/io_decode.c, unit
 * tested); pv/physdev.c has the hypercall and the emulation.
 */
#ifndef ASM_PV_IO_H
#define ASM_PV_IO_H

#include <sable/types.h>

#define IOBMP_BYTES     8192            /* a whole I/O bitmap: 65536 ports */
#define IO_INSN_MAX     6               /* bytes decoded: prefixes + opcode + imm8 */

/* A decoded IN or OUT (not the string forms INS/OUTS). */
struct pv_io_insn {
    uint8_t len;                        /* instruction bytes, prefixes included */
    uint8_t bytes;                      /* access size: 1, 2 or 4 */
    bool in;
    bool port_in_dx;                    /* else an imm8 port */
    uint8_t imm_port;
};

/*
 * Decode an IN/OUT at the start of code[0..n): operand-size (0x66) and REX
 * prefixes are understood, anything else is not an I/O instruction here.
 * True when it is one.
 */
bool pv_io_decode(const uint8_t *code, size_t n, struct pv_io_insn *io);

/*
 * Does an I/O bitmap allow bytes ports from port? bits holds the two bitmap
 * bytes at port / 8 (little-endian: byte port/8 in bits 0-7); every port of
 * the access must have its bit clear.
 */
bool pv_iobitmap_allows(uint16_t bits, unsigned int port, unsigned int bytes);

#endif
