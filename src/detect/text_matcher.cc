// TextMatcher: two Hyperscan block-mode databases built from one set of indicators, one per
// channel (the full channel holds the literals, the regular expressions and the prefilters of the
// side path; the compact channel holds the literals with separators removed), and RE2 for the
// regular expressions Hyperscan refuses.
#include "detect/text_matcher.h"

#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/strings.h"

namespace threathub::detect {

std::string_view IndicatorKindName(IndicatorKind kind) {
  switch (kind) {
    case IndicatorKind::kTerm:
      return "term";
    case IndicatorKind::kPhrase:
      return "phrase";
    case IndicatorKind::kRegex:
      return "regex";
  }
  return "term";
}

std::optional<IndicatorKind> ParseIndicatorKind(std::string_view name) {
  if (name == "term") return IndicatorKind::kTerm;
  if (name == "phrase") return IndicatorKind::kPhrase;
  if (name == "regex") return IndicatorKind::kRegex;
  return std::nullopt;
}

namespace {

using CharClass = Normalizer::CharClass;

// Matches found in one text beyond this many stop the scan (a pathological pattern or text); the
// hits found so far are reported.
constexpr size_t kMaxRawHits = size_t{1} << 16;
// Offsets are 32-bit and the full channel may be 3 times the text.
constexpr size_t kMaxTextBytesLimit = size_t{1} << 30;

// kFull and kCompact: literals over the byte-coded channels; kRegex: Hyperscan regexes over the
// UTF-8 full channel; kSide: RE2 over the same.
enum class Channel : uint8_t { kFull, kCompact, kRegex, kSide };
enum class Source : uint8_t { kLiteral, kRegex, kPrefilter };

// What one Hyperscan expression id stands for.
struct PatternRef {
  uint32_t indicator = 0;  // index into Impl::indicators
  Source source = Source::kLiteral;
  uint32_t length = 0;  // literal: bytes in its channel; prefilter: the side regex's index
  uint32_t form = 0;    // compact literal: its full form, an index into Impl::full_forms
  uint8_t first = 0;    // compact literal: its first byte (PairHash drops it)
};

// The compact channel is scanned as a stream of letter-pair hashes: byte i becomes a hash of
// bytes i-1 and i. Folded text has about 32 letters, so every 2-byte window of the channel that
// Hyperscan's literal matcher (FDR) hashes holds only ~10 bits, and with thousands of literals
// nearly every position needs confirming; windows of pair hashes carry 3 letters. A literal is
// matched as the hashes of its pairs (all but its first byte), and its first byte is checked in
// the match callback. This made the literal scan about twice as fast at 10,000 indicators.
inline uint8_t PairHash(uint8_t previous, uint8_t current) {
  const uint16_t mixed = static_cast<uint16_t>(previous * 0x9E37u + current * 0x85EBu);
  return static_cast<uint8_t>(mixed >> 8);
}

// Vectorised (-O3 for this loop only): 16-bit lanes suffice for the hash's top byte.
__attribute__((optimize("O3"))) void HashPairs(std::string_view in, std::string& out) {
  out.resize(in.size());
  const uint8_t* source = reinterpret_cast<const uint8_t*>(in.data());
  uint8_t* target = reinterpret_cast<uint8_t*>(out.data());
  if (in.empty()) return;
  target[0] = PairHash(0, source[0]);
  const size_t size = in.size();
  for (size_t i = 1; i < size; ++i) {
    const uint16_t mixed = static_cast<uint16_t>(source[i - 1] * 0x9E37u + source[i] * 0x85EBu);
    target[i] = static_cast<uint8_t>(mixed >> 8);
  }
}

struct LoadedIndicator {
  int64_t id = 0;
  bool allow = false;
  bool regex = false;
  // A regex written \b...\b: the ends are checked on the text (Hyperscan has no Unicode \b
  // and RE2's is ASCII), the rest compiled without them.
  bool word_start = false;
  bool word_end = false;
};

struct SideRegex {
  uint32_t indicator = 0;
  std::unique_ptr<RE2> re2;
  bool prefiltered = false;
};

struct RawHit {
  uint32_t ref = 0;  // PatternRef index in its channel's list, or the SideRegex index
  uint32_t from = 0;
  uint32_t to = 0;
  Channel channel = Channel::kFull;
};

struct Candidate {
  uint32_t indicator = 0;
  uint32_t start = 0;
  uint32_t end = 0;
  bool compact = false;
};

std::atomic<uint64_t> next_generation{1};

std::string EscapeLiteral(std::string_view literal) {
  std::string expression;
  expression.reserve(literal.size() * 4);
  char buffer[8];
  for (unsigned char byte : literal) {
    std::snprintf(buffer, sizeof(buffer), "\\x%02x", byte);
    expression += buffer;
  }
  return expression;
}

// Compiles one expression alone; the error text, or empty when Hyperscan accepts it.
std::string TryHyperscan(const std::string& expression, unsigned flags) {
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &database, &error) ==
      HS_SUCCESS) {
    hs_free_database(database);
    return "";
  }
  std::string message =
      error != nullptr && error->message != nullptr ? error->message : "compile failed";
  hs_free_compile_error(error);
  return message;
}

