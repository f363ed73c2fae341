// Rules across objects for the site-to-site VPN kind: an S2S interface's
// routing domains exist and are both placed on its gateway, and no two
// interfaces of one gateway have the same pair of endpoints, alternate
// destinations included (IKE could not tell their tenants apart) nor, with
// PSKs, the same pair of identities. The routing domain's removal rule for
// it is in references.cc.
#include <algorithm>
#include <optional>

#include "hnv/policy/references.h"
#include "ike_identity.h"
#include "references_detail.h"

namespace hnv::policy {

using detail::isPlaced;
using detail::missing;

namespace {

// An address of x's site (destination or alternate) that is one of o's too.
std::optional<IpAddr> sharedDestination(const VpnS2sInterface& o, const VpnS2sInterface& x) {
  auto all = [](const VpnS2sInterface& v) {
    std::vector<IpAddr> out{v.destination};
    out.insert(out.end(), v.alternateDestinations.begin(), v.alternateDestinations.end());
    return out;
  };
  const auto theirs = all(o);
  for (const auto& a : all(x)) {
    if (std::find(theirs.begin(), theirs.end(), a) != theirs.end()) return a;
  }
  return std::nullopt;
}

}  // namespace

template <>
Status checkPut(const PolicyState& state, const VpnS2sInterface& x) {
  if (state.find<RoutingDomain>(x.rdid.toString()) == nullptr) return missing("rdid", x.rdid.toString(), "routing domain");
  if (state.find<RoutingDomain>(x.externalRdid.toString()) == nullptr) {
    return missing("externalRdid", x.externalRdid.toString(), "routing domain");
  }
  const auto* node = state.find<NodeEntry>(x.node);
  if (node == nullptr) return missing("node", x.node, "node");
  if (node->object.role != NodeRole::Gateway) {
    return fieldError("node", x.node, "is not a gateway; S2S interfaces end on gateways");
  }
  for (const auto* rdid : {&x.rdid, &x.externalRdid}) {
    if (!isPlaced(node->object, *rdid)) {
      return fieldError(rdid == &x.rdid ? "rdid" : "externalRdid", rdid->toString(),
                        "is not placed on gateway " + x.node + "; place it there first");
    }
  }
  // Checked when written, not when a store is loaded: a stored policy does
  // not turn invalid with a new rule.
  // Only when localId or the certificate changes: other fields of a stored
  // interface stay editable.
  const auto* before = state.find<VpnS2sInterface>(KindTraits<VpnS2sInterface>::key(x));
  const bool idChanged =
      before == nullptr || before->object.localId != x.localId || before->object.certificate != x.certificate;
  if (x.authentication == VpnAuthentication::Certificate && !x.localId.empty() && idChanged) {
    if (auto why = detail::identityMissingFrom(x.certificate, x.localId)) return fieldError("localId", x.localId, *why);
  }
  // The family inside is part of the SAs (their ESP trailers): a change
  // would leave the site's CHILD SA up with selectors of the other family.
  if (before != nullptr && before->object.localPrefixes.front().isV4() != x.localPrefixes.front().isV4()) {
    return fieldError("localPrefixes", x.localPrefixes.front().toString(),
                      "changes the family inside the tunnel; delete the interface and create it anew for that");
  }
  const std::string self = KindTraits<VpnS2sInterface>::key(x);
  for (const auto& [key, other] : state.table<VpnS2sInterface>()) {
    const auto& o = other.object;
    if (key != self && o.node == x.node && o.localAddress == x.localAddress) {
      if (auto shared = sharedDestination(o, x)) {
        return fieldError(*shared == x.destination ? "destination" : "alternateDestinations", shared->toString(),
                          "vpn-s2s-interface " + key + " already connects " + x.localAddress.toString() +
                              " to it on " + x.node + "; IKE could not tell the tenants apart",
                          Errc::Conflict);
      }
    }
    // The PSKs of a gateway are found by the pair of identities: one pair, one secret.
    auto ids = [](const VpnS2sInterface& v) {
      return std::make_pair(v.localId.empty() ? v.localAddress.toString() : v.localId,
                            v.remoteId.empty() ? v.destination.toString() : v.remoteId);
    };
    const bool bothPsk = o.authentication == VpnAuthentication::Psk && x.authentication == VpnAuthentication::Psk;
    if (key != self && o.node == x.node && bothPsk && detail::sameIdentity(ids(x).first, ids(o).first) &&
        detail::sameIdentity(ids(x).second, ids(o).second)) {
      return fieldError("remoteId", ids(x).second,
                        "vpn-s2s-interface " + key + " on " + x.node + " has the same pair of IKE identities (" +
                            ids(x).first + ", " + ids(x).second + "); its pre-shared key would be ambiguous",
                        Errc::Conflict);
    }
  }
  return okStatus();
}

template <>
Status checkRemove(const PolicyState&, const VpnS2sInterface&) {
  return okStatus();
}

template <>
std::optional<Rdid> owningDomain(const PolicyState&, const VpnS2sInterface& v) {
  return v.rdid;
}

}  // namespace hnv::policy
