#pragma once

#include <rte_graph.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "hnv/dp/rcu.h"
#include "hnv/overlay/vsid_table.h"

namespace hnv::overlay {

struct OverlayContext {
  const dp::Published<VsidTable>* vsids = nullptr;
};

// nvgre-input: GRE addressed to a provider address. Checks that it is NVGRE
// (RFC 7637: flags 0x2000, protocol 0x6558), finds the VSID's tenant and
// counts and drops what it cannot place. Decapsulation into the tenant
// arrives with the overlay module.
struct NvgreInputNode {
  static constexpr std::string_view kName = "nvgre-input";
  enum class Next : std::uint16_t { Drop = 0 };
  static constexpr std::array<std::string_view, 1> kNextNames{"drop"};
  enum class Error : std::uint16_t { Truncated, NotNvgre, ReservedVsid, UnknownVsid, NoTenantPath };
  static constexpr std::array<std::string_view, 5> kErrorNames{"truncated", "not-nvgre", "reserved-vsid",
                                                               "unknown-vsid", "no-tenant-path"};
  static std::uint16_t process(rte_graph* graph, rte_node* node, void** objs, std::uint16_t count);
};

}  // namespace hnv::overlay
