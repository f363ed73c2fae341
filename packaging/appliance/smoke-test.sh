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
#                      when a probe boot reaches the kernel with it, else tcg)
#     --timeout S      seconds to wait for each boot's verdict (default: 900 tcg, 240 kvm)
#     --second-boot    then boot the same disk again: hnv-firstboot must not
#                      run, the gateway must come up from its enabled units
#     --bad-settings   boot with invalid settings instead; passes when
#                      hnv-firstboot names each of them on the console and
#                      starts nothing
#     --results FILE   append one line per passing boot: date, accel, seconds
#     --keep           keep the work directory (serial logs, overlay, config drive)
#
# The image itself is never written: the VM boots a qcow2 overlay of it, so
# every run is a first boot. Needs no host network configuration: the
# management NIC is qemu's user network with restrict=on (nothing leaves
# the VM, so the controller's URL reaches nothing) and the data-plane NIC
# sits alone on a qemu hub.
# Exit 0 when every check passed; else 1 with the serial console's end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
image=$root/build/appliance/hnv-appliance.img
debs=$root/build/packages
accel=tcg
timeout_s=""
bad=0
second=0
keep=0
results=""

die() { echo "smoke-test.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=${2:?}; shift 2 ;;
    --debs) debs=${2:?}; shift 2 ;;
    --accel) accel=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --second-boot) second=1; shift ;;
    --bad-settings) bad=1; shift ;;
    --results) results=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# KVM only when it really boots this image's kernel: /dev/kvm can exist
# without working. Under nested virtualisation "-cpu host" can abort on an
# MSR the outer hypervisor refuses (IA32_ARCH_CAPABILITIES), and the boot
# loader can stop in "KVM internal error ... emulation failure": the probe
# boots a throw-away overlay until the kernel prints on the serial port.
# TCG emulates "max" (SSE4.2, AES-NI: DPDK's corei7 baseline and the AES-NI
# crypto driver need them).
kvm_cpu=""
kvm_works() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
  local c pid p ok
  p=$(mktemp -d "${TMPDIR:-/var/tmp}/hnv-kvm-probe.XXXXXX")
  qemu-img create -q -f qcow2 -b "$(readlink -f "$image")" -F raw "$p/disk.qcow2"
  for c in host host,arch-capabilities=off; do
    : >"$p/serial"
    qemu-system-x86_64 -accel kvm -machine pc -cpu "$c" -smp 2 -m 2048 -display none \
      -monitor none -nodefaults -serial "file:$p/serial" \
      -drive "file=$p/disk.qcow2,if=virtio,format=qcow2" </dev/null >"$p/err" 2>&1 &
    pid=$!
    ok=0
    for _ in $(seq 1 60); do
      if grep -aq 'Linux version' "$p/serial"; then ok=1; break; fi
      if ! kill -0 $pid 2>/dev/null || grep -q 'KVM internal error' "$p/err"; then break; fi
      sleep 0.5
    done
    kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
    if [ $ok = 1 ]; then kvm_cpu=$c; break; fi
    echo "smoke-test.sh: KVM with -cpu $c does not boot the image: $(grep -m1 -E 'error|Error' "$p/err" || echo 'no kernel output in 30 s')"
  done
  rm -rf "$p"
  [ -n "$kvm_cpu" ]
}
case "$accel" in
  tcg) ;;
  kvm) kvm_works || die "--accel kvm: KVM does not boot the image here (/dev/kvm missing or not accessible, or see above)" ;;
  auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
  *) die "--accel: '$accel': tcg, kvm or auto" ;;
esac
cpu=$([ $accel = kvm ] && echo "$kvm_cpu" || echo max)
timeout_s=${timeout_s:-$([ $accel = kvm ] && echo 240 || echo 900)}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/hnv-smoke.XXXXXX")
qemu_pid=""
stamp_pid=""
finish() {
  if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid" 2>/dev/null || true; fi
  if [ -n "$stamp_pid" ]; then kill "$stamp_pid" 2>/dev/null || true; fi
  if [ $keep = 1 ]; then echo "smoke-test.sh: work directory kept: $work"; else rm -rf "$work"; fi
}
trap finish EXIT

# --- Config drive ---------------------------------------------------------------
mgmt_mac=52:54:00:00:10:01
data_mac=52:54:00:00:20:01
token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
if [ $bad = 0 ]; then
  # Nothing answers at the controller's URL (restrict=on): hnvgwd must come
  # up without its controller.
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
# invalid on purpose: hnv-firstboot must name each of these
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

