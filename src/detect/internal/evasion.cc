#include "detect/internal/evasion.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <iterator>

namespace threathub::detect::internal {
namespace {

struct Swap {
  char32_t from;
  char32_t to;
};
// Each replacement folds back onto the letter it replaces (normalize.cc's tables).
constexpr Swap kLookAlikes[] = {
    // Cyrillic written with Latin letters
    {U'а', U'a'},
    {U'в', U'B'},
    {U'е', U'e'},
    {U'к', U'k'},
    {U'м', U'M'},
    {U'н', U'H'},
    {U'о', U'o'},
    {U'р', U'p'},
    {U'с', U'c'},
    {U'т', U'T'},
    {U'у', U'y'},
    {U'х', U'x'},
    // Latin written with Cyrillic letters
    {U'a', U'а'},
    {U'c', U'с'},
    {U'e', U'е'},
    {U'o', U'о'},
    {U'p', U'р'},
    {U'x', U'х'},
    {U'y', U'у'},
    {U'k', U'к'},
    {U'i', U'і'},
    {U'b', U'в'},
    {U'm', U'м'},
    {U't', U'т'},
};
constexpr Swap kDigits[] = {
    {U'о', U'0'}, {U'з', U'3'}, {U'ч', U'4'}, {U'б', U'6'}, {U'а', U'@'},
    {U'т', U'7'}, {U'в', U'8'}, {U'и', U'1'}, {U'е', U'€'}, {U'o', U'0'},
    {U'a', U'@'}, {U'i', U'1'}, {U't', U'7'}, {U's', U'$'}, {U'b', U'8'},
};
constexpr Swap kKazakh[] = {
    {U'а', U'ә'}, {U'г', U'ғ'}, {U'к', U'қ'}, {U'н', U'ң'}, {U'о', U'ө'},
    {U'у', U'ұ'}, {U'у', U'ү'}, {U'х', U'һ'}, {U'и', U'і'},
};
constexpr Swap kYo[] = {{U'е', U'ё'}};
constexpr std::string_view kSeparators[] = {". ", "-", " ", "_", "."};
constexpr char32_t kZeroWidth[] = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF};

std::u32string Decode(std::string_view text) {
  std::u32string result;
  int32_t i = 0;
  const int32_t length = static_cast<int32_t>(text.size());
  while (i < length) {
    UChar32 cp;
    U8_NEXT(reinterpret_cast<const uint8_t*>(text.data()), i, length, cp);
    result.push_back(cp < 0 ? 0xFFFD : static_cast<char32_t>(cp));
  }
  return result;
}

std::string Encode(const std::u32string& text) {
  std::string result;
  for (char32_t cp : text) {
    char buffer[4];
    int32_t length = 0;
    UBool error = false;
    U8_APPEND(reinterpret_cast<uint8_t*>(buffer), length, 4, cp, error);
    result.append(buffer, length);
  }
  return result;
}

bool IsLetter(char32_t cp) { return u_isalpha(cp); }

template <size_t N>
const Swap* FindSwap(const Swap (&table)[N], char32_t cp, size_t choice) {
  const Swap* found[4];
  size_t count = 0;
  for (const Swap& swap : table) {
    if (swap.from == cp && count < 4) found[count++] = &swap;
  }
  return count == 0 ? nullptr : found[choice % count];
}

}  // namespace

std::string_view EvasionKindName(EvasionKind kind) {
  switch (kind) {
    case EvasionKind::kLookAlike:
      return "look-alike";
    case EvasionKind::kDigits:
      return "digits";
    case EvasionKind::kSeparators:
      return "separators";
    case EvasionKind::kZeroWidth:
      return "zero-width";
    case EvasionKind::kSoftHyphen:
      return "soft-hyphen";
    case EvasionKind::kCase:
      return "case";
    case EvasionKind::kKazakh:
      return "kazakh";
    case EvasionKind::kYo:
      return "yo";
    case EvasionKind::kMixed:
      return "mixed";
  }
  return "mixed";
}

EvasionGenerator::EvasionGenerator(uint64_t seed) : state_(seed ^ 0x9E3779B97F4A7C15ULL) {}

// splitmix64: the same sequence on every platform (std:: distributions are not).
uint64_t EvasionGenerator::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t EvasionGenerator::Below(uint64_t bound) { return Next() % bound; }

