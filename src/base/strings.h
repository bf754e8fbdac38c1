// String helpers that take std::string_view.
//
// Debian 12's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is
// 0), so absl::StrCat and friends do not accept std::string_view. These thin wrappers convert at
// the boundary; use them instead of the absl:: string functions everywhere in the project.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace threathub::base {

inline absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view FromAbsl(absl::string_view text) { return {text.data(), text.size()}; }

namespace internal {
template <class T>
decltype(auto) Piece(const T& value) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return ToAbsl(value);
  } else {
    return (value);
  }
}
}  // namespace internal

template <class... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(internal::Piece(args)...);
}

template <class... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, internal::Piece(args)...);
}

inline std::string AsciiStrToLower(std::string_view text) {
  return absl::AsciiStrToLower(ToAbsl(text));
}
inline std::string AsciiStrToUpper(std::string_view text) {
  return absl::AsciiStrToUpper(ToAbsl(text));
}
inline std::string_view StripAsciiWhitespace(std::string_view text) {
  return FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
}
inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
inline bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}
inline bool StrContains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}
inline bool StrContainsIgnoreCase(std::string_view text, std::string_view part) {
  return AsciiStrToLower(text).find(AsciiStrToLower(part)) != std::string::npos;
}
template <class Number>
bool SimpleAtoi(std::string_view text, Number* out) {
  return absl::SimpleAtoi(ToAbsl(text), out);
}

// Splits on `separator`; empty pieces are kept unless skip_empty.
std::vector<std::string_view> StrSplit(std::string_view text, char separator,
                                       bool skip_empty = false);

template <class Container>
std::string StrJoin(const Container& parts, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) out += separator;
    first = false;
    out += std::string_view(part);
  }
  return out;
}

std::string StrReplaceAll(std::string_view text,
                          const std::vector<std::pair<std::string_view, std::string_view>>& pairs);

}  // namespace threathub::base

namespace threathub::base {

// Lower-cases ASCII, Cyrillic (Russian and Kazakh letters) and Latin-1 letters of UTF-8 text;
// other characters pass through. For case-insensitive search where the database cannot do it
// (SQLite's lower() is ASCII only). Full Unicode case folding is ICU's job.
std::string Utf8ToLower(std::string_view text);

}  // namespace threathub::base
