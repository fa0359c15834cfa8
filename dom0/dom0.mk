# dom0, Sable's control domain: a PV kernel on guest/'s runtime
# (guest/guest.mk, included first) -> build/dom0.elf. Its portable parts
# (dom0/lib, dom0/xenstored, dom0/toolstack, dom0/shell.c) are also built on
# the host by the unit tests; dom0/main.c, dom0/console.c and
# dom0/lib/libc.c are for the kernel only. New files need no edit here.

# hypervisor/lib files dom0 shares with the hypervisor (as the runtime does string.c).
DOM0_SHARED := hypervisor/common/elf.c hypervisor/common/pv_image.c hypervisor/lib/cpio.c \
               hypervisor/common/pvh_layout.c hypervisor/arch/x86/hvm/acpi_build.c
DOM0_SRCS := $(wildcard dom0/*.c dom0/lib/*.c dom0/xenstored/*.c dom0/toolstack/*.c) $(DOM0_SHARED)
DOM0_OBJS := $(patsubst %,$(GUEST_OBJ)/%.o,$(basename $(DOM0_SRCS)))

$(DOM0_OBJS): GUEST_CFLAGS += -Idom0/include -idirafter hypervisor/include

.PHONY: dom0
dom0: $(BUILD)/dom0.elf

$(BUILD)/dom0.elf: $(GUEST_RUNTIME_OBJS) $(DOM0_OBJS) $(GUEST_OUT)/guest.lds guest/check_elf.py
	@echo "  LD  $@"; $(LD) $(GUEST_LDFLAGS) -T $(GUEST_OUT)/guest.lds $(GUEST_HEAD) \
		$(filter-out $(GUEST_HEAD) %.lds %.py,$^) -o $@.tmp
	@if [ -x $(GUEST_PYTHON) ]; then $(GUEST_PYTHON) guest/check_elf.py $@.tmp; \
	 else echo "  (no $(GUEST_PYTHON): ELF notes not checked)"; fi
	@mv $@.tmp $@

-include $(DOM0_OBJS:.o=.d)
