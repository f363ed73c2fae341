// Calls to the witness (hnv-controller's POST
// /v1/gateway-clusters/{cluster}/lease) from a thread of its own, so that a
// slow or absent controller never holds up heartbeats: one call at a time,
// on a kept-alive connection, each bounded by the endpoint's timeout.
//
// Threads: call() from the owner's thread; `done` runs on the client's
// thread (the owner posts it back to its own).
#pragma once

#include <boost/json/object.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hnv/cluster/membership.h"
#include "hnv/policy/client.h"

namespace hnv::cluster {

class WitnessClient {
 public:
  using Done = std::function<void(WitnessReply)>;

  WitnessClient(policy::ControllerEndpoint endpoint, std::string cluster);
  ~WitnessClient();
  WitnessClient(const WitnessClient&) = delete;
  WitnessClient& operator=(const WitnessClient&) = delete;

  // Queues one call; false while another is queued or under way.
  bool call(const WitnessRequest& request, std::string member, boost::json::object report, Done done);

 private:
  struct Job {
    WitnessRequest request;
    std::string member;
    boost::json::object report;
    Done done;
  };
  void run();
  WitnessReply perform(policy::ControllerClient& client, const Job& job) const;

  policy::ControllerEndpoint endpoint_;
  std::string target_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Job> job_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

// The body of a lease call and the reply it gets, as the witness defines them.
boost::json::object leaseRequestBody(const WitnessRequest& request, const std::string& member,
                                     const boost::json::object& report);
WitnessReply parseLeaseReply(const policy::Reply& reply);

}  // namespace hnv::cluster
