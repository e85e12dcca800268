# SPDX-License-Identifier: Apache-2.0
# cmake -DINPUT=<file.sql> -DOUTPUT=<file.cpp> -P embed_sql.cmake
# Writes a C++ source defining ferry::apply::embeddedFerrySchemaSql() with the file's text as a
# raw string literal.
file(READ "${INPUT}" FERRY_SQL_TEXT)
string(FIND "${FERRY_SQL_TEXT}" ")ferry_sql\"" FERRY_DELIMITER_USED)
if(NOT FERRY_DELIMITER_USED EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains the raw string delimiter )ferry_sql\"")
endif()
file(WRITE "${OUTPUT}.tmp"
    "// Generated from ${INPUT} by embed_sql.cmake: do not edit.\n"
    "#include <string_view>\n\n"
    "namespace ferry::apply {\n\n"
    "std::string_view embeddedFerrySchemaSql() {\n"
    "    static constexpr std::string_view kText = R\"ferry_sql(${FERRY_SQL_TEXT})ferry_sql\";\n"
    "    return kText;\n"
    "}\n\n"
    "}  // namespace ferry::apply\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
