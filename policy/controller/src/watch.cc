#include "hnv/controller/watch.h"

#include <boost/json/serialize.hpp>

namespace hnv::controller {

namespace json = boost::json;
using policy::Change;
using policy::KindTraits;
using policy::Revision;

std::string changeLine(const Change& c, bool redact) {
  json::object o;
  o["type"] = "change";
  for (auto& kv : policy::changeToJson(c)) o[kv.key()] = std::move(kv.value());
  if (redact) {
    if (auto* obj = o.if_contains("object"); obj != nullptr && obj->is_object()) {
      policy::redactSecrets(c.kind, obj->as_object());
    }
  }
  return json::serialize(o) + "\n";
}

std::string bookmarkLine(Revision r) {
  json::object o;
  o["type"] = "bookmark";
  o["revision"] = r;
  return json::serialize(o) + "\n";
}

WatchHub::WatchHub(policy::PolicyEngine& engine, std::size_t ringSize) : engine_(engine), ringSize_(ringSize) {
  subscription_ = engine_.subscribe([this](std::span<const Change> c) { onCommit(c); });
}

WatchHub::~WatchHub() { engine_.unsubscribe(subscription_); }

void WatchHub::onCommit(std::span<const Change> changes) {
  for (const auto& c : changes) {
    ring_.push_back(std::make_shared<const Entry>(Entry{c, changeLine(c, false), changeLine(c, true)}));
    if (ring_.size() > ringSize_) ring_.pop_front();
  }
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& [id, wake] : waiters) wake();
}

Result<std::vector<std::shared_ptr<const WatchHub::Entry>>> WatchHub::since(Revision after, std::size_t max) const {
  std::vector<std::shared_ptr<const Entry>> out;
  // The history limit is the contract even where the ring still remembers.
  if (after < engine_.compactedRevision()) return engine_.changesSince(after, 1).error();
  if (!ring_.empty() && after + 1 >= ring_.front()->change.revision) {
    // Revisions are dense, so the ring is indexed by revision.
    std::size_t first = after + 1 - ring_.front()->change.revision;
    for (std::size_t i = first; i < ring_.size() && out.size() < max; ++i) out.push_back(ring_[i]);
    return out;
  }
  auto older = engine_.changesSince(after, max);
  if (!older) return older.error();
  for (auto& c : *older) {
    std::string line = changeLine(c, false), publicLine = changeLine(c, true);
    out.push_back(std::make_shared<const Entry>(Entry{std::move(c), std::move(line), std::move(publicLine)}));
  }
  return out;
}

int WatchHub::waitForChange(std::function<void()> wake) {
  int id = nextWaiter_++;
  waiters_.emplace(id, std::move(wake));
  return id;
}

void WatchHub::cancelWait(int id) { waiters_.erase(id); }

WatchStream::WatchStream(WatchHub& hub, policy::Access access, Revision from, std::string kind)
    : hub_(hub), access_(std::move(access)), kind_(std::move(kind)), cursor_(from),
      startHead_(hub.engine().revision()) {}

WatchStream::WatchStream(WatchHub& hub, policy::NodeEntry node, Revision from)
    : hub_(hub), access_(policy::Access::forNode(node.name)), node_(std::move(node)), cursor_(from),
      startHead_(hub.engine().revision()) {
  const auto& state = hub_.engine().state();
  scope_ = state.scope(*node_);
  state.forEachWithPrefix<policy::ProviderAddress>(node_->name + "/", [&](const std::string&, const auto& pa) {
    nodePas_.insert(pa.object.address);
  });
}

// Changes that may move the node's scope: its own entry, addresses and VM
// ports, a record placed on one of its addresses, a subnet it lists.
bool WatchStream::scopeSensitive(const Change& c) const {
  if (c.kind == KindTraits<policy::NodeEntry>::kName) return c.key == node_->name;
  if (c.kind == KindTraits<policy::ProviderAddress>::kName || c.kind == KindTraits<policy::VmPort>::kName) {
    return c.key.starts_with(node_->name + "/");
  }
  if (c.kind == KindTraits<policy::LookupRecord>::kName) {
    const auto* pa = c.object.if_contains("pa");
    if (pa == nullptr || !pa->is_string()) return false;
    auto addr = IpAddr::parse(pa->as_string());
    return addr && nodePas_.count(*addr) != 0;
  }
  if (c.kind == KindTraits<policy::VirtualSubnet>::kName) {
    for (auto v : node_->vsids) {
      if (v.toString() == c.key) return true;
    }
  }
  return false;
}

std::string WatchStream::resync(const std::string& reason) {
  done_ = true;
  json::object o;
  o["type"] = "resync";
  o["revision"] = hub_.engine().revision();
  o["reason"] = reason;
  return json::serialize(o) + "\n";
}

WatchStream::Poll WatchStream::poll(std::size_t max) {
  Poll p;
  if (done_) {
    p.done = true;
    return p;
  }
  auto entries = hub_.since(cursor_, max);
  if (!entries) {
    p.data = node_ ? resync("history from revision " + std::to_string(cursor_) + " has been compacted")
                   : bookmarkLine(cursor_);
    p.done = true;
    done_ = true;
    return p;
  }
  const auto& engine = hub_.engine();
  for (const auto& e : *entries) {
    const Change& c = e->change;
    cursor_ = c.revision;
    if (!node_) {
      if ((kind_.empty() || c.kind == kind_) && engine.visible(c, access_)) p.data += e->publicLine;
      continue;
    }
    if (scopeSensitive(c)) {
      // In the backlog the node's scope at that time is unknown; live, it is
      // recomputed. Either way a changed scope needs the whole state.
      const auto* now = engine.state().find<policy::NodeEntry>(node_->name);
      if (c.revision <= startHead_ || now == nullptr || engine.state().scope(now->object) != scope_) {
        p.data += resync("the node's scope changed at revision " + std::to_string(c.revision));
        p.done = true;
        return p;
      }
      node_ = now->object;
      nodePas_.clear();
      engine.state().forEachWithPrefix<policy::ProviderAddress>(
          node_->name + "/", [&](const std::string&, const auto& pa) { nodePas_.insert(pa.object.address); });
    }
    if (!engine.concerns(*node_, scope_, c)) continue;
    // Another gateway's S2S interface (a write-only secret inside) reaches
    // this node as the removal of that key: its desired state never holds
    // one (southbound.cc), and an interface moved away is taken down here.
    const auto* owner = c.kind == KindTraits<policy::VpnS2sInterface>::kName ? c.object.if_contains("node") : nullptr;
    if (owner != nullptr && c.op == policy::ChangeOp::Put && !(owner->is_string() && owner->as_string() == node_->name)) {
      policy::Change removal{c.revision, c.kind, c.key, policy::ChangeOp::Delete, {}, c.domain};
      p.data += changeLine(removal, true);
      continue;
    }
    p.data += e->line;
  }
  if (cursor_ >= engine.revision() && (!bookmarked_ || lastBookmark_ != cursor_)) {
    p.data += bookmarkLine(cursor_);
    lastBookmark_ = cursor_;
    bookmarked_ = true;
  }
  return p;
}

}  // namespace hnv::controller
