#!/usr/bin/env bash
# Boots the appliance image under qemu with a config drive and waits for the
# serial console to say the gateway is ready; checks that systemd started
# the daemons from their units; reports the seconds from qemu's start.
#
#   packaging/appliance/smoke-test.sh [options]
#     --image FILE     the raw image (default: build/appliance/hnv-appliance.img;
#                      built with build-image.sh when missing)
#     --debs DIR       packages for that build (default: build/packages)
#     --accel A        tcg (default: software emulation), kvm, or auto (kvm
#                      when /dev/kvm works, else tcg)
#     --timeout S      seconds to wait for the verdict (default: 900 tcg, 240 kvm)
#     --bad-settings   boot with invalid settings instead; passes when
#                      hnv-firstboot refuses them on the console and starts nothing
#     --results FILE   append "date accel seconds image" of a passing boot
#     --keep           keep the work directory (serial log, overlay, config drive)
#
# The image itself is never written: the VM boots a qcow2 overlay of it, so
# every run is a first boot. Needs no host network configuration: the
# management NIC is qemu's user network with restrict=on (nothing leaves
# the VM) and the data-plane NIC sits alone on a qemu hub.
# Exit 0 when every check passed; else 1 with the serial console's end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
image=$root/build/appliance/hnv-appliance.img
debs=$root/build/packages
accel=tcg
timeout_s=""
bad=0
keep=0
results=""

die() { echo "smoke-test.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=${2:?}; shift 2 ;;
    --debs) debs=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --bad-settings) bad=1; shift ;;
    --results) results=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "must run as root (it may build the image)"

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
if [ ${#need[@]} -gt 0 ]; then
  echo "smoke-test.sh: installing ${need[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || die "could not install ${need[*]}"
fi

if [ ! -f "$image" ]; then
  echo "smoke-test.sh: no image at $image: building it"
  "$here/build-image.sh" --debs "$debs" --output "$image" || die "build-image.sh failed"
fi

# KVM only when asked and when it really starts a VM: /dev/kvm can exist
# without working (nested virtualisation off).
kvm_works() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
  timeout 10 qemu-system-x86_64 -accel kvm -machine pc -display none -monitor none \
    -serial none -S -nodefaults </dev/null >/dev/null 2>&1 &
  local pid=$!
  sleep 2
  if kill -0 $pid 2>/dev/null; then kill $pid; wait $pid 2>/dev/null; return 0; fi
  wait $pid 2>/dev/null
  return 1
}
case "$accel" in
  tcg) ;;
  kvm) kvm_works || die "--accel kvm: KVM does not start a VM here (/dev/kvm missing, not accessible or not working)" ;;
  auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
  *) die "--accel: '$accel': tcg, kvm or auto" ;;
esac
timeout_s=${timeout_s:-$([ $accel = kvm ] && echo 240 || echo 900)}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/hnv-smoke.XXXXXX")
serial=$work/serial.log
qemu_pid=""
finish() {
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid" 2>/dev/null || true; fi
  if [ $keep = 1 ]; then echo "smoke-test.sh: work directory kept: $work"; else rm -rf "$work"; fi
}
trap finish EXIT

# --- Config drive ---------------------------------------------------------------
mgmt_mac=52:54:00:00:10:01
data_mac=52:54:00:00:20:01
token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
if [ $bad = 0 ]; then
  # The controller's URL points at qemu's host alias; nothing answers
  # there (restrict=on): hnvgwd must come up without its controller.
  cat >"$work/hnv-appliance.conf" <<EOF
# smoke test settings
NODE_NAME=smoke-gw1
MGMT_NIC=$mgmt_mac
MGMT_ADDRESS=10.0.2.15/24
MGMT_GATEWAY=10.0.2.2
DATA_NIC=$data_mac
DATA_MTU=1500
PROVIDER_ADDRESS=192.0.2.1/24
CONTROLLER_URL=http://10.0.2.2:8470
NODE_TOKEN=$token
HUGEPAGES_2M=256
LCORES=0,1
VPN=yes
EOF
else
  cat >"$work/hnv-appliance.conf" <<EOF
