// hnvctl's controller commands: one noun per policy kind with the verbs of
// the PowerShell cmdlets (new, get, set, remove), plus next-hop select,
// watch, batch and controller status. Options are the kinds' fields
// (--vm-name for vmName), typed and documented from the kinds' field tables.
#pragma once

#include <string>
#include <vector>

namespace hnv::tools {

struct ControllerOptions {
  std::string url;
  std::string token;
  std::string caFile;
  bool json = false;
};

// True if `noun` is a controller command.
bool isControllerCommand(const std::string& noun);
// Runs one; returns the exit code (0 ok, 1 failed, 2 bad usage).
int runControllerCommand(const ControllerOptions& opts, const std::vector<std::string>& words);
// Usage lines for the controller commands.
std::string controllerUsage();

}  // namespace hnv::tools
