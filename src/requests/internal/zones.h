#pragma once

#include <string_view>

#include "absl/time/time.h"

namespace threathub::requests::internal {

// Loads an IANA zone by name. Only plain names are tried (letters, digits, '_', '-', '+', '/',
// no "..", no leading '/', at most 64 bytes), so a name never reaches outside the zoneinfo
// directory. False for anything else or an unknown zone.
bool LoadZone(std::string_view name, absl::TimeZone* zone);

}  // namespace threathub::requests::internal
