# `cmake --install`: the library (modelc::modelc) and its headers, the CLI, the prebuilt libraries
# generated modules link, the headers and device preludes they are compiled with (<datadir>/modelc,
# found by the library relative to itself: backends/host_compiler.cpp), a CMake package config
# (find_package(modelc CONFIG)) and a pkg-config file (modelc.pc). The layout is relocatable: an
# install can be moved or staged with --prefix.
include(CMakePackageConfigHelpers)

set(MODELC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/modelc)
# Generated modules find libmodelc_cpu_support.so through their own rpath; libmodelc.so finds
# nothing of ours but the libraries beside it.
set_target_properties(modelc_api PROPERTIES INSTALL_RPATH "$ORIGIN")

install(TARGETS modelc_api EXPORT modelcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS modelc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET modelc_mpi)
  set_target_properties(modelc_mpi PROPERTIES INSTALL_RPATH "$ORIGIN")
  install(TARGETS modelc_mpi LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(TARGETS modelc_cpu_support LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET modelc_opencl_runtime)
  install(TARGETS modelc_opencl_runtime LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
if(TARGET modelc_cuda_runtime)
  install(TARGETS modelc_cuda_runtime LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY api/include/modelc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# What generated modules include: the ABI contract and each backend's support prelude (headers and
# OpenCL C, CUDA), in the layout of the source tree (their #include lines name it).
file(GLOB MODELC_MODULE_FILES RELATIVE ${CMAKE_SOURCE_DIR} CONFIGURE_DEPENDS
  abi/*.h backends/*/support/*.h backends/*/support/*.cl backends/*/support/*.cuh)
foreach(f IN LISTS MODELC_MODULE_FILES)
  get_filename_component(dir ${f} DIRECTORY)
  install(FILES ${f} DESTINATION ${CMAKE_INSTALL_DATADIR}/modelc/${dir})
endforeach()

install(EXPORT modelcTargets NAMESPACE modelc:: DESTINATION ${MODELC_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/modelcConfig.cmake.in ${CMAKE_BINARY_DIR}/modelcConfig.cmake
  INSTALL_DESTINATION ${MODELC_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/modelcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/modelcConfig.cmake ${CMAKE_BINARY_DIR}/modelcConfigVersion.cmake
  DESTINATION ${MODELC_INSTALL_CMAKEDIR})

file(RELATIVE_PATH MODELC_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(cmake/modelc.pc.in ${CMAKE_BINARY_DIR}/modelc.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/modelc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
