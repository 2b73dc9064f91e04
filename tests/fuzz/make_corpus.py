# SPDX-License-Identifier: MIT
"""Write the fuzz harnesses' seed inputs into corpus/<harness>/.

Each seed is a realistic input in the layout its harness's header comment
describes.  Run from anywhere: python3 tests/fuzz/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# maps: piece size - 1, then the text.
def maps_line(start, end, perms, name, path_col=73):
    head = "%08x-%08x %s 00000000 00:00 0" % (start, end, perms)
    return head + " " * max(1, path_col - len(head)) + name + "\n"


MAPS_6_13 = (
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1234                       /usr/bin/cat\n"
    "55d0c0a02000-55d0c0a07000 r-xp 00002000 fd:01 1234                       /usr/bin/cat\n"
    "55d0c1e4e000-55d0c1e6f000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f3a2c000000-7f3a2c028000 r--p 00000000 fd:01 5678                       "
    "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
    + maps_line(0x7ffd1a2e1000, 0x7ffd1a302000, "rw-p", "[stack]")
    + maps_line(0x7ffd1a2fe000, 0x7ffd1a302000, "r--p", "[vvar]")
    + maps_line(0x7ffd1a302000, 0x7ffd1a304000, "r--p", "[vvar_vclock]")
    + maps_line(0x7ffd1a304000, 0x7ffd1a306000, "r-xp", "[vdso]")
    + "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
)
MAPS_OLD = (
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1234                       /usr/bin/cat\n"
    + maps_line(0x7ffd1a2fe000, 0x7ffd1a302000, "r--p", "[vvar]")
    + maps_line(0x7ffd1a302000, 0x7ffd1a304000, "r-xp", "[vdso]")
)
MAPS_NONE = (
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1234                       /usr/bin/cat\n"
    + maps_line(0x7ffd1a2fe000, 0x7ffd1a2ff000, "r--p", "[vvar]")
    + maps_line(0x7ffd1a302000, 0x7ffd1a304000, "r-xp", "[vdso]")
)
MAPS_LONG_PATH = (
    "7f3a2c000000-7f3a2c028000 r--p 00000000 fd:01 5678                       /srv/"
    + "d" * 200 + "/lib.so\n"
    + maps_line(0x7ffd1a2fe000, 0x7ffd1a302000, "r--p", "[vvar]")
    + maps_line(0x7ffd1a302000, 0x7ffd1a304000, "r--p", "[vvar_vclock]")
)
MAPS_TOLERANT = "ABC000-ABE000 r--p 00000000 00:00 0\t[vvar_vclock] \t\r\n1000-3000 r--p 0 00:00 0 [vvar]"

write("maps", "linux-6.13", bytes([255]) + MAPS_6_13.encode())
write("maps", "linux-6.13-pieces-7", bytes([6]) + MAPS_6_13.encode())
write("maps", "linux-4.5", bytes([255]) + MAPS_OLD.encode())
write("maps", "no-pvclock-page", bytes([255]) + MAPS_NONE.encode())
write("maps", "long-path", bytes([100]) + MAPS_LONG_PATH.encode())
write("maps", "tolerant-spelling", bytes([255]) + MAPS_TOLERANT.encode())

# environ: eight piece sizes - 1, then the block.
PIECES_READ = bytes([255] * 8)
PIECES_SMALL = bytes([0, 2, 6, 12, 1, 30, 3, 0])
for value in (b"off", b"vcpu0", b"percpu", b"auto", b"vcpu0x"):
    env = b"PATH=/usr/bin:/bin\0HOME=/root\0PVCLOCK_VDSO=" + value + b"\0LANG=C.UTF-8\0"
    write("environ", "value-" + value.decode(), PIECES_READ + env)
write("environ", "split", PIECES_SMALL + b"XPVCLOCK_VDSO=off\0PVCLOCK_VDSO=percpu\0")
write("environ", "unterminated", PIECES_SMALL + b"TERM=xterm\0PVCLOCK_VDSO=off")
write("environ", "absent", PIECES_READ + b"PATH=/usr/bin\0PVCLOCK_VDSO\0PVCLOCK_VDS=off\0")

# kfind: pages, readable mask, then 1024 bytes at the start of each page.
PAGE_WINDOW = 1024
# era: (offset, stride, has max_cycles, namespace page)
ERAS = {"6.15": (0, 232, True, 1), "6.13": (0, 248, True, 1),
        "6.10": (128, 248, True, 3), "5.6": (128, 240, False, 3)}
TIMENS = 0x7FFFFFFF


def block(mode, has_max, mult=0x80000000, shift=31, last=0x123456789, bases=None):
    out = struct.pack("<Ii", 2, mode) + struct.pack("<Q", last)
    if has_max:
        out += struct.pack("<Q", 0x1000000000)
    out += struct.pack("<QII", 0xFFFFFFFFFFFFFFFF if mode != TIMENS else 0, mult, shift)
    for c in range(12):
        sec, nsec = (bases or {}).get(c, (1000 + c, 0))
        out += struct.pack("<QQ", sec, nsec)
    return out


def page_with(era, mode):
    offset, stride, has_max, _ = ERAS[era]
    page = bytearray(PAGE_WINDOW)
    hres = block(mode, has_max)
    raw = block(mode, has_max)
    page[offset:offset + len(hres)] = hres
    page[offset + stride:offset + stride + len(raw)] = raw
    return bytes(page)


for era in ERAS:
    write("kfind", "era-%s-tsc" % era, bytes([4, 0xF]) + page_with(era, 1) + bytes(3 * PAGE_WINDOW))
    ns_page = ERAS[era][3]
    pages = [bytes(PAGE_WINDOW)] * 4
    pages[0] = page_with(era, TIMENS)
    pages[ns_page] = page_with(era, 2)
    write("kfind", "era-%s-namespace-kvmclock" % era, bytes([4, 0xF]) + b"".join(pages))
write("kfind", "namespace-data-unreadable", bytes([4, 0x1]) + page_with("6.15", TIMENS)
      + page_with("6.15", 2) + bytes(2 * PAGE_WINDOW))


# read: protocol, TSC mode, getcpu method, slots - 1, stride index, retries, cpu,
# then per slot a record and a migration counter, then (mul, shift) for tsc_khz.
def record(version, tsc, system_time, mul, shift, flags):
    return struct.pack("<IIQQIbB2s", version, 0, tsc, system_time, mul, shift, flags, b"\0\0")


REC_STABLE = record(2, 0x1000, 10_000_000_000, 0xA0000000, -1, 1)
REC_UNSTABLE = record(4, 0x2000, 10_000_000_500, 0xA0000000, -1, 0)
REC_ODD = record(5, 0x2000, 10_000_000_500, 0xA0000000, -1, 1)
REC_NOMUL = record(2, 0x2000, 10_000_000_500, 0, 0, 1)
TAIL = struct.pack("<Ib", 0xA0000000, -1)
for proto, name in enumerate(("vcpu0", "percpu", "migrate", "rseq")):
    slots = REC_STABLE + struct.pack("<I", 7) + REC_UNSTABLE + struct.pack("<I", 9)
    write("read", "%s-two-slots" % name, bytes([proto, 0, 0, 1, 3, 3, 0]) + slots + TAIL)
    write("read", "%s-one-slot-cpu1" % name, bytes([proto, 1, 1, 0, 4, 2, 1]) + REC_STABLE
          + struct.pack("<I", 0) + TAIL)
write("read", "vcpu0-odd", bytes([0, 0, 0, 0, 3, 1, 0]) + REC_ODD + struct.pack("<I", 0) + TAIL)
write("read", "percpu-no-mul", bytes([1, 0, 0, 0, 3, 1, 0]) + REC_NOMUL + struct.pack("<I", 0) + TAIL)


# pvmap: mode, record (tsc_timestamp, system_time, mul), then per mode the block.
def pvmap_near(mul, k, slew, shift_idx, last_back, max_cycles, floor):
    out = bytes([1]) + struct.pack("<QQI", 0x7000000000, 10_000_000_000, mul)
    out += bytes([k]) + struct.pack("<i", slew) + bytes([shift_idx]) + struct.pack("<i", last_back)
    out += struct.pack("<Q", max_cycles)
    for c in range(4):
        out += struct.pack("<IQ", 1700000000 + c, 123456789 * (c + 1))
    out += bytes([1 if floor else 0]) + struct.pack("<q", floor or 0)
    out += struct.pack("<4Q", 0, 1000, 1 << 20, 1 << 40)
    return out


# 3 GHz TSC: mul 0xaaaaaaab, shift -1; 1 GHz: mul 0x80000000 shift 1 (index 5 -> shift 1).
write("pvmap", "3ghz-k24", pvmap_near(0xAAAAAAAB, 24, 0, 3, 4_000_000, 1 << 38, 0))
write("pvmap", "3ghz-k24-slew", pvmap_near(0xAAAAAAAB, 24, 8000, 3, 4_000_000, 1 << 38, 0))
write("pvmap", "1ghz-k31-floor", pvmap_near(0x80000000, 31, -5000, 5, 1_000_000, 1 << 36, 2000))
write("pvmap", "8ghz-k20", pvmap_near(0x80000000, 20, 100, 1, 10_000, 1 << 39, 0))
raw = bytes([0]) + struct.pack("<QQI", 0x7000000000, 10_000_000_000, 0xAAAAAAAB)
raw += struct.pack("<bBIQQ", -1, 24, 1 << 24, 10_000_000_000 - 4_000_000, 1 << 38)
for c in range(4):
    raw += struct.pack("<QQ", 1700000000 + c, (123456789 * (c + 1)) << 24)
raw += bytes([0]) + struct.pack("<Q", 0) + struct.pack("<4Q", 0, 1000, 1 << 20, 1 << 40)
write("pvmap", "raw-3ghz", raw)
