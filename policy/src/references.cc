#include "hnv/policy/references.h"

namespace hnv::policy {

namespace {

Error missing(std::string_view field, std::string what, std::string_view kindNoun) {
  return fieldError(field, std::move(what), "names a " + std::string(kindNoun) + " that does not exist; create it first",
                    Errc::InvalidArgument);
}

Error inUse(std::string what, std::string why) { return fieldError("", std::move(what), std::move(why), Errc::Conflict); }

}  // namespace

// --- checkPut ---

template <>
Status checkPut(const PolicyState&, const RoutingDomain&) {
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const VirtualSubnet& s) {
  if (state.find<RoutingDomain>(s.rdid.toString()) == nullptr) return missing("rdid", s.rdid.toString(), "routing domain");
  for (const auto& [key, other] : state.table<VirtualSubnet>()) {
    if (other.object.vsid == s.vsid || !(other.object.rdid == s.rdid)) continue;
    for (const auto& mine : s.prefixes) {
      for (const auto& theirs : other.object.prefixes) {
        if (mine.prefix.overlaps(theirs.prefix)) {
          return fieldError("prefixes", mine.prefix.toString(),
                            "overlaps " + theirs.prefix.toString() + " of virtual subnet " + key +
                                " in the same routing domain");
        }
      }
    }
  }
  // Narrowing the prefixes must not strand a record's CA.
  Status result = okStatus();
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(s.vsid), [&](const std::string& key, const auto& r) {
    if (!result || r.object.ca.isUnspecified() || s.prefixes.empty()) return;
    bool inside = false;
    for (const auto& p : s.prefixes) inside = inside || p.prefix.contains(r.object.ca);
    if (!inside) result = fieldError("prefixes", "", "would leave lookup record " + key + " outside every prefix");
  });
  return result;
}

