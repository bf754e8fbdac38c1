# The pure core of the requests module (no database, no HTTP): the provider directory and
# country profiles, the deadline rule engine and the request linter. Included by CMakeLists.txt.

# The seed directory is compiled in so that no data file can go missing at run time.
set(REQUESTS_SEED_DIR ${PROJECT_SOURCE_DIR}/data/requests)
set(REQUESTS_SEED_CC ${CMAKE_CURRENT_BINARY_DIR}/requests_seed.cc)
file(READ ${REQUESTS_SEED_DIR}/providers.json REQUESTS_PROVIDERS_TEXT)
file(READ ${REQUESTS_SEED_DIR}/countries.json REQUESTS_COUNTRIES_TEXT)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${REQUESTS_SEED_DIR}/providers.json ${REQUESTS_SEED_DIR}/countries.json)
file(CONFIGURE OUTPUT ${REQUESTS_SEED_CC} CONTENT
"#include \"requests/internal/seed.h\"
namespace threathub::requests::internal {
const std::string_view kSeedProvidersJson = R\"threathub_seed(\${REQUESTS_PROVIDERS_TEXT})threathub_seed\";
const std::string_view kSeedCountriesJson = R\"threathub_seed(\${REQUESTS_COUNTRIES_TEXT})threathub_seed\";
}  // namespace threathub::requests::internal
")

# libphonenumber (Debian libphonenumber-dev) has no CMake or pkg-config file; its shared library
# brings protobuf and ICU with it.
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
threathub_module(requests_core
  SOURCES directory.cc rules.cc linter.cc internal/json_fields.cc internal/zones.cc
          ${REQUESTS_SEED_CC}
  DEPS threathub_base nlohmann_json::nlohmann_json absl::time absl::status absl::statusor
       absl::strings ${PHONENUMBER_LIBRARY})
threathub_test(requests_core_test
  SOURCES directory_test.cc rules_test.cc linter_test.cc
  DEPS threathub_requests_core)
