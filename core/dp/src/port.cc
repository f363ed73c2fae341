#include "hnv/dp/port.h"

#include <net/if.h>
#include <rte_ethdev.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace hnv::dp {
namespace {

Error portError(const PortConfig& c, std::string what, const std::string& call, int rc) {
  return makeError(Errc::Unavailable, "port " + c.name + " (" + c.device + ")", std::move(what),
                   call + " failed: " + std::strerror(rc < 0 ? -rc : rc));
}

// IFF_UP and IFF_RUNNING (carrier) of a kernel interface in this namespace.
bool kernelCarrier(const std::string& ifname) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return true;  // cannot tell: trust the driver
  ifreq req{};
  std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  const int rc = ::ioctl(fd, SIOCGIFFLAGS, &req);
  ::close(fd);
  if (rc != 0) return false;  // the interface is gone
  return (req.ifr_flags & IFF_UP) != 0 && (req.ifr_flags & IFF_RUNNING) != 0;
}

}  // namespace

Result<Port> Port::open(const PortConfig& c, rte_mempool* pool, std::uint16_t queues) {
  std::uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(c.device.c_str(), &id) != 0) {
    return makeError(Errc::NotFound, "port " + c.name, c.device,
                     "no DPDK device of that name; is it listed in eal.vdevs (or bound, for a NIC)?");
  }
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id, &info); rc != 0) return portError(c, "", "rte_eth_dev_info_get", rc);
  if (queues > info.max_rx_queues || queues > info.max_tx_queues) {
    return makeError(Errc::OutOfRange, "port " + c.name, std::to_string(queues) + " queues",
                     "the device supports " + std::to_string(info.max_rx_queues) + " rx and " +
                         std::to_string(info.max_tx_queues) + " tx queues (af_packet: raise qpairs=)");
  }
  rte_eth_conf conf{};
  // Some PMDs (af_packet) advertise a smaller frame at configure time than
  // rte_eth_dev_set_mtu accepts later; configure within the advertised size
  // and set the real MTU below.
  const std::uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
  conf.rxmode.mtu = info.max_rx_pktlen > overhead ? std::min<std::uint32_t>(c.mtu, info.max_rx_pktlen - overhead) : c.mtu;
  if (int rc = rte_eth_dev_configure(id, queues, queues, &conf); rc != 0) {
    return portError(c, std::to_string(queues) + " queues", "rte_eth_dev_configure", rc);
  }
  std::uint16_t rxd = c.rxDescriptors, txd = c.txDescriptors;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd); rc != 0) {
    return portError(c, "", "rte_eth_dev_adjust_nb_rx_tx_desc", rc);
  }
  int socket = rte_eth_dev_socket_id(id);
  for (std::uint16_t q = 0; q < queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(id, q, rxd, socket, nullptr, pool); rc != 0) {
      return portError(c, "rx queue " + std::to_string(q), "rte_eth_rx_queue_setup", rc);
    }
    if (int rc = rte_eth_tx_queue_setup(id, q, txd, socket, nullptr); rc != 0) {
      return portError(c, "tx queue " + std::to_string(q), "rte_eth_tx_queue_setup", rc);
    }
  }
  // Virtual devices often cannot change their MTU; only a real difference is an error.
  std::uint16_t mtu = 0;
  rte_eth_dev_get_mtu(id, &mtu);
  if (mtu != c.mtu) {
    if (int rc = rte_eth_dev_set_mtu(id, c.mtu); rc != 0) {
      return portError(c, "mtu " + std::to_string(c.mtu) + " (the device takes frames up to " +
                              std::to_string(info.max_rx_pktlen) + " bytes, MTU up to " +
                              std::to_string(info.max_rx_pktlen - overhead) + ")",
                       "rte_eth_dev_set_mtu", rc);
    }
  }
  if (c.mac) {
    rte_ether_addr a;
    c.mac->toBytes(a.addr_bytes);
    if (int rc = rte_eth_dev_default_mac_addr_set(id, &a); rc != 0) {
      return portError(c, "mac " + c.mac->toString(), "rte_eth_dev_default_mac_addr_set", rc);
    }
  }
  if (int rc = rte_eth_dev_start(id); rc != 0) return portError(c, "", "rte_eth_dev_start", rc);
  // A VM port carries frames for any destination (the VM's peers, the
  // distributed router): it always listens to all of them.
  if (c.promiscuous || c.role == PortRole::Vm) rte_eth_promiscuous_enable(id);
  // An uplink receives multicast: a VSID's broadcast sent to its PA group,
  // IPv6 neighbour solicitations to solicited-node groups. A PMD without the
  // feature keeps its default filter (ip4-input still checks the group).
  if (c.role == PortRole::Underlay) (void)rte_eth_allmulticast_enable(id);
  rte_ether_addr a;
  rte_eth_macaddr_get(id, &a);
  return Port(c.name, PortId(id), MacAddr::fromBytes(a.addr_bytes), c.mtu, queues, c.role, c.kernelInterface);
}

Port::Port(Port&& o) noexcept
    : name_(std::move(o.name_)), id_(o.id_), mac_(o.mac_), mtu_(o.mtu_), queues_(o.queues_), role_(o.role_),
      kernelIf_(std::move(o.kernelIf_)), open_(o.open_) {
  o.open_ = false;
}

Port::~Port() { close(); }

void Port::close() {
  if (!open_) return;
  open_ = false;
  rte_eth_dev_stop(id_.value());
  rte_eth_dev_close(id_.value());
}

LinkState Port::link() const {
  rte_eth_link l{};
  rte_eth_link_get_nowait(id_.value(), &l);
  LinkState s{l.link_status == RTE_ETH_LINK_UP, l.link_speed, l.link_duplex == RTE_ETH_LINK_FULL_DUPLEX};
  if (s.up && !kernelIf_.empty()) s.up = kernelCarrier(kernelIf_);
  return s;
}

PortStats Port::stats() const {
  rte_eth_stats s{};
  rte_eth_stats_get(id_.value(), &s);
  return PortStats{s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed, s.ierrors, s.oerrors, s.rx_nombuf};
}

}  // namespace hnv::dp
