// Table-driven normalisation (see text_matcher.h). The tables are built once with ICU; scanning a
// text is one table lookup per code point and never calls ICU.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "detect/text_matcher.h"

namespace threathub::detect {
namespace {

using CharClass = Normalizer::CharClass;

// One code point's folding: its class and its folded UTF-8 bytes (inline when at most 4 bytes,
// otherwise in the pool). `alt` is the letter a digit-like folds to, as an index into kDigitLikes.
struct Entry {
  CharClass cls = CharClass::kOther;
  uint8_t length = 0;
  uint8_t alt = 0;
  uint8_t code = 0;   // the one-byte code of a folded а..я (Normalizer::Channels), or 0
  uint32_t data = 0;  // the bytes (length <= 4) or the pool offset
};
static_assert(sizeof(Entry) == 8);

// Digits and symbols read as letters, and the letter each stands for (after folding).
struct DigitLike {
  char32_t symbol;
  char32_t letter;
};
constexpr DigitLike kDigitLikes[] = {
    {U'0', U'о'}, {U'1', U'и'}, {U'3', U'з'}, {U'4', U'ч'}, {U'6', U'б'},
    {U'7', U'т'}, {U'8', U'в'}, {U'@', U'а'}, {U'$', U's'}, {U'€', U'е'},
};
constexpr size_t kMaxRun = 3;  // a longer run of digit-likes is a number

// Look-alikes (after case folding and with diacritics removed): Latin and Greek letters that look
// like Cyrillic ones, Kazakh letters as typed on a Russian keyboard.
constexpr std::pair<char32_t, char32_t> kLookAlikes[] = {
    // Latin
    {U'a', U'а'},
    {U'b', U'в'},
    {U'c', U'с'},
    {U'e', U'е'},
    {U'h', U'н'},
    {U'i', U'и'},
    {U'k', U'к'},
    {U'm', U'м'},
    {U'o', U'о'},
    {U'p', U'р'},
    {U't', U'т'},
    {U'x', U'х'},
    {U'y', U'у'},
    {U'ı', U'и'},
    // Greek
    {U'α', U'а'},
    {U'β', U'в'},
    {U'ε', U'е'},
    {U'ι', U'и'},
    {U'κ', U'к'},
    {U'ο', U'о'},
    {U'ρ', U'р'},
    {U'τ', U'т'},
    {U'χ', U'х'},
    // Kazakh (and other Cyrillic) letters
    {U'ә', U'а'},
    {U'ғ', U'г'},
    {U'қ', U'к'},
    {U'ң', U'н'},
    {U'ө', U'о'},
    {U'ұ', U'у'},
    {U'ү', U'у'},
    {U'һ', U'х'},
    {U'і', U'и'},
    {U'ё', U'е'},
};

// The folded output may be at most this many times the input's bytes, so that an output buffer
// of kMaxExpansion * input bytes always suffices (longer foldings, a few Arabic and CJK square
// ligatures, are cut at a code point boundary).
constexpr size_t kMaxExpansion = 3;

void AppendUtf8(char32_t cp, std::string& out) {
  char buffer[4];
  int32_t length = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buffer), length, 4, cp, error);
  if (!error) out.append(buffer, length);
}

}  // namespace

struct Normalizer::Tables {
  std::array<Entry, 128> ascii;
  std::vector<Entry> bmp;                              // 0x0000..0xFFFF
  absl::flat_hash_map<char32_t, Entry> supplementary;  // absent: unassigned, private use
  std::string pool;
  Entry replacement;                                            // U+FFFD, for invalid UTF-8
  std::array<Entry, std::size(kDigitLikes) + 1> digit_letters;  // alt -> the letter's entry

  Entry Lookup(char32_t cp) const;
};

namespace {

// Decodes the code point at p (p < end): its entry and its length. Invalid UTF-8 (bad lead,
// truncated, overlong, surrogate, > U+10FFFF) is one byte mapped to U+FFFD.
inline Entry Decode(const Normalizer::Tables& tables, const uint8_t* p, const uint8_t* end,
                    uint32_t* length);

}  // namespace

