#include "detect/internal/excerpt.h"

#include <algorithm>

namespace threathub::detect::internal {
namespace {

bool IsContinuation(char symbol) { return (static_cast<unsigned char>(symbol) & 0xC0) == 0x80; }

// Moves `pos` back (or forward) to the start of a code point.
size_t Boundary(std::string_view text, size_t pos, bool forward) {
  pos = std::min(pos, text.size());
  if (forward) {
    while (pos < text.size() && IsContinuation(text[pos])) ++pos;
  } else {
    while (pos > 0 && pos < text.size() && IsContinuation(text[pos])) --pos;
  }
  return pos;
}

}  // namespace

std::string Excerpt(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>> ranges) {
  if (ranges.empty()) return std::string(text.substr(0, Boundary(text, kContextBytes * 2, false)));
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (auto [start, end] : ranges) {
    size_t from = Boundary(text, start, false);
    size_t to = Boundary(text, std::max(start, end), true);
    if (!merged.empty() && from <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, to);
    } else {
      merged.emplace_back(from, to);
    }
  }
  size_t begin =
      merged[0].first > kContextBytes ? Boundary(text, merged[0].first - kContextBytes, false) : 0;
  size_t finish = Boundary(text, merged[0].second + kContextBytes, false);
  std::string out;
  if (begin > 0) out += "…";
  size_t pos = begin;
  for (auto [from, to] : merged) {
    if (from >= finish) break;
    out.append(text.substr(pos, from - pos));
    out += "«";
    out.append(text.substr(from, to - from));
    out += "»";
    pos = to;
  }
  if (pos < finish) out.append(text.substr(pos, finish - pos));
  if (std::max(pos, finish) < text.size()) out += "…";
  return out;
}

}  // namespace threathub::detect::internal
