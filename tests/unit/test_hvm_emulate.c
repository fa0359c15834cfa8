/*
 * MMIO instruction decoder and emulator: a table of real encodings (as GNU
 * as emits them, 64- and 32-bit code) with what each must decode to, the
 * refusals (other opcodes, LOCK, register operands, truncation, more than
 * 15 bytes), and emulation against fake registers and MMIO: register
 * merge and extension rules, immediates, and errors that change nothing.
 * SOURCES: hypervisor/arch/x86/hvm/emulate.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sable/lib.h>
#include <sable/errno.h>
#include <hvm/emulate.h>

#define W X86_MEM_WRITE
#define R X86_MEM_READ
#define NOSEG X86_SEG_NONE

struct decode_case {
    const char *text;
    enum x86_mode mode;
    uint8_t bytes[16];
    unsigned int nbytes;
    int rc;
    uint8_t len;
    enum x86_dir dir;
    uint8_t mem_size, reg_size;
    int reg;                    /* -1: immediate */
    bool high_byte, sign;
    uint64_t imm;
    enum x86_seg seg;
    bool rip_relative;
    int32_t disp;
};

#define M64 X86_MODE_64
#define M32 X86_MODE_32
#define B(...) { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct decode_case cases[] = {
    { "mov %eax,(%rdi)", M64, B(0x89, 0x07), 0, 2, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov (%rax),%eax", M64, B(0x8b, 0x00), 0, 2, R, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov 0xfee00300,%eax (SIB, no base)", M64, B(0x8b, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe),
      0, 7, R, 4, 4, X86_RAX, .seg = NOSEG, .disp = (int32_t)0xfee00300 },
    { "movabs 0xfee00300,%eax", M64, B(0xa1, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0),
      0, 9, R, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %ecx,0x300(%rdx)", M64, B(0x89, 0x8a, 0x00, 0x03, 0x00, 0x00),
      0, 6, W, 4, 4, X86_RCX, .seg = NOSEG, .disp = 0x300 },
    { "mov %r9d,0x10(%r12)", M64, B(0x45, 0x89, 0x4c, 0x24, 0x10),
      0, 5, W, 4, 4, X86_R9, .seg = NOSEG, .disp = 0x10 },
    { "mov %rax,0x8(%rbx,%rsi,4)", M64, B(0x48, 0x89, 0x44, 0xb3, 0x08),
      0, 5, W, 8, 8, X86_RAX, .seg = NOSEG, .disp = 8 },
    { "mov 0x100(%rip),%edx", M64, B(0x8b, 0x15, 0x00, 0x01, 0x00, 0x00),
      0, 6, R, 4, 4, X86_RDX, .seg = NOSEG, .rip_relative = true, .disp = 0x100 },
    { "movb $0x5a,(%rcx)", M64, B(0xc6, 0x01, 0x5a), 0, 3, W, 1, 1, -1, .imm = 0x5a, .seg = NOSEG },
    { "movl $0x12345678,0x20(%rax)", M64, B(0xc7, 0x40, 0x20, 0x78, 0x56, 0x34, 0x12),
      0, 7, W, 4, 4, -1, .imm = 0x12345678, .seg = NOSEG, .disp = 0x20 },
    { "movq $-1,(%rax)", M64, B(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
      0, 7, W, 8, 8, -1, .imm = ~0ULL, .seg = NOSEG },
    { "movw $0x1234,(%rax)", M64, B(0x66, 0xc7, 0x00, 0x34, 0x12),
      0, 5, W, 2, 2, -1, .imm = 0x1234, .seg = NOSEG },
    { "mov %ax,(%rbx)", M64, B(0x66, 0x89, 0x03), 0, 3, W, 2, 2, X86_RAX, .seg = NOSEG },
    { "mov (%rbx),%ah", M64, B(0x8a, 0x23), 0, 2, R, 1, 1, X86_RAX, .high_byte = true, .seg = NOSEG },
    { "mov (%rbx),%spl", M64, B(0x40, 0x8a, 0x23), 0, 3, R, 1, 1, X86_RSP, .seg = NOSEG },
    { "mov %bh,(%rax)", M64, B(0x88, 0x38), 0, 2, W, 1, 1, X86_RBX, .high_byte = true, .seg = NOSEG },
    { "mov %r8b,(%rax)", M64, B(0x44, 0x88, 0x00), 0, 3, W, 1, 1, X86_R8, .seg = NOSEG },
    { "movzbl (%rax),%ecx", M64, B(0x0f, 0xb6, 0x08), 0, 3, R, 1, 4, X86_RCX, .seg = NOSEG },
    { "movzwl 0x4(%rax),%r10d", M64, B(0x44, 0x0f, 0xb7, 0x50, 0x04),
      0, 5, R, 2, 4, X86_R10, .seg = NOSEG, .disp = 4 },
    { "movsbq (%rdx),%rax", M64, B(0x48, 0x0f, 0xbe, 0x02), 0, 4, R, 1, 8, X86_RAX,
      .sign = true, .seg = NOSEG },
    { "movswl (%rdx),%eax", M64, B(0x0f, 0xbf, 0x02), 0, 3, R, 2, 4, X86_RAX, .sign = true, .seg = NOSEG },
    { "movsbw (%rax),%cx", M64, B(0x66, 0x0f, 0xbe, 0x08), 0, 4, R, 1, 2, X86_RCX,
      .sign = true, .seg = NOSEG },
    { "movzbw (%rax),%r11w", M64, B(0x66, 0x44, 0x0f, 0xb6, 0x18), 0, 5, R, 1, 2, X86_R11, .seg = NOSEG },
    { "mov %eax,%fs:(%rax)", M64, B(0x64, 0x89, 0x00), 0, 3, W, 4, 4, X86_RAX, .seg = X86_SEG_FS },
    { "mov %eax,%es:(%rax)", M64, B(0x26, 0x89, 0x00), 0, 3, W, 4, 4, X86_RAX, .seg = X86_SEG_ES },
    { "rep mov %eax,(%rdi)", M64, B(0xf3, 0x89, 0x07), 0, 3, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %eax,(%rsp)", M64, B(0x89, 0x04, 0x24), 0, 3, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %eax,0x0(%rbp)", M64, B(0x89, 0x45, 0x00), 0, 3, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %eax,0x0(%r13)", M64, B(0x41, 0x89, 0x45, 0x00), 0, 4, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %eax,0x10(,%rcx,8)", M64, B(0x89, 0x04, 0xcd, 0x10, 0, 0, 0),
      0, 7, W, 4, 4, X86_RAX, .seg = NOSEG, .disp = 0x10 },
    { "mov %eax,(%edi)", M64, B(0x67, 0x89, 0x07), 0, 3, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov -0x10(%rbp),%eax", M64, B(0x8b, 0x45, 0xf0), 0, 3, R, 4, 4, X86_RAX,
      .seg = NOSEG, .disp = -16 },
    { "mov %eax,-0x80000000(%rdx)", M64, B(0x89, 0x82, 0x00, 0x00, 0x00, 0x80),
      0, 6, W, 4, 4, X86_RAX, .seg = NOSEG, .disp = INT32_MIN },
    { "REX then 0x66: REX ignored", M64, B(0x48, 0x66, 0x89, 0x07), 0, 4, W, 2, 2, X86_RAX, .seg = NOSEG },
    /* 32-bit code */
    { "mov %eax,0xfee00300 (32)", M32, B(0xa3, 0x00, 0x03, 0xe0, 0xfe), 0, 5, W, 4, 4, X86_RAX, .seg = NOSEG },
    { "mov %ecx,0x1234 (32)", M32, B(0x89, 0x0d, 0x34, 0x12, 0x00, 0x00),
      0, 6, W, 4, 4, X86_RCX, .seg = NOSEG, .disp = 0x1234 },
    { "mov %ecx,(%bx) (32, addr16)", M32, B(0x67, 0x89, 0x0f), 0, 3, W, 4, 4, X86_RCX, .seg = NOSEG },
    { "mov %ecx,0x1234 (32, addr16)", M32, B(0x67, 0x89, 0x0e, 0x34, 0x12),
      0, 5, W, 4, 4, X86_RCX, .seg = NOSEG, .disp = 0x1234 },
    { "movsbl (%eax),%ecx (32)", M32, B(0x0f, 0xbe, 0x08), 0, 3, R, 1, 4, X86_RCX, .sign = true, .seg = NOSEG },
    { "mov (%esi),%ah (32)", M32, B(0x8a, 0x26), 0, 2, R, 1, 1, X86_RAX, .high_byte = true, .seg = NOSEG },
    /* refused */
    { "add %eax,(%rdi)", M64, B(0x01, 0x07), -EOPNOTSUPP, .seg = NOSEG },
    { "mov %eax,%ecx (register)", M64, B(0x89, 0xc1), -EOPNOTSUPP, .seg = NOSEG },
    { "lock mov", M64, B(0xf0, 0x89, 0x07), -EOPNOTSUPP, .seg = NOSEG },
    { "c7 /1", M64, B(0xc7, 0x08, 0, 0, 0, 0), -EOPNOTSUPP, .seg = NOSEG },
    { "ud2", M64, B(0x0f, 0x0b), -EOPNOTSUPP, .seg = NOSEG },
    { "movsl", M64, B(0xa5), -EOPNOTSUPP, .seg = NOSEG },
    { "xchg %eax,(%rdi)", M64, B(0x87, 0x07), -EOPNOTSUPP, .seg = NOSEG },
    { "dec %eax (0x48 in 32-bit code)", M32, B(0x48, 0x89, 0x07), -EOPNOTSUPP, .seg = NOSEG },
    { "truncated SIB", M64, B(0x8b, 0x04), -ENODATA, .seg = NOSEG },
    { "truncated disp32", M64, B(0x89, 0x8a, 0x00, 0x03), -ENODATA, .seg = NOSEG },
    { "truncated imm", M64, B(0xc7, 0x00, 0x01), -ENODATA, .seg = NOSEG },
    { "only prefixes", M64, B(0x66, 0x66), -ENODATA, .seg = NOSEG },
    { "nothing", M64, { 0 }, 0, -ENODATA, .seg = NOSEG },
    { "16 bytes", M64, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                         0x66, 0x66, 0x66, 0x89, 0x07), -EINVAL, .seg = NOSEG },
};

