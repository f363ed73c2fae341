#include "hnv/policy/state.h"

namespace hnv::policy {

template <class T>
std::optional<Stored<T>> PolicyState::put(const std::string& key, Stored<T> value) {
  auto& t = std::get<Table<T>>(tables_);
  std::optional<Stored<T>> old;
  auto it = t.find(key);
  if (it != t.end()) {
    old = std::move(it->second);
    index(old->object, -1);
    it->second = std::move(value);
    index(it->second.object, +1);
  } else {
    auto [pos, inserted] = t.emplace(key, std::move(value));
    (void)inserted;
    index(pos->second.object, +1);
  }
  return old;
}

template <class T>
std::optional<Stored<T>> PolicyState::erase(std::string_view key) {
  auto& t = std::get<Table<T>>(tables_);
  auto it = t.find(key);
  if (it == t.end()) return std::nullopt;
  std::optional<Stored<T>> old = std::move(it->second);
  t.erase(it);
  index(old->object, -1);
  return old;
}

void PolicyState::index(const ProviderAddress& pa, int delta) {
  // A node has at most one ProviderAddress per address (the key is node/address).
  auto& owners = paOwners_[pa.address];
  if (delta > 0) {
    owners.insert(pa.node);
  } else {
    owners.erase(pa.node);
  }
  if (owners.empty()) paOwners_.erase(pa.address);
}

void PolicyState::index(const LookupRecord& r, int delta) {
  auto key = std::make_pair(r.pa, r.vsid.value());
  auto& count = recordsAtPa_[key];
  count = static_cast<std::uint32_t>(static_cast<int>(count) + delta);
  if (count == 0) recordsAtPa_.erase(key);
}

const VirtualSubnet* PolicyState::subnet(Vsid vsid) const {
  const auto* s = find<VirtualSubnet>(vsid.toString());
  return s == nullptr ? nullptr : &s->object;
}

GlobalSettings PolicyState::global() const {
  const auto* g = find<GlobalSettings>(kGlobalKey);
  return g == nullptr ? GlobalSettings{} : g->object;
}

const std::string* PolicyState::paOwner(const IpAddr& pa) const {
  auto it = paOwners_.find(pa);
  return it == paOwners_.end() ? nullptr : &*it->second.begin();
}

bool PolicyState::paOwnedBy(const IpAddr& pa, std::string_view node) const {
  auto it = paOwners_.find(pa);
  return it != paOwners_.end() && it->second.find(node) != it->second.end();
}

std::vector<Vsid> PolicyState::vsidsAtPa(const IpAddr& pa) const {
  std::vector<Vsid> out;
  for (auto it = recordsAtPa_.lower_bound({pa, 0}); it != recordsAtPa_.end() && it->first.first == pa; ++it) {
    out.push_back(*Vsid::make(it->first.second));
  }
  return out;
}

std::set<Rdid> PolicyState::scope(const NodeEntry& node) const {
  std::set<Rdid> out;
  if (node.role == NodeRole::Gateway) {
    out.insert(node.tenants.begin(), node.tenants.end());
    return out;
  }
  auto addVsid = [&](Vsid v) {
    if (const auto* s = subnet(v)) out.insert(s->rdid);
  };
  for (auto v : node.vsids) addVsid(v);
  forEachWithPrefix<VmPort>(node.name + "/", [&](const std::string&, const Stored<VmPort>& p) { addVsid(p.object.vsid); });
  forEachWithPrefix<ProviderAddress>(node.name + "/", [&](const std::string&, const Stored<ProviderAddress>& pa) {
    for (auto v : vsidsAtPa(pa.object.address)) addVsid(v);
  });
  return out;
}

std::size_t PolicyState::objectCount() const {
  return std::apply([](const auto&... t) { return (t.size() + ...); }, tables_);
}

template std::optional<Stored<RoutingDomain>> PolicyState::put(const std::string&, Stored<RoutingDomain>);
template std::optional<Stored<VirtualSubnet>> PolicyState::put(const std::string&, Stored<VirtualSubnet>);
template std::optional<Stored<LookupRecord>> PolicyState::put(const std::string&, Stored<LookupRecord>);
template std::optional<Stored<CustomerRoute>> PolicyState::put(const std::string&, Stored<CustomerRoute>);
template std::optional<Stored<NodeEntry>> PolicyState::put(const std::string&, Stored<NodeEntry>);
template std::optional<Stored<ProviderAddress>> PolicyState::put(const std::string&, Stored<ProviderAddress>);
template std::optional<Stored<ProviderRoute>> PolicyState::put(const std::string&, Stored<ProviderRoute>);
template std::optional<Stored<GlobalSettings>> PolicyState::put(const std::string&, Stored<GlobalSettings>);
template std::optional<Stored<ExternalInterface>> PolicyState::put(const std::string&, Stored<ExternalInterface>);
template std::optional<Stored<NatInstance>> PolicyState::put(const std::string&, Stored<NatInstance>);
template std::optional<Stored<NatExternalAddress>> PolicyState::put(const std::string&, Stored<NatExternalAddress>);
template std::optional<Stored<NatStaticMapping>> PolicyState::put(const std::string&, Stored<NatStaticMapping>);
template std::optional<Stored<GatewayRoute>> PolicyState::put(const std::string&, Stored<GatewayRoute>);
template std::optional<Stored<VpnS2sInterface>> PolicyState::put(const std::string&, Stored<VpnS2sInterface>);
template std::optional<Stored<GatewayCluster>> PolicyState::put(const std::string&, Stored<GatewayCluster>);
template std::optional<Stored<ClusterMember>> PolicyState::put(const std::string&, Stored<ClusterMember>);
template std::optional<Stored<VmPort>> PolicyState::put(const std::string&, Stored<VmPort>);
template std::optional<Stored<RoutingDomain>> PolicyState::erase<RoutingDomain>(std::string_view);
template std::optional<Stored<VirtualSubnet>> PolicyState::erase<VirtualSubnet>(std::string_view);
template std::optional<Stored<LookupRecord>> PolicyState::erase<LookupRecord>(std::string_view);
template std::optional<Stored<CustomerRoute>> PolicyState::erase<CustomerRoute>(std::string_view);
template std::optional<Stored<NodeEntry>> PolicyState::erase<NodeEntry>(std::string_view);
template std::optional<Stored<ProviderAddress>> PolicyState::erase<ProviderAddress>(std::string_view);
template std::optional<Stored<ProviderRoute>> PolicyState::erase<ProviderRoute>(std::string_view);
template std::optional<Stored<GlobalSettings>> PolicyState::erase<GlobalSettings>(std::string_view);
template std::optional<Stored<ExternalInterface>> PolicyState::erase<ExternalInterface>(std::string_view);
template std::optional<Stored<NatInstance>> PolicyState::erase<NatInstance>(std::string_view);
template std::optional<Stored<NatExternalAddress>> PolicyState::erase<NatExternalAddress>(std::string_view);
template std::optional<Stored<NatStaticMapping>> PolicyState::erase<NatStaticMapping>(std::string_view);
template std::optional<Stored<GatewayRoute>> PolicyState::erase<GatewayRoute>(std::string_view);
template std::optional<Stored<VpnS2sInterface>> PolicyState::erase<VpnS2sInterface>(std::string_view);
template std::optional<Stored<GatewayCluster>> PolicyState::erase<GatewayCluster>(std::string_view);
template std::optional<Stored<ClusterMember>> PolicyState::erase<ClusterMember>(std::string_view);
template std::optional<Stored<VmPort>> PolicyState::erase<VmPort>(std::string_view);

}  // namespace hnv::policy
