# Our own code builds with -Wall -Wextra -Werror. DPDK, Boost and GoogleTest
# come in through imported targets whose include directories are SYSTEM, so
# their headers do not trip our warnings. g++ is the product compiler; clang
# builds the fuzz targets.
add_library(hnv_warnings INTERFACE)
target_compile_options(hnv_warnings INTERFACE
  -Wall -Wextra -Werror -Wnon-virtual-dtor -Wformat=2 -Wundef
  $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast -Wsuggest-override>)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # rte_spinlock.h uses volatile compound assignments that C++20 deprecates.
  target_compile_options(hnv_warnings INTERFACE -Wshadow=local $<$<COMPILE_LANGUAGE:CXX>:-Wno-volatile>)
endif()
