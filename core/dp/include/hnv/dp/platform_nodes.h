// The nodes every data-plane program has: port-rx (source), port-tx and
// drop (sinks). port-rx hands frames of underlay ports to "eth-input" and
// frames of VM ports to "vm-input" (PortRole); the program's module list must
// provide both (the generic nodes and the overlay).
#pragma once

#include <rte_graph.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace hnv::dp {

// State of port-rx on one worker: the queues it polls and where their frames go.
struct RxQueue {
  std::uint16_t port = 0;
  std::uint16_t queue = 0;
  std::uint16_t edge = 1;  // PortRxNode::Next of the port's role
};

class CaptureTap;

struct PortRxState {
  std::vector<RxQueue> queues;
  CaptureTap* capture = nullptr;
  // Dataplane::setFenced: while true, what arrives is freed and counted as
  // "fenced" (a standby cluster member neither receives nor sends).
  const std::atomic<bool>* fenced = nullptr;
  std::uint64_t received = 0;  // read by the Worker for idle detection
};

struct PortRxNode {
  static constexpr std::string_view kName = "port-rx";
  static constexpr bool kSource = true;
  static constexpr std::uint16_t kBurst = 32;
  enum class Next : std::uint16_t { Drop = 0, EthInput, VmInput };
  static constexpr std::array<std::string_view, 3> kNextNames{"drop", "eth-input", "vm-input"};
  enum class Error : std::uint16_t { Chained, Fenced };
  static constexpr std::array<std::string_view, 2> kErrorNames{"chained-mbuf", "fenced"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

// State of port-tx on one worker: the tx queue it owns on every port.
struct PortTxState {
  std::uint16_t queue = 0;
  CaptureTap* capture = nullptr;
  const std::atomic<bool>* fenced = nullptr;  // as PortRxState::fenced
};

struct PortTxNode {
  static constexpr std::string_view kName = "port-tx";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t { QueueFull, Fenced };
  static constexpr std::array<std::string_view, 2> kErrorNames{"queue-full", "fenced"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

// Frees what it receives. The reason for a drop is counted by the node that
// chose edge 0; this node counts the total.
struct DropNode {
  static constexpr std::string_view kName = "drop";
  static constexpr bool kSink = true;
  static constexpr std::array<std::string_view, 0> kNextNames{};
  enum class Error : std::uint16_t {};
  static constexpr std::array<std::string_view, 0> kErrorNames{};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::dp
