#include "hnv/daemon/capture_session.h"

#include <rte_cycles.h>

#include <cerrno>
#include <cstring>

#include "hnv/dp/packet.h"
#include "hnv/wire/bytes.h"
#include "hnv/wire/ethernet.h"
#include "hnv/wire/ipv4.h"
#include "hnv/wire/nvgre.h"

namespace hnv::daemon {
namespace {

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) { b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)}); }
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void pad4(std::vector<std::uint8_t>& b) {
  while (b.size() % 4 != 0) b.push_back(0);
}
// A pcapng option: code, length, value padded to 32 bits.
void option(std::vector<std::uint8_t>& b, std::uint16_t code, const void* value, std::size_t len) {
  put16(b, code);
  put16(b, static_cast<std::uint16_t>(len));
  const auto* p = static_cast<const std::uint8_t*>(value);
  b.insert(b.end(), p, p + len);
  pad4(b);
}
void option(std::vector<std::uint8_t>& b, std::uint16_t code, const std::string& s) { option(b, code, s.data(), s.size()); }
void endOptions(std::vector<std::uint8_t>& b) { put32(b, 0); }

// "vsid=N flowid=M" for an NVGRE packet over IPv4, else nothing.
std::optional<std::string> nvgreComment(std::span<const std::uint8_t> f) {
  auto eth = wire::parseEthernet(f);
  if (!eth || eth->etherType != wire::kEtherTypeIpv4) return std::nullopt;
  auto ip = wire::parseIpv4(f.subspan(eth->headerLength));
  if (!ip || ip->protocol != wire::kIpProtoGre) return std::nullopt;
  auto nv = wire::parseNvgre(ip->payload);
  if (!nv) return std::nullopt;
  return "vsid=" + std::to_string(nv->vsid.value()) + " flowid=" + std::to_string(nv->flowId);
}

}  // namespace

Result<std::unique_ptr<CaptureSession>> CaptureSession::open(const std::string& path, std::vector<CapturePort> ports,
                                                              std::uint64_t maxPackets, Clock::duration maxTime,
                                                              CaptureAnnotator annotate) {
  std::unique_ptr<CaptureSession> s(new CaptureSession());
  s->file_ = std::fopen(path.c_str(), "wb");
  if (s->file_ == nullptr) return makeError(Errc::Io, "params.file", path, std::string("cannot create: ") + std::strerror(errno));
  s->path_ = path;
  s->ports_ = std::move(ports);
  s->annotate_ = std::move(annotate);
  s->maxPackets_ = maxPackets;
  s->deadline_ = Clock::now() + maxTime;
  s->tscHz_ = static_cast<double>(rte_get_tsc_hz());
  s->tsc0_ = rte_get_tsc_cycles();
  s->wall0Ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::uint8_t> shb;
  put32(shb, 0x1A2B3C4D);  // byte-order magic
  put16(shb, 1);
  put16(shb, 0);
  put32(shb, 0xFFFFFFFF);  // section length: unknown
  put32(shb, 0xFFFFFFFF);
  option(shb, 4, std::string("hnv-gateway"));  // shb_userappl
  endOptions(shb);
  s->block(0x0A0D0D0A, shb);
  for (const auto& p : s->ports_) {
    std::vector<std::uint8_t> idb;
    put16(idb, 1);  // LINKTYPE_ETHERNET
    put16(idb, 0);
    put32(idb, dp::CaptureTap::kSnapLen);
    option(idb, 2, p.name);  // if_name
    if (p.vsid) option(idb, 3, "VM port, VSID " + std::to_string(*p.vsid));  // if_description
    const std::uint8_t nanoseconds = 9;
    option(idb, 9, &nanoseconds, 1);  // if_tsresol
    endOptions(idb);
    s->ifIndex_[p.id] = static_cast<std::uint32_t>(s->ifIndex_.size());
    s->block(1, idb);
  }
  s->flush();
  return s;
}

void CaptureSession::flush() { std::fflush(file_); }

CaptureSession::~CaptureSession() {
  if (file_ != nullptr) std::fclose(file_);
}

void CaptureSession::block(std::uint32_t type, const std::vector<std::uint8_t>& body) {
  const std::uint32_t total = static_cast<std::uint32_t>(body.size() + 12);
  std::vector<std::uint8_t> b;
  put32(b, type);
  put32(b, total);
  b.insert(b.end(), body.begin(), body.end());
  put32(b, total);
  std::fwrite(b.data(), 1, b.size(), file_);
}

void CaptureSession::write(const rte_mbuf* m, std::uint16_t port, dp::CaptureDirection dir, std::uint64_t tsc) {
  auto it = ifIndex_.find(port);
  if (it == ifIndex_.end() || written_ >= maxPackets_) return;
  const auto* data = rte_pktmbuf_mtod(m, const std::uint8_t*);
  const std::uint32_t caplen = rte_pktmbuf_data_len(m);
  const auto ns = static_cast<std::uint64_t>(wall0Ns_ + static_cast<std::int64_t>(
                                                 (static_cast<double>(tsc) - static_cast<double>(tsc0_)) * 1e9 / tscHz_));
  std::vector<std::uint8_t> epb;
  put32(epb, it->second);
  put32(epb, static_cast<std::uint32_t>(ns >> 32));
  put32(epb, static_cast<std::uint32_t>(ns));
  put32(epb, caplen);
  put32(epb, static_cast<std::uint32_t>(dp::meta(const_cast<rte_mbuf*>(m)).scratch[1]));
  epb.insert(epb.end(), data, data + caplen);
  pad4(epb);
  std::optional<std::string> comment;
  for (const auto& p : ports_) {
    if (p.id == port && p.vsid) comment = "vsid=" + std::to_string(*p.vsid);
  }
  if (!comment) comment = nvgreComment({data, caplen});
  if (annotate_) {
    std::string extra = annotate_(port, {data, caplen});
    if (!extra.empty()) comment = comment ? *comment + " " + extra : extra;
  }
  if (comment) option(epb, 1, *comment);  // opt_comment
  const std::uint32_t flags = dir == dp::CaptureDirection::In ? 1 : 2;  // epb_flags: inbound / outbound
  option(epb, 2, &flags, 4);
  endOptions(epb);
  block(6, epb);
  ++written_;
}

}  // namespace hnv::daemon
