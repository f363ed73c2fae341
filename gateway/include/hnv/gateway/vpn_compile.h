// The site-to-site VPN of this gateway compiled from its desired state
// ("vpn-s2s-interfaces" whose node is this gateway, admin state up, both
// routing domains placed here): the interfaces the data plane accepts SAs
// for, and the swanctl.conf hnv-iked loads (connections, children with the
// tenant as if_id, secrets) with the credential files it names.
//
// Thread: control. Pure.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/ike_ipc/messages.h"
#include "hnv/overlay/overlay_policy.h"
#include "hnv/vpn/manager.h"

namespace hnv::gateway {

struct VpnCompiled {
  std::vector<vpn::S2sInterface> interfaces;
  std::string swanctlConf;
  std::vector<ikeipc::CredentialFile> credentials;  // what swanctlConf's certificate authentication names
  std::vector<std::string> persistent;  // connection names of the persistent interfaces
};

// `initiate`: charon starts persistent interfaces' tunnels when they are
// loaded and again when closed (start_action, close_action). False on a
// cluster member: both members load them, and hnv-iked starts those without
// an IKE SA while its member is active (ikeipc::ClusterRole).
Result<VpnCompiled> compileVpn(const boost::json::object& desired, const overlay::OverlayPolicy& policy,
                               std::string_view node, bool initiate = true);

// The IKE connection name of an S2S interface: "<rdid>_<name>" (names have
// no '.', strongSwan's section separator).
std::string connectionName(std::string_view rdid, std::string_view name);

}  // namespace hnv::gateway
