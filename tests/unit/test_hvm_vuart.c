/*
 * Virtual 16550A UART: output, input queue, divisor latch, scratch, and the
 * probes Linux's 8250 driver runs (loopback MSR test, FIFO identification,
 * the THRE re-assertion test), interrupt identification and the I/O port
 * interface.
 * SOURCES: hypervisor/arch/x86/hvm/vuart.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <hvm/vuart.h>

enum { THR, IER, IIR, LCR, MCR, LSR, MSR, SCR, FCR = IIR, RBR = THR, DLL = THR, DLM = IER };

static struct vuart uart;
static char out[256];
static size_t out_len;
static int out_calls;

static void capture(void *ctx, const char *s, size_t len)
{
    assert_ptr_equal(ctx, &out_len);
    assert_true(out_len + len <= sizeof(out));
    memcpy(out + out_len, s, len);
    out_len += len;
    out_calls++;
}

static const struct vuart_ops ops = { .output = capture };

static int setup(void **state)
{
    vuart_init(&uart, &ops, &out_len);
    out_len = 0;
    out_calls = 0;
    return 0;
}

static void put(const char *s)
{
    while (*s)
        vuart_write(&uart, THR, (uint8_t)*s++);
}

static void test_output_and_lsr(void **state)
{
    assert_int_equal(vuart_read(&uart, LSR), 0x60);
    put("hello\n");
    assert_int_equal(out_len, 6);
    assert_memory_equal(out, "hello\n", 6);
    assert_int_equal(out_calls, 6);
    assert_int_equal(vuart_read(&uart, LSR), 0x60);    /* THRE|TEMT, never busy */
    assert_int_equal(vuart_read(&uart, IIR), 0x01);    /* no interrupt enabled */
}

static void test_scratch_and_divisor(void **state)
{
    vuart_write(&uart, SCR, 0xa5);
    assert_int_equal(vuart_read(&uart, SCR), 0xa5);
    vuart_write(&uart, LCR, 0x80);                      /* DLAB */
    assert_int_equal(vuart_read(&uart, DLL), 1);
    vuart_write(&uart, DLL, 0x0c);
    vuart_write(&uart, DLM, 0x00);
    assert_int_equal(vuart_read(&uart, DLL), 0x0c);
    assert_int_equal(vuart_read(&uart, DLM), 0x00);
    assert_int_equal(out_len, 0);                       /* no byte was sent */
    vuart_write(&uart, LCR, 0x03);                      /* 8N1 */
    assert_int_equal(vuart_read(&uart, LCR), 0x03);
    assert_int_equal(vuart_read(&uart, IER), 0);
    vuart_write(&uart, THR, 'x');
    assert_int_equal(out_len, 1);
}

/* autoconfig(): MCR = LOOP | OUT2 | RTS must show CTS | DCD and nothing else. */
static void test_linux_loopback_probe(void **state)
{
    assert_int_equal(vuart_read(&uart, MSR) & 0xf0, 0xb0);  /* a connected line */
    vuart_write(&uart, MCR, 0x10 | 0x0a);
    assert_int_equal(vuart_read(&uart, MSR) & 0xf0, 0x90);
    vuart_write(&uart, MCR, 0x1f);
    assert_int_equal(vuart_read(&uart, MSR) & 0xf0, 0xf0);
    vuart_write(&uart, THR, 'L');                          /* comes back, not out */
    assert_int_equal(out_len, 0);
    assert_int_equal(vuart_read(&uart, LSR), 0x61);
    assert_int_equal(vuart_read(&uart, RBR), 'L');
    assert_int_equal(vuart_read(&uart, LSR), 0x60);
    vuart_write(&uart, MCR, 0x0b);
    assert_int_equal(vuart_read(&uart, MSR) & 0xf0, 0xb0);
    assert_int_equal(vuart_read(&uart, MCR), 0x0b);
}

static void test_msr_deltas(void **state)
{
    vuart_write(&uart, MCR, 0x10);                         /* loopback, all lines low */
    assert_int_equal(vuart_read(&uart, MSR), 0x0b);        /* CTS, DSR, DCD dropped */
    assert_int_equal(vuart_read(&uart, MSR), 0x00);
    vuart_write(&uart, MCR, 0x10 | 0x02 | 0x04);           /* RTS, OUT1 */
    assert_int_equal(vuart_read(&uart, MSR), 0x10 | 0x40 | 0x01);
    vuart_write(&uart, MCR, 0x10);
    assert_int_equal(vuart_read(&uart, MSR), 0x01 | 0x04); /* DCTS, trailing RI */
}

/* autoconfig_16550a(): FIFO bits 11 -> 16550A; no 64-byte FIFO (not a 16750). */
static void test_linux_fifo_probe(void **state)
{
    vuart_write(&uart, FCR, 0x01);
    assert_int_equal(vuart_read(&uart, IIR) >> 6, 3);
    vuart_write(&uart, LCR, 0xbf);                      /* EFR probe reads IIR here */
    assert_int_not_equal(vuart_read(&uart, IIR), 0);
    vuart_write(&uart, LCR, 0);
    vuart_write(&uart, FCR, 0x01 | 0x20);
    assert_int_equal(vuart_read(&uart, IIR) >> 5, 6);
    vuart_write(&uart, LCR, 0x80);
    vuart_write(&uart, FCR, 0x01 | 0x20);
    assert_int_equal(vuart_read(&uart, IIR) >> 5, 6);
    vuart_write(&uart, LCR, 0);
    vuart_write(&uart, FCR, 0);
    assert_int_equal(vuart_read(&uart, IIR), 0x01);
}

