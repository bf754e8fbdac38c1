#include "vault/original_name.h"

#include "base/encoding.h"
#include "base/errors.h"
#include "base/strings.h"

namespace threathub::vault {
namespace {

constexpr char kDelete = 0x7f;
constexpr unsigned char kFirstPrintable = 0x20;

absl::Status BadName(std::string_view why) { return base::InvalidField("name", why); }

}  // namespace

absl::StatusOr<std::string> SanitizeOriginalName(std::string_view name) {
  if (name.empty()) return BadName("the file name is empty");
  if (name.size() > kMaxOriginalNameBytes) {
    return BadName(base::StrCat("the file name is longer than ", kMaxOriginalNameBytes, " bytes"));
  }
  if (name == "." || name == "..") return BadName("the file name is \".\" or \"..\"");
  for (char byte : name) {
    if (byte == '/' || byte == '\\') {
      return BadName("the file name contains a path separator ('/' or '\\')");
    }
    if (byte == '\0') return BadName("the file name contains a NUL byte");
    if (static_cast<unsigned char>(byte) < kFirstPrintable || byte == kDelete) {
      return BadName("the file name contains a control character");
    }
  }
  if (!base::IsValidUtf8(name)) return BadName("the file name is not valid UTF-8");
  return std::string(name);
}

}  // namespace threathub::vault
