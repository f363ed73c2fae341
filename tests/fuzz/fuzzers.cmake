# The libFuzzer targets, named once: tests/fuzz/CMakeLists.txt builds
# fuzz_<name> from fuzz_<name>.cc in the clang fuzz build, and ctest.cmake
# registers the CTest test fuzz.<name> in the main build. Seeds live in
# seeds/<name>/.
set(HNV_FUZZERS ethernet arp ipv4 ipv6 icmp icmpv6_nd udp tcp gre_nvgre esp policy_json)
# Libraries a fuzzer needs besides hnv_wire.
set(HNV_FUZZ_LINK_policy_json hnv_policy)