# --- Boot, wait, power off ---------------------------------------------------
# Copies the serial log as it grows into LOG.timed, each line prefixed with
# the seconds since qemu started: the host's clock is the measure (the
# guest's starts with its kernel and is emulated).
stamp_lines() {
  python3 - "$1" "$1.timed" "$2" <<'EOF' &
import os, sys, time
src, dst, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3])
buf = b""
with open(src, "rb") as f, open(dst, "w") as out:
    while True:
        data = f.read()
        if data:
            buf += data
            *lines, buf = buf.split(b"\n")
            now = time.time() - t0
            for line in lines:
                out.write("%.2f\t%s\n" % (now, line.decode("utf-8", "replace").rstrip("\r")))
            out.flush()
        else:
            time.sleep(0.1)
EOF
  stamp_pid=$!
}
first_at() {  # seconds at which a line matching REGEX first showed on the console
  grep -Ea -m1 "$1" "$serial.timed" | cut -f1 || true
}

# boot LOG: starts the VM with its serial console in LOG and waits for a
# verdict line. Sets found (the verdict), elapsed (seconds from qemu's start
# to the verdict) and ready (seconds from qemu's start to the console line
# hnv-appliance-status prints the moment hnvgwd is active, i.e. has sent
# READY=1 to systemd).
boot() {
  serial=$1
  : >"$serial"
  found=""; ready=""; elapsed=""
  local verdict='hnv-appliance: (NOT )?READY|hnv-firstboot: FAILED' t0 waited=0
  t0=$(date +%s.%N)
  stamp_lines "$serial" "$t0"
  qemu-system-x86_64 -name hnv-smoke -machine pc -accel "$accel" -cpu "$cpu" -smp 2 -m 2048 \
    -display none -nodefaults -no-user-config \
    -serial "file:$serial" -monitor "unix:$work/monitor.sock,server=on,wait=off" \
    -drive "file=$work/disk.qcow2,if=virtio,format=qcow2" \
    -drive "file=$work/config.img,if=virtio,format=raw,readonly=on" \
    -netdev user,id=mgmt,restrict=on -device "virtio-net-pci,netdev=mgmt,mac=$mgmt_mac" \
    -netdev hubport,id=data,hubid=1 -device "virtio-net-pci,netdev=data,mac=$data_mac" \
    >"$work/qemu.out" 2>&1 &
  qemu_pid=$!
  while [ $waited -lt $((timeout_s * 2)) ]; do
    if grep -Eaq "$verdict" "$serial.timed" 2>/dev/null; then
      found=$(grep -Eao -m1 "$verdict" "$serial.timed")
      elapsed=$(first_at "$verdict")
      break
    fi
    kill -0 "$qemu_pid" 2>/dev/null || break
    sleep 0.5; waited=$((waited + 1))
  done
  sleep 2   # the report's last lines follow its verdict
  ready=$(first_at 'hnv-appliance: hnvgwd.service is active')
  echo "smoke-test.sh: verdict after ${elapsed:-$((waited / 2))} s: ${found:-none (timeout ${timeout_s} s or qemu exited)}"
}

# Power off through ACPI, as a hypervisor would; hard stop after 90 s.
power_off() {
  if [ -z "$qemu_pid" ] || ! kill -0 "$qemu_pid" 2>/dev/null; then
    qemu_pid=""; kill "$stamp_pid" 2>/dev/null || true; return 0
  fi
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
  qemu_pid=""
  sleep 0.3; kill "$stamp_pid" 2>/dev/null || true; wait "$stamp_pid" 2>/dev/null || true
}

