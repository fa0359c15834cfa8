/*
 * Domain configuration files: the subset of xl.cfg that Sable's toolstack
 * understands (docs/config.md), in xl's syntax.
 *
 * config_parse checks the whole file before it fills anything in: a file
 * with an unknown key, a bad value, a duplicate or a missing kernel is
 * refused with the line and the reason, and nothing is created from it.
 * Whether the memory is actually free is the domain builder's question.
 */
#ifndef DOM0_CONFIG_H
#define DOM0_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_NAME_MAX     63      /* characters */
#define CONFIG_PATH_MAX     255
#define CONFIG_CMDLINE_MAX  1023    /* start_info.cmd_line holds 1024 with the NUL */
#define CONFIG_MEMORY_MAX   (1024 * 1024)   /* MiB: 1 TiB */
#define CONFIG_VCPUS_MAX    128     /* Xen's HVM_MAX_VCPUS; the builder may allow fewer */

enum domain_type {
    DOMAIN_TYPE_PV,
    DOMAIN_TYPE_PVH,
};

/* What to do when the guest powers off, reboots or crashes. */
enum domain_action {
    ACTION_DESTROY,
    ACTION_RESTART,
    ACTION_PRESERVE,
};

struct domain_config {
    char name[CONFIG_NAME_MAX + 1];
    enum domain_type type;                  /* default pv */
    char kernel[CONFIG_PATH_MAX + 1];       /* required */
    char ramdisk[CONFIG_PATH_MAX + 1];      /* "" if none */
    char cmdline[CONFIG_CMDLINE_MAX + 1];   /* cmdline= or extra= */
    uint64_t memory_mib;                    /* default 32 */
    uint64_t maxmem_mib;                    /* default = memory */
    uint32_t vcpus;                         /* default 1 */
    enum domain_action on_poweroff;         /* default destroy */
    enum domain_action on_reboot;           /* default restart */
    enum domain_action on_crash;            /* default destroy */
    /* Where keys were set (0: not set), for the builder's own refusals. */
    unsigned int name_line, type_line, kernel_line, ramdisk_line, memory_line, vcpus_line;
};

struct config_error {
    unsigned int line;                      /* 1-based; 0: the file as a whole */
    char msg[160];
};

/*
 * Parse len bytes of text (need not be NUL-terminated). 0 and *out
 * filled, or -1 with *err set and *out untouched.
 */
int config_parse(const char *text, size_t len, struct domain_config *out,
                 struct config_error *err);

const char *config_type_name(enum domain_type t);
const char *config_action_name(enum domain_action a);

#endif /* DOM0_CONFIG_H */
