# The indicator and hash list parsers (src/detect/indicator_files.cc).
add_executable(detect_indicators_fuzzer ${SRC}/detect/indicator_files_fuzzer.cc
               ${SRC}/detect/indicator_files.cc)
target_link_libraries(detect_indicators_fuzzer PRIVATE fuzz_parsers)
target_link_options(detect_indicators_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
