# The installed package, used as a user would: `cmake --install` into a staged prefix, then
# examples/embedding configured, built and run against it (find_package(modelc CONFIG)), the
# installed CLI run, and the C test built with pkg-config's flags. The staged tree must be
# self-sufficient: the library must find its headers in <prefix>/share/modelc, not the source tree.
# Arguments: -DBUILD_DIR -DSOURCE_DIR -DWORK_DIR -DGENERATOR [-DPKG_CONFIG -DCC]
cmake_minimum_required(VERSION 3.25)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/modelc/modelc.h include/modelc/modelc_c.h share/modelc/abi/modelc_abi.h
          share/modelc/backends/cpu/support/cpu_support.h lib/cmake/modelc/modelcConfig.cmake
          lib/pkgconfig/modelc.pc bin/modelc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()

run("configuring examples/embedding" ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embedding -B ${WORK_DIR}/build
    -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
run("building examples/embedding" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("running the embedding example" ${WORK_DIR}/build/embedding ${SOURCE_DIR}/examples/cuba.json)
message(STATUS "embedding example:\n${out}")
if(NOT out MATCHES "P: [1-9][0-9]* spikes in 0.1 s")
  message(FATAL_ERROR "the embedding example printed no spike count:\n${out}")
endif()
file(REAL_PATH ${prefix}/share/modelc data)
if(NOT out MATCHES "from ${data}")
  message(FATAL_ERROR "the installed library uses headers outside its prefix (${data}):\n${out}")
endif()

run("the installed modelc check" ${prefix}/bin/modelc check ${SOURCE_DIR}/examples/cuba.json --set N=400)
if(NOT out MATCHES "ok \\(1 neuron groups, 400 neurons")
  message(FATAL_ERROR "the installed modelc printed:\n${out}")
endif()

if(PKG_CONFIG AND CC)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${prefix}/lib/pkgconfig
                  ${PKG_CONFIG} --cflags --libs modelc
                  OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs modelc failed")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run("compiling the C test with pkg-config's flags" ${CC} -std=c99 -Wall -Werror
      ${SOURCE_DIR}/tests/api/test_c_api.c ${flags} -o ${WORK_DIR}/c_api_test)
  run("the C test against the install" ${WORK_DIR}/c_api_test ${SOURCE_DIR}/examples/cuba.json ${WORK_DIR}/c_results)
endif()
