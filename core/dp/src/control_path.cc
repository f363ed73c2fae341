#include "hnv/dp/control_path.h"

#include <rte_errno.h>
#include <rte_lcore.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hnv/base/log.h"
#include "hnv/dp/packet.h"

namespace hnv::dp {
namespace {

const Logger kLog("control-path");

void freeRing(rte_ring* r) {
  if (r == nullptr) return;
  void* m = nullptr;
  while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  rte_ring_free(r);
}

Result<rte_ring*> makeRing(const std::string& name, unsigned size, unsigned flags) {
  rte_ring* r = rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), flags);
  if (r == nullptr) {
    return makeError(Errc::Unavailable, "control path", name, std::string("rte_ring_create failed: ") + rte_strerror(rte_errno));
  }
  return r;
}

}  // namespace

Result<std::unique_ptr<ControlPath>> ControlPath::create(const std::string& name, std::vector<std::uint64_t*> activity,
                                                         unsigned ringSize) {
  std::unique_ptr<ControlPath> cp(new ControlPath());
  // Many workers punt; only the control thread dequeues.
  auto punt = makeRing(name + "-punt", ringSize, RING_F_SC_DEQ);
  if (!punt) return punt.error();
  cp->punt_.ring = *punt;
  cp->punt_.wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (cp->punt_.wakeFd < 0) {
    return makeError(Errc::Unavailable, "control path", name, std::string("eventfd failed: ") + std::strerror(errno));
  }
  for (std::size_t w = 0; w < activity.size(); ++w) {
    auto r = makeRing(name + "-inj" + std::to_string(w), ringSize, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!r) return r.error();
    cp->inject_.push_back(InjectState{*r, activity[w]});
  }
  return cp;
}

ControlPath::~ControlPath() {
  if (punt_.wakeFd >= 0) ::close(punt_.wakeFd);
  freeRing(punt_.ring);
  for (auto& s : inject_) freeRing(s.ring);
}

Result<PuntKind> ControlPath::addPuntKind(std::string name, PuntHandler handler) {
  if (kinds_.size() >= 255) return makeError(Errc::OutOfRange, "control path", name, "at most 255 punt kinds");
  for (const auto& k : kinds_) {
    if (k.first == name) return makeError(Errc::AlreadyExists, "control path", name, "a punt kind of that name exists");
  }
  kinds_.emplace_back(std::move(name), std::move(handler));
  return static_cast<PuntKind>(kinds_.size());
}

std::string_view ControlPath::kindName(PuntKind kind) const {
  return kind >= 1 && kind <= kinds_.size() ? std::string_view(kinds_[kind - 1u].first) : std::string_view("unknown");
}

unsigned ControlPath::drain(unsigned max) {
  std::array<void*, 64> batch;
  unsigned done = 0;
  while (done < max) {
    unsigned want = std::min<unsigned>(static_cast<unsigned>(batch.size()), max - done);
    unsigned n = rte_ring_sc_dequeue_burst(punt_.ring, batch.data(), want, nullptr);
    if (n == 0) break;
    for (unsigned i = 0; i < n; ++i) {
      auto* m = static_cast<rte_mbuf*>(batch[i]);
      PuntKind kind = meta(m).control;
      if (kind == 0 || kind > kinds_.size()) {
        ++stats_.unknownKind;
        kLog.warn("punted packet of unknown kind dropped", {{"kind", std::to_string(kind)}});
        rte_pktmbuf_free(m);
        continue;
      }
      ++stats_.handled;
      kinds_[kind - 1u].second(m);
    }
    done += n;
  }
  return done;
}

bool ControlPath::inject(rte_mbuf* m, InjectEdge edge, unsigned worker) {
  if (worker >= inject_.size()) worker = 0;
  meta(m).control = static_cast<std::uint8_t>(edge);
  if (rte_ring_sp_enqueue(inject_[worker].ring, m) != 0) {
    ++stats_.injectFull;
    rte_pktmbuf_free(m);
    return false;
  }
  ++stats_.injected;
  return true;
}

}  // namespace hnv::dp
