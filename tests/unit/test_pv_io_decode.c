/*
 * Decoding a PV guest's IN/OUT for emulation, and its I/O bitmap: every
 * form with its length and size, prefixes, what is not an IN/OUT, short
 * buffers, and bitmap bits across a byte boundary.
 * SOURCES: hypervisor/arch/x86/pv/io_decode.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <asm/pv_io.h>

static struct pv_io_insn decode_ok(const uint8_t *code, size_t n)
{
    struct pv_io_insn io;

    assert_true(pv_io_decode(code, n, &io));
    return io;
}

static void test_forms(void **state)
{
    static const struct {
        uint8_t code[4];
        size_t n;
        unsigned int len, bytes;
        bool in, dx;
        uint8_t port;
    } cases[] = {
        { { 0xe4, 0x60 }, 2, 2, 1, true, false, 0x60 },         /* in al, 0x60 */
        { { 0xe5, 0x71 }, 2, 2, 4, true, false, 0x71 },         /* in eax, 0x71 */
        { { 0x66, 0xe5, 0x71 }, 3, 3, 2, true, false, 0x71 },   /* in ax, 0x71 */
        { { 0xe6, 0x80 }, 2, 2, 1, false, false, 0x80 },        /* out 0x80, al */
        { { 0xe7, 0x80 }, 2, 2, 4, false, false, 0x80 },        /* out 0x80, eax */
        { { 0xec }, 1, 1, 1, true, true, 0 },                   /* in al, dx */
        { { 0xed }, 1, 1, 4, true, true, 0 },                   /* in eax, dx */
        { { 0x66, 0xef }, 2, 2, 2, false, true, 0 },            /* out dx, ax */
        { { 0x48, 0xee }, 2, 2, 1, false, true, 0 },            /* REX.W: no effect */
        { { 0x66, 0x41, 0xed }, 3, 3, 2, true, true, 0 },       /* 66 then REX */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pv_io_insn io = decode_ok(cases[i].code, cases[i].n);

        assert_int_equal(io.len, cases[i].len);
        assert_int_equal(io.bytes, cases[i].bytes);
        assert_int_equal(io.in, cases[i].in);
        assert_int_equal(io.port_in_dx, cases[i].dx);
        assert_int_equal(io.imm_port, cases[i].port);
    }
}

static void test_not_io(void **state)
{
    static const uint8_t not_io[][3] = {
        { 0x6c }, { 0x6e }, { 0xf3, 0x6e },     /* INS / OUTS, REP OUTS: not emulated */
        { 0xfa }, { 0x0f, 0x01, 0xd9 },         /* CLI (handled apart), VMMCALL */
        { 0x2e, 0xec },                         /* a segment override: not ours */
        { 0x66, 0x66, 0x66 },                   /* prefixes only */
    };
    struct pv_io_insn io;

    for (size_t i = 0; i < sizeof(not_io) / sizeof(not_io[0]); i++)
        assert_false(pv_io_decode(not_io[i], 3, &io));
    assert_false(pv_io_decode((const uint8_t[]){ 0xe4 }, 1, &io));    /* imm8 missing */
    assert_false(pv_io_decode((const uint8_t[]){ 0x66 }, 1, &io));
    assert_false(pv_io_decode(NULL, 0, &io));
    /* Endless prefixes are cut off: never read past the buffer. */
    assert_false(pv_io_decode((const uint8_t[]){ 0x66, 0x66, 0x66, 0x66, 0x66, 0xec }, 6, &io));
}

static void test_bitmap(void **state)
{
    /* Port 0x80 allowed (bit 0 of byte 0x10), 0x81 denied. */
    uint16_t bits = 0xfffe;

    assert_true(pv_iobitmap_allows(bits, 0x80, 1));
    assert_false(pv_iobitmap_allows(bits, 0x81, 1));
    assert_false(pv_iobitmap_allows(bits, 0x80, 2));        /* 0x81 is part of it */
    /* Ports 0x87 and 0x88: bit 7 of the first byte, bit 0 of the second. */
    bits = 0x0000;
    assert_true(pv_iobitmap_allows(bits, 0x87, 4));
    bits = 0x0100;
    assert_false(pv_iobitmap_allows(bits, 0x87, 2));
    assert_true(pv_iobitmap_allows(bits, 0x87, 1));
    bits = 0x0400;                                          /* port 0x8a, via 0x87 + 3 */
    assert_false(pv_iobitmap_allows(bits, 0x87, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_not_io),
        cmocka_unit_test(test_bitmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
