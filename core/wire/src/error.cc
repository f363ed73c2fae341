#include "hnv/wire/error.h"

#include <string>

namespace hnv::wire {
namespace {

std::string_view describe(WireErrc code) {
  switch (code) {
    case WireErrc::Truncated:
      return "the buffer ends before the header does";
    case WireErrc::BadVersion:
      return "the version field is not the expected one";
    case WireErrc::BadHeaderLength:
      return "the header length field is too small or exceeds the buffer";
    case WireErrc::BadLength:
      return "a length field disagrees with the buffer";
    case WireErrc::BadChecksum:
      return "the checksum does not verify";
    case WireErrc::Unsupported:
      return "this variant of the protocol is not supported";
    case WireErrc::Malformed:
      return "a field holds a value the protocol forbids";
  }
  return "unknown wire error";
}

Errc toErrc(WireErrc code) {
  switch (code) {
    case WireErrc::Truncated:
      return Errc::Truncated;
    case WireErrc::Unsupported:
      return Errc::Unsupported;
    default:
      return Errc::Malformed;
  }
}

}  // namespace

Error WireError::toError(std::string_view layer) const {
  return makeError(toErrc(code), std::string(layer), "offset " + std::to_string(offset),
                   std::string(wireErrcName(code)) + ": " + std::string(describe(code)));
}

}  // namespace hnv::wire
