# Sable's PVH test kernel (tests/pvh -> build/pvh/pvhtest.elf): a small
# 64-bit kernel entered through the PVH entry point under SVM, for the HVM
# integration tests. Included by the top-level Makefile; built by `make`.
# It shares hypervisor/lib/{string,vsnprintf}.c with the PV test kernels.

PVH_OUT := $(BUILD)/pvh
PVH_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
           -isystem $(shell $(CC) -print-file-name=include) \
           -fno-stack-protector -fno-strict-aliasing -fno-common -fno-pie \
           -mcmodel=small -mno-red-zone -mgeneral-regs-only \
           -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
           -DSABLE_HYPERVISOR -Ihypervisor/include -Iinclude $(WFLAGS)
PVH_SRCS := tests/pvh/head.S tests/pvh/main.c tests/pvh/apic.c hypervisor/lib/string.c hypervisor/lib/vsnprintf.c
PVH_OBJS := $(patsubst %,$(PVH_OUT)/obj/%.o,$(basename $(PVH_SRCS)))
# pvhfuzz: the same entry, the fuzzer (tests/pvh/fuzz.c) instead of the checks.
PVH_FUZZ_SRCS := tests/pvh/head.S tests/pvh/fuzz.c hypervisor/lib/string.c hypervisor/lib/vsnprintf.c
PVH_FUZZ_OBJS := $(patsubst %,$(PVH_OUT)/obj/%.o,$(basename $(PVH_FUZZ_SRCS)))

.PHONY: pvh-guests
pvh-guests: $(PVH_OUT)/pvhtest.elf $(PVH_OUT)/pvhfuzz.elf
all: pvh-guests

$(PVH_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (pvh)"; $(CC) $(PVH_CFLAGS) -MMD -MP -c $< -o $@

$(PVH_OUT)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS  $< (pvh)"; $(CC) -D__ASSEMBLER__ -g -MMD -MP -c $< -o $@

$(PVH_OUT)/pvhtest.elf: $(PVH_OBJS) tests/pvh/pvh.lds
$(PVH_OUT)/pvhfuzz.elf: $(PVH_FUZZ_OBJS) tests/pvh/pvh.lds
$(PVH_OUT)/pvhtest.elf $(PVH_OUT)/pvhfuzz.elf:
	@echo "  LD  $@"; $(LD) -nostdlib -static -no-pie -z max-page-size=0x1000 \
		-z noexecstack --no-warn-rwx-segments -T tests/pvh/pvh.lds $(filter %.o,$^) -o $@

-include $(PVH_OBJS:.o=.d) $(PVH_FUZZ_OBJS:.o=.d)
