// libFuzzer target: URLs the feed pollers meet (a source's URL, a redirect's Location) parsed
// and resolved. A parsed URL prints as a URL that parses to the same parts, and a resolved
// location is a URL that parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collect/http_fetch.h"

namespace {

using threathub::collect::HttpUrl;

bool Same(const HttpUrl& left, const HttpUrl& right) {
  return left.tls == right.tls && left.host == right.host && left.port == right.port &&
         left.target == right.target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<HttpUrl> parsed = threathub::collect::ParseHttpUrl(input);
  if (parsed.ok()) {
    absl::StatusOr<HttpUrl> again = threathub::collect::ParseHttpUrl(parsed->ToString());
    if (!again.ok() || !Same(*parsed, *again)) std::abort();
  }
  static const HttpUrl kBase =
      threathub::collect::ParseHttpUrl("https://news.example.kz/feeds/rss.xml?lang=kk").value();
  absl::StatusOr<HttpUrl> resolved = threathub::collect::ResolveLocation(kBase, input);
  if (resolved.ok() && !threathub::collect::ParseHttpUrl(resolved->ToString()).ok()) std::abort();
  return 0;
}
