#!/bin/sh
# Build pvclock_VERSION_amd64.deb from `meson install --destdir` with
# dpkg-deb: the library, its headers and pkg-config files, the drop-in
# (libpvclock-vdso.so.0), the tools and the man pages, under /usr.
#   sh tools/deb.sh                 build it into build-deb/, check its contents
#   sh tools/deb.sh --install-test  also install it with apt in a fresh Debian 12
#                                   chroot (root, debootstrap) and run the tools there
set -eu
cd "$(dirname "$0")/.."
install_test=0
[ "${1:-}" = "--install-test" ] && install_test=1
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" meson.build)
root=build-deb/root
if [ -d build-deb/meson ]; then
	meson setup --reconfigure build-deb/meson --prefix=/usr --buildtype=release -Dtests=disabled -Dabsl=disabled >/dev/null
else
	meson setup build-deb/meson --prefix=/usr --buildtype=release -Dtests=disabled -Dabsl=disabled >/dev/null
fi
ninja -C build-deb/meson >/dev/null
rm -rf "$root"
meson install -C build-deb/meson --destdir "$PWD/$root" >/dev/null
mkdir -p "$root/DEBIAN" "$root/usr/share/doc/pvclock"
cp LICENSE "$root/usr/share/doc/pvclock/copyright"
cat >"$root/DEBIAN/control" <<CONTROL
Package: pvclock
Version: $version
Architecture: amd64
Maintainer: The pvclock authors <pvclock@localhost>
Depends: libc6 (>= 2.36)
Section: libs
Priority: optional
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Description: fastest correct clock for virtual machine guests
 libpvclock reads the clocks hypervisors publish (kvmclock and Xen records,
 Hyper-V's reference TSC page, VMClock) from userspace and computes the
 kernel's own clocks from the kernel's data. libpvclock-vdso.so.0 is a
 drop-in clock_gettime for LD_PRELOAD (pvclock-run); clockbench measures
 this machine's clocks.
CONTROL
# The new shared object is found at once.
echo "activate-noawait ldconfig" >"$root/DEBIAN/triggers"
deb="build-deb/pvclock_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
# What it must hold.
contents=$(dpkg-deb --contents "$deb")
for f in usr/lib/x86_64-linux-gnu/libpvclock-vdso.so.0 usr/lib/x86_64-linux-gnu/libpvclock.a \
	usr/include/pvclock.h usr/include/pvclock/version.h usr/bin/clockbench usr/bin/pvclock-info \
	usr/bin/pvclock-run usr/share/man/man1/clockbench.1 usr/share/man/man7/libpvclock-vdso.7 \
	usr/lib/x86_64-linux-gnu/pkgconfig/pvclock.pc usr/lib/x86_64-linux-gnu/pkgconfig/pvclock-vdso.pc; do
	echo "$contents" | grep -q " \./$f\( -> .*\)\?\$" || {
		echo "deb: $deb lacks $f" >&2
		exit 1
	}
done
echo "deb: $deb"
[ "$install_test" = 1 ] || exit 0

# A fresh Debian 12 (minbase) in a chroot, the package installed there with apt:
# only what it declares may be needed.
if [ "$(id -u)" != 0 ]; then
	echo "deb: --install-test needs root (debootstrap, chroot, mount)" >&2
	exit 1
fi
command -v debootstrap >/dev/null 2>&1 ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
chroot_dir="$PWD/build-deb/chroot"
if [ ! -x "$chroot_dir/usr/bin/apt-get" ]; then
	rm -rf "$chroot_dir"
	debootstrap --variant=minbase bookworm "$chroot_dir" "${mirror:-http://deb.debian.org/debian}" >/dev/null
fi
cp "$deb" "$chroot_dir/tmp/"
mount -t proc proc "$chroot_dir/proc"
trap 'umount "$chroot_dir/proc"' EXIT
in_chroot() {
	chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
in_chroot dpkg --purge pvclock >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -qq "/tmp/$(basename "$deb")" \
	>build-deb/apt.log 2>&1 || { cat build-deb/apt.log; exit 1; }
in_chroot pvclock-info --version
# No pvclock page is a plain answer (exit 1), not a failure.
in_chroot pvclock-info >/dev/null || [ $? = 1 ]
in_chroot pvclock-run --check || [ $? = 1 ]
in_chroot pvclock-run /bin/true
in_chroot clockbench --smoke --no-storm --quiet >/dev/null
echo "deb: installed in a fresh Debian 12 chroot; pvclock-info, pvclock-run and clockbench ran"
