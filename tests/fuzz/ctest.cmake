# Included from the main (g++) build's tests/CMakeLists.txt: one CTest test
# fuzz.<name> (label "fuzz") per fuzzer of fuzzers.cmake. The fuzzers
# themselves come from the separate clang build (HNV_FUZZ_ONLY=ON) in
# HNV_FUZZ_BUILD_DIR; a missing binary fails its test with instructions.
include(${CMAKE_CURRENT_LIST_DIR}/fuzzers.cmake)

set(HNV_FUZZ_BUILD_DIR "${CMAKE_BINARY_DIR}/fuzz" CACHE PATH
    "Build directory of the clang fuzz build (HNV_FUZZ_ONLY=ON) whose bin/fuzz_* the fuzz tests run")
set(HNV_FUZZ_SECONDS 10 CACHE STRING "How long each fuzz.<name> CTest test fuzzes, in seconds")

math(EXPR _hnv_fuzz_timeout "${HNV_FUZZ_SECONDS} + 60")
foreach(name ${HNV_FUZZERS})
  add_test(NAME fuzz.${name}
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run_fuzzer.sh ${HNV_FUZZ_BUILD_DIR}/bin/fuzz_${name}
                   ${HNV_FUZZ_SECONDS} ${CMAKE_CURRENT_LIST_DIR}/seeds/${name})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT ${_hnv_fuzz_timeout})
endforeach()
