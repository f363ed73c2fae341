// An Ethernet port on any DPDK PMD (tap, af_packet, null, ring, a NIC).
//
// Thread: control. Workers use the port id and their own queue index only.
#pragma once

#include <rte_mempool.h>

#include <cstdint>
#include <optional>
#include <string>

#include "hnv/base/mac.h"
#include "hnv/base/result.h"

namespace hnv::dp {

class PortId {
 public:
  constexpr explicit PortId(std::uint16_t v) : v_(v) {}
  constexpr std::uint16_t value() const { return v_; }
  constexpr auto operator<=>(const PortId&) const = default;

 private:
  std::uint16_t v_;
};

// What a port connects to, which decides the node its frames enter:
// underlay ports (the provider network) go to eth-input, VM ports (a tenant
// VM's NIC: net_tap in the lab, vhost-user in production) to vm-input.
enum class PortRole : std::uint8_t { Underlay, Vm };

struct PortConfig {
  std::string name;    // our name for it, e.g. "underlay"
  std::string device;  // DPDK device name, e.g. "net_af_packet0" (a vdev) or a PCI address
  std::uint16_t mtu = 1500;
  std::optional<MacAddr> mac;  // set the port's MAC; absent: keep the device's own
  bool promiscuous = false;
  PortRole role = PortRole::Underlay;
  // The kernel interface behind an af_packet vdev ("iface=..."): its carrier
  // is part of the link state, since net_af_packet always reports up.
  std::string kernelInterface;
  std::uint16_t rxDescriptors = 1024;
  std::uint16_t txDescriptors = 1024;
};

struct PortStats {
  std::uint64_t rxPackets = 0, txPackets = 0, rxBytes = 0, txBytes = 0;
  std::uint64_t rxMissed = 0, rxErrors = 0, txErrors = 0, rxNoMbuf = 0;
};

struct LinkState {
  bool up = false;
  std::uint32_t speedMbps = 0;
  bool fullDuplex = false;
};

class Port {
 public:
  // Configures `queues` rx and tx queue pairs (one per worker) and starts the port.
  static Result<Port> open(const PortConfig& config, rte_mempool* pool, std::uint16_t queues);

  Port(Port&& other) noexcept;
  Port& operator=(Port&&) = delete;
  Port(const Port&) = delete;
  ~Port();

  const std::string& name() const { return name_; }
  PortId id() const { return id_; }
  const MacAddr& mac() const { return mac_; }
  PortRole role() const { return role_; }
  std::uint16_t mtu() const { return mtu_; }
  std::uint16_t queues() const { return queues_; }
  LinkState link() const;
  PortStats stats() const;
  // Stops and closes the device (also done by the destructor).
  void close();

 private:
  Port(std::string name, PortId id, MacAddr mac, std::uint16_t mtu, std::uint16_t queues, PortRole role,
       std::string kernelInterface)
      : name_(std::move(name)), id_(id), mac_(mac), mtu_(mtu), queues_(queues), role_(role),
        kernelIf_(std::move(kernelInterface)) {}
  std::string name_;
  PortId id_;
  MacAddr mac_;
  std::uint16_t mtu_;
  std::uint16_t queues_;
  PortRole role_;
  std::string kernelIf_;
  bool open_ = true;
};

}  // namespace hnv::dp