static void test_decode_table(void **state)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct decode_case *t = &cases[i];
        struct x86_insn insn;
        int rc = x86_decode(t->bytes, t->nbytes, t->mode, &insn);

        if (rc != t->rc)
            fail_msg("%s: rc %d, expected %d", t->text, rc, t->rc);
        assert_int_equal(insn.nr_bytes, MIN(t->nbytes, 15u));
        if (rc)
            continue;
        if (insn.len != t->len || insn.dir != t->dir || insn.mem_size != t->mem_size ||
            insn.reg_size != t->reg_size || insn.high_byte != t->high_byte ||
            insn.sign_extend != t->sign || insn.has_imm != (t->reg < 0) ||
            insn.seg != t->seg || insn.rip_relative != t->rip_relative || insn.disp != t->disp)
            fail_msg("%s: len %u dir %d size %u/%u high %d sign %d imm %d seg %d rip %d disp %d",
                     t->text, insn.len, insn.dir, insn.mem_size, insn.reg_size, insn.high_byte,
                     insn.sign_extend, insn.has_imm, insn.seg, insn.rip_relative, insn.disp);
        if (t->reg >= 0 && insn.reg != t->reg)
            fail_msg("%s: reg %u, expected %d", t->text, insn.reg, t->reg);
        if (t->reg < 0 && insn.imm != t->imm)
            fail_msg("%s: imm %#llx", t->text, (unsigned long long)insn.imm);
    }
}

