# --- text indicators (owner: text matching) --------------------------------------------------
# Normalisation tables (built once with ICU), the Hyperscan (Vectorscan) databases and the RE2
# side path. Debian 12: libvectorscan-dev (pkg-config libhs), libicu-dev, libre2-dev.
pkg_check_modules(DETECT_HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(DETECT_ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
pkg_check_modules(DETECT_RE2 REQUIRED IMPORTED_TARGET re2)

threathub_module(detect_text
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/normalize.cc ${CMAKE_CURRENT_LIST_DIR}/text_matcher.cc
          ${CMAKE_CURRENT_LIST_DIR}/internal/evasion.cc
  DEPS threathub_base PkgConfig::DETECT_HS PkgConfig::DETECT_ICU PkgConfig::DETECT_RE2
       absl::status absl::statusor absl::strings absl::flat_hash_map)

# Unit tests, and the quality test (recall over generated evasions, false hits on a clean corpus
# made from the hunspell-ru and hunspell-kk dictionaries).
threathub_test(detect_text_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/text_matcher_test.cc ${CMAKE_CURRENT_LIST_DIR}/evasion_test.cc
  DEPS threathub_detect_text Threads::Threads)

# Throughput (bench/detect_text_bench.sh runs it beside ripgrep, grep and YARA), not a test.
add_executable(detect_text_bench ${PROJECT_SOURCE_DIR}/bench/detect_text_benchmark.cc)
target_link_libraries(detect_text_bench PRIVATE threathub_detect_text)
# --- end of text indicators -----------------------------------------------------------------
