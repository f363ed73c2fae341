#include "hnv/nat/port_pool.h"

#include <bit>

namespace hnv::nat {

PortPool::PortPool(std::uint16_t first, std::uint16_t last, unsigned worker, unsigned workers)
    : first_(first), workers_(workers == 0 ? 1 : workers), worker_(worker) {
  const std::uint32_t span = last >= first ? std::uint32_t{last} - first + 1 : 0;
  count_ = span > worker_ ? (span - worker_ + workers_ - 1) / workers_ : 0;
  bits_.assign((count_ + 63) / 64, 0);
  // Slots past the end of the last word count as taken, so a scan never returns them.
  if (count_ % 64 != 0) bits_.back() = ~std::uint64_t{0} << (count_ % 64);
}

std::optional<std::uint32_t> PortPool::slot(std::uint16_t port) const {
  if (port < first_) return std::nullopt;
  const std::uint32_t off = port - first_;
  if (off % workers_ != worker_) return std::nullopt;
  const std::uint32_t s = off / workers_;
  if (s >= count_) return std::nullopt;
  return s;
}

bool PortPool::owns(std::uint16_t port) const { return slot(port).has_value(); }

bool PortPool::take(std::uint16_t port) {
  auto s = slot(port);
  if (!s) return false;
  std::uint64_t& w = bits_[*s / 64];
  const std::uint64_t bit = std::uint64_t{1} << (*s % 64);
  if ((w & bit) != 0) return false;
  w |= bit;
  ++used_;
  return true;
}

std::optional<std::uint16_t> PortPool::allocate(std::uint16_t preferred) {
  if (take(preferred)) return preferred;
  if (used_ >= count_) return std::nullopt;
  const std::uint32_t words = static_cast<std::uint32_t>(bits_.size());
  std::uint32_t word = cursor_ / 64;
  // The first word is scanned from the cursor on; every word at most once more.
  std::uint64_t free = ~bits_[word] & (~std::uint64_t{0} << (cursor_ % 64));
  for (std::uint32_t n = 0; n <= words; ++n) {
    if (free != 0) {
      const std::uint32_t s = word * 64 + static_cast<std::uint32_t>(std::countr_zero(free));
      bits_[word] |= std::uint64_t{1} << (s % 64);
      ++used_;
      cursor_ = s + 1 < count_ ? s + 1 : 0;
      return portOf(s);
    }
    word = word + 1 < words ? word + 1 : 0;
    free = ~bits_[word];
  }
  return std::nullopt;
}

void PortPool::release(std::uint16_t port) {
  auto s = slot(port);
  if (!s) return;
  std::uint64_t& w = bits_[*s / 64];
  const std::uint64_t bit = std::uint64_t{1} << (*s % 64);
  if ((w & bit) == 0) return;
  w &= ~bit;
  --used_;
}

}  // namespace hnv::nat
