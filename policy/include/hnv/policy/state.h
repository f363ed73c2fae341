// The whole policy in memory: one ordered table per kind, keyed by the kind's
// key, plus the indexes that cross-object rules and node scoping need.
//
// Keys are ordered strings that start with their parent's id ("5001/10.0.1.10/
// 00:15:5d:00:00:01" for a lookup record), so "every record of VSID 5001" is
// a range of the table, not a second index.
//
// Thread: not synchronised; the controller's io thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "hnv/policy/kinds.h"

namespace hnv::policy {

using Revision = std::uint64_t;

template <class T>
struct Stored {
  T object;
  Revision revision = 0;
  Revision createdRevision = 0;
};

template <class T>
using Table = std::map<std::string, Stored<T>, std::less<>>;

class PolicyState {
 public:
  template <class T>
  const Table<T>& table() const {
    return std::get<Table<T>>(tables_);
  }
  template <class T>
  const Stored<T>* find(std::string_view key) const {
    const auto& t = table<T>();
    auto it = t.find(key);
    return it == t.end() ? nullptr : &it->second;
  }

  // Inserts or replaces; keeps the indexes. Returns the previous value.
  template <class T>
  std::optional<Stored<T>> put(const std::string& key, Stored<T> value);
  // Removes; returns the removed value.
  template <class T>
  std::optional<Stored<T>> erase(std::string_view key);

  // Entries whose key starts with `prefix` (e.g. "5001/" for the records of
  // VSID 5001), in key order.
  template <class T, class F>
  void forEachWithPrefix(std::string_view prefix, F&& f) const {
    const auto& t = table<T>();
    for (auto it = t.lower_bound(prefix); it != t.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      f(it->first, it->second);
    }
  }

  const VirtualSubnet* subnet(Vsid vsid) const;
  GlobalSettings global() const;
  // A node owning a provider address (the first by name when a cluster
  // shares it), if any.
  const std::string* paOwner(const IpAddr& pa) const;
  bool paOwnedBy(const IpAddr& pa, std::string_view node) const;
  // The VSIDs with records whose PA is `pa`.
  std::vector<Vsid> vsidsAtPa(const IpAddr& pa) const;

  // The routing domains a node serves: for a gateway its tenants; for a host
  // the routing domains of its VSIDs (its own list plus those of records
  // whose PA it owns). A host gets whole routing domains because the
  // distributed router needs the records of every subnet it routes to.
  std::set<Rdid> scope(const NodeEntry& node) const;

  std::size_t objectCount() const;

 private:
  void index(const ProviderAddress& pa, int delta);
  void index(const LookupRecord& r, int delta);
  template <class T>
  void index(const T&, int) {}

  std::tuple<Table<RoutingDomain>, Table<VirtualSubnet>, Table<LookupRecord>, Table<CustomerRoute>, Table<NodeEntry>,
             Table<ProviderAddress>, Table<ProviderRoute>, Table<GlobalSettings>, Table<ExternalInterface>,
             Table<NatInstance>, Table<NatExternalAddress>, Table<NatStaticMapping>, Table<GatewayRoute>,
             Table<VpnS2sInterface>, Table<GatewayCluster>, Table<ClusterMember>, Table<VmPort>>
      tables_;
  // PA -> the nodes that own it (several only for a cluster's shared PA).
  std::map<IpAddr, std::set<std::string, std::less<>>> paOwners_;
  // (PA, VSID) -> number of lookup records.
  std::map<std::pair<IpAddr, std::uint32_t>, std::uint32_t> recordsAtPa_;
};

}  // namespace hnv::policy
