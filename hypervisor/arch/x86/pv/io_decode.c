/* Decoding a PV guest's IN/OUT and reading its I/O bitmap (asm/pv_io.h). */
#include <asm/pv_io.h>

bool pv_io_decode(const uint8_t *code, size_t n, struct pv_io_insn *io)
{
    unsigned int i = 0, opsize = 4;
    uint8_t op;

    while (i < n && i < IO_INSN_MAX - 2 && (code[i] == 0x66 || (code[i] & 0xf0) == 0x40)) {
        if (code[i] == 0x66)
            opsize = 2;
        i++;
    }
    if (i >= n)
        return false;
    op = code[i++];
    switch (op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:         /* IN/OUT with an imm8 port */
        if (i >= n)
            return false;
        io->port_in_dx = false;
        io->imm_port = code[i++];
        break;
    case 0xec: case 0xed: case 0xee: case 0xef:         /* IN/OUT with the port in DX */
        io->port_in_dx = true;
        io->imm_port = 0;
        break;
    default:
        return false;
    }
    io->len = i;
    io->bytes = (op & 1) ? opsize : 1;
    io->in = !(op & 2);
    return true;
}

bool pv_iobitmap_allows(uint16_t bits, unsigned int port, unsigned int bytes)
{
    uint16_t want = ((1U << bytes) - 1) << (port & 7);

    return (bits & want) == 0;
}
