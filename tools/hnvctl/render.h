// Human-readable output of hnvctl.
#pragma once

#include <boost/json/value.hpp>
#include <ostream>
#include <string_view>

namespace hnv::tools {

void render(std::ostream& out, std::string_view method, const boost::json::value& reply);

}  // namespace hnv::tools
