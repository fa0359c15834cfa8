# Sable PV test kernels: the guest runtime (guest/) and the kernels built on
# it (tests/guests/<name>/*.c -> build/guests/<name>.elf). Included by the
# top-level Makefile; `make guests` builds them, `make` too.
#
# Guests are freestanding C with the hypervisor's warnings, linked at
# -2 GiB (guest/include/guest/layout.h) so -mcmodel=kernel applies, with no
# red zone: Xen writes exception frames right below the guest's RSP.
# hypervisor/lib/{string,vsnprintf,stats}.c are compiled in as they are, with the
# hypervisor's headers; they are the same code, not copies.

GUEST_OUT := $(BUILD)/guests
GUEST_OBJ := $(GUEST_OUT)/obj

GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
           -isystem $(shell $(CC) -print-file-name=include) \
           -fno-stack-protector -fno-strict-aliasing -fno-common \
           -fno-pie -mcmodel=kernel -mno-red-zone -mno-sse -mno-mmx -mno-sse2 \
           -mno-3dnow -mno-avx -msoft-float -fno-asynchronous-unwind-tables \
           -fno-omit-frame-pointer -Iguest/include -Iinclude $(WFLAGS)
GUEST_ASFLAGS := -D__ASSEMBLER__ -Iguest/include -Iinclude -g
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
           --no-warn-rwx-segments

GUEST_SHARED := hypervisor/lib/string.c hypervisor/lib/vsnprintf.c hypervisor/lib/stats.c
GUEST_SRCS := $(wildcard guest/arch/*.S guest/*.c guest/lib/*.c) $(GUEST_SHARED)
GUEST_OBJS := $(patsubst %,$(GUEST_OBJ)/%.o,$(basename $(GUEST_SRCS)))
GUEST_HEAD := $(GUEST_OBJ)/guest/arch/head.o
# The runtime without the test kernels' guest_main (dom0 has its own).
GUEST_RUNTIME_OBJS := $(filter-out $(GUEST_OBJ)/guest/test_main.o,$(GUEST_OBJS))

GUEST_KERNELS := $(patsubst tests/guests/%/,%,$(sort $(dir $(wildcard tests/guests/*/*.c))))
GUEST_ELFS := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_KERNELS))
GUEST_ALL_OBJS := $(GUEST_OBJS) \
           $(patsubst %,$(GUEST_OBJ)/%.o,$(basename $(wildcard tests/guests/*/*.c)))

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (guest)"; $(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS  $< (guest)"; $(CC) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@

# The shared library files include <sable/lib.h>.
$(GUEST_OBJ)/hypervisor/%.o: GUEST_CFLAGS += -DSABLE_HYPERVISOR -Ihypervisor/include

$(GUEST_OUT)/guest.lds: guest/guest.lds.S guest/include/guest/layout.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -D__ASSEMBLER__ -Iguest/include -x c $< -o $@

# One kernel per directory under tests/guests/: the runtime plus its files,
# then checked as a domain builder reads it (notes, entry, hypercall page).
GUEST_PYTHON ?= /usr/bin/python3
define GUEST_KERNEL_RULE
$(GUEST_OUT)/$(1).elf: $(GUEST_OBJS) $(patsubst %,$(GUEST_OBJ)/%.o,$(basename $(wildcard tests/guests/$(1)/*.c))) $(GUEST_OUT)/guest.lds guest/check_elf.py
	@echo "  LD  $$@"; $(LD) $(GUEST_LDFLAGS) -T $(GUEST_OUT)/guest.lds $(GUEST_HEAD) \
		$$(filter-out $(GUEST_HEAD) %.lds %.py,$$^) -o $$@.tmp
	@if [ -x $(GUEST_PYTHON) ]; then $(GUEST_PYTHON) guest/check_elf.py $$@.tmp; \
	 else echo "  (no $(GUEST_PYTHON): ELF notes not checked)"; fi
	@mv $$@.tmp $$@
endef
$(foreach k,$(GUEST_KERNELS),$(eval $(call GUEST_KERNEL_RULE,$(k))))

-include $(GUEST_ALL_OBJS:.o=.d)
