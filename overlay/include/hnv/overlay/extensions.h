// Extension hook points (spec section 3, "switch extensions"): callbacks a
// program links in to see, and as a filter to drop, both the customer-
// address frame and the provider-address (NVGRE) packet of the overlay's
// traffic, as Hyper-V's capture and filter extensions do:
//
//   FromVm        a VM's frame after vm-input's checks (binding, MAC,
//                 allowed CAs), before it is forwarded;
//   Encapsulated  the NVGRE packet nvgre-encap built from it, before it
//                 leaves (or waits for the underlay neighbour);
//   Received      an NVGRE packet from the underlay that passed receive
//                 validation, before its outer headers are removed;
//   ToVm          the customer frame vm-output delivers to a VM port
//                 (forwarded traffic; the host's own ARP/ND answers and
//                 ICMP errors to its VMs do not pass there).
//
// A point with no hook costs one load and one branch per packet. Hooks run
// on the worker threads, concurrently, in registration order; one that
// returns Drop ends the packet (counted by the node as `extension-drop`)
// and the later hooks do not see it. A hook must not block, keep `frame`
// past the call or change the packet.
//
// Registration is on the control thread: Extensions publishes an immutable
// table (dp::Published) that the nodes read; remove() returns once no
// worker can still be running the removed hook.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/base/vsid.h"
#include "hnv/dp/rcu.h"

namespace hnv::overlay {

enum class HookPoint : std::uint8_t { FromVm, Encapsulated, Received, ToVm };
inline constexpr std::size_t kHookPoints = 4;
std::string_view hookPointName(HookPoint p);

struct HookPacket {
  HookPoint point = HookPoint::FromVm;
  std::uint16_t port = 0;  // FromVm, Received: the port it came in on; Encapsulated, ToVm: the port it leaves by
  Vsid vsid = Vsid::fromKey(0);
  std::span<const std::uint8_t> frame;  // from the Ethernet header (the outer one for Encapsulated and Received)
};

enum class HookVerdict : std::uint8_t { Pass, Drop };
using HookFn = std::function<HookVerdict(const HookPacket&)>;

// What the nodes read: the hooks of each point.
class HookTable {
 public:
  struct Hook {
    std::uint32_t id = 0;
    std::string name;
    HookFn fn;
  };
  bool any(HookPoint p) const { return !hooks_[static_cast<std::size_t>(p)].empty(); }
  // Runs the point's hooks until one drops the packet.
  HookVerdict run(const HookPacket& packet) const {
    for (const auto& h : hooks_[static_cast<std::size_t>(packet.point)]) {
      if (h.fn(packet) == HookVerdict::Drop) return HookVerdict::Drop;
    }
    return HookVerdict::Pass;
  }
  const std::vector<Hook>& at(HookPoint p) const { return hooks_[static_cast<std::size_t>(p)]; }

 private:
  friend class Extensions;
  std::array<std::vector<Hook>, kHookPoints> hooks_;
};

class Extensions {
 public:
  explicit Extensions(dp::Rcu& rcu);
  const dp::Published<HookTable>& table() const { return table_; }
  // Adds `fn` at `point` under `name` (for operators: the "extensions" API
  // method lists them); the id is for remove().
  Result<std::uint32_t> add(HookPoint point, std::string name, HookFn fn);
  // Removes the hook; NotFound for an unknown id.
  Status remove(std::uint32_t id);
  // (id, "<name> at <point>") per hook, by point then registration.
  std::vector<std::pair<std::uint32_t, std::string>> list() const;

 private:
  dp::Published<HookTable> table_;
  std::uint32_t nextId_ = 1;
};

// Runs the point's hooks on a packet when there are any: true when it may go on.
inline bool passHooks(const HookTable* hooks, HookPoint point, std::uint16_t port, std::uint32_t vsid,
                      std::span<const std::uint8_t> frame) {
  if (hooks == nullptr || !hooks->any(point)) [[likely]] return true;
  return hooks->run(HookPacket{point, port, Vsid::fromKey(vsid << 8), frame}) == HookVerdict::Pass;
}

}  // namespace hnv::overlay
