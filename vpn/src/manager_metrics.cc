#include "hnv/vpn/manager.h"

namespace hnv::vpn {

std::string VpnManager::metricsText() const {
  std::vector<std::string> labels;
  for (const auto& x : interfaces_) {
    labels.push_back("tenant=\"" + x.rdid + "\",interface=\"" + x.shortName + "\"");
  }
  std::string out =
      "# HELP hnv_vpn_interface_up 1 while the site-to-site interface's tunnel carries traffic (an "
      "outbound CHILD SA installed).\n# TYPE hnv_vpn_interface_up gauge\n";
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    out += "hnv_vpn_interface_up{" + labels[i] + "} " + (up(i) ? "1" : "0") + "\n";
  }
  out += "# HELP hnv_vpn_interface_sas ESP SAs installed in the data plane for the interface.\n"
         "# TYPE hnv_vpn_interface_sas gauge\n";
  for (std::size_t i = 0; i < interfaces_.size(); ++i) {
    std::size_t in = 0, outbound = 0;
    for (const auto& [key, sa] : sas_) {
      if (sa.interface != i) continue;
      (sa.inbound ? in : outbound) += 1;
    }
    out += "hnv_vpn_interface_sas{" + labels[i] + ",direction=\"in\"} " + std::to_string(in) + "\n";
    out += "hnv_vpn_interface_sas{" + labels[i] + ",direction=\"out\"} " + std::to_string(outbound) + "\n";
  }
  return out;
}

}  // namespace hnv::vpn
