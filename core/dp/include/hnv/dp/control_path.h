// The control path: packets between the workers and the control thread.
//
// Punt: a node hands a packet to the control thread by sending it to the
// "punt" node with meta.control set to a punt kind the program registered
// (neighbour resolution, address learning, diagnostics). The punt node puts
// it on one multi-producer ring; the control thread drains the ring and calls
// the kind's handler, which owns the packet from then on. A full ring drops
// with the punt node's "queue-full" counter.
//
// Inject: the control thread hands a complete packet to one worker's ring
// with the edge it takes there (meta.control): transmit as is on meta.txPort,
// or enter the graph as if received on meta.rxPort (eth-input or vm-input).
// Each worker's "inject" source node drains its own ring on every walk.
//
// Wake-up: a worker that punts into an empty ring writes an eventfd; the
// control thread waits on it instead of polling (an idle node costs nothing).
//
// Threads: punt/inject nodes on workers; everything else on the control thread.
#pragma once

#include <rte_mbuf.h>
#include <rte_graph.h>
#include <rte_ring.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/result.h"

namespace hnv::dp {

using PuntKind = std::uint8_t;  // 0: none
using PuntHandler = std::function<void(rte_mbuf*)>;

// Where an injected packet goes (values are InjectNode edges).
// Ip4Lookup, Ip6Lookup: an IPv4 or IPv6 packet the control thread made for
// a routing domain (meta tenant and l3Offset set): routed there like any
// other.
enum class InjectEdge : std::uint8_t { Transmit = 1, EthInput = 2, VmInput = 3, Ip4Lookup = 4, Ip6Lookup = 5 };

struct PuntState {
  rte_ring* ring = nullptr;
  // Written (eventfd) by a worker that puts packets into an empty ring, so
  // the control thread sleeps until there is work (see wakeFd()).
  int wakeFd = -1;
};

struct InjectState {
  rte_ring* ring = nullptr;
  std::uint64_t* activity = nullptr;  // the worker's received count: injected packets keep it awake
};

struct PuntStats {
  std::uint64_t handled = 0;
  std::uint64_t unknownKind = 0;
  std::uint64_t injected = 0;
  std::uint64_t injectFull = 0;
};

class ControlPath {
 public:
  // `activity[w]` is worker w's received counter (see InjectState).
  static Result<std::unique_ptr<ControlPath>> create(const std::string& name, std::vector<std::uint64_t*> activity,
                                                     unsigned ringSize = 1024);
  ~ControlPath();
  ControlPath(const ControlPath&) = delete;
  ControlPath& operator=(const ControlPath&) = delete;

  // Registers a punt kind under a name (for logs); before the workers start.
  Result<PuntKind> addPuntKind(std::string name, PuntHandler handler);
  // Calls the handlers of up to `max` punted packets; returns how many.
  unsigned drain(unsigned max = 256);
  // Takes ownership of `m`. False when the worker's ring is full (`m` is freed).
  bool inject(rte_mbuf* m, InjectEdge edge, unsigned worker = 0);

  PuntState& puntState() { return punt_; }
  // An eventfd that becomes readable when punted packets wait. Read it (8
  // bytes) before draining. A packet enqueued while the ring was not empty
  // signals nothing: drain until empty, and keep a slow periodic drain as a
  // backstop for the race with a drain that just emptied the ring.
  int wakeFd() const { return punt_.wakeFd; }
  InjectState& injectState(unsigned worker) { return inject_.at(worker); }
  const PuntStats& stats() const { return stats_; }
  std::string_view kindName(PuntKind kind) const;

 private:
  ControlPath() = default;
  PuntState punt_;
  std::vector<InjectState> inject_;
  std::vector<std::pair<std::string, PuntHandler>> kinds_;  // index = kind - 1
  PuntStats stats_;
};

// punt: puts packets on the control path's punt ring.
struct PuntNode {
  static constexpr std::string_view kName = "punt";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t { QueueFull };
  static constexpr std::array<std::string_view, 1> kErrorNames{"queue-full"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

// inject: a source that sends the control thread's packets on their way.
struct InjectNode {
  static constexpr std::string_view kName = "inject";
  static constexpr bool kSource = true;
  static constexpr std::uint16_t kBurst = 32;
  enum class Next : std::uint16_t { Drop = 0, Transmit, EthInput, VmInput, Ip4Lookup, Ip6Lookup };
  static constexpr std::array<std::string_view, 6> kNextNames{"drop",     "port-tx",    "eth-input",
                                                              "vm-input", "ip4-lookup", "ip6-lookup"};
  enum class Error : std::uint16_t { BadEdge };
  static constexpr std::array<std::string_view, 1> kErrorNames{"bad-edge"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::dp
