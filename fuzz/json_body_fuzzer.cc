// Request bodies: JSON parsing and the field-by-field reader the handlers use.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<threathub::http::JsonObject> body = threathub::http::JsonObject::Parse(text);
  if (!body.ok()) return 0;
  (void)body->OptionalString("username", 64);
  (void)body->OptionalInt("agency_id");
  (void)body->OptionalBool("banner_accepted");
  (void)body->OptionalStringList("roles", 16);
  (void)body->Finish();
  threathub::http::Response response = threathub::http::ErrorResponse(body->Finish());
  (void)response;
  return 0;
}