template <>
Status checkPut(const PolicyState& state, const LookupRecord& r) {
  const auto* subnet = state.subnet(r.vsid);
  if (subnet == nullptr) return missing("vsid", r.vsid.toString(), "virtual subnet");
  if (!r.ca.isUnspecified()) {
    if (!subnet->prefixes.empty()) {
      bool inside = false;
      for (const auto& p : subnet->prefixes) {
        inside = inside || p.prefix.contains(r.ca);
        if (p.defaultGateway == r.ca) {
          return fieldError("ca", r.ca.toString(), "is the distributed router's address in VSID " + r.vsid.toString());
        }
      }
      if (!inside) {
        return fieldError("ca", r.ca.toString(), "lies in none of the prefixes of virtual subnet " + r.vsid.toString());
      }
    }
    // One VM per CA in a VSID: another MAC with the same CA is a conflict.
    Status result = okStatus();
    state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(r.vsid, r.ca), [&](const std::string&, const auto& o) {
      if (result && o.object.mac != r.mac) {
        result = fieldError("ca", r.ca.toString(),
                            "is already mapped to MAC " + o.object.mac.toString() + " in VSID " + r.vsid.toString(),
                            Errc::Conflict);
      }
    });
    if (!result) return result;
  } else if (r.type == RecordType::GatewayWildcard) {
    Status result = okStatus();
    state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(r.vsid, r.ca), [&](const std::string& key, const auto& o) {
      if (result && o.object.type == RecordType::GatewayWildcard && o.object.mac != r.mac) {
        result = fieldError("type", "GatewayWildcard", "VSID " + r.vsid.toString() + " already has one: " + key,
                            Errc::Conflict);
      }
    });
    if (!result) return result;
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const CustomerRoute& c) {
  if (state.find<RoutingDomain>(c.rdid.toString()) == nullptr) return missing("rdid", c.rdid.toString(), "routing domain");
  const auto* subnet = state.subnet(c.vsid);
  if (subnet == nullptr) return missing("vsid", c.vsid.toString(), "virtual subnet");
  if (!(subnet->rdid == c.rdid)) {
    return fieldError("vsid", c.vsid.toString(),
                      "belongs to another routing domain than " + c.rdid.toString() +
                          "; routes stay inside one routing domain");
  }
  if (!c.nextHop.isUnspecified() && !subnet->prefixes.empty()) {
    bool inside = false;
    for (const auto& p : subnet->prefixes) inside = inside || p.prefix.contains(c.nextHop);
    if (!inside) {
      return fieldError("nextHop", c.nextHop.toString(), "lies in none of the prefixes of virtual subnet " + c.vsid.toString());
    }
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const NodeEntry& n) {
  for (std::size_t i = 0; i < n.tenants.size(); ++i) {
    if (state.find<RoutingDomain>(n.tenants[i].toString()) == nullptr) {
      return missing("tenants[" + std::to_string(i) + "]", n.tenants[i].toString(), "routing domain");
    }
  }
  for (std::size_t i = 0; i < n.vsids.size(); ++i) {
    if (state.subnet(n.vsids[i]) == nullptr) {
      return missing("vsids[" + std::to_string(i) + "]", n.vsids[i].toString(), "virtual subnet");
    }
  }
  return okStatus();
}

template <>
Status checkPut(const PolicyState& state, const ProviderAddress& pa) {
  if (state.find<NodeEntry>(pa.node) == nullptr) return missing("node", pa.node, "node");
  Status result = okStatus();
  for (const auto& [key, other] : state.table<ProviderAddress>()) {
    if (other.object.address != pa.address || other.object.node == pa.node) continue;
    if (!(other.object.managedByCluster && pa.managedByCluster)) {
      return fieldError("address", pa.address.toString(),
                        "is already a provider address of node " + other.object.node +
                            " (only addresses managed by a cluster may be shared)",
                        Errc::Conflict);
    }
  }
  return result;
}

template <>
Status checkPut(const PolicyState& state, const ProviderRoute& r) {
  if (state.find<NodeEntry>(r.node) == nullptr) return missing("node", r.node, "node");
  return okStatus();
}

template <>
Status checkPut(const PolicyState&, const GlobalSettings&) {
  return okStatus();
}

// --- checkRemove ---

template <>
Status checkRemove(const PolicyState& state, const RoutingDomain& d) {
  for (const auto& [key, s] : state.table<VirtualSubnet>()) {
    if (s.object.rdid == d.rdid) return inUse(d.rdid.toString(), "virtual subnet " + key + " still belongs to it");
  }
  for (const auto& [key, n] : state.table<NodeEntry>()) {
    for (const auto& t : n.object.tenants) {
      if (t == d.rdid) return inUse(d.rdid.toString(), "it is still placed on gateway " + key);
    }
  }
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const VirtualSubnet& s) {
  std::string who;
  state.forEachWithPrefix<LookupRecord>(lookupRecordPrefix(s.vsid), [&](const std::string& key, const auto&) {
    if (who.empty()) who = "lookup record " + key;
  });
  state.forEachWithPrefix<CustomerRoute>(s.rdid.toString() + "/" + s.vsid.toString() + "/",
                                         [&](const std::string& key, const auto&) {
                                           if (who.empty()) who = "customer route " + key;
                                         });
  for (const auto& [key, n] : state.table<NodeEntry>()) {
    for (auto v : n.object.vsids) {
      if (who.empty() && v == s.vsid) who = "node " + key;
    }
  }
  if (!who.empty()) return inUse(s.vsid.toString(), who + " still refers to it; remove that first");
  return okStatus();
}

template <>
Status checkRemove(const PolicyState& state, const NodeEntry& n) {
  std::string who;
  state.forEachWithPrefix<ProviderAddress>(n.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "provider address " + key;
  });
  state.forEachWithPrefix<ProviderRoute>(n.name + "/", [&](const std::string& key, const auto&) {
    if (who.empty()) who = "provider route " + key;
  });
  if (!who.empty()) return inUse(n.name, who + " still belongs to it; remove that first");
  return okStatus();
}

template <class T>
Status checkRemove(const PolicyState&, const T&) {
  return okStatus();
}

template Status checkRemove(const PolicyState&, const LookupRecord&);
template Status checkRemove(const PolicyState&, const CustomerRoute&);
template Status checkRemove(const PolicyState&, const ProviderAddress&);
template Status checkRemove(const PolicyState&, const ProviderRoute&);
template Status checkRemove(const PolicyState&, const GlobalSettings&);

// --- owningDomain ---

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const RoutingDomain& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const VirtualSubnet& v) {
  return v.rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState& state, const LookupRecord& v) {
  const auto* s = state.subnet(v.vsid);
  if (s == nullptr) return std::nullopt;
  return s->rdid;
}
template <>
std::optional<Rdid> owningDomain(const PolicyState&, const CustomerRoute& v) {
  return v.rdid;
}
template <class T>
std::optional<Rdid> owningDomain(const PolicyState&, const T&) {
  return std::nullopt;
}
template std::optional<Rdid> owningDomain(const PolicyState&, const NodeEntry&);
template std::optional<Rdid> owningDomain(const PolicyState&, const ProviderAddress&);
template std::optional<Rdid> owningDomain(const PolicyState&, const ProviderRoute&);
template std::optional<Rdid> owningDomain(const PolicyState&, const GlobalSettings&);

}  // namespace hnv::policy
