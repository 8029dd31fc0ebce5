# cmake -DOBJECT=<file.o> -DREADELF=<readelf> -DOBJCOPY=<objcopy> -P gemmakitLocalizeHidden.cmake
# Makes the strong hidden symbols of a partially linked object local. Weak ones (inline functions
# and template instantiations in COMDAT groups) stay global: the final link may keep a host's
# identical copy of the group and discard ours, and a local symbol pointing into a discarded
# group would not link ("defined in discarded section"), which is what objcopy --localize-hidden
# does to them.
execute_process(COMMAND ${READELF} -sW ${OBJECT} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf failed on ${OBJECT}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(names "")
foreach(line IN LISTS lines)
  # Num: Value Size Type Bind Vis Ndx Name
  if(line MATCHES "^ *[0-9]+: +[0-9a-f]+ +[0-9]+ +[A-Z_]+ +GLOBAL +HIDDEN +([0-9]+) +([^ ]+)$")
    string(APPEND names "${CMAKE_MATCH_2}\n")
  endif()
endforeach()
file(WRITE ${OBJECT}.localize "${names}")
execute_process(COMMAND ${OBJCOPY} --localize-symbols=${OBJECT}.localize ${OBJECT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy failed on ${OBJECT}")
endif()
