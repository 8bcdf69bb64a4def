# The Python package (frontend/python/, docs/api.md "Python"): the nanobind extension modelc._ext
# over libmodelc.so, assembled with the pure-Python files into <build>/python/modelc so that tests
# import it from the build tree (PYTHONPATH=<build>/python) without pip. On by default when the
# Python found has nanobind (`python -m nanobind --cmake_dir`; pip install nanobind). The wheel
# (`pip install frontend/python`, scikit-build-core) builds this project with MODELC_PYTHON_INSTALL.
find_package(Python 3.9 COMPONENTS Interpreter Development.Module)
set(MODELC_NANOBIND_DIR "")
if(Python_FOUND)
  execute_process(COMMAND ${Python_EXECUTABLE} -m nanobind --cmake_dir
                  OUTPUT_VARIABLE MODELC_NANOBIND_DIR OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE MODELC_NANOBIND_RC ERROR_QUIET)
  if(NOT MODELC_NANOBIND_RC EQUAL 0)
    set(MODELC_NANOBIND_DIR "")
  endif()
endif()
if(MODELC_NANOBIND_DIR)
  set(MODELC_PYTHON_DEFAULT ON)
else()
  set(MODELC_PYTHON_DEFAULT OFF)
endif()
option(MODELC_PYTHON "Build the Python package (needs nanobind for the Python found)" ${MODELC_PYTHON_DEFAULT})
option(MODELC_PYTHON_INSTALL "Install the extension and libraries as a wheel's modelc/ package" OFF)
set(MODELC_PYTHON_PACKAGE_DIR ${CMAKE_BINARY_DIR}/python/modelc)

if(MODELC_PYTHON)
  if(NOT MODELC_NANOBIND_DIR)
    message(FATAL_ERROR "MODELC_PYTHON needs nanobind for ${Python_EXECUTABLE} (pip install nanobind), "
                        "or pass -DPython_EXECUTABLE=<a python with nanobind>, or -DMODELC_PYTHON=OFF")
  endif()
  find_package(nanobind CONFIG REQUIRED PATHS ${MODELC_NANOBIND_DIR} NO_DEFAULT_PATH)
  nanobind_add_module(modelc_python_ext NB_STATIC frontend/python/src/modelc_ext.cpp)
  target_link_libraries(modelc_python_ext PRIVATE modelc_api)
  set_target_properties(modelc_python_ext PROPERTIES OUTPUT_NAME _ext
    LIBRARY_OUTPUT_DIRECTORY ${MODELC_PYTHON_PACKAGE_DIR} INSTALL_RPATH "$ORIGIN")
  # The pure-Python files beside the extension (copied again whenever one changes).
  file(GLOB_RECURSE MODELC_PYTHON_FILES CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}/frontend/python/modelc
       ${CMAKE_SOURCE_DIR}/frontend/python/modelc/*.py)
  foreach(f IN LISTS MODELC_PYTHON_FILES)
    configure_file(${CMAKE_SOURCE_DIR}/frontend/python/modelc/${f} ${MODELC_PYTHON_PACKAGE_DIR}/${f} COPYONLY)
  endforeach()
  if(MODELC_PYTHON_INSTALL)
    install(TARGETS modelc_python_ext LIBRARY DESTINATION modelc)
  endif()
  # MODELC_SYSTEM_PYTHON: a second interpreter (tools/setup.sh tests: Debian's /usr/bin/python3,
  # whose python3-brian is the other Brian2 version the device supports) gets the extension too,
  # built by cmake/python_ext with nanobind's sources of the main interpreter; its tests are
  # tests/CMakeLists.txt's brian2.system_python.*. Empty: none.
  set(MODELC_SYSTEM_PYTHON "" CACHE FILEPATH "A second Python to build the extension for (docs/brian2.md)")
  if(MODELC_SYSTEM_PYTHON)
    include(ExternalProject)
    set(launcher "")
    if(CMAKE_CXX_COMPILER_LAUNCHER)
      set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER})
    endif()
    ExternalProject_Add(modelc_python_ext_system
      SOURCE_DIR ${CMAKE_SOURCE_DIR}/cmake/python_ext
      BINARY_DIR ${CMAKE_BINARY_DIR}/python_ext_system
      CMAKE_GENERATOR ${CMAKE_GENERATOR}
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} ${launcher}
                 -DPython_EXECUTABLE=${MODELC_SYSTEM_PYTHON} -DMODELC_NANOBIND_DIR=${MODELC_NANOBIND_DIR}
                 -DMODELC_LIBRARY=$<TARGET_FILE:modelc_api> -DMODELC_INCLUDE_DIR=${CMAKE_SOURCE_DIR}/api/include
                 -DMODELC_SOURCE_DIR=${CMAKE_SOURCE_DIR} -DMODELC_PYTHON_PACKAGE_DIR=${MODELC_PYTHON_PACKAGE_DIR}
      BUILD_ALWAYS ON
      INSTALL_COMMAND ""
      DEPENDS modelc_api)
  endif()
endif()
