/*
 * A small vsnprintf: flags - 0 # +, space; width and precision (also *);
 * length modifiers hh h l ll z; conversions d i u x X o p s c %.
 * Output is always NUL-terminated when size > 0; the return value is the
 * length the full output would have had, as in C99.
 */
#include <sable/lib.h>

struct out {
    char *buf;
    size_t size, pos;
};

static void put(struct out *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero, alt, plus, space;
    int width, prec;
};

static void put_number(struct out *o, uint64_t v, bool neg, unsigned int base,
                       bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len, zeros = 0;
    const char *prefix = "";

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (sp->prec == 0 && n == 1 && tmp[0] == '0')
        n = 0;
    if (neg)
        prefix = "-";
    else if (sp->plus)
        prefix = "+";
    else if (sp->space)
        prefix = " ";
    if (sp->alt && base == 16)
        prefix = upper ? "0X" : "0x";
    else if (sp->alt && base == 8)
        prefix = "0";
    if (sp->prec > n)
        zeros = sp->prec - n;
    len = strlen(prefix) + zeros + n;
    if (!sp->left && !sp->zero)
        pad(o, ' ', sp->width - len);
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    if (!sp->left && sp->zero)
        pad(o, '0', sp->width - len);
    pad(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        pad(o, ' ', sp->width - len);
}

static void put_string(struct out *o, const char *s, const struct spec *sp)
{
    int len;

    if (!s)
        s = "(null)";
    len = sp->prec >= 0 ? (int)strnlen(s, sp->prec) : (int)strlen(s);
    if (!sp->left)
        pad(o, ' ', sp->width - len);
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    if (sp->left)
        pad(o, ' ', sp->width - len);
}

/* Parse flags, width and precision at *fmt; advances *fmt past them. */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
    const char *f = *fmt;

    *sp = (struct spec){ .prec = -1 };
    for (;; f++) {
        if (*f == '-') sp->left = true;
        else if (*f == '0') sp->zero = true;
        else if (*f == '#') sp->alt = true;
        else if (*f == '+') sp->plus = true;
        else if (*f == ' ') sp->space = true;
        else break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        f++;
        sp->prec = 0;
        if (*f == '*') {
            sp->prec = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9')
            sp->prec = sp->prec * 10 + (*f++ - '0');
    }
    *fmt = f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;

    va_copy(ap, ap_in);
    for (; *fmt; fmt++) {
        struct spec sp;
        int lng = 0;        /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
        uint64_t u;
        int64_t s;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        parse_spec(&fmt, &ap, &sp);
        for (;; fmt++) {
            if (*fmt == 'l') lng++;
            else if (*fmt == 'h') lng--;
            else if (*fmt == 'z') lng = 1;
            else break;
        }
        switch (*fmt) {
        case 'd': case 'i':
            s = lng >= 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (lng == -1) s = (short)s;
            if (lng == -2) s = (signed char)s;
            put_number(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, false, &sp);
            break;
        case 'u': case 'x': case 'X': case 'o':
            u = lng >= 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if (lng == -1) u = (unsigned short)u;
            if (lng == -2) u = (unsigned char)u;
            put_number(&o, u, false, *fmt == 'o' ? 8 : *fmt == 'u' ? 10 : 16,
                       *fmt == 'X', &sp);
            break;
        case 'p':
            sp.alt = true;
            put_number(&o, (uint64_t)va_arg(ap, void *), false, 16, false, &sp);
            break;
        case 's':
            put_string(&o, va_arg(ap, const char *), &sp);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
        }
    }
    va_end(ap);
    if (size)
        buf[MIN(o.pos, size - 1)] = '\0';
    return o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
