// The text around the matches of an alert, for the review queue: up to kContextBytes on each
// side of the first match (cut at UTF-8 boundaries, "…" where cut), every match inside in «».
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace threathub::detect::internal {

inline constexpr size_t kContextBytes = 120;

// `ranges`: byte ranges [start, end) in `text`, in any order; overlapping ones are merged.
std::string Excerpt(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>> ranges);

}  // namespace threathub::detect::internal
