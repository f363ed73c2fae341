// A capture to a pcapng file (hnvctl capture): the ports' copies from the
// data plane's CaptureTap, written as they arrive, one interface per port
// (its name, and its VSID in the description for a VM port), each packet
// with its direction (epb_flags) and a comment naming the VSID: the VM
// port's, or the GRE key's for an NVGRE packet on an uplink, followed by
// what the program's annotator adds (hnvgwd: the tenant).
//
// Thread: control.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hnv/base/result.h"
#include "hnv/dp/capture.h"

namespace hnv::daemon {

struct CapturePort {
  std::uint16_t id = 0;
  std::string name;
  std::optional<std::uint32_t> vsid;  // a VM port's VSID
};

// Extra words for a packet's comment ("tenant=..."), empty for none.
using CaptureAnnotator = std::function<std::string(std::uint16_t port, std::span<const std::uint8_t> frame)>;

class CaptureSession {
 public:
  using Clock = std::chrono::steady_clock;
  // Opens `path` (created or truncated) and writes the section header and
  // one interface description per port.
  static Result<std::unique_ptr<CaptureSession>> open(const std::string& path, std::vector<CapturePort> ports,
                                                      std::uint64_t maxPackets, Clock::duration maxTime,
                                                      CaptureAnnotator annotate = {});
  ~CaptureSession();

  void write(const rte_mbuf* m, std::uint16_t port, dp::CaptureDirection dir, std::uint64_t tsc);
  // Makes what was written so far visible to readers of the file.
  void flush();
  bool done(Clock::time_point now) const { return written_ >= maxPackets_ || now >= deadline_; }
  std::uint64_t written() const { return written_; }
  const std::string& path() const { return path_; }
  const std::vector<CapturePort>& ports() const { return ports_; }

 private:
  CaptureSession() = default;
  void block(std::uint32_t type, const std::vector<std::uint8_t>& body);

  std::FILE* file_ = nullptr;
  std::string path_;
  std::vector<CapturePort> ports_;
  CaptureAnnotator annotate_;
  std::map<std::uint16_t, std::uint32_t> ifIndex_;  // port id -> pcapng interface
  std::uint64_t maxPackets_ = 0;
  std::uint64_t written_ = 0;
  Clock::time_point deadline_;
  // Wall-clock time of TSC 0, for packet time stamps.
  double tscHz_ = 0;
  std::uint64_t tsc0_ = 0;
  std::int64_t wall0Ns_ = 0;
};

}  // namespace hnv::daemon
