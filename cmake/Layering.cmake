# The layering of the project, stated once, checked against the real link graph.
#
#   core/base <- core/wire <- everything
#   core/dp, core/fib, core/nodes <- overlay, nat, vpn <- gateway, hostd <- programs
#   core/daemon (what hnvgwd and hnv-hostd share) sits on core/* and the agent.
#   policy, cluster and hnvctl never reach DPDK.
#
# A module lists the hnv_* targets it may link. hnv_check_layering() reads every
# module's LINK_LIBRARIES and INTERFACE_LINK_LIBRARIES after all subdirectories
# are processed and stops the configuration with a message naming the edge when
# a module links something outside its list, or when a NO_DPDK module reaches
# DPDK through any path. Try it: cmake -DHNV_DEMO_FORBIDDEN_DEP=ON.

set(HNV_ALLOWED_hnv_base "")
set(HNV_ALLOWED_hnv_wire hnv_base)
set(HNV_ALLOWED_hnv_service hnv_base)
set(HNV_ALLOWED_hnv_dp hnv_base hnv_wire hnv_dpdk)
set(HNV_ALLOWED_hnv_fib hnv_base hnv_wire hnv_dp hnv_dpdk)
set(HNV_ALLOWED_hnv_nodes hnv_base hnv_wire hnv_dp hnv_fib hnv_dpdk)
set(HNV_ALLOWED_hnv_overlay hnv_base hnv_wire hnv_dp hnv_fib hnv_nodes hnv_policy hnv_dpdk)
set(HNV_ALLOWED_hnv_nat hnv_base hnv_wire hnv_dp hnv_fib hnv_nodes hnv_policy hnv_dpdk)
set(HNV_ALLOWED_hnv_vpn hnv_base hnv_wire hnv_dp hnv_fib hnv_nodes hnv_policy hnv_ike_ipc hnv_dpdk)
set(HNV_ALLOWED_hnv_ike_ipc hnv_base)
set(HNV_ALLOWED_hnv_iked hnv_base hnv_ike_ipc)
set(HNV_ALLOWED_hnv_charon_shim "")
set(HNV_ALLOWED_hnv-iked hnv_base hnv_service hnv_ike_ipc hnv_iked hnv_charon_shim)
set(HNV_ALLOWED_hnv_policy hnv_base hnv_wire)
set(HNV_ALLOWED_hnv_policy_store hnv_base hnv_policy)
set(HNV_ALLOWED_hnv_policy_client hnv_base hnv_policy)
set(HNV_ALLOWED_hnv_controller hnv_base hnv_service hnv_policy hnv_policy_store)
set(HNV_ALLOWED_hnv_cluster hnv_base hnv_service hnv_wire hnv_policy hnv_policy_client)
set(HNV_ALLOWED_hnv_agent hnv_base hnv_service hnv_wire hnv_policy)
set(HNV_ALLOWED_hnv_daemon hnv_base hnv_service hnv_wire hnv_dp hnv_fib hnv_nodes hnv_agent hnv_dpdk)
set(HNV_ALLOWED_hnv_gateway hnv_base hnv_service hnv_wire hnv_dp hnv_fib hnv_nodes hnv_overlay hnv_nat hnv_vpn
    hnv_policy hnv_policy_client hnv_cluster hnv_agent hnv_daemon hnv_dpdk)
set(HNV_ALLOWED_hnv_hostd hnv_base hnv_service hnv_wire hnv_dp hnv_fib hnv_nodes hnv_overlay hnv_nat hnv_vpn hnv_policy hnv_policy_client
    hnv_agent hnv_daemon hnv_dpdk)
# Programs sit on top; nothing may link them.
set(HNV_ALLOWED_hnvgwd hnv_base hnv_service hnv_wire hnv_dp hnv_fib hnv_nodes hnv_overlay hnv_nat hnv_vpn
    hnv_policy hnv_policy_client hnv_cluster hnv_agent hnv_daemon hnv_gateway hnv_dpdk)
