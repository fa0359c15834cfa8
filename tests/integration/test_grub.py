"""Sable boots from the GRUB ISO (make iso), as on a real machine."""
import re
import subprocess

from conftest import EXIT_OK, ISO, ROOT

GRUB_CFG = ROOT / "tools" / "grub.cfg"


def grub_options():
    """The options tools/grub.cfg gives after the image path."""
    m = re.search(r"^\s*multiboot2\s+\S+\s*(.*?)\s*$", GRUB_CFG.read_text(), re.M)
    assert m, "no multiboot2 line in tools/grub.cfg"
    return m.group(1)


def test_grub_multiboot2_iso(sable):
    opts = grub_options()
    assert opts, "tools/grub.cfg passes no option to test with"
    c = sable(cdrom=ISO)
    c.wait_for(r"Sable hypervisor \d+\.\d+")
    c.wait_for(r"loader: GRUB [^\n]*\(Multiboot2\)$")
    # GRUB passes the options without the image path: all of them arrive.
    c.wait_for(rf"cmdline: '{re.escape(opts)}'$")
    c.wait_for(r"boot complete: 2 CPUs online, idle$")
    c.absent(r"cmdline: unknown|cmdline: invalid|PANIC")


def test_grub_multiboot1(sable, tmp_path):
    # The same image through GRUB's Multiboot (v1) command: GRUB 2 passes only
    # the options here too, unlike QEMU -kernel.
    tree = tmp_path / "iso"
    (tree / "boot" / "grub").mkdir(parents=True)
    (tree / "boot" / "sable.mb").write_bytes((ROOT / "build" / "sable.mb").read_bytes())
    cfg = re.sub(r"^(\s*)multiboot2\s+(\S+).*$", r"\1multiboot \2 loglvl=2 debug_shutdown",
                 GRUB_CFG.read_text(), flags=re.M)
    (tree / "boot" / "grub" / "grub.cfg").write_text(cfg)
    iso = tmp_path / "mb1.iso"
    r = subprocess.run(["grub-mkrescue", "-o", str(iso), str(tree)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    c = sable(cdrom=iso)
    c.wait_for(r"loader: GRUB [^\n]*\(Multiboot\)$")
    c.wait_for(r"cmdline: 'loglvl=2 debug_shutdown'$")
    c.expect_exit(EXIT_OK)
