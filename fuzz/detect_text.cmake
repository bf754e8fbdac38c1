# Text normalisation and matching (src/detect/normalize.cc, text_matcher.cc) on arbitrary bytes.
# Debian 12: libvectorscan-dev, libicu-dev, libre2-dev (as src/detect/text.cmake).
pkg_check_modules(FUZZ_DETECT_TEXT REQUIRED IMPORTED_TARGET libhs icu-uc icu-i18n re2)
add_executable(detect_text_fuzzer ${SRC}/detect/text_fuzzer.cc ${SRC}/detect/normalize.cc
               ${SRC}/detect/text_matcher.cc)
target_link_libraries(detect_text_fuzzer PRIVATE fuzz_parsers PkgConfig::FUZZ_DETECT_TEXT
                      absl::flat_hash_map)
target_link_options(detect_text_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