Entry Normalizer::Tables::Lookup(char32_t cp) const {
  if (cp < 0x10000) return bmp[cp];
  auto found = supplementary.find(cp);
  if (found != supplementary.end()) return found->second;
  // Unassigned or private use: kept as it is, neither letter nor separator.
  Entry entry;
  entry.cls = CharClass::kOther;
  entry.length = 4;
  const uint8_t bytes[4] = {
      static_cast<uint8_t>(0xF0 | (cp >> 18)), static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)),
      static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)), static_cast<uint8_t>(0x80 | (cp & 0x3F))};
  std::memcpy(&entry.data, bytes, 4);
  return entry;
}

namespace {

__attribute__((always_inline)) inline Entry Decode(const Normalizer::Tables& tables,
                                                   const uint8_t* p, const uint8_t* end,
                                                   uint32_t* length) {
  const uint8_t lead = p[0];
  if (lead < 0x80) {
    *length = 1;
    return tables.ascii[lead];
  }
  const size_t left = end - p;
  if (lead >= 0xC2 && lead < 0xE0) {
    if (left >= 2 && (p[1] & 0xC0) == 0x80) {
      *length = 2;
      return tables.bmp[((lead & 0x1F) << 6) | (p[1] & 0x3F)];
    }
  } else if (lead >= 0xE0 && lead < 0xF0) {
    if (left >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
      const char32_t cp = ((lead & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
      if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
        *length = 3;
        return tables.bmp[cp];
      }
    }
  } else if (lead >= 0xF0 && lead < 0xF5) {
    if (left >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
      const char32_t cp =
          ((lead & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        *length = 4;
        return tables.Lookup(cp);
      }
    }
  }
  *length = 1;
  return tables.replacement;
}

// Builds the entry of one code point with ICU (start-up only).
class EntryBuilder {
 public:
  EntryBuilder() {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_cf_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
    nfd_ = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) nfkc_cf_ = nfd_ = nullptr;  // ICU data missing: identity folding
  }

  bool Inert(char32_t cp) const {
    return nfkc_cf_ == nullptr || (nfkc_cf_->isInert(cp) && nfd_->isInert(cp) && !IsLookAlike(cp) &&
                                   !u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT));
  }

  // The folded code points of `cp` (steps 1 and 2 of the file comment of text_matcher.h).
  std::u32string Fold(char32_t cp) const {
    std::u32string result;
    if (u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return result;
    if (nfkc_cf_ == nullptr) return std::u32string(1, cp);
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString folded = nfkc_cf_->normalize(icu::UnicodeString(UChar32(cp)), status);
    if (U_FAILURE(status)) return std::u32string(1, cp);
    for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
      const char32_t folded_cp = folded.char32At(i);
      if (folded_cp == U'й') {  // й is a letter of its own, not и with a breve
        result.push_back(folded_cp);
        continue;
      }
      icu::UnicodeString decomposed =
          nfd_->normalize(icu::UnicodeString(UChar32(folded_cp)), status);
      if (U_FAILURE(status)) return std::u32string(1, cp);
      for (int32_t j = 0; j < decomposed.length(); j = decomposed.moveIndex32(j, 1)) {
        const char32_t part = decomposed.char32At(j);
        if (u_charType(part) == U_NON_SPACING_MARK) continue;  // diacritics, stress marks
        result.push_back(LookAlike(part));
      }
    }
    return result;
  }

  static bool IsLookAlike(char32_t cp) {
    for (const auto& [from, to] : kLookAlikes) {
      if (from == cp) return true;
    }
    return false;
  }
  static char32_t LookAlike(char32_t cp) {
    for (const auto& [from, to] : kLookAlikes) {
      if (from == cp) return to;
    }
    return cp;
  }

  Entry Make(char32_t cp, std::string& pool) const {
    Entry entry;
    const std::u32string folded = Fold(cp);
    if (folded.empty()) {
      entry.cls = CharClass::kIgnorable;
      return entry;
    }
    std::string bytes;
    const char32_t first = folded[0];
    const int8_t type = u_charType(first);
    if (u_isUWhiteSpace(cp) || u_isUWhiteSpace(first) || type == U_CONTROL_CHAR ||
        type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR) {
      entry.cls = CharClass::kSpace;
      bytes.push_back(' ');  // (not = " ": a GCC 12 -Wrestrict false positive)
    } else {
      for (char32_t part : folded) AppendUtf8(part, bytes);
      size_t digit_like = std::size(kDigitLikes);
      for (size_t i = 0; i < std::size(kDigitLikes); ++i) {
        if (folded.size() == 1 && kDigitLikes[i].symbol == first) digit_like = i;
      }
      if (digit_like < std::size(kDigitLikes)) {
        entry.cls = CharClass::kDigitLike;
        entry.alt = static_cast<uint8_t>(digit_like);
      } else if (u_isalpha(first) || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK ||
                 type == U_NON_SPACING_MARK) {
        entry.cls = CharClass::kLetter;
      } else if (type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER ||
                 type == U_OTHER_NUMBER || type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR) {
        entry.cls = CharClass::kOther;
      } else {
        entry.cls = CharClass::kSeparator;  // punctuation, symbols, format characters
      }
    }
    // Keep within kMaxExpansion times the input's bytes, at a code point boundary.
    const size_t input_length = U8_LENGTH(cp);
    const size_t limit = kMaxExpansion * input_length;
    if (bytes.size() > limit) {
      size_t cut = limit;
      while (cut > 0 && (static_cast<uint8_t>(bytes[cut]) & 0xC0) == 0x80) --cut;
      bytes.resize(cut);
    }
    SetBytes(entry, bytes, pool);
    return entry;
  }

  static void SetBytes(Entry& entry, const std::string& bytes, std::string& pool) {
    entry.length = static_cast<uint8_t>(bytes.size());
    if (bytes.size() <= 4) {
      std::memcpy(&entry.data, bytes.data(), bytes.size());
    } else {
      entry.data = static_cast<uint32_t>(pool.size());
      pool += bytes;
    }
  }

 private:
  const icu::Normalizer2* nfkc_cf_ = nullptr;
  const icu::Normalizer2* nfd_ = nullptr;
};

// Writes one channel. Digit-likes wait in `run` until the code point after them says whether
// they touch a letter. The full channel sees separators as neighbours; the compact one skips them.
template <bool kWithOrigin, bool kCompact, bool kCoded = false>
class ChannelWriter {
 public:
  ChannelWriter(const Normalizer::Tables& tables, char* out, uint32_t* origin)
      : tables_(tables), out_(out), origin_(origin) {}