// Hyperscan takes tens of seconds to compile (or refuse) bounded repeats of classes in UTF-8 mode
// beyond a few dozen ("\\w{1,300}"); such a regex goes straight to RE2.
constexpr int kMaxHyperscanRepeat = 64;

// The largest bound of a {n}, {n,} or {n,m} repeat in `pattern` (0 when none).
int LargestRepeat(std::string_view pattern) {
  int largest = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] != '{') continue;
    int value = 0;
    size_t j = i + 1;
    bool digits = false;
    for (; j < pattern.size() &&
           (std::isdigit(static_cast<unsigned char>(pattern[j])) || pattern[j] == ',');
         ++j) {
      if (pattern[j] == ',') {
        largest = std::max(largest, value);
        value = 0;
      } else {
        digits = true;
        value = std::min(value * 10 + (pattern[j] - '0'), 1 << 20);
      }
    }
    if (digits && j < pattern.size() && pattern[j] == '}') largest = std::max(largest, value);
  }
  return largest;
}

// A leading and a trailing \b taken off `pattern` (and noted).
std::string StripWordBoundaries(std::string pattern, bool* start, bool* end) {
  *start = *end = false;
  if (pattern.size() >= 2 && pattern.compare(0, 2, "\\b") == 0) {
    *start = true;
    pattern.erase(0, 2);
  }
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "\\b") == 0) {
    size_t backslashes = 0;  // "\\\\b" is a backslash and a b, not a boundary
    for (size_t i = pattern.size() - 2; i > 0 && pattern[i - 1] == '\\'; --i) ++backslashes;
    if (backslashes % 2 == 0) {
      *end = true;
      pattern.erase(pattern.size() - 2);
    }
  }
  return pattern;
}

// Whether a (folded, outer \b stripped) regular expression can match differently depending on
// what lies outside its match: an anchor (^ $ \A \z \Z \G) or a word boundary (\b \B) anywhere.
// Conservative: a ^ or $ outside a class counts even where it would be literal.
bool DependsOnContext(std::string_view pattern) {
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 >= pattern.size()) return true;
      const char next = pattern[++i];
      if (!in_class && (next == 'b' || next == 'B' || next == 'A' || next == 'z' || next == 'Z' ||
                        next == 'G')) {
        return true;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') {
      in_class = true;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;
      continue;
    }
    if (c == '^' || c == '$') return true;
  }
  return false;
}

// RE2's \w, \d and \s are ASCII; the side path gives them their Unicode meaning, as Hyperscan's
// UCP mode has it.
std::string Re2Dialect(std::string_view pattern) {
  std::string result;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[++i];
      const char* replacement = nullptr;
      switch (next) {
        case 'w':
          replacement = in_class ? "\\p{L}\\p{N}_" : "[\\p{L}\\p{N}_]";
          break;
        case 'W':
          replacement = in_class ? nullptr : "[^\\p{L}\\p{N}_]";
          break;
        case 'd':
          replacement = "\\p{Nd}";
          break;
        case 'D':
          replacement = "\\P{Nd}";
          break;
        default:
          break;
      }
      if (replacement != nullptr) {
        result += replacement;
      } else {
        result.push_back(c);
        result.push_back(next);
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      result.push_back(c);
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') result.push_back(pattern[++i]);
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') result.push_back(pattern[++i]);
      continue;
    }
    if (c == '[' && in_class && i + 1 < pattern.size() && pattern[i + 1] == ':') {
      const size_t close = pattern.find(":]", i);
      const size_t stop = close == std::string_view::npos ? pattern.size() : close + 2;
      result.append(pattern.substr(i, stop - i));
      i = stop - 1;
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    result.push_back(c);
  }
  return result;
}

struct Expression {
  std::string text;
  unsigned flags = 0;
  PatternRef ref;
};

}  // namespace

struct TextMatcher::Impl {
  ~Impl() {
    if (full_db != nullptr) hs_free_database(full_db);
    if (compact_db != nullptr) hs_free_database(compact_db);
    if (regex_db != nullptr) hs_free_database(regex_db);
  }
  Options options;
  uint64_t generation = 0;
  std::vector<LoadedIndicator> indicators;
  hs_database_t* full_db = nullptr;
  hs_database_t* compact_db = nullptr;
  hs_database_t* regex_db = nullptr;  // regexes and the side path's prefilters
  std::vector<PatternRef> full_refs;
  std::vector<PatternRef> compact_refs;
  std::vector<PatternRef> regex_refs;
  std::vector<std::string> full_forms;  // of the literals, in the byte code
  bool needs_utf8 = false;              // regexes: the UTF-8 full channel is made
  std::vector<SideRegex> side;
  bool any_allow = false;
  bool context_regex = false;  // a regex DependsOnContext: ScanBatch scans text by text

