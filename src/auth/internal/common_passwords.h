#pragma once

#include <string_view>

namespace threathub::auth::internal {

// The lines of data/common_passwords.txt, compiled in by CMake.
extern const std::string_view kCommonPasswords;

}  // namespace threathub::auth::internal