  size_t size() const { return size_; }

  __attribute__((always_inline)) void Letter(const Entry& entry, uint32_t position) {
    if (run_size_ > 0) FlushRun(/*touches_letter=*/true);
    overflow_ = false;
    Emit(entry, position);
    previous_letter_ = true;
    last_space_ = false;
  }
  // A letter whose entry has a one-byte code (а..я after folding): the common case, kept short.
  __attribute__((always_inline)) void CodedLetter(const Entry& entry, uint32_t position) {
    if constexpr (kCoded) {
      if (run_size_ > 0) FlushRun(/*touches_letter=*/true);
      overflow_ = false;
      out_[size_] = static_cast<char>(entry.code);
      if constexpr (kWithOrigin) origin_[size_] = position;
      ++size_;
      previous_letter_ = true;
      last_space_ = false;
    } else {
      Letter(entry, position);
    }
  }
  __attribute__((always_inline)) void Other(const Entry& entry, uint32_t position) {
    if (run_size_ > 0) FlushRun(run_after_letter_);
    overflow_ = false;
    Emit(entry, position);
    previous_letter_ = false;
    last_space_ = false;
  }
  __attribute__((always_inline)) void DigitLike(const Entry& entry, uint32_t position) {
    if (overflow_) {
      Emit(entry, position);
      return;
    }
    if (run_size_ == kMaxRun) {  // a number, not letters
      FlushRun(/*touches_letter=*/false);
      Emit(entry, position);
      overflow_ = true;
      previous_letter_ = false;
      return;
    }
    if (run_size_ == 0) run_after_letter_ = previous_letter_;
    run_[run_size_] = entry;
    run_position_[run_size_] = position;
    ++run_size_;
    last_space_ = false;
  }
  __attribute__((always_inline)) void Space(const Entry& entry, uint32_t position) {
    if constexpr (kCompact) return;
    if (run_size_ > 0) FlushRun(run_after_letter_);
    overflow_ = false;
    previous_letter_ = false;
    if (!last_space_) {
      Emit(entry, position);
      last_space_ = true;
    }
  }
  __attribute__((always_inline)) void Separator(const Entry& entry, uint32_t position) {
    if constexpr (kCompact) return;
    if (run_size_ > 0) FlushRun(run_after_letter_);
    overflow_ = false;
    previous_letter_ = false;
    last_space_ = false;
    Emit(entry, position);
  }
  void Finish() {
    if (run_size_ > 0) FlushRun(run_after_letter_);
  }