set(HNV_ALLOWED_hnv-hostd hnv_base hnv_service hnv_wire hnv_dp hnv_fib hnv_nodes hnv_overlay hnv_nat hnv_vpn hnv_policy hnv_policy_client
    hnv_agent hnv_daemon hnv_hostd hnv_dpdk)
set(HNV_ALLOWED_hnvctl hnv_base hnv_wire hnv_policy hnv_policy_client hnv_agent)
set(HNV_ALLOWED_hnv-controller hnv_base hnv_service hnv_policy hnv_policy_store hnv_controller)

set(HNV_NO_DPDK hnv_base hnv_service hnv_wire hnv_ike_ipc hnv_iked hnv_charon_shim hnv-iked hnv_policy hnv_policy_store hnv_policy_client hnv_controller hnv_cluster hnv_agent
    hnvctl hnv-controller)

set_property(GLOBAL PROPERTY HNV_MODULES "")

# hnv_register_module(<target>): put a target under the layering check.
function(hnv_register_module target)
  if(NOT DEFINED HNV_ALLOWED_${target})
    message(FATAL_ERROR "Layering: ${target} has no entry in cmake/Layering.cmake; add one")
  endif()
  set_property(GLOBAL APPEND PROPERTY HNV_MODULES ${target})
endfunction()

# hnv_add_module(<target> SOURCES ... [PUBLIC_LINK ...] [PRIVATE_LINK ...]):
# a static library with its public headers in <dir>/include.
function(hnv_add_module target)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_LINK;PRIVATE_LINK" ${ARGN})
  if(M_SOURCES)
    add_library(${target} STATIC ${M_SOURCES})
    target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${M_PUBLIC_LINK} PRIVATE hnv_warnings ${M_PRIVATE_LINK})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${target} INTERFACE ${M_PUBLIC_LINK})
  endif()
  hnv_register_module(${target})
endfunction()

# The hnv_* and hnv_dpdk targets a target names directly.
function(_hnv_direct_deps target out)
  set(deps "")
  get_target_property(type ${target} TYPE)
  set(props INTERFACE_LINK_LIBRARIES)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    list(APPEND props LINK_LIBRARIES)
  endif()
  foreach(prop ${props})
    get_target_property(libs ${target} ${prop})
    if(NOT libs)
      continue()
    endif()
    foreach(lib ${libs})
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
      if(lib MATCHES "^hnv_" AND NOT lib STREQUAL "hnv_warnings")
        list(APPEND deps ${lib})
      elseif(lib STREQUAL "PkgConfig::DPDK")
        list(APPEND deps hnv_dpdk)
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES deps)
  set(${out} ${deps} PARENT_SCOPE)
endfunction()

function(hnv_check_layering)
  get_property(modules GLOBAL PROPERTY HNV_MODULES)
  set(errors "")
  foreach(m ${modules})
    _hnv_direct_deps(${m} direct)
    foreach(d ${direct})
      list(FIND HNV_ALLOWED_${m} ${d} idx)
      if(idx EQUAL -1)
        string(APPEND errors "\n  ${m} -> ${d}: not an allowed dependency of ${m} (allowed: ${HNV_ALLOWED_${m}})")
      endif()
    endforeach()
    list(FIND HNV_NO_DPDK ${m} nodpdk)
    if(NOT nodpdk EQUAL -1)
      # Walk the closure: DPDK must not be reachable by any path.
      set(todo ${direct})
      set(seen "")
      set(path_of_hnv_dpdk "")
      while(todo)
        list(POP_FRONT todo d)
        if(d IN_LIST seen)
          continue()
        endif()
        list(APPEND seen ${d})
        if(d STREQUAL "hnv_dpdk")
          string(APPEND errors "\n  ${m} reaches DPDK (via the targets ${seen}): ${m} must stay free of DPDK")
          break()
        endif()
        if(TARGET ${d})
          _hnv_direct_deps(${d} more)
          list(APPEND todo ${more})
        endif()
      endwhile()
    endif()
  endforeach()
  if(errors)
    message(FATAL_ERROR "Layering check failed (cmake/Layering.cmake):${errors}")
  endif()
  list(LENGTH modules n)
  message(STATUS "Layering check: ${n} modules, no forbidden dependency")
endfunction()
