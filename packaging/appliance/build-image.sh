#!/usr/bin/env bash
# Builds the hnv-gateway appliance: a bootable Debian 12 (bookworm) disk
# image with the gateway packages, a serial console and hnv-firstboot.
#
#   packaging/appliance/build-image.sh [options]
#     --debs DIR        the .deb files to install (default: build/packages,
#                       what packaging/build-packages.sh writes)
#     --output FILE     the raw disk image (default: build/appliance/hnv-appliance.img)
#     --qcow2           also write FILE with .qcow2 (compressed) beside it
#     --size SIZE       disk size, as truncate takes it (default: 2G)
#     --cache-dir DIR   kept between builds: downloaded .debs and the base
#                       system (default: $HNV_APPLIANCE_CACHE or /var/cache/hnv-appliance)
#     --no-cache        rebuild the base system even when a cached one fits
#     --mirror URL      Debian mirror (default: $DEBIAN_MIRROR or http://deb.debian.org/debian)
#
# Needs root (debootstrap, chroot, a loop device to install the boot
# loader). Installs the host tools it lacks with apt-get. See README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
debs_dir=$root/build/packages
output=$root/build/appliance/hnv-appliance.img
size=2G
cache=${HNV_APPLIANCE_CACHE:-/var/cache/hnv-appliance}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
use_cache=1
want_qcow2=0
suite=bookworm

die() { echo "build-image.sh: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --debs) debs_dir=${2:?--debs needs a directory}; shift 2 ;;
    --output) output=${2:?--output needs a file}; shift 2 ;;
    --size) size=${2:?--size needs a size}; shift 2 ;;
    --cache-dir) cache=${2:?--cache-dir needs a directory}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --no-cache) use_cache=0; shift ;;
    --qcow2) want_qcow2=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and a loop device need it)"
[ -d "$debs_dir" ] || die "no directory of packages at $debs_dir: run packaging/build-packages.sh first or give --debs DIR"
debs_dir=$(cd "$debs_dir" && pwd)

