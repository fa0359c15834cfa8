/*
 * Domain configuration files (dom0/include/dom0/config.h), in xl's syntax
 * (Xen's tools/libs/util/libxlu_cfg_l.l and _y.y): statements
 * "key = value" ended by a newline or ';', keys [a-z][._0-9a-z]*, values
 * a quoted string ('...' or "..." with backslash escapes), a bare number
 * ([0-9][0-9a-fx]*) or a list in [ ] (commas, newlines allowed inside, a
 * trailing comma too), '#' comments to the end of the line. Numbers read
 * as C's strtol(s, 0) does in xl: 0x hexadecimal, a leading 0 octal,
 * quoted or not.
 *
 * One pass: each statement is checked and applied to a private copy of
 * the result as soon as it is read; the first problem stops everything.
 */
#include <dom0/config.h>
#include <dom0/libc.h>
#include <dom0/strparse.h>

#define VALUE_MAX   CONFIG_CMDLINE_MAX      /* no key takes a longer value */
#define LIST_DEPTH  8

enum tok {
    TOK_EOF, TOK_NEWLINE, TOK_IDENT, TOK_NUMBER, TOK_STRING,
    TOK_ASSIGN, TOK_ADD, TOK_COMMA, TOK_LBRACKET, TOK_RBRACKET, TOK_SEMI, TOK_ERROR,
};

enum key_kind { KEY_NAME, KEY_PATH, KEY_CMDLINE, KEY_MIB, KEY_VCPUS, KEY_TYPE, KEY_ACTION };

struct key {
    const char *name;
    enum key_kind kind;
    size_t offset;              /* of the field in struct domain_config */
};

#define FIELD(f) offsetof(struct domain_config, f)
static const struct key keys[] = {
    { "name",        KEY_NAME,    FIELD(name) },
    { "type",        KEY_TYPE,    FIELD(type) },
    { "kernel",      KEY_PATH,    FIELD(kernel) },
    { "ramdisk",     KEY_PATH,    FIELD(ramdisk) },
    { "cmdline",     KEY_CMDLINE, FIELD(cmdline) },
    { "extra",       KEY_CMDLINE, FIELD(cmdline) },
    { "memory",      KEY_MIB,     FIELD(memory_mib) },
    { "maxmem",      KEY_MIB,     FIELD(maxmem_mib) },
    { "vcpus",       KEY_VCPUS,   FIELD(vcpus) },
    { "on_poweroff", KEY_ACTION,  FIELD(on_poweroff) },
    { "on_reboot",   KEY_ACTION,  FIELD(on_reboot) },
    { "on_crash",    KEY_ACTION,  FIELD(on_crash) },
};
#define NKEYS ARRAY_SIZE(keys)

static const char *const type_names[] = { "pv", "pvh" };
static const char *const action_names[] = { "destroy", "restart", "preserve" };

struct parser {
    const char *p, *end;
    unsigned int line;
    struct config_error *err;
    /* The current token. */
    enum tok tok;
    unsigned int tok_line;
    char text[VALUE_MAX + 1];   /* identifier, number or dequoted string */
    size_t text_len;
    /* Results so far. */
    struct domain_config cfg;
    unsigned int seen[NKEYS];   /* line where each key was set, 0 if not */
};