static void test_input_queue(void **state)
{
    char many[100];

    assert_int_equal(vuart_receive(&uart, "abc", 3), 3);
    assert_int_equal(vuart_read(&uart, LSR), 0x61);
    assert_int_equal(vuart_read(&uart, RBR), 'a');
    assert_int_equal(vuart_read(&uart, RBR), 'b');
    assert_int_equal(vuart_read(&uart, RBR), 'c');
    assert_int_equal(vuart_read(&uart, LSR), 0x60);
    assert_int_equal(vuart_read(&uart, RBR), 0);        /* empty */
    for (unsigned int i = 0; i < sizeof(many); i++)
        many[i] = (char)i;
    assert_int_equal(vuart_receive(&uart, many, sizeof(many)), VUART_RX_SIZE);
    assert_int_equal(vuart_read(&uart, LSR), 0x61);     /* held, not an overrun */
    for (unsigned int i = 0; i < VUART_RX_SIZE; i++)
        assert_int_equal(vuart_read(&uart, RBR), i);
    assert_int_equal(vuart_receive(&uart, many, 2), 2);
    vuart_write(&uart, FCR, 0x03);                      /* clear the receive FIFO */
    assert_int_equal(vuart_read(&uart, LSR), 0x60);
}

static void test_interrupts(void **state)
{
    assert_false(vuart_irq_level(&uart));
    vuart_write(&uart, IER, 0x01);
    vuart_receive(&uart, "k", 1);
    assert_int_equal(vuart_read(&uart, IIR), 0x04);
    assert_false(vuart_irq_level(&uart));               /* OUT2 gates the line */
    vuart_write(&uart, MCR, 0x08);
    assert_true(vuart_irq_level(&uart));
    vuart_read(&uart, RBR);
    assert_false(vuart_irq_level(&uart));
    assert_int_equal(vuart_read(&uart, IIR), 0x01);
    vuart_write(&uart, IER, 0x03);                      /* THRE: idle, so pending */
    assert_true(vuart_irq_level(&uart));
    assert_int_equal(vuart_read(&uart, IIR), 0x02);
    assert_int_equal(vuart_read(&uart, IIR), 0x01);     /* acknowledged by the read */
    vuart_write(&uart, THR, '.');
    assert_int_equal(vuart_read(&uart, IIR), 0x02);
    vuart_receive(&uart, "z", 1);                       /* data outranks THRE */
    vuart_write(&uart, THR, '.');
    assert_int_equal(vuart_read(&uart, IIR), 0x04);
}

/* serial8250_do_startup(): THRE must re-assert when IER enables it again. */
static void test_linux_thre_test(void **state)
{
    uint8_t iir1, iir;

    vuart_write(&uart, IER, 0x02);
    iir1 = vuart_read(&uart, IIR);
    vuart_write(&uart, IER, 0);
    vuart_write(&uart, IER, 0x02);
    iir = vuart_read(&uart, IIR);
    vuart_write(&uart, IER, 0);
    assert_int_equal(iir1 & 0x01, 0);
    assert_int_equal(iir & 0x01, 0);                    /* no UART_BUG_THRE */
}

static void test_loopback_overrun(void **state)
{
    vuart_write(&uart, MCR, 0x10);
    vuart_write(&uart, IER, 0x04);
    for (unsigned int i = 0; i <= VUART_RX_SIZE; i++)
        vuart_write(&uart, THR, 'o');
    assert_int_equal(vuart_read(&uart, IIR), 0x06);     /* receiver line status */
    assert_int_equal(vuart_read(&uart, LSR), 0x63);     /* OE, cleared by the read */
    assert_int_equal(vuart_read(&uart, LSR), 0x61);
    assert_int_equal(vuart_read(&uart, IIR), 0x01);
    assert_int_equal(out_len, 0);
}

static void test_io_ports(void **state)
{
    uint32_t v = 0x1234;

    assert_false(vuart_io(&uart, 0x3f7, 1, true, &v));
    assert_false(vuart_io(&uart, 0x400, 1, true, &v));
    assert_false(vuart_io(&uart, 0x2f8, 1, false, &v));
    assert_int_equal(v, 0x1234);
    v = 0x5a;
    assert_true(vuart_io(&uart, 0x3ff, 1, false, &v));
    assert_true(vuart_io(&uart, 0x3ff, 1, true, &v));
    assert_int_equal(v, 0x5a);
    assert_true(vuart_io(&uart, 0x3fe, 4, true, &v));   /* MSR, SCR, then past the end */
    assert_int_equal(v, 0xffff5ab0);
    v = 0x0241;                                         /* outw: THR 'A', IER 0x02 */
    assert_true(vuart_io(&uart, 0x3f8, 2, false, &v));
    assert_int_equal(out_len, 1);
    assert_int_equal(out[0], 'A');
    assert_int_equal(vuart_read(&uart, IER), 0x02);
    assert_true(vuart_io(&uart, 0x3fd, 1, true, &v));
    assert_int_equal(v, 0x60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_output_and_lsr, setup),
        cmocka_unit_test_setup(test_scratch_and_divisor, setup),
        cmocka_unit_test_setup(test_linux_loopback_probe, setup),
        cmocka_unit_test_setup(test_msr_deltas, setup),
        cmocka_unit_test_setup(test_linux_fifo_probe, setup),
        cmocka_unit_test_setup(test_input_queue, setup),
        cmocka_unit_test_setup(test_interrupts, setup),
        cmocka_unit_test_setup(test_linux_thre_test, setup),
        cmocka_unit_test_setup(test_loopback_overrun, setup),
        cmocka_unit_test_setup(test_io_ports, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
