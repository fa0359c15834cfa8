/*
 * The "newc" cpio archive (the format of Linux's initramfs, cpio(5)
 * "New ASCII Format"), as Sable hands boot files to dom0: the hypervisor
 * writes the modules marked sable.file into one archive, dom0's initial
 * ramdisk (start_info.mod_start, mod_len), and dom0 reads its files back
 * by name. Portable and shared by both (and the host unit tests).
 *
 *   entry   = header (110 ASCII bytes: "070701" and 13 hex fields)
 *             name, NUL, padding to 4 bytes   (header + name)
 *             data, padding to 4 bytes
 *   archive = entry... then an entry named "TRAILER!!!"
 */
#ifndef SABLE_CPIO_H
#define SABLE_CPIO_H

#include <sable/types.h>

#define CPIO_HEADER_SIZE    110
#define CPIO_NAME_MAX       255     /* bytes of a name, without its NUL */
#define CPIO_TRAILER        "TRAILER!!!"

/* Bytes one entry with this name and data size takes (0 for a bad name). */
uint64_t cpio_entry_size(const char *name, uint64_t size);
/* Bytes the trailer entry takes. */
uint64_t cpio_trailer_size(void);
/*
 * Write one entry's header and name (cpio_entry_size minus the data and
 * its padding) into out, which has room for CPIO_HEADER_SIZE +
 * CPIO_NAME_MAX + 4 bytes: how many were written. The caller then puts
 * the data and zero padding to 4. ino numbers the files (1, 2, ...).
 */
uint64_t cpio_write_header(char *out, const char *name, uint64_t size, uint32_t ino);

struct cpio_file {
    const char *name;               /* NUL-terminated, inside the archive */
    const uint8_t *data;
    uint64_t size;
};

/*
 * The file at *pos of the archive in [data, data + len), and *pos moved
 * past it: 1 when one was found, 0 at the trailer or the end, -1 for a
 * malformed archive (a bad magic, a field that is not hex, a name without
 * its NUL or longer than CPIO_NAME_MAX, data beyond the end).
 */
int cpio_next(const uint8_t *data, uint64_t len, uint64_t *pos, struct cpio_file *file);
/* The file called name: true and *file, or false. */
bool cpio_find(const uint8_t *data, uint64_t len, const char *name, struct cpio_file *file);

#endif /* SABLE_CPIO_H */