static int fail(struct parser *ps, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, unsigned int line, const char *fmt, ...)
{
    va_list ap;

    ps->err->line = line;
    va_start(ap, fmt);
    vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_ident_start(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

static bool is_number_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool text_put(struct parser *ps, char c)
{
    if (ps->text_len == VALUE_MAX)
        return false;
    ps->text[ps->text_len++] = c;
    ps->text[ps->text_len] = '\0';
    return true;
}

/* One escape after a backslash (xl's xlu__cfgl_dequote, without octal). */
static int lex_escape(struct parser *ps, char *out)
{
    static const char from[] = "\"'\\abfnrtv", to[] = "\"'\\\a\b\f\n\r\t\v";
    char c = ps->p < ps->end ? *ps->p++ : '\n';
    const char *hit = c ? strchr(from, c) : NULL;
    int hi, lo;

    if (hit) {
        *out = to[hit - from];
        return 0;
    }
    if (c == 'x' && ps->end - ps->p >= 2 && (hi = hex_digit(ps->p[0])) >= 0 &&
        (lo = hex_digit(ps->p[1])) >= 0 && (hi || lo)) {
        ps->p += 2;
        *out = (char)(hi * 16 + lo);
        return 0;
    }
    if (c == 'x')
        return fail(ps, ps->line, "'\\x' in a string needs two hex digits (not 00)");
    if (c >= ' ' && c < 0x7f)
        return fail(ps, ps->line, "unknown escape '\\%c' in a string", c);
    return fail(ps, ps->line, "unknown escape in a string");
}

static int lex_string(struct parser *ps)
{
    char quote = *ps->p++;

    ps->text_len = 0;
    ps->text[0] = '\0';
    for (;;) {
        char c;

        if (ps->p == ps->end || *ps->p == '\n')
            return fail(ps, ps->line, "unterminated string");
        c = *ps->p++;
        if (c == quote)
            return 0;
        if (c == '\\' && lex_escape(ps, &c))
            return -1;
        if (c == '\0')
            return fail(ps, ps->line, "NUL character in a string");
        if (!text_put(ps, c))
            return fail(ps, ps->line, "string longer than %u characters", VALUE_MAX);
    }
}

/* A run of characters accepted by ok, as the token text. */
static int lex_word(struct parser *ps, bool (*ok)(char), enum tok kind)
{
    ps->text_len = 0;
    ps->text[0] = '\0';
    while (ps->p < ps->end && ok(*ps->p))
        if (!text_put(ps, *ps->p++))
            return fail(ps, ps->line, "word longer than %u characters", VALUE_MAX);
    ps->tok = kind;
    return 0;
}

static void describe_char(char c, char *buf, size_t size)
{
    if (c > ' ' && c < 0x7f)
        snprintf(buf, size, "'%c'", c);
    else
        snprintf(buf, size, "byte 0x%02x", (unsigned char)c);
}

/* The next token into ps->tok (TOK_ERROR with ps->err set on a lexical error). */
static void lex(struct parser *ps)
{
    static const char singles[] = "=,[];";
    static const enum tok single_tok[] = { TOK_ASSIGN, TOK_COMMA, TOK_LBRACKET,
                                           TOK_RBRACKET, TOK_SEMI };
    char c, what[16];
    const char *hit;

    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
    if (ps->p < ps->end && *ps->p == '#')
        while (ps->p < ps->end && *ps->p != '\n')
            ps->p++;
    ps->tok_line = ps->line;
    if (ps->p == ps->end) {
        ps->tok = TOK_EOF;
        return;
    }
    c = *ps->p;
    if (c == '\n') {
        ps->p++;
        ps->line++;
        ps->tok = TOK_NEWLINE;
    } else if (c == '"' || c == '\'') {
        ps->tok = lex_string(ps) ? TOK_ERROR : TOK_STRING;
    } else if (is_ident_start(c)) {
        if (lex_word(ps, is_ident_char, TOK_IDENT))
            ps->tok = TOK_ERROR;
    } else if (c >= '0' && c <= '9') {
        if (lex_word(ps, is_number_char, TOK_NUMBER))
            ps->tok = TOK_ERROR;
    } else if (c == '+' && ps->end - ps->p >= 2 && ps->p[1] == '=') {
        ps->p += 2;
        ps->tok = TOK_ADD;
    } else if (c && (hit = strchr(singles, c))) {
        ps->p++;
        ps->tok = single_tok[hit - singles];
    } else {
        describe_char(c, what, sizeof(what));
        fail(ps, ps->line, "unexpected %s", what);
        ps->tok = TOK_ERROR;
    }
}

static void skip_newlines(struct parser *ps)
{
    while (ps->tok == TOK_NEWLINE)
        lex(ps);
}

/* Skip a list's contents (no key here takes one); the current token is '['. */
static int skip_list(struct parser *ps, unsigned int depth)
{
    if (depth == LIST_DEPTH)
        return fail(ps, ps->tok_line, "lists nested too deeply");
    lex(ps);
    skip_newlines(ps);
    while (ps->tok != TOK_RBRACKET) {
        if (ps->tok == TOK_LBRACKET) {
            if (skip_list(ps, depth + 1))
                return -1;
        } else if (ps->tok != TOK_STRING && ps->tok != TOK_NUMBER) {
            return ps->tok == TOK_ERROR ? -1 : fail(ps, ps->tok_line, "expected a list item or ']'");
        }
        lex(ps);
        skip_newlines(ps);
        if (ps->tok == TOK_COMMA) {
            lex(ps);
            skip_newlines(ps);
        } else if (ps->tok != TOK_RBRACKET) {
            return ps->tok == TOK_ERROR ? -1 : fail(ps, ps->tok_line, "expected ',' or ']' in a list");
        }
    }
    return 0;
}

/* xl reads numbers with strtol(s, &end, 0): 0x hex, leading 0 octal, else decimal. */
static bool xl_number(const char *s, uint64_t max, uint64_t *out)
{
    size_t len = strlen(s);

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_base_n(s + 2, len - 2, 16, max, out);
    if (len > 1 && s[0] == '0')
        return parse_base_n(s + 1, len - 1, 8, max, out);
    return parse_base_n(s, len, 10, max, out);
}

static bool name_ok(const char *s)
{
    bool digits_only = true;

    for (; *s; s++) {
        bool digit = *s >= '0' && *s <= '9';

        if (!digit && !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
            *s != '-' && *s != '_' && *s != '.')
            return false;
        digits_only &= digit;
    }
    return !digits_only;
}

static int pick(const char *const *names, unsigned int n, const char *s)
{
    for (unsigned int i = 0; i < n; i++)
        if (!strcmp(names[i], s))
            return (int)i;
    return -1;
}

/* Check the value in ps->text for key k and store it. */
static int apply(struct parser *ps, const struct key *k, unsigned int line)
{
    char *field = (char *)&ps->cfg + k->offset;
    const char *v = ps->text;
    uint64_t n;
    int i;

    switch (k->kind) {
    case KEY_NAME:
        if (!*v || ps->text_len > CONFIG_NAME_MAX || !name_ok(v))
            return fail(ps, line, "name: '%s' is not a domain name (1 to %d letters, digits, "
                        "'-', '_', '.'; not a number)", v, CONFIG_NAME_MAX);
        break;
    case KEY_PATH:
        if (!*v)
            return fail(ps, line, "%s: must not be empty", k->name);
        if (ps->text_len > CONFIG_PATH_MAX)
            return fail(ps, line, "%s: longer than %d characters", k->name, CONFIG_PATH_MAX);
        break;
    case KEY_CMDLINE:
        break;                          /* VALUE_MAX is its limit already */
    case KEY_MIB:
        if (!xl_number(v, CONFIG_MEMORY_MAX, &n) || n == 0)
            return fail(ps, line, "%s: '%s' is not a size in MiB (1 to %u)", k->name, v,
                        CONFIG_MEMORY_MAX);
        *(uint64_t *)(void *)field = n;
        return 0;
    case KEY_VCPUS:
        if (!xl_number(v, CONFIG_VCPUS_MAX, &n) || n == 0)
            return fail(ps, line, "vcpus: '%s' is not a number of vCPUs (1 to %d)", v,
                        CONFIG_VCPUS_MAX);
        *(uint32_t *)(void *)field = (uint32_t)n;
        return 0;
    case KEY_TYPE:
        i = pick(type_names, ARRAY_SIZE(type_names), v);
        if (i < 0)
            return fail(ps, line, "type: '%s' is not supported (pv or pvh)", v);
        *(enum domain_type *)(void *)field = (enum domain_type)i;
        return 0;
    case KEY_ACTION:
        i = pick(action_names, ARRAY_SIZE(action_names), v);
        if (i < 0)
            return fail(ps, line, "%s: '%s' is not supported (destroy, restart or preserve)",
                        k->name, v);
        *(enum domain_action *)(void *)field = (enum domain_action)i;
        return 0;
    }
    memcpy(field, v, ps->text_len + 1);
    return 0;
}

static const struct key *key_find(const char *name)
{
    for (unsigned int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

/* "key = value" (the current token is the key); ends at the statement's end. */
static int statement(struct parser *ps)
{
    unsigned int line = ps->tok_line;
    const struct key *k = key_find(ps->text);
    char name[32];

    if (!k)
        return fail(ps, line, "unknown key '%.40s'", ps->text);
    snprintf(name, sizeof(name), "%s", k->name);
    if (ps->seen[k - keys])
        return fail(ps, line, "'%s' is already set on line %u", name, ps->seen[k - keys]);
    ps->seen[k - keys] = line;
    lex(ps);
    if (ps->tok == TOK_ADD)
        return fail(ps, line, "'+=' is not supported for '%s'", name);
    if (ps->tok != TOK_ASSIGN)
        return ps->tok == TOK_ERROR ? -1 : fail(ps, line, "expected '=' after '%s'", name);
    lex(ps);
    if (ps->tok == TOK_LBRACKET) {
        if (skip_list(ps, 0))
            return -1;
        return fail(ps, line, "'%s' takes a single value, not a list", name);
    }
    if (ps->tok != TOK_STRING && ps->tok != TOK_NUMBER)
        return ps->tok == TOK_ERROR ? -1 : fail(ps, line, "expected a value for '%s'", name);
    if (apply(ps, k, line))
        return -1;
    lex(ps);
    if (ps->tok != TOK_NEWLINE && ps->tok != TOK_SEMI && ps->tok != TOK_EOF)
        return ps->tok == TOK_ERROR ? -1
                                    : fail(ps, ps->tok_line, "expected the end of the line "
                                           "after the value of '%s'", name);
    return 0;
}

static unsigned int seen_line(const struct parser *ps, const char *name)
{
    return ps->seen[key_find(name) - keys];
}

/* What no single statement can tell: required keys, keys that exclude each other. */
static int check_whole(struct parser *ps)
{
    struct domain_config *c = &ps->cfg;

    if (!seen_line(ps, "name"))
        return fail(ps, 0, "name is required");
    if (!seen_line(ps, "kernel"))
        return fail(ps, 0, "kernel is required");
    if (seen_line(ps, "cmdline") && seen_line(ps, "extra")) {
        unsigned int later = seen_line(ps, "cmdline") > seen_line(ps, "extra")
                                 ? seen_line(ps, "cmdline") : seen_line(ps, "extra");

        return fail(ps, later, "cmdline and extra are both set: use one");
    }
    c->name_line = seen_line(ps, "name");
    c->type_line = seen_line(ps, "type");
    c->vcpus_line = seen_line(ps, "vcpus");
    c->kernel_line = seen_line(ps, "kernel");
    c->ramdisk_line = seen_line(ps, "ramdisk");
    c->memory_line = seen_line(ps, "memory");
    if (!seen_line(ps, "maxmem"))
        c->maxmem_mib = c->memory_mib;
    else if (c->maxmem_mib < c->memory_mib)
        return fail(ps, seen_line(ps, "maxmem"), "maxmem (%lu MiB) is less than memory (%lu MiB)",
                    (unsigned long)c->maxmem_mib, (unsigned long)c->memory_mib);
    return 0;
}

int config_parse(const char *text, size_t len, struct domain_config *out,
                 struct config_error *err)
{
    struct parser *ps = calloc(1, sizeof(*ps));
    int rc = 0;

    if (!ps) {
        err->line = 0;
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -1;
    }
    ps->p = text;
    ps->end = text + len;
    ps->line = 1;
    ps->err = err;
    ps->cfg.type = DOMAIN_TYPE_PV;
    ps->cfg.memory_mib = 32;
    ps->cfg.vcpus = 1;
    ps->cfg.on_poweroff = ACTION_DESTROY;
    ps->cfg.on_reboot = ACTION_RESTART;
    ps->cfg.on_crash = ACTION_DESTROY;
    lex(ps);
    while (!rc && ps->tok != TOK_EOF) {
        if (ps->tok == TOK_IDENT)
            rc = statement(ps);         /* leaves the token after the statement */
        else if (ps->tok == TOK_ERROR)
            rc = -1;
        else if (ps->tok != TOK_NEWLINE && ps->tok != TOK_SEMI)
            rc = fail(ps, ps->tok_line, "expected a key (lowercase) at the start of a statement");
        if (!rc && ps->tok != TOK_EOF)
            lex(ps);
    }
    if (!rc)
        rc = check_whole(ps);
    if (!rc)
        *out = ps->cfg;
    free(ps);
    return rc;
}

const char *config_type_name(enum domain_type t)
{
    return (unsigned int)t < ARRAY_SIZE(type_names) ? type_names[t] : "?";
}

const char *config_action_name(enum domain_action a)
{
    return (unsigned int)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}
