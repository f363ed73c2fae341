#include "hnv/controller/instance.h"

#include "hnv/base/log.h"

namespace hnv::controller {

Result<std::unique_ptr<ControllerInstance>> ControllerInstance::open(InstanceOptions o) {
  std::unique_ptr<ControllerInstance> c(new ControllerInstance());
  auto store = policy::SqliteStore::open(o.database);
  if (!store) return store.error();
  c->store_ = std::move(*store);
  c->engine_ = std::make_unique<policy::PolicyEngine>(*c->store_, o.limits);
  if (auto s = c->engine_->open(); !s) return s.error();
  c->tokens_ = std::make_unique<TokenTable>(o.tokens);
  c->hub_ = std::make_unique<WatchHub>(*c->engine_);
  c->api_ = std::make_unique<ControllerApi>(*c->engine_, *c->tokens_, *c->hub_, o.version);
  c->io_ = std::make_unique<boost::asio::io_context>(1);
  c->server_ = std::make_unique<HttpServer>(*c->io_, *c->api_, o.server);
  auto port = c->server_->listen();
  if (!port) return port.error();
  c->port_ = *port;
  c->agingTimer_ = std::make_unique<boost::asio::steady_timer>(*c->io_);
  c->scheduleAging();
  return c;
}

void ControllerInstance::scheduleAging() {
  agingTimer_->expires_after(std::chrono::seconds(1));
  agingTimer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto changes = engine_->expireDynamic(policy::PolicyEngine::Clock::now());
    if (!changes) {
      Logger("controller").error("dynamic records not aged out", {{"error", changes.error().message()}});
    } else {
      for (const auto& c : *changes) {
        Logger("controller").info("dynamic record aged out", {{"key", c.key}, {"revision", std::to_string(c.revision)}});
      }
    }
    scheduleAging();
  });
}

ControllerInstance::~ControllerInstance() {
  stop();
  if (thread_.joinable()) thread_.join();
  // The acceptor first, then the io_context with the sessions in its
  // handlers (they still use the hub and the API), then the rest.
  server_.reset();
  agingTimer_.reset();
  io_.reset();
  api_.reset();
  hub_.reset();
  engine_.reset();
  store_.reset();
}

void ControllerInstance::run() { io_->run(); }

void ControllerInstance::runInThread() {
  thread_ = std::thread([this] { io_->run(); });
}

void ControllerInstance::stop() {
  // run() returns; the acceptor closes when the server is destroyed.
  if (io_) io_->stop();
}

}  // namespace hnv::controller
