// The visible text of HTML (web captures, feed descriptions) through libxml2's HTML parser, and
// charset conversion of plain text. Output is always valid UTF-8 within kMaxTextBytes.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace threathub::collect::internal {

// What a browser would show: text of the title and body with script, style, noscript and
// template left out, whitespace collapsed as HTML does (kept inside <pre>), one line per block
// (paragraph, heading, list item, table row, <br>). `charset` is what the HTTP response declared
// ("" when it did not); otherwise a <meta charset> in the first bytes decides, else UTF-8.
// Errors: bytes that are not valid UTF-8 when UTF-8 applies, an unknown charset, text larger
// than kMaxTextBytes.
absl::StatusOr<std::string> HtmlVisibleText(std::string_view html, std::string_view charset);

// `text` converted from `charset` ("" or utf-8: checked only) to UTF-8; refused when it is not
// valid in that charset or larger than kMaxTextBytes once converted.
absl::StatusOr<std::string> TextToUtf8(std::string_view text, std::string_view charset);

// The charset named by a <meta charset=...> or <meta http-equiv content="...; charset=..."> in
// the first 4 KiB of an HTML document, lower-cased; "" when there is none.
std::string SniffMetaCharset(std::string_view html);

// True for "utf-8", "utf8" (any case) and "" (no charset: UTF-8 is assumed).
bool IsUtf8Charset(std::string_view charset);

}  // namespace threathub::collect::internal
