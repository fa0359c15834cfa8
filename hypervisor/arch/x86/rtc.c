/*
 * The CMOS real-time clock, read once for the guests' wall clock. Register
 * numbers are the MC146818's: 0 sec, 2 min, 4 hour, 7 day, 8 month, 9 year,
 * 0x0a status A (bit 7: update in progress), 0x0b status B, 0x32 century
 * (where the ACPI FADT says so; 0x32 on PCs and QEMU).
 */
#include <sable/vcpu_time.h>
#include <asm/io.h>
#include <asm/processor.h>

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void rtc_snapshot(struct rtc_regs *r)
{
    r->sec = cmos_read(0x00);
    r->min = cmos_read(0x02);
    r->hour = cmos_read(0x04);
    r->day = cmos_read(0x07);
    r->mon = cmos_read(0x08);
    r->year = cmos_read(0x09);
    r->century = cmos_read(0x32);
    r->status_b = cmos_read(0x0b);
}

/* Two equal snapshots taken outside an update cycle are a consistent time. */
bool arch_rtc_read(struct rtc_regs *r)
{
    struct rtc_regs again;
    unsigned long flags = irq_save();
    bool ok = false;

    for (int tries = 0; tries < 1000 && !ok; tries++) {
        for (int spin = 0; spin < 100000 && (cmos_read(0x0a) & 0x80); spin++)
            cpu_relax();
        rtc_snapshot(r);
        rtc_snapshot(&again);
        ok = r->sec == again.sec && r->min == again.min && r->hour == again.hour &&
             r->day == again.day && r->mon == again.mon && r->year == again.year;
    }
    irq_restore(flags);
    /* A missing RTC reads as all ones. */
    return ok && r->mon != 0xff;
}
