# Third-party dependencies, all from Debian's archive (see docs/dependencies.md).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json program_options)

if(NOT HNV_FUZZ_ONLY)
  # IMPORTED_TARGET puts DPDK's headers in -isystem.
  pkg_check_modules(DPDK REQUIRED IMPORTED_TARGET libdpdk)
  if(DPDK_VERSION VERSION_LESS 22.11 OR DPDK_VERSION VERSION_GREATER_EQUAL 22.12)
    message(FATAL_ERROR "DPDK 22.11 is required, found ${DPDK_VERSION}")
  endif()
  add_library(hnv_dpdk INTERFACE)
  target_link_libraries(hnv_dpdk INTERFACE PkgConfig::DPDK)
  target_compile_definitions(hnv_dpdk INTERFACE ALLOW_EXPERIMENTAL_API)
  find_package(GTest REQUIRED)
  pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
endif()