  unsigned Channels() const {
    return (full_db != nullptr ? Normalizer::kCodedFull : 0) |
           (compact_db != nullptr ? Normalizer::kCodedCompact : 0) |
           (needs_utf8 ? Normalizer::kUtf8Full : 0);
  }
  std::string_view Truncate(std::string_view text) const;

  void Convert(std::string_view text, TextScratch::State& state) const;
  bool EnsureScratch(TextScratch::State& state) const;
};

struct TextScratch::State {
  ~State() {
    if (hs != nullptr) hs_free_scratch(hs);
  }
  hs_scratch_t* hs = nullptr;
  uint64_t generation = 0;  // the matcher `hs` was sized for
  Normalizer::Channels channels;
  Normalizer::Channels span;  // one hit's original span, folded alone
  std::string hashed;         // the compact channel's pair hashes
  std::vector<RawHit> raw;
  std::vector<uint8_t> prefilter_hit;  // per side regex
  std::vector<Candidate> candidates;
  bool stopped = false;
  // ScanBatch: the batch's channels (texts separated by a newline), where each text begins in
  // each channel (one more entry: the end), and which texts had a match.
  Normalizer::Channels batch;
  std::string batch_hashed;
  std::vector<uint32_t> full_base, compact_base, utf8_base;
  std::vector<uint8_t> marked;
};

TextScratch::TextScratch() = default;
TextScratch::~TextScratch() = default;
TextScratch::TextScratch(TextScratch&&) noexcept = default;
TextScratch& TextScratch::operator=(TextScratch&&) noexcept = default;

TextMatcher::~TextMatcher() = default;

size_t TextMatcher::size() const { return impl_->indicators.size(); }