/* --- emulation against a fake vCPU --- */

static struct {
    uint8_t code[32];
    unsigned int code_len;      /* readable bytes at RIP */
    int fetch_rc;               /* < 0: fetch fails */
    uint64_t gpr[X86_NR_GPRS];
    uint64_t read_value;
    int mmio_rc;
    unsigned int reads, writes;
    uint64_t last_gpa, last_value;
    unsigned int last_size;
} g;

static int fake_fetch(void *ctx, uint64_t rip, uint8_t *buf, unsigned int len)
{
    unsigned int n = MIN(len, g.code_len);

    assert_int_equal(rip, 0xffffffff81000000ULL);
    if (g.fetch_rc < 0)
        return g.fetch_rc;
    memcpy(buf, g.code, n);
    return (int)n;
}

static int fake_read(void *ctx, uint64_t gpa, unsigned int size, uint64_t *value)
{
    g.reads++;
    g.last_gpa = gpa;
    g.last_size = size;
    *value = g.read_value;
    return g.mmio_rc;
}

static int fake_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t value)
{
    g.writes++;
    g.last_gpa = gpa;
    g.last_size = size;
    g.last_value = value;
    return g.mmio_rc;
}

static uint64_t fake_get(void *ctx, enum x86_gpr r) { return g.gpr[r]; }
static void fake_set(void *ctx, enum x86_gpr r, uint64_t v) { g.gpr[r] = v; }

