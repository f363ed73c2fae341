#include "hnv/cluster/witness_client.h"

namespace hnv::cluster {

namespace json = boost::json;

WitnessClient::WitnessClient(policy::ControllerEndpoint endpoint, std::string cluster)
    : endpoint_(std::move(endpoint)),
      target_("/v1/gateway-clusters/" + policy::urlEncode(cluster) + "/lease"),
      thread_([this] { run(); }) {}

WitnessClient::~WitnessClient() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool WitnessClient::call(const WitnessRequest& request, std::string member, json::object report, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (busy_ || job_) return false;
    job_ = Job{request, std::move(member), std::move(report), std::move(done)};
  }
  wake_.notify_all();
  return true;
}

void WitnessClient::run() {
  policy::ControllerClient client(endpoint_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || job_.has_value(); });
      if (stopping_) return;
      job = std::move(*job_);
      job_.reset();
      busy_ = true;
    }
    WitnessReply reply = perform(client, job);
    job.done(std::move(reply));
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
}

WitnessReply WitnessClient::perform(policy::ControllerClient& client, const Job& job) const {
  const json::value body = leaseRequestBody(job.request, job.member, job.report);
  auto r = client.request("POST", target_, &body);
  if (!r) {
    WitnessReply out;
    out.error = r.error().message();
    return out;
  }
  return parseLeaseReply(*r);
}

json::object leaseRequestBody(const WitnessRequest& request, const std::string& member, const json::object& report) {
  json::object o;
  o["member"] = member;
  o["acquire"] = request.call == WitnessCall::Acquire;
  o["release"] = request.call == WitnessCall::Release;
  if (!request.successor.empty()) o["successor"] = request.successor;
  o["report"] = report;
  return o;
}

WitnessReply parseLeaseReply(const policy::Reply& reply) {
  WitnessReply out;
  if (reply.status != 200) {
    out.error = policy::errorFromReply(reply).message();
    return out;
  }
  const auto* o = reply.body.if_object();
  const auto* granted = o != nullptr ? o->if_contains("granted") : nullptr;
  const auto* holder = o != nullptr ? o->if_contains("holder") : nullptr;
  const auto* epoch = o != nullptr ? o->if_contains("epoch") : nullptr;
  const auto* lease = o != nullptr ? o->if_contains("leaseMs") : nullptr;
  if (granted == nullptr || !granted->is_bool() || holder == nullptr || !holder->is_string() || epoch == nullptr ||
      !epoch->is_number() || lease == nullptr || !lease->is_number()) {
    out.error = "the witness's reply lacks granted, holder, epoch or leaseMs";
    return out;
  }
  out.reached = true;
  out.granted = granted->as_bool();
  out.holder = std::string(holder->as_string());
  out.epoch = epoch->to_number<std::uint64_t>();
  out.lease = std::chrono::milliseconds(lease->to_number<std::uint64_t>());
  if (const auto* s = o->if_contains("switchover")) out.switchover = s->is_bool() && s->as_bool();
  return out;
}

}  // namespace hnv::cluster