namespace {

// Builds one database from `expressions`. An expression Hyperscan refuses here (it was checked
// alone before, so this is unexpected) is dropped into `problems` and the rest compiled again.
absl::Status BuildDatabase(std::vector<Expression>& expressions,
                           const std::vector<Indicator>& indicators,
                           const std::vector<uint32_t>& source_index,
                           std::vector<PatternProblem>& problems, hs_database_t** database,
                           std::vector<PatternRef>& refs) {
  *database = nullptr;
  refs.clear();
  while (!expressions.empty()) {
    std::vector<const char*> texts;
    std::vector<unsigned> flags, ids;
    for (size_t i = 0; i < expressions.size(); ++i) {
      texts.push_back(expressions[i].text.c_str());
      flags.push_back(expressions[i].flags);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* error = nullptr;
    const hs_error_t result = hs_compile_multi(texts.data(), flags.data(), ids.data(),
                                               static_cast<unsigned>(texts.size()), HS_MODE_BLOCK,
                                               nullptr, database, &error);
    if (result == HS_SUCCESS) {
      for (const Expression& expression : expressions) refs.push_back(expression.ref);
      return absl::OkStatus();
    }
    std::string message = error != nullptr && error->message ? error->message : "compile failed";
    const int failed = error != nullptr ? error->expression : -1;
    hs_free_compile_error(error);
    if (failed < 0 || static_cast<size_t>(failed) >= expressions.size()) {
      return absl::InternalError(base::StrCat("hyperscan: ", message));
    }
    const Indicator& indicator = indicators[source_index[expressions[failed].ref.indicator]];
    problems.push_back({indicator.id, indicator.pattern, base::StrCat("hyperscan: ", message)});
    expressions.erase(expressions.begin() + failed);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TextMatcher>> TextMatcher::Compile(
    const std::vector<Indicator>& indicators, const Options& options) {
  const Normalizer& normalizer = Normalizer::Get();
  auto matcher = std::unique_ptr<TextMatcher>(new TextMatcher());
  matcher->impl_ = std::make_unique<Impl>();
  Impl& impl = *matcher->impl_;
  impl.options = options;
  impl.options.max_text_bytes = std::min(options.max_text_bytes, kMaxTextBytesLimit);
  impl.generation = next_generation.fetch_add(1);
  std::vector<PatternProblem>& problems = matcher->problems_;

  std::vector<Expression> full, compact, regexes;
  Normalizer::Channels pattern_channels;
  std::vector<uint32_t> source_index;  // loaded indicator -> position in `indicators`
  for (size_t position = 0; position < indicators.size(); ++position) {
    const Indicator& indicator = indicators[position];
    const uint32_t loaded = static_cast<uint32_t>(impl.indicators.size());
    auto problem = [&](std::string error) {
      problems.push_back({indicator.id, indicator.pattern, std::move(error)});
    };
    if (indicator.kind != IndicatorKind::kRegex) {
      normalizer.FoldChannels(indicator.pattern, Normalizer::kCodedFull | Normalizer::kCodedCompact,
                              /*with_origin=*/false, pattern_channels);
      std::string& folded = pattern_channels.full;
      const size_t first = folded.find_first_not_of(' ');
      if (first == std::string::npos) {
        problem("the pattern is empty after normalisation");
        continue;
      }
      folded = folded.substr(first, folded.find_last_not_of(' ') - first + 1);
      const std::string& compacted = pattern_channels.compact;
      // Literals are found in the compact channel; a hit whose original folds to the literal's
      // full form is a full hit (Convert). Only a literal that begins or ends with what the
      // compact channel drops (a separator, a symbol) is also looked for in the full channel.
      const std::string utf8 = normalizer.FoldPattern(indicator.pattern);
      size_t length = 0, last = utf8.size() - 1;
      while (last > 0 && (static_cast<uint8_t>(utf8[last]) & 0xC0) == 0x80) --last;
      const bool separator_at_edge =
          normalizer.ClassAt(utf8, 0, &length) == CharClass::kSeparator ||
          normalizer.ClassAt(utf8, last, &length) == CharClass::kSeparator;
      if (compacted.size() < 2 || separator_at_edge) {
        full.push_back({EscapeLiteral(folded),
                        0,
                        {loaded, Source::kLiteral, static_cast<uint32_t>(folded.size())}});
      }
      if (compacted.size() >= 2) {
        std::string hashed;
        HashPairs(compacted, hashed);
        compact.push_back(
            {EscapeLiteral(std::string_view(hashed).substr(1)),
             0,
             {loaded, Source::kLiteral, static_cast<uint32_t>(compacted.size()),
              static_cast<uint32_t>(impl.full_forms.size()), static_cast<uint8_t>(compacted[0])}});
      }
      impl.full_forms.push_back(folded);
    } else {
      bool word_start = false, word_end = false;
      const std::string folded =
          StripWordBoundaries(normalizer.FoldRegex(indicator.pattern), &word_start, &word_end);
      if (folded.empty()) {
        problem("the regular expression is empty");
        continue;
      }
      // Hyperscan with start of match; else RE2 for the spans, run only on texts where Hyperscan
      // found the regex itself (without start of match) or a prefilter of it; else RE2 alone.
      const unsigned flags = HS_FLAG_UTF8 | HS_FLAG_UCP;
      const bool large_repeat = LargestRepeat(folded) > kMaxHyperscanRepeat;
      const std::string hyperscan_error =
          large_repeat ? "a bounded repeat over " + std::to_string(kMaxHyperscanRepeat)
                       : TryHyperscan(folded, flags | HS_FLAG_SOM_LEFTMOST);
      impl.context_regex = impl.context_regex || DependsOnContext(folded);
      if (hyperscan_error.empty()) {
        regexes.push_back({folded, flags | HS_FLAG_SOM_LEFTMOST, {loaded, Source::kRegex, 0}});
      } else {
        RE2::Options re2_options;
        re2_options.set_log_errors(false);
        re2_options.set_encoding(RE2::Options::EncodingUTF8);
        auto re2 = std::make_unique<RE2>(Re2Dialect(folded), re2_options);
        if (!re2->ok()) {
          problem(base::StrCat("regex '", indicator.pattern, "': ", re2->error(),
                               " (hyperscan: ", hyperscan_error, ")"));
          continue;
        }
        if (RE2::PartialMatch("", *re2)) {
          problem(base::StrCat("regex '", indicator.pattern, "' matches the empty text"));
          continue;
        }
        const uint32_t side_index = static_cast<uint32_t>(impl.side.size());
        bool prefiltered = false;
        for (const unsigned filter :
             {flags | HS_FLAG_SINGLEMATCH, flags | HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER}) {
          if (large_repeat || prefiltered || !TryHyperscan(folded, filter).empty()) continue;
          regexes.push_back({folded, filter, {loaded, Source::kPrefilter, side_index}});
          prefiltered = true;
        }
        impl.side.push_back({loaded, std::move(re2), prefiltered});
      }
      impl.indicators.push_back({indicator.id, indicator.allow, true, word_start, word_end});
      source_index.push_back(static_cast<uint32_t>(position));
      impl.any_allow = impl.any_allow || indicator.allow;
      continue;
    }
    impl.indicators.push_back(
        {indicator.id, indicator.allow, indicator.kind == IndicatorKind::kRegex});
    source_index.push_back(static_cast<uint32_t>(position));
    impl.any_allow = impl.any_allow || indicator.allow;
  }
  if (impl.indicators.empty() && !indicators.empty()) {
    return absl::InvalidArgumentError(base::StrCat(
        "no indicator could be compiled (", problems.size(),
        " problems; the first: ", problems.empty() ? std::string("none") : problems[0].error, ")"));
  }
  const size_t problems_before = problems.size();
  absl::Status status =
      BuildDatabase(full, indicators, source_index, problems, &impl.full_db, impl.full_refs);
  if (!status.ok()) return status;
  status = BuildDatabase(compact, indicators, source_index, problems, &impl.compact_db,
                         impl.compact_refs);
  if (!status.ok()) return status;
  status =
      BuildDatabase(regexes, indicators, source_index, problems, &impl.regex_db, impl.regex_refs);
  if (!status.ok()) return status;
  impl.needs_utf8 = impl.regex_db != nullptr || !impl.side.empty();
  if (problems.size() != problems_before) {
    // An indicator dropped from one database: forget it entirely (its other parts stay
    // compiled but are never reported).
    for (size_t i = problems_before; i < problems.size(); ++i) {
      for (LoadedIndicator& loaded : impl.indicators) {
        if (loaded.id == problems[i].indicator_id) loaded.id = INT64_MIN;
      }
    }
  }
  return matcher;
}

namespace {

struct MatchContext {
  TextScratch::State* state;
  Channel channel;
  const std::vector<PatternRef>* refs;
  const std::string* compact = nullptr;  // kCompact: the channel whose pair hashes are scanned
};

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* context_pointer) {
  auto* context = static_cast<MatchContext*>(context_pointer);
  TextScratch::State& state = *context->state;
  const PatternRef& ref = (*context->refs)[id];
  if (ref.source == Source::kPrefilter) {
    state.prefilter_hit[ref.length] = 1;
    return 0;
  }
  if (context->channel == Channel::kCompact &&
      (to < ref.length ||
       static_cast<uint8_t>((*context->compact)[to - ref.length]) != ref.first)) {
    return 0;  // the pairs matched, the first byte does not
  }
  if (state.raw.size() >= kMaxRawHits) {
    state.stopped = true;
    return 1;
  }
  state.raw.push_back(
      {id, static_cast<uint32_t>(from), static_cast<uint32_t>(to), context->channel});
  return 0;
}

}  // namespace

TextScratch TextMatcher::NewScratch() const {
  TextScratch scratch;
  scratch.state = std::make_unique<TextScratch::State>();
  impl_->EnsureScratch(*scratch.state);
  return scratch;
}

bool TextMatcher::Impl::EnsureScratch(TextScratch::State& state) const {
  const Impl& impl = *this;
  if (state.generation == impl.generation) return true;
  // hs_alloc_scratch grows a scratch made for another database, so one State serves any matcher.
  if (impl.full_db != nullptr && hs_alloc_scratch(impl.full_db, &state.hs) != HS_SUCCESS) {
    return false;
  }
  if (impl.compact_db != nullptr && hs_alloc_scratch(impl.compact_db, &state.hs) != HS_SUCCESS) {
    return false;
  }
  if (impl.regex_db != nullptr && hs_alloc_scratch(impl.regex_db, &state.hs) != HS_SUCCESS) {
    return false;
  }
  state.prefilter_hit.assign(impl.side.size(), 0);
  state.generation = impl.generation;
  return true;
}

namespace {

// The byte length of the code point at `pos`.
size_t CodePointLength(const Normalizer& normalizer, std::string_view text, size_t pos) {
  size_t length = 1;
  normalizer.ClassAt(text, pos, &length);
  return length;
}

bool IsBoundary(CharClass cls) { return cls == CharClass::kSpace || cls == CharClass::kSeparator; }

// Whether the original has a word boundary before `pos`: the previous non-ignorable code point
// is a space or separator, or there is none.
bool BoundaryBefore(const Normalizer& normalizer, std::string_view text, size_t pos) {
  while (pos > 0) {
    size_t start = pos - 1;
    // Back to the start of the code point (at most 3 continuation bytes).
    for (int step = 0; step < 3 && start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80;
         ++step) {
      --start;
    }
    size_t length = 1;
    CharClass cls = normalizer.ClassAt(text, start, &length);
    if (start + length != pos) {  // an invalid sequence: its last byte stands alone
      start = pos - 1;
      cls = normalizer.ClassAt(text, start, &length);
    }
    if (cls != CharClass::kIgnorable) return IsBoundary(cls);
    pos = start;
  }
  return true;
}

bool BoundaryAfter(const Normalizer& normalizer, std::string_view text, size_t pos) {
  while (pos < text.size()) {
    size_t length = 1;
    const CharClass cls = normalizer.ClassAt(text, pos, &length);
    if (cls != CharClass::kIgnorable) return IsBoundary(cls);
    pos += length;
  }
  return true;
}

// Whether the original bytes [from, to) hold a space or separator.
bool Separated(const Normalizer& normalizer, std::string_view text, size_t from, size_t to) {
  while (from < to) {
    size_t length = 1;
    if (IsBoundary(normalizer.ClassAt(text, from, &length))) return true;
    from += length;
  }
  return false;
}

// A compact hit counts where the original was spelled out (text_matcher.h): on word boundaries,
// and at least half of the gaps between its code points separated.
bool SpelledOut(const Normalizer& normalizer, std::string_view text,
                const std::vector<uint32_t>& origin, uint32_t from, uint32_t to,
                uint32_t original_start, uint32_t original_end) {
  if (!BoundaryBefore(normalizer, text, original_start)) return false;
  if (!BoundaryAfter(normalizer, text, original_end)) return false;
  size_t gaps = 0, separated = 0;
  uint32_t previous = origin[from];
  for (uint32_t i = from + 1; i < to; ++i) {
    if (origin[i] == previous) continue;
    ++gaps;
    const size_t previous_end = previous + CodePointLength(normalizer, text, previous);
    if (Separated(normalizer, text, previous_end, origin[i])) ++separated;
    previous = origin[i];
  }
  return separated > 0 && separated * 2 >= gaps;
}

}  // namespace

void TextMatcher::Impl::Convert(std::string_view text, TextScratch::State& state) const {
  const Normalizer& normalizer = Normalizer::Get();
  Normalizer::Channels& channels = state.channels;
  // Origins only for the channels that have hits (the full channel's literals are few).
  unsigned which = 0;
  for (const RawHit& raw : state.raw) {
    which |= raw.channel == Channel::kFull      ? Normalizer::kCodedFull
             : raw.channel == Channel::kCompact ? Normalizer::kCodedCompact
                                                : Normalizer::kUtf8Full;
  }
  normalizer.FoldChannels(text, which, /*with_origin=*/true, channels);
  state.candidates.clear();
  for (const RawHit& raw : state.raw) {
    uint32_t indicator = 0, from = raw.from;
    const std::string* channel = &channels.full;
    const std::vector<uint32_t>* origin = &channels.full_origin;
    switch (raw.channel) {
      case Channel::kFull:
      case Channel::kCompact: {
        const bool compact = raw.channel == Channel::kCompact;
        const PatternRef& ref = compact ? compact_refs[raw.ref] : full_refs[raw.ref];
        indicator = ref.indicator;
        from = raw.to - ref.length;
        if (compact) {
          channel = &channels.compact;
          origin = &channels.compact_origin;
        }
        // A one-byte letter code that matched the lead byte of a longer UTF-8 sequence.
        if (raw.to < channel->size() && static_cast<uint8_t>((*channel)[raw.to - 1]) >= 0xE0 &&
            (static_cast<uint8_t>((*channel)[raw.to]) & 0xC0) == 0x80) {
          continue;
        }
        break;
      }
      case Channel::kRegex:
        indicator = regex_refs[raw.ref].indicator;
        channel = &channels.utf8_full;
        origin = &channels.utf8_full_origin;
        break;
      case Channel::kSide:
        indicator = side[raw.ref].indicator;
        channel = &channels.utf8_full;
        origin = &channels.utf8_full_origin;
        break;
    }
    if (from >= raw.to || raw.to > channel->size()) continue;
    const LoadedIndicator& loaded = indicators[indicator];
    if (loaded.id == INT64_MIN) continue;  // dropped at compile time
    if ((loaded.word_start && !BoundaryBefore(normalizer, *channel, from)) ||
        (loaded.word_end && !BoundaryAfter(normalizer, *channel, raw.to))) {
      continue;
    }
    const uint32_t start = (*origin)[from];
    const uint32_t last = (*origin)[raw.to - 1];
    const uint32_t end = last + static_cast<uint32_t>(CodePointLength(normalizer, text, last));
    bool compact = false;
    if (raw.channel == Channel::kCompact) {
      // Where the original span folds to the literal's full form, it is a full hit. (The span
      // is folded alone: it starts and ends with letters or digit-likes next to letters, which
      // fold the same without the text around them.)
      normalizer.FoldChannels(text.substr(start, end - start), Normalizer::kCodedFull,
                              /*with_origin=*/false, state.span);
      if (state.span.full != full_forms[compact_refs[raw.ref].form]) {
        if (!SpelledOut(normalizer, text, *origin, from, raw.to, start, end)) continue;
        compact = true;
      }
    }
    state.candidates.push_back({indicator, start, end, compact});
  }
  auto& candidates = state.candidates;
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    if (a.indicator != b.indicator) return a.indicator < b.indicator;
    return a.compact < b.compact;
  });
  candidates.erase(std::unique(candidates.begin(), candidates.end(),
                               [](const Candidate& a, const Candidate& b) {
                                 return a.start == b.start && a.end == b.end &&
                                        a.indicator == b.indicator;
                               }),
                   candidates.end());
  // Hyperscan reports every end of a regular expression's match ("бомб\w*": бомб, бомба, ...):
  // overlapping spans of one regex become one, the longest.
  bool any_regex = false;
  for (const Candidate& candidate : candidates) {
    any_regex = any_regex || indicators[candidate.indicator].regex;
  }
  if (!any_regex) return;
  size_t kept = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    Candidate& candidate = candidates[i];
    if (candidate.end == 0) continue;  // merged into an earlier one
    if (indicators[candidate.indicator].regex) {
      for (size_t j = i + 1; j < candidates.size() && candidates[j].start < candidate.end; ++j) {
        if (candidates[j].indicator == candidate.indicator && candidates[j].end != 0) {
          candidate.end = std::max(candidate.end, candidates[j].end);
          candidates[j].end = 0;
        }
      }
    }
    candidates[kept++] = candidate;
  }
  candidates.resize(kept);
}

