# Run under LD_PRELOAD=libpvclock-vdso.so: time.monotonic() and time.time()
# come from the object, stay monotonic / bracketed by the kernel's system
# call, and errors reach errno as with libc.
import ctypes
import ctypes.util
import errno
import os
import sys
import time

so = os.path.realpath(sys.argv[1])
with open("/proc/self/maps") as f:
    if so not in f.read():
        sys.exit("the object is not loaded: " + so)

libc = ctypes.CDLL(None, use_errno=True)


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def sys_ns(clk):
    ts = Timespec()
    if libc.syscall(228, clk, ctypes.byref(ts)) != 0:
        sys.exit("clock_gettime system call failed")
    return ts.tv_sec * 1000000000 + ts.tv_nsec


# The interposed clock_gettime sets errno like libc's.
ts = Timespec()
if libc.clock_gettime(12, ctypes.byref(ts)) != -1 or ctypes.get_errno() != errno.EINVAL:
    sys.exit("invalid clock id: expected -1/EINVAL")
if libc.clock_gettime(1, None) != -1 or ctypes.get_errno() != errno.EFAULT:
    sys.exit("NULL timespec: expected -1/EFAULT")

last = 0.0
bad = 0
for i in range(200000):
    m = time.monotonic()
    if m < last:
        bad += 1
    last = m
for i in range(20000):
    a = sys_ns(0)
    t = time.time_ns()
    c = sys_ns(0)
    if not a <= t <= c:
        bad += 1
    a = sys_ns(1)
    m = time.monotonic_ns()
    c = sys_ns(1)
    if not a <= m <= c:
        bad += 1
if bad:
    sys.exit("%d values out of order or outside the kernel's bracket" % bad)