 private:
  void FlushRun(bool touches_letter) {
    for (size_t i = 0; i < run_size_; ++i) {
      Emit(touches_letter ? tables_.digit_letters[run_[i].alt] : run_[i], run_position_[i]);
    }
    run_size_ = 0;
  }
  __attribute__((always_inline)) void Emit(const Entry& entry, uint32_t position) {
    if constexpr (kCoded) {
      if (entry.code != 0) {
        out_[size_] = static_cast<char>(entry.code);
        if constexpr (kWithOrigin) origin_[size_] = position;
        ++size_;
        return;
      }
    }
    const size_t length = entry.length;
    if (length <= 4) {
      std::memcpy(out_ + size_, &entry.data, 4);  // the buffer has 4 bytes of slack
    } else {
      std::memcpy(out_ + size_, tables_.pool.data() + entry.data, length);
    }
    if constexpr (kWithOrigin) {
      for (size_t i = 0; i < length; ++i) origin_[size_ + i] = position;
    }
    size_ += length;
  }

  const Normalizer::Tables& tables_;
  char* out_;
  uint32_t* origin_;
  size_t size_ = 0;
  Entry run_[kMaxRun] = {};
  uint32_t run_position_[kMaxRun] = {};
  size_t run_size_ = 0;
  bool run_after_letter_ = false;
  bool previous_letter_ = false;
  bool overflow_ = false;
  bool last_space_ = false;
};

template <typename Writer>
__attribute__((always_inline)) inline void Feed(Writer& writer, const Entry& entry,
                                                uint32_t position) {
  switch (entry.cls) {
    case CharClass::kLetter:
      writer.Letter(entry, position);
      break;
    case CharClass::kDigitLike:
      writer.DigitLike(entry, position);
      break;
    case CharClass::kOther:
      writer.Other(entry, position);
      break;
    case CharClass::kSpace:
      writer.Space(entry, position);
      break;
    case CharClass::kSeparator:
      writer.Separator(entry, position);
      break;
    case CharClass::kIgnorable:
      break;
  }
}

template <typename... Writers>
void Run(const Normalizer::Tables& tables, std::string_view text, Writers&... writers) {
  const uint8_t* const begin = reinterpret_cast<const uint8_t*>(text.data());
  const uint8_t* const end = begin + text.size();
  const uint8_t* p = begin;
  while (p < end) {
    // Two-byte letters (Cyrillic, Kazakh) and ASCII spaces first: most of Russian and Kazakh text.
    const uint8_t lead = *p;
    if (lead == ' ') {
      const uint32_t position = static_cast<uint32_t>(p - begin);
      (writers.Space(tables.ascii[' '], position), ...);
      ++p;
      continue;
    }
    if (lead >= 0xC2 && lead < 0xE0 && p + 1 < end && (p[1] & 0xC0) == 0x80) {
      const Entry& entry = tables.bmp[((lead & 0x1F) << 6) | (p[1] & 0x3F)];
      if (entry.code != 0) {
        const uint32_t position = static_cast<uint32_t>(p - begin);
        (writers.CodedLetter(entry, position), ...);
        p += 2;
        continue;
      }
    }
    uint32_t length;
    const Entry entry = Decode(tables, p, end, &length);
    const uint32_t position = static_cast<uint32_t>(p - begin);
    (Feed(writers, entry, position), ...);
    p += length;
  }
  (writers.Finish(), ...);
}

}  // namespace