std::string_view TextMatcher::Impl::Truncate(std::string_view text) const {
  if (text.size() <= options.max_text_bytes) return text;
  size_t cut = options.max_text_bytes;
  for (int step = 0; step < 3 && cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80;
       ++step) {
    --cut;
  }
  return text.substr(0, cut);
}

void TextMatcher::Scan(std::string_view text, TextScratch& scratch,
                       std::vector<TextHit>& hits) const {
  const Impl& impl = *impl_;
  if (!scratch.state) scratch.state = std::make_unique<TextScratch::State>();
  TextScratch::State& state = *scratch.state;
  if (!impl.EnsureScratch(state)) return;
  text = impl.Truncate(text);
  const Normalizer& normalizer = Normalizer::Get();
  Normalizer::Channels& channels = state.channels;
  normalizer.FoldChannels(text, impl.Channels(), /*with_origin=*/false, channels);
  state.raw.clear();
  state.stopped = false;
  if (!impl.side.empty()) std::fill(state.prefilter_hit.begin(), state.prefilter_hit.end(), 0);
  if (impl.compact_db != nullptr) HashPairs(channels.compact, state.hashed);
  auto scan = [&](hs_database_t* database, const std::string& channel, Channel kind,
                  const std::vector<PatternRef>& refs) {
    if (database == nullptr || state.stopped) return;
    MatchContext context{&state, kind, &refs, &channels.compact};
    hs_scan(database, channel.data(), static_cast<unsigned>(channel.size()), 0, state.hs, OnMatch,
            &context);
  };
  scan(impl.full_db, channels.full, Channel::kFull, impl.full_refs);
  scan(impl.compact_db, state.hashed, Channel::kCompact, impl.compact_refs);
  scan(impl.regex_db, channels.utf8_full, Channel::kRegex, impl.regex_refs);
  for (size_t side_index = 0; side_index < impl.side.size() && !state.stopped; ++side_index) {
    const SideRegex& side = impl.side[side_index];
    if (side.prefiltered && !state.prefilter_hit[side_index]) continue;
    const re2::StringPiece input(channels.utf8_full.data(), channels.utf8_full.size());
    size_t position = 0;
    re2::StringPiece match;
    while (position <= input.size() &&
           side.re2->Match(input, position, input.size(), RE2::UNANCHORED, &match, 1)) {
      const size_t from = match.data() - input.data();
      const size_t to = from + match.size();
      if (state.raw.size() >= kMaxRawHits) {
        state.stopped = true;
        break;
      }
      if (to > from) {
        state.raw.push_back({static_cast<uint32_t>(side_index), static_cast<uint32_t>(from),
                             static_cast<uint32_t>(to), Channel::kSide});
      }
      position = to > from ? to : to + 1;
      // Next code point boundary (the full channel is valid UTF-8).
      while (position < input.size() && (static_cast<uint8_t>(input[position]) & 0xC0) == 0x80) {
        ++position;
      }
    }
  }
  if (state.raw.empty()) return;  // the fast path: no offsets needed

  impl.Convert(text, state);
  const auto& candidates = state.candidates;
  for (const Candidate& candidate : candidates) {
    const LoadedIndicator& indicator = impl.indicators[candidate.indicator];
    if (indicator.allow) continue;
    bool allowed = false;
    if (impl.any_allow) {
      for (const Candidate& other : candidates) {
        if (other.start > candidate.start) break;  // sorted by start
        if (impl.indicators[other.indicator].allow && other.end >= candidate.end) {
          allowed = true;
          break;
        }
      }
    }
    if (!allowed) {
      hits.push_back({indicator.id, candidate.start, candidate.end, candidate.compact});
    }
  }
}

