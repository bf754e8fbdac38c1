// Evasion variants of an indicator, as people write them to slip past keyword lists: Latin and
// Cyrillic look-alikes mixed, digits and symbols for letters, separators between the letters,
// zero-width characters and soft hyphens inserted, case changed, Kazakh letters, ё. Used by the
// quality test (recall) and the benchmark's corpus. Deterministic for a seed.
//
//   EvasionGenerator generator(/*seed=*/42);
//   std::string text = generator.Make("террор", EvasionKind::kDigits);  // "т3рр0р" or similar
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace threathub::detect::internal {

enum class EvasionKind {
  kLookAlike,   // some letters replaced by look-alikes of the other script (р -> p, a -> а)
  kDigits,      // some letters replaced by digits or symbols (о -> 0, а -> @), never two in a row
  kSeparators,  // one of ". ", "-", " ", "_", "." between every two letters of each word
  kZeroWidth,   // zero-width space/joiner/non-joiner, word joiner or BOM between some letters
  kSoftHyphen,  // soft hyphens between some letters
  kCase,        // random upper and lower case
  kKazakh,      // Russian letters replaced by Kazakh ones (а -> ә, к -> қ, о -> ө, ...)
  kYo,          // е -> ё
  kMixed,       // two or three of the above together
};
inline constexpr EvasionKind kAllEvasionKinds[] = {
    EvasionKind::kLookAlike, EvasionKind::kDigits,     EvasionKind::kSeparators,
    EvasionKind::kZeroWidth, EvasionKind::kSoftHyphen, EvasionKind::kCase,
    EvasionKind::kKazakh,    EvasionKind::kYo,         EvasionKind::kMixed};

std::string_view EvasionKindName(EvasionKind kind);

class EvasionGenerator {
 public:
  explicit EvasionGenerator(uint64_t seed);

  // One variant of `indicator` (UTF-8). A kind that finds nothing to change in the indicator
  // (kYo without е) returns it unchanged.
  std::string Make(std::string_view indicator, EvasionKind kind);
  // `count` variants, the kinds taken in turn.
  std::vector<std::pair<EvasionKind, std::string>> Variants(std::string_view indicator, int count);

  // A number in [0, bound) from the generator's sequence (bound > 0).
  uint64_t Below(uint64_t bound);

 private:
  uint64_t Next();
  std::u32string Substitute(std::u32string text, EvasionKind kind);
  std::u32string Insert(std::u32string text, EvasionKind kind);
  std::u32string ChangeCase(std::u32string text);

  uint64_t state_;
};

}  // namespace threathub::detect::internal
