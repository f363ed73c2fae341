// The swanctl directory hnv-iked loads hnvgwd's connections from:
// DIR/swanctl.conf and the credential files certificate authentication
// names, in DIR/x509 (our certificates), DIR/x509ca (trust anchors),
// DIR/x509crl (revocation lists) and DIR/private (keys). Each write replaces the whole set: a file no longer
// named is removed, so `swanctl --load-all --clear` forgets it. Everything
// is private to the service (directories 0700, files 0600).
//
// Thread: the link's reader (one writer at a time).
#pragma once

#include <string>

#include "hnv/base/result.h"
#include "hnv/ike_ipc/messages.h"

namespace hnv::iked {

// Writes `c` under `dir` (created if missing); the error names the file.
// Nothing is written when a credential's directory or name is refused.
Status writeSwanctlDir(const std::string& dir, const ikeipc::Connections& c);

}  // namespace hnv::iked
