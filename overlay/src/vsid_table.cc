#include "hnv/overlay/vsid_table.h"

namespace hnv::overlay {

Status VsidTable::add(Vsid vsid, TenantId tenant) {
  if (!vsid.isTenantUsable()) {
    return makeError(Errc::OutOfRange, "vsid", vsid.toString(), "reserved VSIDs cannot belong to a tenant");
  }
  if (tenant.isNode()) {
    return makeError(Errc::InvalidArgument, "tenant", tenant.toString(), "index 0 is the node itself");
  }
  if (!map_.emplace(vsid.value(), tenant).second) {
    return makeError(Errc::AlreadyExists, "vsid", vsid.toString(), "already mapped to a tenant");
  }
  return okStatus();
}

}  // namespace hnv::overlay
