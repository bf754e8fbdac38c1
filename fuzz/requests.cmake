# The provider directory loader (src/requests/directory.cc): providers.json, countries.json and
# one provider entry as an administrator edits it. Seeds in corpus/requests_directory.
# Include from fuzz/CMakeLists.txt after fuzz_parsers: include(${CMAKE_CURRENT_SOURCE_DIR}/requests.cmake OPTIONAL)
find_package(absl REQUIRED)
set(REQUESTS_FUZZ_SEED_DIR ${SRC}/../data/requests)
set(REQUESTS_FUZZ_SEED_CC ${CMAKE_CURRENT_BINARY_DIR}/requests_seed.cc)
file(READ ${REQUESTS_FUZZ_SEED_DIR}/providers.json REQUESTS_FUZZ_PROVIDERS)
file(READ ${REQUESTS_FUZZ_SEED_DIR}/countries.json REQUESTS_FUZZ_COUNTRIES)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${REQUESTS_FUZZ_SEED_DIR}/providers.json ${REQUESTS_FUZZ_SEED_DIR}/countries.json)
file(CONFIGURE OUTPUT ${REQUESTS_FUZZ_SEED_CC} CONTENT
"#include \"requests/internal/seed.h\"
namespace threathub::requests::internal {
const std::string_view kSeedProvidersJson = R\"threathub_seed(\${REQUESTS_FUZZ_PROVIDERS})threathub_seed\";
const std::string_view kSeedCountriesJson = R\"threathub_seed(\${REQUESTS_FUZZ_COUNTRIES})threathub_seed\";
}  // namespace threathub::requests::internal
")
add_executable(requests_directory_fuzzer ${SRC}/requests/directory_fuzzer.cc
               ${SRC}/requests/directory.cc ${SRC}/requests/internal/json_fields.cc
               ${SRC}/requests/internal/zones.cc ${REQUESTS_FUZZ_SEED_CC})
target_link_libraries(requests_directory_fuzzer PRIVATE fuzz_parsers absl::time)
target_link_options(requests_directory_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
