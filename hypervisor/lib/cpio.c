/*
 * newc cpio archives (sable/cpio.h). Every field of an archive being read
 * is checked: a hostile or truncated archive ends the walk with -1, never
 * a read past its end.
 */
#include <sable/cpio.h>
#include <sable/lib.h>

#define CPIO_MAGIC      "070701"
#define FIELD_NAMESIZE  11          /* index of the 13 fields after the magic */
#define FIELD_FILESIZE  6
#define FIELD_MODE      1
#define MODE_REGULAR    0100644

static uint64_t pad4(uint64_t n)
{
    return (n + 3) & ~3ULL;
}

uint64_t cpio_entry_size(const char *name, uint64_t size)
{
    size_t n = strnlen(name, CPIO_NAME_MAX + 1);

    if (n == 0 || n > CPIO_NAME_MAX)
        return 0;
    return pad4(CPIO_HEADER_SIZE + n + 1) + pad4(size);
}

uint64_t cpio_trailer_size(void)
{
    return cpio_entry_size(CPIO_TRAILER, 0);
}

static void put_hex(char *out, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 7; i >= 0; i--, v >>= 4)
        out[i] = digits[v & 15];
}

uint64_t cpio_write_header(char *out, const char *name, uint64_t size, uint32_t ino)
{
    size_t n = strnlen(name, CPIO_NAME_MAX + 1);
    uint32_t fields[13] = { 0 };
    uint64_t total;

    if (n == 0 || n > CPIO_NAME_MAX || size > UINT32_MAX)
        return 0;
    fields[0] = ino;
    fields[FIELD_MODE] = strcmp(name, CPIO_TRAILER) ? MODE_REGULAR : 0;
    fields[4] = 1;                              /* nlink */
    fields[FIELD_FILESIZE] = (uint32_t)size;
    fields[FIELD_NAMESIZE] = (uint32_t)n + 1;
    memcpy(out, CPIO_MAGIC, 6);
    for (int i = 0; i < 13; i++)
        put_hex(out + 6 + 8 * i, fields[i]);
    memcpy(out + CPIO_HEADER_SIZE, name, n + 1);
    total = pad4(CPIO_HEADER_SIZE + n + 1);
    memset(out + CPIO_HEADER_SIZE + n + 1, 0, total - (CPIO_HEADER_SIZE + n + 1));
    return total;
}

/* Field i (0..12) of the header at h: true and *out, or false if not hex. */
static bool get_hex(const uint8_t *h, int i, uint32_t *out)
{
    uint32_t v = 0;

    for (int k = 0; k < 8; k++) {
        uint8_t c = h[6 + 8 * i + k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return true;
}

int cpio_next(const uint8_t *data, uint64_t len, uint64_t *pos, struct cpio_file *file)
{
    uint64_t at = *pos, name_end, data_at;
    uint32_t namesize, filesize;
    const uint8_t *h;

    if (at > len || len - at < CPIO_HEADER_SIZE)
        return at == len ? 0 : -1;
    h = data + at;
    if (memcmp(h, CPIO_MAGIC, 6) || !get_hex(h, FIELD_NAMESIZE, &namesize) ||
        !get_hex(h, FIELD_FILESIZE, &filesize))
        return -1;
    if (namesize < 2 || namesize > CPIO_NAME_MAX + 1)
        return -1;
    name_end = at + CPIO_HEADER_SIZE + namesize;
    if (name_end > len || data[name_end - 1] != '\0' ||
        strnlen((const char *)h + CPIO_HEADER_SIZE, namesize) != namesize - 1)
        return -1;
    data_at = at + pad4(CPIO_HEADER_SIZE + namesize);
    if (data_at > len || filesize > len - data_at)
        return -1;
    file->name = (const char *)h + CPIO_HEADER_SIZE;
    file->data = data + data_at;
    file->size = filesize;
    if (!strcmp(file->name, CPIO_TRAILER))
        return 0;
    *pos = MIN(len, data_at + pad4(filesize));      /* the last padding may be cut */
    return 1;
}

bool cpio_find(const uint8_t *data, uint64_t len, const char *name, struct cpio_file *file)
{
    uint64_t pos = 0;

    while (cpio_next(data, len, &pos, file) == 1)
        if (!strcmp(file->name, name))
            return true;
    return false;
}
