// The wire names of the model's enums, shared by the kinds' conversions.
#pragma once

#include <string_view>
#include <utility>

#include "hnv/policy/objects.h"

namespace hnv::policy::detail {

inline constexpr std::pair<std::string_view, RecordType> kRecordTypes[] = {
    {"Static", RecordType::Static},
    {"Dynamic", RecordType::Dynamic},
    {"L2Only", RecordType::L2Only},
    {"GatewayWildcard", RecordType::GatewayWildcard},
};

inline constexpr std::pair<std::string_view, TranslationRule> kRules[] = {
    {"TranslationMethodEncap", TranslationRule::Encap},
    {"TranslationMethodNat", TranslationRule::Nat},
    {"TranslationMethodNone", TranslationRule::None},
};

inline constexpr std::pair<std::string_view, PaState> kPaStates[] = {
    {"Preferred", PaState::Preferred}, {"Tentative", PaState::Tentative}, {"Duplicate", PaState::Duplicate},
    {"Invalid", PaState::Invalid},     {"Deprecated", PaState::Deprecated},
};

inline constexpr std::pair<std::string_view, NodeRole> kNodeRoles[] = {
    {"host", NodeRole::Host},
    {"gateway", NodeRole::Gateway},
};

inline constexpr std::pair<std::string_view, NatFiltering> kNatFilterings[] = {
    {"endpoint-independent", NatFiltering::EndpointIndependent},
    {"address-dependent", NatFiltering::AddressDependent},
};

inline constexpr std::pair<std::string_view, NatProtocol> kNatProtocols[] = {
    {"tcp", NatProtocol::Tcp},
    {"udp", NatProtocol::Udp},
};

}  // namespace hnv::policy::detail