static const struct hvm_emul_ops ops = {
    .fetch = fake_fetch, .mmio_read = fake_read, .mmio_write = fake_write,
    .get_gpr = fake_get, .set_gpr = fake_set,
};

static int setup(void **state)
{
    memset(&g, 0, sizeof(g));
    g.code_len = sizeof(g.code);
    for (unsigned int i = 0; i < X86_NR_GPRS; i++)
        g.gpr[i] = 0x1111111111111111ULL * (i + 1);
    return 0;
}

/* Emulate bytes (64-bit code) at the fake RIP on gpa 0xfee00300. */
static int run(const uint8_t *bytes, unsigned int n, struct x86_insn *insn)
{
    memset(g.code, 0xcc, sizeof(g.code));
    memcpy(g.code, bytes, n);
    return hvm_emulate_mmio(&ops, NULL, X86_MODE_64, 0xffffffff81000000ULL, 0xfee00300, insn);
}

#define RUN(insn, ...) run((const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), insn)

static void test_loads(void **state)
{
    struct x86_insn insn;

    g.gpr[X86_RAX] = ~0ULL;
    g.read_value = 0xdeadbeef;
    assert_int_equal(RUN(&insn, 0x8b, 0x00), 0);    /* mov (%rax),%eax */
    assert_int_equal(insn.len, 2);
    assert_int_equal(g.last_gpa, 0xfee00300);
    assert_int_equal(g.last_size, 4);
    assert_int_equal(g.gpr[X86_RAX], 0xdeadbeef);    /* 32-bit load zero-extends */
    g.gpr[X86_RAX] = 0x1122334455667788ULL;
    g.read_value = 0xaa;
    assert_int_equal(RUN(&insn, 0x8a, 0x23), 0);    /* mov (%rbx),%ah */
    assert_int_equal(g.gpr[X86_RAX], 0x112233445566aa88ULL);
    g.read_value = 0x80;
    assert_int_equal(RUN(&insn, 0x48, 0x0f, 0xbe, 0x02), 0);   /* movsbq (%rdx),%rax */
    assert_int_equal(g.gpr[X86_RAX], 0xffffffffffffff80ULL);
    g.read_value = 0x8000;
    assert_int_equal(RUN(&insn, 0x0f, 0xbf, 0x02), 0);         /* movswl (%rdx),%eax */
    assert_int_equal(g.gpr[X86_RAX], 0xffff8000ULL);
    g.read_value = 0xff;
    assert_int_equal(RUN(&insn, 0x66, 0x0f, 0xbe, 0x08), 0);   /* movsbw (%rax),%cx */
    assert_int_equal(g.gpr[X86_RCX], 0x222222222222ffffULL);
    g.read_value = 0x180;                                      /* wider than the access */
    assert_int_equal(RUN(&insn, 0x66, 0x44, 0x0f, 0xb6, 0x18), 0);  /* movzbw (%rax),%r11w */
    assert_int_equal(g.gpr[X86_R11], 0xcccccccccccc0080ULL);
    g.read_value = 0x12345678abcdef01ULL;
    assert_int_equal(RUN(&insn, 0x48, 0x8b, 0x44, 0xb3, 0x08), 0);  /* 64-bit */
    assert_int_equal(g.gpr[X86_RAX], 0x12345678abcdef01ULL);
    g.read_value = 0xbeef;
    assert_int_equal(RUN(&insn, 0x66, 0x8b, 0x3b), 0);         /* mov (%rbx),%di */
    assert_int_equal(g.gpr[X86_RDI], 0x888888888888beefULL);
    assert_int_equal(g.reads, 8);
    assert_int_equal(g.writes, 0);
}

