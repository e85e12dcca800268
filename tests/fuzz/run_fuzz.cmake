# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang in a separate build folder and runs each for a number
# of executions. Registered as CTest tests by tests/fuzz/ci (fuzz_quick: 100,000 runs, label
# unit; fuzz_soak: 10,000,000 runs, label soak); also usable by hand:
#
#   cmake -DFERRY_SOURCE_DIR=$PWD -DFUZZ_BUILD_DIR=$PWD/build/fuzz-run -DRUNS=1000000 \
#         -P tests/fuzz/run_fuzz.cmake
#
# Variables (-D):
#   FERRY_SOURCE_DIR  the checkout (required)
#   FUZZ_BUILD_DIR    the clang build folder, configured on first use, incremental afterwards
#                     (required)
#   FERRY_SHARED_DIR  the shared folder; its fixtures/binlog files seed the event decoder.
#                     Absent: synthetic seeds only.
#   RUNS              executions per target (default 100000)
#   MAX_TOTAL_TIME    seconds per target before libFuzzer stops early (default 1200); stopping
#                     before RUNS executions is a failure: something made the targets slow
#   TARGETS           default "fuzz_event_decoder;fuzz_frame_reader"
#   WORK_DIR          corpora, logs and crash artifacts (default FUZZ_BUILD_DIR/work)
#   JOBS              build parallelism (default 2)
#   EXTRA_CMAKE_ARGS  more arguments for the first configure (a list)
# Fails on a build error, a crash, a sanitizer report (UBSan included), a leak, an input that
# runs over 10 s, an allocation over 1 GiB or RSS over 2 GiB. Prints the executions done and the
# final coverage line of each target; a crash prints the input's path and how to replay it.
cmake_minimum_required(VERSION 3.25)

foreach(required FERRY_SOURCE_DIR FUZZ_BUILD_DIR)
    if(NOT ${required})
        message(FATAL_ERROR "run_fuzz.cmake: -D${required}=... is required")
    endif()
endforeach()
if(NOT RUNS)
    set(RUNS 100000)
endif()
if(NOT MAX_TOTAL_TIME)
    set(MAX_TOTAL_TIME 1200)
endif()
if(NOT TARGETS)
    set(TARGETS fuzz_event_decoder fuzz_frame_reader)
endif()
if(NOT WORK_DIR)
    set(WORK_DIR "${FUZZ_BUILD_DIR}/work")
endif()
if(NOT JOBS)
    set(JOBS 2)
endif()

string(TIMESTAMP started "%s")
function(elapsed out)
    string(TIMESTAMP now "%s")
    math(EXPR seconds "${now} - ${started}")
    set(${out} ${seconds} PARENT_SCOPE)
endfunction()

# --- Configure (once) and build with clang ------------------------------------------------------
find_program(FUZZ_CLANG NAMES clang clang-14 clang-15 clang-16)
find_program(FUZZ_CLANGXX NAMES clang++ clang++-14 clang++-15 clang++-16)
if(NOT FUZZ_CLANG OR NOT FUZZ_CLANGXX)
    message(FATAL_ERROR "run_fuzz.cmake: clang is not installed; the fuzz targets need clang and "
                        "its sanitizer runtimes (Debian: apt-get install clang libclang-rt-14-dev; "
                        "installer/dev.sh installs them)")
endif()

# No -D_GLIBCXX_SANITIZE_VECTOR: the libFuzzer runtime's own (unannotated) std::vector
# instantiations win at link time and make container-overflow reports false.
set(flags "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined")
string(APPEND flags " -fno-omit-frame-pointer")
set(shared)
if(FERRY_SHARED_DIR)
    set(shared "-DFERRY_SHARED_DIR=${FERRY_SHARED_DIR}")