namespace {

// ScanBatch's texts are grouped by about this many bytes of input (offsets stay far below 2^32
// and the buffers small); a larger text is scanned alone.
constexpr size_t kBatchBytes = size_t{1} << 20;

struct BatchContext {
  TextScratch::State* state;
  Channel channel;
  const std::vector<PatternRef>* refs;
  const std::vector<uint32_t>* bases;  // where each text begins, then the end
  const std::string* compact = nullptr;
};

// Marks the text that a match of the batch lies in (ScanBatch rescans it alone).
int OnBatchMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
                 void* context_pointer) {
  auto* context = static_cast<BatchContext*>(context_pointer);
  const std::vector<uint32_t>& bases = *context->bases;
  if (to == 0) return 0;
  const size_t text = static_cast<size_t>(
      std::upper_bound(bases.begin(), bases.end(), static_cast<uint32_t>(to - 1)) - bases.begin() -
      1);
  if (text + 1 >= bases.size()) return 0;
  if (to > bases[text + 1] - 1) return 0;  // ends on the separator
  if (context->channel != Channel::kRegex) {
    const PatternRef& ref = (*context->refs)[id];
    if (to < ref.length || to - ref.length < bases[text]) return 0;  // crosses a boundary
    if (context->channel == Channel::kCompact &&
        static_cast<uint8_t>((*context->compact)[to - ref.length]) != ref.first) {
      return 0;
    }
  }
  (void)from;
  context->state->marked[text] = 1;
  return 0;
}

