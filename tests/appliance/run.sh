#!/usr/bin/env bash
# CTest appliance.boot: the packages of this build, the appliance image made
# from them, and the image booted under qemu (software emulation): first
# boot from a config drive to a ready hnvgwd started by systemd from its
# unit, a second boot from the enabled units, and a boot with invalid
# settings that hnv-firstboot refuses by name. Needs root; downloads the
# base system from Debian's archive on a cold cache (/var/cache/hnv-appliance).
#   tests/appliance/run.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "appliance.boot: needs root (debootstrap, loop devices); skipped"
  exit 77
fi
out="$build/appliance"
mkdir -p "$out"
"$root/packaging/build-packages.sh" "$build" >/dev/null
"$root/packaging/appliance/build-image.sh" --debs "$build/packages" --output "$out/hnv-appliance.img"
"$root/packaging/appliance/smoke-test.sh" --image "$out/hnv-appliance.img" --second-boot --results "$out/boot-times.tsv"
"$root/packaging/appliance/smoke-test.sh" --image "$out/hnv-appliance.img" --bad-settings
echo "boot times (date, boot, accel, seconds to ready, seconds to the console report):"
cat "$out/boot-times.tsv"