# invalid on purpose: each line below must be named on the console
NODE_NAME=smoke_gw1
MGMT_ADDRESS=10.0.2.300/24
DATA_NIC=52:54:00:00:99:99
PROVIDER_ADDRESS=192.0.2.1/24
CONTROLLER_URL=http://10.0.2.2:8470
HUGEPAGES_2M=4096
COLOUR=blue
EOF
fi
truncate -s 8M "$work/config.img"
mkfs.vfat -n HNVCONFIG "$work/config.img" >/dev/null
mcopy -i "$work/config.img" "$work/hnv-appliance.conf" ::hnv-appliance.conf
qemu-img create -q -f qcow2 -b "$(readlink -f "$image")" -F raw "$work/disk.qcow2"

# --- Boot ----------------------------------------------------------------------------
echo "smoke-test.sh: booting $(basename "$image") with accel=$accel, 2 vCPUs, 2048 MiB$([ $bad = 1 ] && echo ', invalid settings')"
: >"$serial"
t0=$(date +%s.%N)
qemu-system-x86_64 -name hnv-smoke -machine pc -accel "$accel" -cpu max -smp 2 -m 2048 \
  -display none -nodefaults -no-user-config \
  -serial "file:$serial" -monitor "unix:$work/monitor.sock,server=on,wait=off" \
  -drive "file=$work/disk.qcow2,if=virtio,format=qcow2" \
  -drive "file=$work/config.img,if=virtio,format=raw,readonly=on" \
  -netdev user,id=mgmt,restrict=on -device "virtio-net-pci,netdev=mgmt,mac=$mgmt_mac" \
  -netdev hubport,id=data,hubid=1 -device "virtio-net-pci,netdev=data,mac=$data_mac" \
  >"$work/qemu.out" 2>&1 &
qemu_pid=$!

