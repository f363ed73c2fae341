#include "hnv/base/result.h"

namespace hnv {

std::string_view errcName(Errc code) {
  switch (code) {
    case Errc::InvalidArgument: return "invalid-argument";
    case Errc::OutOfRange: return "out-of-range";
    case Errc::NotFound: return "not-found";
    case Errc::AlreadyExists: return "already-exists";
    case Errc::Conflict: return "conflict";
    case Errc::Unsupported: return "unsupported";
    case Errc::Unavailable: return "unavailable";
    case Errc::PermissionDenied: return "permission-denied";
    case Errc::Io: return "io";
    case Errc::Truncated: return "truncated";
    case Errc::Malformed: return "malformed";
    case Errc::Internal: return "internal";
  }
  return "unknown";
}

std::optional<Errc> errcFromName(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(Errc::Internal); ++c) {
    if (errcName(static_cast<Errc>(c)) == name) return static_cast<Errc>(c);
  }
  return std::nullopt;
}

std::string Error::message() const {
  std::string out;
  for (const std::string* part : {&where, &what, &why}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  if (out.empty()) out = std::string(errcName(code));
  return out;
}

Error Error::within(std::string_view outer) const {
  Error e = *this;
  if (outer.empty()) return e;
  if (e.where.empty()) {
    e.where = std::string(outer);
  } else if (e.where.front() == '[') {
    e.where = std::string(outer) + e.where;
  } else {
    e.where = std::string(outer) + "." + e.where;
  }
  return e;
}

Error makeError(Errc code, std::string where, std::string what, std::string why) {
  return Error{code, std::move(where), std::move(what), std::move(why)};
}

}  // namespace hnv
