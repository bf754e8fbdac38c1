// Request targets, query strings, cookies, times and encodings from clients.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/encoding.h"
#include "http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string path;
  std::map<std::string, std::string> query;
  if (threathub::http::ParseTarget(text, path, query)) (void)threathub::base::IsValidUtf8(path);
  threathub::http::Request request;
  request.headers = {{"cookie", text}};
  (void)request.Cookie("__Host-threathub");
  threathub::base::Millis millis = 0;
  if (threathub::base::ParseUtc(text, millis)) (void)threathub::base::FormatUtc(millis);
  (void)threathub::base::Base64Decode(text);
  (void)threathub::base::Base32Decode(text);
  (void)threathub::base::HexDecode(text);
  return 0;
}