Normalizer::Normalizer() : tables_(std::make_unique<Tables>()) {
  Tables& tables = *tables_;
  EntryBuilder builder;
  tables.bmp.resize(0x10000);
  for (char32_t cp = 0; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    tables.bmp[cp] = builder.Make(cp, tables.pool);
  }
  // Surrogates never decode (Decode refuses them); keep them as separators anyway.
  for (char32_t cp = 0xD800; cp <= 0xDFFF; ++cp) tables.bmp[cp] = tables.bmp[0xFFFD];
  tables.replacement = tables.bmp[0xFFFD];
  // Supplementary planes: only what is not an unchanged letter is stored.
  for (char32_t cp = 0x10000; cp <= 0x10FFFF; ++cp) {
    const int8_t type = u_charType(cp);
    if (type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR) continue;
    if (u_isalpha(cp) && builder.Inert(cp)) {  // most of them (CJK): no ICU normalisation
      Entry entry = tables.Lookup(cp);         // the bytes of cp
      entry.cls = CharClass::kLetter;
      tables.supplementary.emplace(cp, entry);
      continue;
    }
    tables.supplementary.emplace(cp, builder.Make(cp, tables.pool));
  }
  // One-byte codes of а..я (the matcher's channels).
  auto set_code = [](Entry& entry) {
    if (entry.cls != CharClass::kLetter || entry.length != 2) return;
    const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&entry.data);
    if ((bytes[0] & 0xE0) != 0xC0 || (bytes[1] & 0xC0) != 0x80) return;  // not one code point
    const char32_t cp = ((bytes[0] & 0x1F) << 6) | (bytes[1] & 0x3F);
    if (cp >= 0x430 && cp <= 0x44F) entry.code = static_cast<uint8_t>(0xE0 + (cp - 0x430));
  };
  for (Entry& entry : tables.bmp) set_code(entry);
  for (auto& [cp, entry] : tables.supplementary) set_code(entry);
  for (char32_t cp = 0; cp < 0x80; ++cp) tables.ascii[cp] = tables.bmp[cp];
  for (size_t i = 0; i < std::size(kDigitLikes); ++i) {
    Entry letter = tables.Lookup(kDigitLikes[i].letter);
    letter.cls = CharClass::kLetter;
    tables.digit_letters[i] = letter;
  }
}

Normalizer::~Normalizer() = default;

const Normalizer& Normalizer::Get() {
  static const Normalizer* const normalizer = new Normalizer();
  return *normalizer;
}

