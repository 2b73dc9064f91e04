#!/bin/sh
# Build pvclock_VERSION_amd64.deb from `meson install --destdir` with
# dpkg-deb: the library, its headers and pkg-config files, the drop-in
# (libpvclock-vdso.so.0), the tools and the man pages, under /usr.
#   sh tools/deb.sh                 build it into build-deb/, check its contents
#   sh tools/deb.sh --install-test  also install it with apt (root), run
#                                   pvclock-info and pvclock-run --check, remove it
set -eu
cd "$(dirname "$0")/.."
install_test=0
[ "${1:-}" = "--install-test" ] && install_test=1
version=$(sed -n "s/^  version : '\(.*\)',/\1/p" meson.build)
root=build-deb/root
if [ -d build-deb/meson ]; then
	meson setup --reconfigure build-deb/meson --prefix=/usr --buildtype=release -Dtests=disabled >/dev/null
else
	meson setup build-deb/meson --prefix=/usr --buildtype=release -Dtests=disabled >/dev/null
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
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "./$deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -qq pvclock >/dev/null' EXIT
/usr/bin/pvclock-info --version
# No pvclock page is a plain answer (exit 1), not a failure.
/usr/bin/pvclock-info >/dev/null || [ $? = 1 ]
/usr/bin/pvclock-run --check || [ $? = 1 ]
/usr/bin/pvclock-run /bin/true
pkg-config --exists pvclock pvclock-vdso
echo "deb: installed, ran, removed"
