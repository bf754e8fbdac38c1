# --- detection service (owner: service) -----------------------------------------------------
# The indicator and hash list file formats (pure, fuzzed: fuzz/detect_indicators.cmake), and the
# service: lists, banks, the scanner over collected items, alerts and the review queue.
threathub_module(detect_files
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/indicator_files.cc
  DEPS threathub_base nlohmann_json::nlohmann_json absl::strings)
threathub_test(detect_files_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/indicator_files_test.cc
  DEPS threathub_detect_files)

threathub_module(detect
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/detect.cc ${CMAKE_CURRENT_LIST_DIR}/internal/excerpt.cc
  DEPS threathub_detect_files threathub_detect_text threathub_detect_pdq threathub_collect
       threathub_mandates threathub_cases threathub_vault threathub_audit threathub_store
       threathub_base nlohmann_json::nlohmann_json spdlog::spdlog Threads::Threads)
threathub_test(detect_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/detect_test.cc
  DEPS threathub_detect threathub_auth)
# --- end of detection service ---------------------------------------------------------------