# The appliance is a gateway: these three packages, nothing of the host or
# controller side. Exactly one version of each, so the image is what the
# operator thinks it is.
declare -A deb_of
for pkg in hnv-common hnv-gateway hnvctl; do
  shopt -s nullglob
  found=("$debs_dir/${pkg}"_*.deb)
  shopt -u nullglob
  [ ${#found[@]} -eq 1 ] || die "$debs_dir must hold exactly one ${pkg}_*.deb (found ${#found[@]})"
  deb_of[$pkg]=${found[0]}
done

t_start=$(date +%s)
mkdir -p "$cache" "$(dirname "$output")"
output=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
work=$(mktemp -d "${TMPDIR:-/var/tmp}/hnv-appliance.XXXXXX")
log=$work/build.log
: >"$log"

# --- Failure reporting and cleanup -------------------------------------------
# Every step names itself, so a failure says which one broke and shows the
# end of its log instead of a bare "exit 1".
current_step="start"
step() {
  current_step=$*
  echo "==> [$(( $(date +%s) - t_start )) s] $*" | tee -a "$log"
}
run() { "$@" >>"$log" 2>&1; }

mounts=()
loopdev=""
cleanup() {
  local rc=$?
  local i
  for ((i=${#mounts[@]}-1; i>=0; i--)); do
    umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}" 2>/dev/null || true
  done
  if [ -n "$loopdev" ]; then losetup -d "$loopdev" 2>/dev/null || true; fi
  if [ $rc -ne 0 ]; then
    echo "build-image.sh: FAILED during step: $current_step (exit $rc)" >&2
    echo "build-image.sh: last lines of $log:" >&2
    tail -n 25 "$log" | sed 's/^/    /' >&2
    echo "build-image.sh: the work directory $work is kept for inspection" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

mount_bind() { mount --bind "$1" "$2"; mounts+=("$2"); }
umount_all() {
  local i
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount "${mounts[$i]}"; done
  mounts=()
}

# apt inside the chroot needs /proc, /sys, /dev and name resolution; the
# package cache is bind-mounted from the cache directory so a rebuild of the
# base downloads nothing it already has. /run stays empty: the packages'
# scripts then see no running systemd and start nothing.
enter_chroot() {
  local r=$1
  mount -t proc proc "$r/proc"; mounts+=("$r/proc")
  mount_bind /sys "$r/sys"
  mount_bind /dev "$r/dev"
  mount -t devpts devpts "$r/dev/pts" -o newinstance,ptmxmode=0666; mounts+=("$r/dev/pts")
  mkdir -p "$cache/apt-archives/partial" "$r/var/cache/apt/archives"
  mount_bind "$cache/apt-archives" "$r/var/cache/apt/archives"
  rm -f "$r/etc/resolv.conf"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
}
in_chroot() { run chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "${@:2}"; }

# --- Host tools ----------------------------------------------------------------
step "host tools"
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v sfdisk >/dev/null || need+=(fdisk)
command -v extlinux >/dev/null || need+=(extlinux)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || need+=(syslinux-common)
command -v zstd >/dev/null || need+=(zstd)
if [ $want_qcow2 = 1 ]; then command -v qemu-img >/dev/null || need+=(qemu-utils); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "    installing ${need[*]}"
  run apt-get update || die "apt-get update failed (see $log)"
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" \
    || die "could not install ${need[*]} with apt-get"
fi

# --- Base system (cached) ------------------------------------------------------
# Everything but our packages: Debian, the kernel, and the packages ours
# depend on. It changes rarely, so it is kept in the cache under a key of
# what went into it; a rebuild with new hnv packages of the same
# dependencies starts from it and downloads nothing.
base_packages=(
  linux-image-amd64 systemd-sysv udev dbus kmod
  systemd-resolved systemd-timesyncd
  openssh-server ca-certificates iproute2 iputils-ping procps less nano
)
# Our packages' Depends, first alternative of each, without versions.
deps=()
for pkg in hnv-common hnv-gateway hnvctl; do
  while IFS= read -r d; do
    d=${d%%|*}; d=${d%%(*}; d=${d//[[:space:]]/}
    case "$d" in ''|hnv-*|hnvctl) ;; *) deps+=("$d") ;; esac
  done < <(dpkg-deb -f "${deb_of[$pkg]}" Depends | tr ',' '\n')
done
mapfile -t deps < <(printf '%s\n' "${deps[@]}" | sort -u)
# Bump when the base stage below changes in a way the lists do not show.
base_recipe=1
key=$(printf '%s\n' "$base_recipe" "$suite" "$mirror" "${base_packages[@]}" -- "${deps[@]}" \
  | sha256sum | cut -c1-16)
base_tar=$cache/base-$suite-$key.tar.zst

rootfs=$work/rootfs
mkdir -p "$rootfs"
if [ $use_cache = 1 ] && [ -f "$base_tar" ]; then
  step "base system: from cache $(basename "$base_tar")"
  tar --zstd -xpf "$base_tar" -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' \
    || die "cannot unpack $base_tar (delete it to rebuild)"
else
  step "base system: debootstrap $suite from $mirror"
  mkdir -p "$cache/debootstrap"
  # minbase plus what apt needs to verify the archive; the rest comes with
  # apt below, which resolves Recommends/alternatives the Debian way.
  run debootstrap --variant=minbase --cache-dir="$cache/debootstrap" \
    --include=systemd-sysv,ca-certificates "$suite" "$rootfs" "$mirror" \
    || die "debootstrap of $suite from $mirror failed (network? mirror?)"

  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
  # The kernel's postinst makes the initramfs and the /vmlinuz symlinks
  # the boot loader follows; no resume device on an appliance.
  mkdir -p "$rootfs/etc/initramfs-tools/conf.d"
  echo "RESUME=none" >"$rootfs/etc/initramfs-tools/conf.d/resume"

  enter_chroot "$rootfs"
  step "base system: kernel, systemd and the gateway's dependencies (${#deps[@]} packages)"
  in_chroot "$rootfs" apt-get update || die "apt-get update in the image failed"
  in_chroot "$rootfs" apt-get install -y --no-install-recommends "${base_packages[@]}" "${deps[@]}" \
    || die "installing the base packages in the image failed"
  # No apt-get clean: the archive directory is the cache's bind mount (the
  # image's own stays empty underneath).
  umount_all
  ls "$rootfs"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in /boot after installing linux-image-amd64"

  step "base system: saving to the cache"
  tar --zstd -cpf "$base_tar.tmp" -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' . \
    || die "cannot write $base_tar"
  mv "$base_tar.tmp" "$base_tar"
  # Older bases of other keys are only disk space now.
  find "$cache" -maxdepth 1 -name "base-$suite-*.tar.zst" ! -name "$(basename "$base_tar")" -delete
fi

# --- The gateway packages and the appliance's own files -----------------------
step "gateway packages: ${deb_of[hnv-common]##*/} ${deb_of[hnv-gateway]##*/} ${deb_of[hnvctl]##*/}"
enter_chroot "$rootfs"
mkdir -p "$rootfs/tmp/hnv-debs"
cp "${deb_of[@]}" "$rootfs/tmp/hnv-debs/"
# apt (not dpkg -i) so a dependency the cached base lacks is still fetched.
in_chroot "$rootfs" apt-get install -y --no-install-recommends \
  /tmp/hnv-debs/"$(basename "${deb_of[hnv-common]}")" \
  /tmp/hnv-debs/"$(basename "${deb_of[hnv-gateway]}")" \
  /tmp/hnv-debs/"$(basename "${deb_of[hnvctl]}")" \
  || die "installing the gateway packages in the image failed"
rm -rf "$rootfs/tmp/hnv-debs"

step "appliance files: first boot, console, network"
# tar, not cp: /lib in the image is a symlink (merged /usr) and must stay one.
tar -C "$here/rootfs" --owner=root --group=root -cf - . | tar -C "$rootfs" --keep-directory-symlink -xf -
chmod 0755 "$rootfs"/usr/lib/hnv-appliance/*
install -D -m 0644 "$here/appliance.conf.example" "$rootfs/usr/share/doc/hnv-appliance/appliance.conf.example"
install -D -m 0644 "$here/README.md" "$rootfs/usr/share/doc/hnv-appliance/README.md"

# Units enabled here are fixed for every appliance; the gateway's own units
# are enabled by hnv-firstboot once it has written their configuration.
in_chroot "$rootfs" systemctl enable hnv-firstboot.service systemd-networkd.service \
  systemd-resolved.service systemd-timesyncd.service ssh.service serial-getty@ttyS0.service \
  || die "systemctl enable in the image failed"

# Each appliance must get its own identity at first boot: machine-id
# (empty: systemd makes one) and SSH host keys (hnv-firstboot makes them).
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id" "$rootfs"/etc/ssh/ssh_host_*
echo "hnv-appliance" >"$rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\thnv-appliance\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  >"$rootfs/etc/hosts"
# Name resolution through systemd-resolved (static DNS= or DHCP's).
ln -sf ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

# What this image is, for the operator and for support.
{
  echo "hnv-appliance built $(date -u +%Y-%m-%dT%H:%M:%SZ) from Debian $suite ($mirror)"
  for pkg in hnv-common hnv-gateway hnvctl; do
    echo "$pkg $(dpkg-deb -f "${deb_of[$pkg]}" Version)"
  done
  echo "kernel $(basename "$(readlink -f "$rootfs/vmlinuz")" | sed 's/^vmlinuz-//')"
} >"$rootfs/etc/hnv-appliance-release"
in_chroot "$rootfs" sh -c 'dpkg-query -W -f "\${Package} \${Version}\n" > /usr/share/doc/hnv-appliance/packages.txt'
umount_all
# Lists come back with the operator's first apt-get update.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log \
  "$rootfs"/var/log/apt/* "$rootfs"/root/.bash_history
[ -e "$rootfs/vmlinuz" ] && [ -e "$rootfs/initrd.img" ] \
  || die "the kernel's /vmlinuz and /initrd.img symlinks are missing (linux-base did not make them)"

# --- Boot loader configuration ------------------------------------------------
# extlinux reads /vmlinuz and /initrd.img (symlinks the kernel package
# keeps current), so a kernel upgrade inside the appliance boots without
# touching this file. Kernel and systemd talk on the serial port (the last
# console= is /dev/console); the VGA console gets the kernel's lines too.
step "boot loader configuration"
fs_uuid=$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$rootfs/boot/extlinux"
cat >"$rootfs/boot/extlinux/extlinux.conf" <<EOF
# hnv-appliance boot loader (extlinux). The serial port is ttyS0, 115200 8N1.
SERIAL 0 115200
DEFAULT hnv
PROMPT 0
TIMEOUT 20
LABEL hnv
  MENU LABEL hnv-gateway appliance
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=UUID=$fs_uuid ro console=tty0 console=ttyS0,115200n8
EOF
cat >"$rootfs/etc/fstab" <<EOF
# <file system>   <mount point>  <type>  <options>           <dump> <pass>
UUID=$fs_uuid  /  ext4  errors=remount-ro  0  1
EOF

# --- Disk image -----------------------------------------------------------------
# One MBR partition from 1 MiB, ext4 filled straight from the directory
# (mke2fs -d: no mount, no copy), extlinux in it and syslinux's MBR code.
# ^64bit: syslinux 6.04 cannot read ext4 with 64-bit block numbers.
step "disk image: $output ($size)"
img=$work/disk.img
truncate -s "$size" "$img"
printf 'label: dos\nstart=2048, type=83, bootable\n' | run sfdisk --quiet "$img" \
  || die "sfdisk could not partition the image"
part_start=$((2048 * 512))
part_bytes=$(( $(stat -c %s "$img") - part_start ))
run mkfs.ext4 -q -F -L hnv-root -U "$fs_uuid" -O ^64bit -E offset=$part_start \
  -d "$rootfs" "$img" "$((part_bytes / 1024))k" \
  || die "mkfs.ext4 could not build the root file system (image too small? try --size)"
rm -rf "$rootfs"

step "disk image: boot loader"
loopdev=$(losetup --find --show --offset "$part_start" --sizelimit "$part_bytes" "$img") \
  || die "no free loop device for installing extlinux"
mnt=$work/mnt
mkdir -p "$mnt"
mount "$loopdev" "$mnt"; mounts+=("$mnt")
run extlinux --install "$mnt/boot/extlinux" || die "extlinux --install failed"
umount_all
losetup -d "$loopdev"; loopdev=""
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" bs=440 count=1 conv=notrunc status=none \
  || die "cannot write the MBR boot code"

mv "$img" "$output"
if [ $want_qcow2 = 1 ]; then
  step "disk image: ${output%.img}.qcow2"
  run qemu-img convert -c -O qcow2 "$output" "${output%.img}.qcow2" || die "qemu-img convert failed"
fi

t_end=$(date +%s)
echo "==> done in $((t_end - t_start)) s: $output"
echo "    disk $(du -h --apparent-size "$output" | cut -f1) (allocated $(du -h "$output" | cut -f1))$(
  [ $want_qcow2 = 1 ] && echo ", qcow2 $(du -h "${output%.img}.qcow2" | cut -f1)")"