static void test_stores(void **state)
{
    struct x86_insn insn;

    g.gpr[X86_RBX] = 0x1234;
    assert_int_equal(RUN(&insn, 0x88, 0x38), 0);    /* mov %bh,(%rax) */
    assert_int_equal(g.last_size, 1);
    assert_int_equal(g.last_value, 0x12);
    g.gpr[X86_RAX] = 0xffffffffcafef00dULL;
    assert_int_equal(RUN(&insn, 0x66, 0x89, 0x03), 0);          /* mov %ax,(%rbx) */
    assert_int_equal(g.last_size, 2);
    assert_int_equal(g.last_value, 0xf00d);
    assert_int_equal(RUN(&insn, 0x45, 0x89, 0x4c, 0x24, 0x10), 0); /* mov %r9d,0x10(%r12) */
    assert_int_equal(g.last_value, 0xaaaaaaaa);
    assert_int_equal(RUN(&insn, 0x66, 0xc7, 0x00, 0x34, 0x12), 0);  /* movw $0x1234 */
    assert_int_equal(g.last_size, 2);
    assert_int_equal(g.last_value, 0x1234);
    assert_int_equal(RUN(&insn, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), 0);
    assert_int_equal(g.last_size, 8);
    assert_int_equal(g.last_value, ~0ULL);
    assert_int_equal(RUN(&insn, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), 0);   /* movl $0x80000000 */
    assert_int_equal(g.last_size, 4);
    assert_int_equal(g.last_value, 0x80000000ULL);
    assert_int_equal(RUN(&insn, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0, 0, 0, 0), 0);  /* movabs %eax */
    assert_int_equal(insn.len, 9);
    assert_int_equal(g.last_value, 0xcafef00d);
    assert_int_equal(g.reads, 0);
    assert_int_equal(g.writes, 7);
}

static void test_errors_change_nothing(void **state)
{
    uint64_t before[X86_NR_GPRS];
    struct x86_insn insn;
    char text[64];

    memcpy(before, g.gpr, sizeof(before));
    assert_int_equal(RUN(&insn, 0x0f, 0x0b), -EOPNOTSUPP);
    x86_insn_format(&insn, text, sizeof(text));
    assert_string_equal(text, "0f 0b cc cc cc cc cc cc cc cc cc cc cc cc cc");
    x86_insn_format(&insn, text, 9);
    assert_string_equal(text, "0f 0b cc");
    g.code_len = 3;                     /* the instruction runs off readable memory */
    assert_int_equal(RUN(&insn, 0x8b, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe), -EFAULT);
    g.code_len = 0;
    assert_int_equal(RUN(&insn, 0x8b, 0x00), -EFAULT);
    g.code_len = 32;
    g.fetch_rc = -ENOENT;
    assert_int_equal(RUN(&insn, 0x8b, 0x00), -ENOENT);
    g.fetch_rc = 0;
    g.mmio_rc = -EIO;
    assert_int_equal(RUN(&insn, 0x8b, 0x00), -EIO);
    assert_int_equal(RUN(&insn, 0x89, 0x00), -EIO);
    assert_memory_equal(before, g.gpr, sizeof(before));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test_setup(test_loads, setup),
        cmocka_unit_test_setup(test_stores, setup),
        cmocka_unit_test_setup(test_errors_change_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