namespace {

// One output channel: sized for the worst case before the run, cut to size after it.
template <bool kWithOrigin, bool kCompact, bool kCoded>
struct Prepared {
  Prepared(const Normalizer::Tables& tables, std::string_view text, std::string* out,
           std::vector<uint32_t>* origin)
      : out(out),
        origin(origin),
        reserved(Reserve(text, out, origin)),
        writer(tables, out->data(), OriginData(origin)) {}
  static bool Reserve(std::string_view text, std::string* out, std::vector<uint32_t>* origin) {
    const size_t capacity = kMaxExpansion * text.size() + 8;
    out->resize(capacity);
    if constexpr (kWithOrigin) origin->resize(capacity + 1);
    return true;
  }
  static uint32_t* OriginData(std::vector<uint32_t>* origin) {
    if constexpr (kWithOrigin) return origin->data();
    return nullptr;
  }
  void Done(size_t text_size) {
    out->resize(writer.size());
    if constexpr (kWithOrigin) {
      origin->resize(writer.size() + 1);
      (*origin)[writer.size()] = static_cast<uint32_t>(text_size);
    }
  }
  std::string* out;
  std::vector<uint32_t>* origin;
  bool reserved;  // sized before `writer` takes the buffers' addresses
  ChannelWriter<kWithOrigin, kCompact, kCoded> writer;
};

template <bool kWithOrigin, bool kCompact>
void FoldOne(const Normalizer::Tables& tables, std::string_view text, std::string& output,
             std::vector<uint32_t>* origin) {
  Prepared<kWithOrigin, kCompact, false> sink(tables, text, &output, origin);
  Run(tables, text, sink.writer);
  sink.Done(text.size());
}

template <bool kWithOrigin>
void FoldChannelsImpl(const Normalizer::Tables& tables, std::string_view text, unsigned which,
                      Normalizer::Channels& channels) {
  using P = Prepared<kWithOrigin, false, true>;   // coded full
  using C = Prepared<kWithOrigin, true, true>;    // coded compact
  using U = Prepared<kWithOrigin, false, false>;  // UTF-8 full
  auto full = [&] { return P(tables, text, &channels.full, &channels.full_origin); };
  auto compact = [&] { return C(tables, text, &channels.compact, &channels.compact_origin); };
  auto utf8 = [&] { return U(tables, text, &channels.utf8_full, &channels.utf8_full_origin); };
  const size_t size = text.size();
  switch (which & 7) {
    case 0:
      break;
    case Normalizer::kCodedFull: {
      P a = full();
      Run(tables, text, a.writer);
      a.Done(size);
      break;
    }
    case Normalizer::kCodedCompact: {
      C b = compact();
      Run(tables, text, b.writer);
      b.Done(size);
      break;
    }
    case Normalizer::kUtf8Full: {
      U c = utf8();
      Run(tables, text, c.writer);
      c.Done(size);
      break;
    }
    case Normalizer::kCodedFull | Normalizer::kCodedCompact: {
      P a = full();
      C b = compact();
      Run(tables, text, a.writer, b.writer);
      a.Done(size);
      b.Done(size);
      break;
    }
    case Normalizer::kCodedFull | Normalizer::kUtf8Full: {
      P a = full();
      U c = utf8();
      Run(tables, text, a.writer, c.writer);
      a.Done(size);
      c.Done(size);
      break;
    }
    case Normalizer::kCodedCompact | Normalizer::kUtf8Full: {
      C b = compact();
      U c = utf8();
      Run(tables, text, b.writer, c.writer);
      b.Done(size);
      c.Done(size);
      break;
    }
    default: {
      P a = full();
      C b = compact();
      U c = utf8();
      Run(tables, text, a.writer, b.writer, c.writer);
      a.Done(size);
      b.Done(size);
      c.Done(size);
      break;
    }
  }
}

}  // namespace

void Normalizer::FoldChannels(std::string_view text, unsigned which, bool with_origin,
                              Channels& channels) const {
  if (with_origin) {
    FoldChannelsImpl<true>(*tables_, text, which, channels);
  } else {
    FoldChannelsImpl<false>(*tables_, text, which, channels);
  }
}

void Normalizer::Fold(std::string_view text, std::string& output,
                      std::vector<uint32_t>* origin) const {
  if (origin != nullptr) {
    FoldOne<true, false>(*tables_, text, output, origin);
  } else {
    FoldOne<false, false>(*tables_, text, output, nullptr);
  }
}

void Normalizer::Compact(std::string_view text, std::string& output,
                         std::vector<uint32_t>* origin) const {
  if (origin != nullptr) {
    FoldOne<true, true>(*tables_, text, output, origin);
  } else {
    FoldOne<false, true>(*tables_, text, output, nullptr);
  }
}

std::string Normalizer::FoldPattern(std::string_view pattern) const {
  std::string folded;
  Fold(pattern, folded, nullptr);
  const size_t first = folded.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  const size_t last = folded.find_last_not_of(' ');
  return folded.substr(first, last - first + 1);
}

Normalizer::CharClass Normalizer::ClassAt(std::string_view text, size_t pos, size_t* length) const {
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(text.data());
  uint32_t decoded_length = 1;
  const Entry entry = Decode(*tables_, begin + pos, begin + text.size(), &decoded_length);
  *length = decoded_length;
  return entry.cls;
}

