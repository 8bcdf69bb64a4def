# Runs one golden IR-dump test: every "; RUN:" line of CHECK_FILE, lit-style.
#
#   ; RUN: modelc check %s --print-after=state-update | FileCheck %check [FileCheck options]
#
# %s is the model (the .json next to the .check file), %check the .check file. The modelc command
# must exit 0 and FileCheck must accept its stdout; modelc's stderr is shown on failure.
#
# cmake -DMODELC=... -DFILECHECK=... -DMODEL=... -DCHECK_FILE=... -P run_ir_dump.cmake
foreach(var MODELC FILECHECK MODEL CHECK_FILE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_ir_dump.cmake: -D${var}=... is required")
  endif()
endforeach()

file(STRINGS "${CHECK_FILE}" run_lines REGEX "^; RUN:")
if(NOT run_lines)
  message(FATAL_ERROR "${CHECK_FILE}: no '; RUN:' line")
endif()

foreach(line IN LISTS run_lines)
  string(REGEX REPLACE "^; RUN:[ \t]*" "" cmd "${line}")
  string(FIND "${cmd}" "|" bar)
  if(bar LESS 0)
    message(FATAL_ERROR "${CHECK_FILE}: a RUN line must pipe modelc into FileCheck: ${line}")
  endif()
  string(SUBSTRING "${cmd}" 0 ${bar} left)
  math(EXPR bar "${bar} + 1")
  string(SUBSTRING "${cmd}" ${bar} -1 right)
  string(REPLACE "%check" "${CHECK_FILE}" right "${right}")
  string(REPLACE "%s" "${MODEL}" left "${left}")
  separate_arguments(left_args UNIX_COMMAND "${left}")
  separate_arguments(right_args UNIX_COMMAND "${right}")
  list(POP_FRONT left_args left_tool)
  list(POP_FRONT right_args right_tool)
  if(NOT left_tool STREQUAL "modelc" OR NOT right_tool STREQUAL "FileCheck")
    message(FATAL_ERROR "${CHECK_FILE}: expected 'modelc ... | FileCheck ...': ${line}")
  endif()

  execute_process(
    COMMAND "${MODELC}" ${left_args}
    COMMAND "${FILECHECK}" ${right_args} --dump-input=fail
    RESULTS_VARIABLE codes
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  list(GET codes 0 modelc_rc)
  list(GET codes 1 filecheck_rc)
  if(NOT modelc_rc STREQUAL "0" OR NOT filecheck_rc STREQUAL "0")
    message(FATAL_ERROR "FAILED: ${line}\n  modelc exit status: ${modelc_rc}\n  FileCheck exit status: ${filecheck_rc}\n"
                        "${out}${err}")
  endif()
  message(STATUS "ok: ${line}")
endforeach()
