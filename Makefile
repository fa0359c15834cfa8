# Sable — top-level build.
#   make            the hypervisor image (build/sable.elf, build/sable.mb)
#   make guests     the PV test kernels (build/guests/*.elf), also built by `make`
#   make dom0       the control domain (build/dom0.elf), also built by `make`
#   make iso        a GRUB rescue ISO that boots it (build/sable.iso)
#   make unit       build and run the host unit tests (cmocka)
#   make linux      the Linux guest: build/linux/vmlinux, initrd.cpio.gz (downloads
#                   Debian packages once; tools/linux-image.sh, docs/linux-guest.md)
#   make clean
#
# Every directory listed in HV_DIRS contributes all of its .c and .S files,
# so adding a file needs no Makefile edit.

BUILD   ?= build
CC      ?= gcc
LD      := ld
OBJCOPY := objcopy
NM      := nm
HOSTCC  ?= gcc

HV_DIRS := hypervisor/arch/x86 hypervisor/arch/x86/boot hypervisor/arch/x86/pv hypervisor/arch/x86/svm hypervisor/arch/x86/hvm hypervisor/common hypervisor/lib

WFLAGS  := -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes \
           -Wmissing-prototypes -Wshadow -Wpointer-arith -Wvla
HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
           -isystem $(shell $(CC) -print-file-name=include) \
           -fno-stack-protector -fno-strict-aliasing -fno-common \
           -fpie -include hypervisor/include/sable/visibility.h -mno-red-zone -mno-sse -mno-mmx -mno-sse2 \
           -mno-3dnow -mno-avx -msoft-float -fno-asynchronous-unwind-tables \
           -fno-omit-frame-pointer -fno-optimize-sibling-calls \
           -DSABLE_HYPERVISOR -Ihypervisor/include -Iinclude $(WFLAGS)
HV_ASFLAGS := -D__ASSEMBLER__ -DSABLE_HYPERVISOR -Ihypervisor/include -Iinclude -g
HV_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

HV_SRCS := $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S))
HV_SRCS := $(filter-out %.lds.S,$(HV_SRCS))
HV_OBJS := $(patsubst %,$(BUILD)/%.o,$(basename $(HV_SRCS)))
HV_DEPS := $(HV_OBJS:.o=.d)

.PHONY: all iso unit clean
all: $(BUILD)/sable.elf $(BUILD)/sable.mb guests dom0

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"; $(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS  $<"; $(CC) $(HV_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/sable.lds: hypervisor/arch/x86/sable.lds.S hypervisor/include/asm/memlayout.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -D__ASSEMBLER__ -Ihypervisor/include -x c $< -o $@

# Two links: the first finds where every function lands, the second embeds
# that table (sorted addresses + names) for symbolic backtraces. The table sits
# after .text, so adding it moves no code.
$(BUILD)/sable.elf: $(HV_OBJS) $(BUILD)/sable.lds tools/gen-symbols.sh
	$(CC) $(HV_CFLAGS) -c tools/empty-symbols.c -o $(BUILD)/symbols0.o
	$(LD) $(HV_LDFLAGS) -T $(BUILD)/sable.lds $(HV_OBJS) $(BUILD)/symbols0.o -o $(BUILD)/sable.0.elf
	$(NM) -n $(BUILD)/sable.0.elf | sh tools/gen-symbols.sh > $(BUILD)/symbols.S
	$(CC) $(HV_ASFLAGS) -c $(BUILD)/symbols.S -o $(BUILD)/symbols.o
	$(LD) $(HV_LDFLAGS) -T $(BUILD)/sable.lds $(HV_OBJS) $(BUILD)/symbols.o -o $@
	@$(NM) -n $@ | grep -w -e start_sable -e panic > $(BUILD)/check.1
	@$(NM) -n $(BUILD)/sable.0.elf | grep -w -e start_sable -e panic > $(BUILD)/check.0
	@cmp -s $(BUILD)/check.0 $(BUILD)/check.1 || { echo "symbol table moved code"; exit 1; }

# QEMU's -kernel refuses ELF64; the a.out-kludge Multiboot header makes the
# 32-bit copy loadable by address, GRUB takes either.
$(BUILD)/sable.mb: $(BUILD)/sable.elf
	$(OBJCOPY) -O elf32-i386 $< $@

# GRUB looks for the Multiboot2 header in the first 32 KiB of the file: the
# ELF64 image has it at 0x8020 (its segment is 32 KiB-aligned), the elf32 copy
# at 0x1020, so the ISO carries sable.mb.
iso: $(BUILD)/sable.iso
$(BUILD)/sable.iso: $(BUILD)/sable.mb tools/grub.cfg
	rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	cp $(BUILD)/sable.mb $(BUILD)/iso/boot/sable.mb
	cp tools/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso 2>$(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

unit:
	$(MAKE) -C tests/unit

# Guest-ABI headers (include/public) must each compile alone as C99, C++11, asm.
.PHONY: headers-check linux
headers-check:
	sh tools/headers-check.sh $(BUILD)/headers-check

# The Linux guest images, from Debian packages; the script knows when they
# are up to date (it checks the packages and its inputs).
linux:
	tools/linux-image.sh

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tests/unit clean

-include $(HV_DEPS)

# PV test kernels (guest/ runtime, tests/guests/*): the `guests` target.
include guest/guest.mk
# The control domain on the same runtime: the `dom0` target.
include dom0/dom0.mk
# The PVH (HVM) test kernel: tests/pvh.
include tests/pvh/pvh.mk