std::u32string EvasionGenerator::Substitute(std::u32string text, EvasionKind kind) {
  // Lower-case view for the table look-up; the replacement keeps the table's case.
  std::vector<size_t> candidates;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t lower = u_tolower(text[i]);
    const bool found = (kind == EvasionKind::kLookAlike && FindSwap(kLookAlikes, lower, 0)) ||
                       (kind == EvasionKind::kDigits && FindSwap(kDigits, lower, 0)) ||
                       (kind == EvasionKind::kKazakh && FindSwap(kKazakh, lower, 0)) ||
                       (kind == EvasionKind::kYo && FindSwap(kYo, lower, 0));
    if (found) candidates.push_back(i);
  }
  if (candidates.empty()) return text;
  // Look-alikes, Kazakh letters, ё: each candidate with probability 1/2, at least one.
  // Digits: about one letter in three, never two neighbours, and each keeps a letter beside it.
  std::vector<bool> replaced(text.size(), false);
  const size_t first = candidates[Below(candidates.size())];
  for (size_t i : candidates) {
    const bool take = i == first || Below(kind == EvasionKind::kDigits ? 3 : 2) == 0;
    if (!take) continue;
    if (kind == EvasionKind::kDigits) {
      const bool left_replaced = i > 0 && replaced[i - 1];
      const bool left_letter = i > 0 && IsLetter(text[i - 1]) && !left_replaced;
      const bool right_letter = i + 1 < text.size() && IsLetter(text[i + 1]);
      if (left_replaced || (!left_letter && !right_letter)) continue;
    }
    const char32_t lower = u_tolower(text[i]);
    const size_t choice = Below(4);
    const Swap* swap = kind == EvasionKind::kLookAlike ? FindSwap(kLookAlikes, lower, choice)
                       : kind == EvasionKind::kDigits  ? FindSwap(kDigits, lower, choice)
                       : kind == EvasionKind::kKazakh  ? FindSwap(kKazakh, lower, choice)
                                                       : FindSwap(kYo, lower, choice);
    text[i] = swap->to;
    replaced[i] = true;
  }
  return text;
}

std::u32string EvasionGenerator::Insert(std::u32string text, EvasionKind kind) {
  std::u32string result;
  if (kind == EvasionKind::kSeparators) {
    const std::u32string separator = Decode(kSeparators[Below(std::size(kSeparators))]);
    for (size_t i = 0; i < text.size(); ++i) {
      result.push_back(text[i]);
      if (i + 1 < text.size() && !u_isUWhiteSpace(text[i]) && !u_isUWhiteSpace(text[i + 1])) {
        result += separator;
      }
    }
    return result;
  }
  // Zero-width characters or soft hyphens in one to three gaps inside words.
  std::vector<size_t> gaps;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (!u_isUWhiteSpace(text[i]) && !u_isUWhiteSpace(text[i + 1])) gaps.push_back(i);
  }
  std::vector<bool> chosen(text.size(), false);
  if (!gaps.empty()) {
    const size_t count = 1 + Below(3);
    for (size_t k = 0; k < count; ++k) chosen[gaps[Below(gaps.size())]] = true;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    result.push_back(text[i]);
    if (chosen[i]) {
      result.push_back(kind == EvasionKind::kSoftHyphen ? char32_t{0x00AD}
                                                        : kZeroWidth[Below(std::size(kZeroWidth))]);
    }
  }
  return result;
}

std::u32string EvasionGenerator::ChangeCase(std::u32string text) {
  bool changed = false;
  for (char32_t& cp : text) {
    if (!IsLetter(cp)) continue;
    const char32_t other = Below(2) ? u_toupper(cp) : u_tolower(cp);
    changed = changed || other != cp;
    cp = other;
  }
  if (!changed) {
    for (char32_t& cp : text) {
      if (IsLetter(cp) && u_toupper(cp) != cp) {
        cp = u_toupper(cp);
        break;
      }
    }
  }
  return text;
}

std::string EvasionGenerator::Make(std::string_view indicator, EvasionKind kind) {
  std::u32string text = Decode(indicator);
  switch (kind) {
    case EvasionKind::kLookAlike:
    case EvasionKind::kDigits:
    case EvasionKind::kKazakh:
    case EvasionKind::kYo:
      return Encode(Substitute(std::move(text), kind));
    case EvasionKind::kSeparators:
    case EvasionKind::kZeroWidth:
    case EvasionKind::kSoftHyphen:
      return Encode(Insert(std::move(text), kind));
    case EvasionKind::kCase:
      return Encode(ChangeCase(std::move(text)));
    case EvasionKind::kMixed: {
      // Substitutions first, then case, then one insertion: the order people's tricks compose.
      constexpr EvasionKind kSubstitutions[] = {EvasionKind::kLookAlike, EvasionKind::kDigits,
                                                EvasionKind::kKazakh, EvasionKind::kYo};
      constexpr EvasionKind kInsertions[] = {EvasionKind::kSeparators, EvasionKind::kZeroWidth,
                                             EvasionKind::kSoftHyphen};
      const EvasionKind first = kSubstitutions[Below(std::size(kSubstitutions))];
      text = Substitute(std::move(text), first);
      if (Below(2)) {
        EvasionKind second = kSubstitutions[Below(std::size(kSubstitutions))];
        // Digits after another substitution could sit next to a look-alike: fine, it is a letter.
        if (second != first) text = Substitute(std::move(text), second);
      }
      if (Below(2)) text = ChangeCase(std::move(text));
      text = Insert(std::move(text), kInsertions[Below(std::size(kInsertions))]);
      return Encode(text);
    }
  }
  return std::string(indicator);
}

std::vector<std::pair<EvasionKind, std::string>> EvasionGenerator::Variants(
    std::string_view indicator, int count) {
  std::vector<std::pair<EvasionKind, std::string>> variants;
  for (int i = 0; i < count; ++i) {
    const EvasionKind kind = kAllEvasionKinds[i % std::size(kAllEvasionKinds)];
    variants.emplace_back(kind, Make(indicator, kind));
  }
  return variants;
}

}  // namespace threathub::detect::internal