std::string Normalizer::FoldRegex(std::string_view pattern) const {
  std::string result;
  result.reserve(pattern.size() * 2);
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(pattern.data());
  const uint8_t* end = begin + pattern.size();
  size_t i = 0;
  const size_t n = pattern.size();
  auto copy_until = [&](char close) {  // copies through `close` (included) or to the end
    while (i < n && pattern[i] != close) result.push_back(pattern[i++]);
    if (i < n) result.push_back(pattern[i++]);
  };
  // Copies an escape sequence starting at the backslash at i.
  auto copy_escape = [&] {
    result.push_back(pattern[i++]);  // '\'
    if (i >= n) return;
    const char c = pattern[i];
    if ((c == 'x' || c == 'p' || c == 'P' || c == 'k' || c == 'g' || c == 'N') && i + 1 < n &&
        (pattern[i + 1] == '{' || pattern[i + 1] == '<')) {
      const char close = pattern[i + 1] == '{' ? '}' : '>';
      copy_until(close);
      return;
    }
    if (c == 'x') {
      result.push_back(pattern[i++]);
      for (int digit = 0; digit < 2 && i < n && std::isxdigit(static_cast<uint8_t>(pattern[i]));
           ++digit) {
        result.push_back(pattern[i++]);
      }
      return;
    }
    if (c == 'c' && i + 1 < n) {
      result.append(pattern.substr(i, 2));
      i += 2;
      return;
    }
    if (c == 'Q') {  // \Q...\E: copied as written
      const size_t close = pattern.find("\\E", i);
      const size_t stop = close == std::string_view::npos ? n : close + 2;
      result.append(pattern.substr(i, stop - i));
      i = stop;
      return;
    }
    // One code point escaped.
    uint32_t length = 1;
    Decode(*tables_, begin + i, end, &length);
    result.append(pattern.substr(i, length));
    i += length;
  };
  // Folds the code point at i (a letter of the pattern) as text would be.
  auto fold_one = [&] {
    uint32_t length = 1;
    const Entry entry = Decode(*tables_, begin + i, end, &length);
    const uint8_t byte = begin[i];
    if ((byte < 0x80 && !std::isalpha(byte)) || entry.cls == CharClass::kDigitLike ||
        entry.cls == CharClass::kSpace || entry.cls == CharClass::kSeparator ||
        entry.cls == CharClass::kOther) {
      result.append(pattern.substr(i, length));
    } else if (entry.cls != CharClass::kIgnorable) {
      const char* bytes = entry.length <= 4 ? reinterpret_cast<const char*>(&entry.data)
                                            : tables_->pool.data() + entry.data;
      result.append(bytes, entry.length);
    }
    i += length;
  };
  while (i < n) {
    const char c = pattern[i];
    if (c == '\\') {
      copy_escape();
    } else if (c == '(' && i + 1 < n && pattern[i + 1] == '?') {
      // Group syntax: (?:, (?i), (?P<name>, (?<name>, (?=...; the letters up to ':', ')' or '>'.
      result.append("(?");
      i += 2;
      while (i < n && pattern[i] != ':' && pattern[i] != ')' && pattern[i] != '>' &&
             pattern[i] != '=' && pattern[i] != '!') {
        result.push_back(pattern[i++]);
      }
      if (i < n) result.push_back(pattern[i++]);
    } else if (c == '{') {
      copy_until('}');
    } else if (c == '[') {
      result.push_back(pattern[i++]);
      if (i < n && pattern[i] == '^') result.push_back(pattern[i++]);
      bool first = true;
      while (i < n && (pattern[i] != ']' || first)) {
        first = false;
        if (pattern[i] == '\\') {
          copy_escape();
        } else if (pattern[i] == '[' && i + 1 < n && pattern[i + 1] == ':') {
          const size_t close = pattern.find(":]", i);
          const size_t stop = close == std::string_view::npos ? n : close + 2;
          result.append(pattern.substr(i, stop - i));
          i = stop;
        } else {
          uint32_t length = 1;
          Decode(*tables_, begin + i, end, &length);
          const bool in_range = (i + length < n && pattern[i + length] == '-') ||
                                (!result.empty() && result.back() == '-');
          if (in_range) {
            result.append(pattern.substr(i, length));
            i += length;
          } else {
            fold_one();
          }
        }
      }
      if (i < n) result.push_back(pattern[i++]);
    } else {
      fold_one();
    }
  }
  return result;
}

}  // namespace threathub::detect