passed=0; failed=0
check() {  # check NAME REGEX: a serial line must match
  if grep -Eaq "$2" "$serial"; then passed=$((passed + 1)); echo "  ok   $1"
  else failed=$((failed + 1)); echo "  FAIL $1 (no serial line matches: $2)"; fi
}
check_absent() {  # check_absent NAME REGEX: no serial line may match
  if grep -Eaq "$2" "$serial"; then failed=$((failed + 1)); echo "  FAIL $1 (a serial line matches: $2)"
  else passed=$((passed + 1)); echo "  ok   $1"; fi
}
# The gateway as systemd runs it, from the report of hnv-appliance-status.
check_gateway_up() {
  check "hnvgwd active from its unit file, enabled, as user hnv" \
    'hnv-appliance: hnvgwd.service: ActiveState=active SubState=running .*UnitFileState=enabled FragmentPath=/(usr/)?lib/systemd/system/hnvgwd.service .*User=hnv'
  check "hnvgwd's process is a child of systemd (PID 1), user hnv" \
    'hnv-appliance: hnvgwd.service: process [0-9]+ +1 hnv +hnv +/usr/sbin/hnvgwd --config /etc/hnv/hnvgwd.json'
  check "hnvgwd logged ready" 'hnv-appliance: hnvgwd journal: .*hnvgwd: ready api='
  check "hnv-iked active from its unit file, enabled" \
    'hnv-appliance: hnv-iked.service: ActiveState=active SubState=running .*UnitFileState=enabled'
  check "hnv-hugepages reserved the pages" 'hnv-appliance: hnv-hugepages: reserve-hugepages: 256 pages'
  check "/health answers ok" 'hnv-appliance: hnvgwd /health: ok'
  check "READY" 'hnv-appliance: READY '
}
show_serial_summary() {
  grep -Ea 'hnv-(firstboot|appliance):' "$serial" | tr -d '\r' | sed 's/^/  serial| /' | head -n 40
}
record() {  # record BOOT: the figures of a passing boot
  local ready_line
  ready_line=$(grep -Eao 'hnv-appliance: READY .*' "$serial" | head -n 1 | tr -d '\r' || true)
  echo "smoke-test.sh: $1, accel=$accel: hnvgwd ready (READY=1 to systemd) ${ready:-?} s after qemu started; the READY report on the console at ${elapsed} s"
  echo "smoke-test.sh: the guest says: ${ready_line#hnv-appliance: }"
  if [ -n "$results" ]; then
    printf '%s\t%s\taccel=%s\tready_s=%s\treport_s=%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" \
      "$accel" "${ready:-?}" "$elapsed" "$(basename "$image")" >>"$results"
  fi
}
fail_out() {
  echo "smoke-test.sh: FAILED; the serial console's last 40 lines:"
  tail -n 40 "$serial" | tr -d '\r' | sed 's/^/  serial| /'
  [ -s "$work/qemu.out" ] && sed 's/^/  qemu| /' "$work/qemu.out"
  echo "appliance: $passed passed, $failed failed"
  exit 1
}

echo "smoke-test.sh: first boot of $(basename "$image"): accel=$accel (-cpu $cpu), 2 vCPUs, 2048 MiB$([ $bad = 1 ] && echo ', invalid settings')"
boot "$work/serial-1.log"
[ -n "$found" ] || failed=$((failed + 1))
if [ $bad = 0 ]; then
  check "kernel on the serial console" 'Linux version [0-9]'
  check "systemd on the serial console" 'Welcome to .*Debian GNU/Linux 12'
  check "getty on ttyS0" 'login:'
  check "hnv-firstboot configured the node" 'hnv-firstboot: done: enabled and started'
  check "hnvgwd --check-config passed" 'hnv-firstboot: hnvgwd --check-config: configuration OK'
  check_gateway_up
else
  check "names the bad NODE_NAME" 'hnv-firstboot: ERROR: .*NODE_NAME: .smoke_gw1.'
  check "names the bad MGMT_ADDRESS" 'hnv-firstboot: ERROR: .*MGMT_ADDRESS: .10.0.2.300/24.'
  check "names the DATA_NIC no NIC has" 'hnv-firstboot: ERROR: .*DATA_NIC: .52:54:00:00:99:99.: no NIC has this MAC'
  check "names the missing NODE_TOKEN" 'hnv-firstboot: ERROR: .*NODE_TOKEN: missing'
  check "names the too large HUGEPAGES_2M" 'hnv-firstboot: ERROR: .*HUGEPAGES_2M: .4096.'
  check "names the unknown key" 'hnv-firstboot: ERROR: .*COLOUR: unknown setting'
  check "says nothing was started" 'hnv-firstboot: FAILED: nothing was started'
  sleep 5   # time for anything that should not start
  check_absent "hnvgwd was not started" 'Start(ing|ed) .*hnvgwd|hnv-appliance: (NOT )?READY'
fi
show_serial_summary
power_off
[ $failed -eq 0 ] || fail_out
[ $bad = 1 ] || record "first boot"

if [ $second = 1 ]; then
  echo "smoke-test.sh: second boot of the same disk"
  boot "$work/serial-2.log"
  [ -n "$found" ] || failed=$((failed + 1))
  check_absent "hnv-firstboot did not run again" 'hnv-firstboot: reading the settings|Starting .*hnv-firstboot'
  check_gateway_up
  show_serial_summary
  power_off
  [ $failed -eq 0 ] || fail_out
  record "second boot"
fi
echo "appliance: $passed passed, $failed failed"
