#include "hnv/overlay/context.h"

namespace hnv::overlay {

Status parseOverlaySettings(const ConfigNode& n, OverlaySettings& s) {
  if (!n.present()) return okStatus();
  if (auto st = n.expectObject({"copy_dscp", "ecn", "outer_ttl"}); !st) return st;
  auto dscp = n["copy_dscp"].asBool(s.copyDscp);
  if (!dscp) return dscp.error();
  s.copyDscp = *dscp;
  auto ecn = n["ecn"].asString("normal");
  if (!ecn) return ecn.error();
  if (*ecn == "normal") {
    s.ecn = EcnMode::Normal;
  } else if (*ecn == "compatibility") {
    s.ecn = EcnMode::Compatibility;
  } else {
    return n["ecn"].error(*ecn, "must be \"normal\" or \"compatibility\" (RFC 6040 section 4.1)");
  }
  auto ttl = n["outer_ttl"].asUint(1, 255, s.outerTtl);
  if (!ttl) return ttl.error();
  s.outerTtl = static_cast<std::uint8_t>(*ttl);
  return okStatus();
}

}  // namespace hnv::overlay
