#pragma once

#include <string_view>

namespace threathub::requests::internal {

// data/requests/providers.json and countries.json, compiled in by core.cmake.
extern const std::string_view kSeedProvidersJson;
extern const std::string_view kSeedCountriesJson;

}  // namespace threathub::requests::internal
