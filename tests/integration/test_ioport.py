"""
PV port I/O (physdev_op set_iopl / set_iobitmap and the emulated IN/OUT,
CLI/STI), as on Xen: the same ioport kernel as dom0 and as a domU. Without
a virtual IOPL or bitmap every port access is the guest's #GP; with one,
dom0 reaches devices (PCI configuration space) but never the hypervisor's
own serial port, and a domU gets all ones and has its writes dropped.
"""
from conftest import ROOT

IOPORT = str(ROOT / "build" / "guests" / "ioport.elf")
EXIT_OK = 1


def test_port_io_privileged_and_not(sable):
    con = sable(smp=2, mem="256M", append="dom0 debug_exit_when_idle",
                modules=[IOPORT, IOPORT])
    con.wait_for(r"boot: all domains have shut down", timeout=120)
    con.expect_exit(EXIT_OK)
    con.wait_for(r"\(d0\) ioport: running as a privileged domain")
    con.wait_for(r"\(d1\) ioport: running as an unprivileged domain")
    con.wait_for(r"\(d0\) CHECK io-dom0-reaches-pci PASS")
    con.wait_for(r"\(d1\) CHECK io-domu-pci-all-ones PASS")
    for d in (0, 1):
        con.wait_for(rf"\(d{d}\) CHECK io-hypervisor-port-all-ones PASS")
        con.wait_for(rf"\(d{d}\) CHECK iobitmap-denied PASS")
        con.wait_for(rf"\(d{d}\) VERDICT SUCCESS \(\d+ passed, 0 failed\)")
    con.absent(r"CHECK \S+ FAIL")