void AppendText(const std::string& channel, std::string& batch, std::vector<uint32_t>& bases) {
  bases.push_back(static_cast<uint32_t>(batch.size()));
  batch.append(channel);
  batch.push_back('\n');
}

}  // namespace

void TextMatcher::ScanBatch(const std::vector<std::string_view>& texts, TextScratch& scratch,
                            std::vector<std::vector<TextHit>>& hits_per_text) const {
  const Impl& impl = *impl_;
  hits_per_text.resize(texts.size());
  for (std::vector<TextHit>& hits : hits_per_text) hits.clear();
  if (impl.context_regex || !impl.side.empty()) {
    for (size_t i = 0; i < texts.size(); ++i) Scan(texts[i], scratch, hits_per_text[i]);
    return;
  }
  if (!scratch.state) scratch.state = std::make_unique<TextScratch::State>();
  TextScratch::State& state = *scratch.state;
  if (!impl.EnsureScratch(state)) return;
  const Normalizer& normalizer = Normalizer::Get();
  const unsigned which = impl.Channels();
  Normalizer::Channels& batch = state.batch;
  size_t next = 0;
  while (next < texts.size()) {
    const size_t first = next;
    if (impl.Truncate(texts[next]).size() > kBatchBytes) {
      Scan(texts[next], scratch, hits_per_text[next]);
      ++next;
      continue;
    }
    // One group: normalise each text alone, append to the batch channels.
    batch.full.clear();
    batch.compact.clear();
    batch.utf8_full.clear();
    state.full_base.clear();
    state.compact_base.clear();
    state.utf8_base.clear();
    size_t bytes = 0;
    while (next < texts.size()) {
      const std::string_view text = impl.Truncate(texts[next]);
      if (text.size() > kBatchBytes || (next > first && bytes + text.size() > kBatchBytes)) break;
      bytes += text.size();
      normalizer.FoldChannels(text, which, /*with_origin=*/false, state.channels);
      if (which & Normalizer::kCodedFull) {
        AppendText(state.channels.full, batch.full, state.full_base);
      }
      if (which & Normalizer::kCodedCompact) {
        AppendText(state.channels.compact, batch.compact, state.compact_base);
      }
      if (which & Normalizer::kUtf8Full) {
        AppendText(state.channels.utf8_full, batch.utf8_full, state.utf8_base);
      }
      ++next;
    }
    state.full_base.push_back(static_cast<uint32_t>(batch.full.size()));
    state.compact_base.push_back(static_cast<uint32_t>(batch.compact.size()));
    state.utf8_base.push_back(static_cast<uint32_t>(batch.utf8_full.size()));
    state.marked.assign(next - first, 0);
    if (impl.compact_db != nullptr) HashPairs(batch.compact, state.batch_hashed);
    auto scan = [&](hs_database_t* database, const std::string& channel, Channel kind,
                    const std::vector<PatternRef>& refs, const std::vector<uint32_t>& bases) {
      if (database == nullptr) return;
      BatchContext context{&state, kind, &refs, &bases, &batch.compact};
      hs_scan(database, channel.data(), static_cast<unsigned>(channel.size()), 0, state.hs,
              OnBatchMatch, &context);
    };
    scan(impl.full_db, batch.full, Channel::kFull, impl.full_refs, state.full_base);
    scan(impl.compact_db, state.batch_hashed, Channel::kCompact, impl.compact_refs,
         state.compact_base);
    scan(impl.regex_db, batch.utf8_full, Channel::kRegex, impl.regex_refs, state.utf8_base);
    // Scan uses the per-text buffers of the state, never the batch ones or the marks.
    for (size_t i = first; i < next; ++i) {
      if (state.marked[i - first]) Scan(texts[i], scratch, hits_per_text[i]);
    }
  }
}

}  // namespace threathub::detect
