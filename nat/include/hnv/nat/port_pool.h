// The free ports (or ICMP identifiers) of one external address and protocol
// for one worker: a bitmap over the worker's slice of the address's dynamic
// range. Worker w of W owns the ports first + w, first + w + W, ... so
// workers allocate without sharing anything, and a packet from outside
// tells by its port which worker owns its session.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hnv::nat {

class PortPool {
 public:
  PortPool(std::uint16_t first, std::uint16_t last, unsigned worker, unsigned workers);

  // `preferred` if it is this worker's and free (the inside port kept when
  // it can be), else the next free one after the last handed out; nullopt
  // when every port of the slice is taken.
  std::optional<std::uint16_t> allocate(std::uint16_t preferred);
  // Marks a port taken (a mapping kept across a configuration change);
  // false if it is not this worker's or is taken already.
  bool take(std::uint16_t port);
  void release(std::uint16_t port);
  bool owns(std::uint16_t port) const;
  std::uint32_t size() const { return count_; }
  std::uint32_t used() const { return used_; }

 private:
  std::optional<std::uint32_t> slot(std::uint16_t port) const;
  std::uint16_t portOf(std::uint32_t slot) const { return static_cast<std::uint16_t>(first_ + slot * workers_ + worker_); }
  std::uint32_t first_, workers_, worker_, count_, used_ = 0, cursor_ = 0;
  std::vector<std::uint64_t> bits_;  // 1: taken
};

}  // namespace hnv::nat