endif()
set(configure_args
    "-DCMAKE_C_COMPILER=${FUZZ_CLANG}" "-DCMAKE_CXX_COMPILER=${FUZZ_CLANGXX}"
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
    # -O1 builds fast and keeps assert() (no NDEBUG).
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"
    "-DCMAKE_C_FLAGS=${flags}" "-DCMAKE_CXX_FLAGS=${flags}"
    -DFERRY_BUILD_FUZZ=ON -DFERRY_BUILD_GUI=OFF -DFERRY_BUILD_TESTS=ON
    # A clang-only warning must not stop the fuzz run; the gcc build keeps -Werror.
    -DFERRY_WERROR=OFF ${shared} ${EXTRA_CMAKE_ARGS})
# Configure on first use or when these arguments change; otherwise the build re-runs CMake
# by itself when a CMakeLists.txt changes.
set(stamp "${FUZZ_BUILD_DIR}/run_fuzz.configured")
set(previous "")
if(EXISTS "${stamp}")
    file(READ "${stamp}" previous)
endif()
if(NOT EXISTS "${FUZZ_BUILD_DIR}/CMakeCache.txt" OR NOT previous STREQUAL "${configure_args}")
    set(generator)
    if(NOT EXISTS "${FUZZ_BUILD_DIR}/CMakeCache.txt")
        find_program(FUZZ_NINJA ninja)
        if(FUZZ_NINJA)
            set(generator -G Ninja)
        endif()
    endif()
    message(STATUS "run_fuzz: configuring ${FUZZ_BUILD_DIR} with ${FUZZ_CLANGXX}")
    execute_process(
        COMMAND ${CMAKE_COMMAND} -S "${FERRY_SOURCE_DIR}" -B "${FUZZ_BUILD_DIR}" ${generator}
                ${configure_args}
        OUTPUT_VARIABLE configure_out ERROR_VARIABLE configure_out RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        file(REMOVE "${stamp}")
        message(FATAL_ERROR "run_fuzz.cmake: configuring the clang build failed:\n${configure_out}")
    endif()
    file(WRITE "${stamp}" "${configure_args}")
endif()

execute_process(
    COMMAND ${CMAKE_COMMAND} --build "${FUZZ_BUILD_DIR}" -j ${JOBS}
            --target ${TARGETS} fuzz_event_decoder_seeds
    OUTPUT_VARIABLE build_out ERROR_VARIABLE build_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run_fuzz.cmake: building ${TARGETS} with clang failed:\n${build_out}")
endif()
elapsed(build_seconds)
message(STATUS "run_fuzz: clang build ready after ${build_seconds} s")

# --- Seeds ----------------------------------------------------------------------------------------
function(find_binary target out)
    foreach(sub tests/fuzz/binlog tests/fuzz/wire)
        if(EXISTS "${FUZZ_BUILD_DIR}/${sub}/${target}")
            set(${out} "${FUZZ_BUILD_DIR}/${sub}/${target}" PARENT_SCOPE)
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "run_fuzz.cmake: ${target} was built but is not in ${FUZZ_BUILD_DIR}/tests/fuzz")
endfunction()

set(sanitizer_env
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:detect_stack_use_after_return=1"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")

set(decoder_seeds "${WORK_DIR}/fuzz_event_decoder/seeds")
file(REMOVE_RECURSE "${decoder_seeds}")
set(fixtures)
if(FERRY_SHARED_DIR AND IS_DIRECTORY "${FERRY_SHARED_DIR}/fixtures/binlog")
    set(fixtures "${FERRY_SHARED_DIR}/fixtures/binlog")
else()
    message(STATUS "run_fuzz: no fixtures under FERRY_SHARED_DIR='${FERRY_SHARED_DIR}'; "
                   "seeding the event decoder with synthetic events only")
endif()
find_binary(fuzz_event_decoder_seeds seed_tool)
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env ${sanitizer_env} "${seed_tool}" "${decoder_seeds}" ${fixtures}
    OUTPUT_VARIABLE seed_out ERROR_VARIABLE seed_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run_fuzz.cmake: writing the seed corpus failed:\n${seed_out}")
endif()
string(STRIP "${seed_out}" seed_out)
message(STATUS "run_fuzz: ${seed_out}")

# --- Fuzz -----------------------------------------------------------------------------------------
set(failures)
foreach(target IN LISTS TARGETS)
    find_binary(${target} binary)
    set(dir "${WORK_DIR}/${target}")
    file(MAKE_DIRECTORY "${dir}/corpus" "${dir}/artifacts")
    set(inputs "${dir}/corpus")
    if(IS_DIRECTORY "${dir}/seeds")
        list(APPEND inputs "${dir}/seeds")
    endif()
    set(max_len)
    if(target STREQUAL "fuzz_event_decoder")
        # Whole fixture files (up to 37 KB) would otherwise set the limit; a 16 KB prefix still
        # holds dozens of events and keeps CI's run fast.
        set(max_len -max_len=16384)
    endif()
    set(log "${dir}/fuzz.log")
    string(TIMESTAMP target_started "%s")
    message(STATUS "run_fuzz: ${target}: ${RUNS} runs (log ${log})")
    execute_process(
        COMMAND ${CMAKE_COMMAND} -E env ${sanitizer_env}
                "${binary}" ${inputs} -runs=${RUNS} -max_total_time=${MAX_TOTAL_TIME} -timeout=10
                -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 ${max_len}
                "-artifact_prefix=${dir}/artifacts/"
        OUTPUT_FILE "${log}" ERROR_FILE "${log}" RESULT_VARIABLE rc)
    string(TIMESTAMP target_ended "%s")
    math(EXPR target_seconds "${target_ended} - ${target_started}")
    file(READ "${log}" output)

    set(executed "?")
    if(output MATCHES "stat::number_of_executed_units: ([0-9]+)")
        set(executed ${CMAKE_MATCH_1})
    elseif(output MATCHES "Done ([0-9]+) runs")
        set(executed ${CMAKE_MATCH_1})
    endif()
    # The last status line ("#100000 DONE cov: ..."); found by position, because libFuzzer's
    # dictionary entries may hold ';' and '[' that CMake lists would split or join.
    set(coverage "(no coverage line)")
    string(FIND "${output}" " cov: " at REVERSE)
    if(at GREATER -1)
        string(SUBSTRING "${output}" 0 ${at} before)
        string(FIND "${before}" "\n" line_start REVERSE)
        math(EXPR line_start "${line_start} + 1")
        string(SUBSTRING "${output}" ${line_start} -1 coverage)
        string(FIND "${coverage}" "\n" line_end)
        string(SUBSTRING "${coverage}" 0 ${line_end} coverage)
        string(REGEX REPLACE "[ \t]+" " " coverage "${coverage}")
    endif()
    message(STATUS "run_fuzz: ${target}: ${executed} executions in ${target_seconds} s; final: ${coverage}")

    set(problem)
    if(NOT rc EQUAL 0)
        set(problem "exit status ${rc}")
    elseif(output MATCHES "(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ERROR: libFuzzer|SUMMARY: [A-Za-z]+Sanitizer)")
        set(problem "a sanitizer report (${CMAKE_MATCH_1})")
    elseif(NOT executed MATCHES "^[0-9]+$" OR executed LESS RUNS)
        set(problem "only ${executed} of ${RUNS} executions within -max_total_time=${MAX_TOTAL_TIME}")
    endif()
    if(problem)
        # The report is near the end; the artifact line names the input.
        string(LENGTH "${output}" length)
        set(first 0)
        if(length GREATER 12000)
            math(EXPR first "${length} - 12000")
        endif()
        string(SUBSTRING "${output}" ${first} -1 tail)
        set(replay "")
        if(output MATCHES "Test unit written to ([^\n]+)")
            string(STRIP "${CMAKE_MATCH_1}" artifact)
            set(replay "\nreproduce: ${binary} ${artifact}")
        endif()
        message("run_fuzz: ${target} FAILED: ${problem}\n--- last lines of ${log} ---\n${tail}---${replay}")
        list(APPEND failures ${target})
    endif()
endforeach()

elapsed(total_seconds)
if(failures)
    message(FATAL_ERROR "run_fuzz.cmake: ${failures} failed (total ${total_seconds} s)")
endif()
message(STATUS "run_fuzz: all targets passed ${RUNS} runs (total ${total_seconds} s, build ${build_seconds} s)")