if [ $bad = 0 ]; then verdict='hnv-appliance: (NOT )?READY|hnv-firstboot: FAILED'
else verdict='hnv-firstboot: FAILED|hnv-appliance: (NOT )?READY'; fi
found=""
while :; do
  now=$(date +%s.%N)
  elapsed=$(awk -v a="$t0" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
  if grep -Eq "$verdict" "$serial"; then found=$(grep -Eo "$verdict" "$serial" | head -n 1); break; fi
  kill -0 "$qemu_pid" 2>/dev/null || break
  awk -v e="$elapsed" -v t="$timeout_s" 'BEGIN { exit !(e >= t) }' && break
  sleep 0.5
done
# The closing report lines follow the verdict within a moment.
sleep 2

passed=0; failed=0
check() {  # check NAME REGEX: one serial line must match
  if grep -Eq "$2" "$serial"; then passed=$((passed + 1)); echo "  ok   $1"
  else failed=$((failed + 1)); echo "  FAIL $1 (no serial line matches: $2)"; fi
}
check_absent() {  # check_absent NAME REGEX: no serial line may match
  if grep -Eq "$2" "$serial"; then failed=$((failed + 1)); echo "  FAIL $1 (a serial line matches: $2)"
  else passed=$((passed + 1)); echo "  ok   $1"; fi
}
echo "smoke-test.sh: verdict after ${elapsed} s: ${found:-none (timeout ${timeout_s} s or qemu exited)}"
if [ $bad = 0 ]; then
  check "kernel on the serial console" 'Linux version [0-9]'
  check "systemd on the serial console" 'systemd\[1\]|Reached target|Welcome to'
  check "getty on ttyS0" 'login:'
  check "hnv-firstboot configured the node" 'hnv-firstboot: done: enabled and started'
  check "hnvgwd --check-config passed" 'hnv-firstboot: hnvgwd --check-config: configuration OK'
  check "hnvgwd active from its unit, enabled, as user hnv" \
    'hnv-appliance: hnvgwd.service: ActiveState=active SubState=running .*UnitFileState=enabled FragmentPath=/(usr/)?lib/systemd/system/hnvgwd.service .*User=hnv'
  check "hnvgwd's process is systemd's child, user hnv" 'hnv-appliance: hnvgwd.service: process [0-9]+ +1 hnv +hnv +/usr/sbin/hnvgwd --config /etc/hnv/hnvgwd.json'
  check "hnvgwd logged ready" 'hnv-appliance: hnvgwd journal: .*hnvgwd: ready'
  check "hnv-iked active from its unit" 'hnv-appliance: hnv-iked.service: ActiveState=active SubState=running .*UnitFileState=enabled'
  check "hnv-hugepages reserved the pages" 'hnv-appliance: hnv-hugepages: reserve-hugepages: 256 pages'
  check "/health answers ok" 'hnv-appliance: hnvgwd /health: ok'
  check "READY" 'hnv-appliance: READY '
else
  check "names the bad NODE_NAME" 'hnv-firstboot: ERROR: .*NODE_NAME: .smoke_gw1.'
  check "names the bad MGMT_ADDRESS" 'hnv-firstboot: ERROR: .*MGMT_ADDRESS: .10.0.2.300/24.'
  check "names the missing DATA_NIC" 'hnv-firstboot: ERROR: .*DATA_NIC: .52:54:00:00:99:99.: no NIC has this MAC'
  check "names the missing NODE_TOKEN" 'hnv-firstboot: ERROR: .*NODE_TOKEN: missing'
  check "names the too many HUGEPAGES_2M" 'hnv-firstboot: ERROR: .*HUGEPAGES_2M: .4096.'
  check "names the unknown key" 'hnv-firstboot: ERROR: .*COLOUR: unknown setting'
  check "says nothing was started" 'hnv-firstboot: FAILED: nothing was started'
  check_absent "hnvgwd was not started" 'Start(ing|ed) .*\(hnvgwd\)|hnv-appliance: (NOT )?READY'
fi

ready_line=$(grep -Eo 'hnv-appliance: READY .*' "$serial" | head -n 1 | tr -d '\r' || true)
grep -E 'hnv-(firstboot|appliance):' "$serial" | tr -d '\r' | sed 's/^/  serial| /' | head -n 40

# Power off through ACPI, as an operator's hypervisor would; hard stop after 90 s.
if kill -0 "$qemu_pid" 2>/dev/null; then
  python3 - "$work/monitor.sock" <<'EOF' || true
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.2)
s.sendall(b"system_powerdown\n"); time.sleep(0.5); s.close()
EOF
  for _ in $(seq 1 180); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$qemu_pid" 2>/dev/null; then
    echo "smoke-test.sh: the VM did not power off within 90 s: stopping qemu"
    kill "$qemu_pid"
  else
    echo "smoke-test.sh: the VM powered off"
  fi
  wait "$qemu_pid" 2>/dev/null || true
fi
qemu_pid=""

if [ $failed -gt 0 ] || [ -z "$found" ]; then
  [ -z "$found" ] && failed=$((failed + 1))
  echo "smoke-test.sh: FAILED; the serial console's last 40 lines:"
  tail -n 40 "$serial" | tr -d '\r' | sed 's/^/  serial| /'
  [ -s "$work/qemu.out" ] && sed 's/^/  qemu| /' "$work/qemu.out"
  echo "appliance: $passed passed, $failed failed"
  exit 1
fi
if [ $bad = 0 ]; then
  echo "smoke-test.sh: hnvgwd ready ${elapsed} s after qemu started (accel=$accel); guest says: ${ready_line#hnv-appliance: }"
  if [ -n "$results" ]; then
    printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$accel" "$elapsed" "$(basename "$image")" >>"$results"
  fi
fi
echo "appliance: $passed passed, $failed failed"
