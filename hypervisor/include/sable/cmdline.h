/*
 * Hypervisor command line: space-separated `name`, `name=value` or
 * `no-name` words. Each option is declared where it is used, with
 * boolean_param()/integer_param()/size_param()/string_param()/custom_param().
 * Unknown options and bad values are reported and ignored: a typo on the
 * command line must never stop a boot.
 */
#ifndef SABLE_CMDLINE_H
#define SABLE_CMDLINE_H

#include <sable/types.h>

enum param_type { PARAM_BOOL, PARAM_UINT, PARAM_SIZE, PARAM_STRING, PARAM_CUSTOM };

struct param {
    const char *name;
    enum param_type type;
    void *var;              /* bool *, uint64_t *, char[len] */
    size_t len;             /* PARAM_STRING: size of the buffer */
    uint64_t min, max;      /* PARAM_UINT / PARAM_SIZE: accepted range */
    int (*custom)(const char *value);   /* PARAM_CUSTOM: 0 or -EINVAL */
};

/* Called once per problem with a ready-made sentence. */
typedef void (*cmdline_report_t)(const char *msg);

#define CMDLINE_MAX 1024

/*
 * Apply cmdline to the table of params; returns the number of words that
 * were rejected (unknown option or invalid value), each passed to report.
 */
int cmdline_parse(const char *cmdline, const struct param *params, size_t nparams,
                  cmdline_report_t report);

/* Parse "123", "0x7b", with optional K/M/G/T suffix when sizes is true. */
int parse_uint(const char *s, uint64_t *out, bool sizes);
int parse_bool(const char *s, bool *out);

#define __param_entry(n) \
    static const struct param __param_##n __attribute__((used, section(".param"), aligned(8)))
#define boolean_param(name_, var_) \
    __param_entry(var_) = { .name = name_, .type = PARAM_BOOL, .var = &(var_) }
#define integer_param(name_, var_, min_, max_) \
    __param_entry(var_) = { .name = name_, .type = PARAM_UINT, .var = &(var_), .min = (min_), .max = (max_) }
#define size_param(name_, var_, min_, max_) \
    __param_entry(var_) = { .name = name_, .type = PARAM_SIZE, .var = &(var_), .min = (min_), .max = (max_) }
#define string_param(name_, var_) \
    __param_entry(var_) = { .name = name_, .type = PARAM_STRING, .var = (var_), .len = sizeof(var_) }
#define custom_param(name_, fn_) \
    __param_entry(fn_) = { .name = name_, .type = PARAM_CUSTOM, .custom = (fn_) }

#ifdef SABLE_HYPERVISOR
extern const struct param __param_start[], __param_end[];
/* The boot command line as given by the loader (after the image name). */
extern char boot_cmdline[CMDLINE_MAX];
void cmdline_apply_boot(void);
#endif

#endif
