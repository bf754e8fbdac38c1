// Text indicators matched over normalised text: Hyperscan (Vectorscan) block-mode databases
// compiled once from every active indicator (one of all the literals, looked for in the compact
// channel; one of the regular expressions and side-path prefilters, over the full channel in
// UTF-8; a small one of the literals that begin or end with a symbol, over the full channel),
// run over text normalised so that evasions fold onto the indicator.
//
//   detect::TextMatcher::Options options;
//   std::vector<detect::Indicator> indicators = {{.id = 1, .kind = IndicatorKind::kTerm,
//                                                .pattern = "террор"}};
//   ASSIGN_OR_RETURN(auto matcher, detect::TextMatcher::Compile(indicators, options));
//   // matcher->problems(): patterns that did not compile, each naming its pattern; the rest load.
//   detect::TextScratch scratch = matcher->NewScratch();       // one per thread
//   std::vector<detect::TextHit> hits;
//   matcher->Scan("Т.е.р.р.0.р сегодня", scratch, hits);
//   // hits[0].indicator_id == 1, [hits[0].start, hits[0].end) == the bytes "Т.е.р.р.0.р"
//
// Normalisation (Normalizer, table-driven: one table lookup per code point, built once with ICU
// at start-up; no ICU call per character). In this order, per code point:
//   1. Unicode NFKC case folding (ICU nfkc_cf), so fullwidth, ligatures, styled letters and case
//      fold; default-ignorable code points (soft hyphen, zero-width space/joiner/non-joiner, word
//      joiner, BOM, variation selectors...) are removed.
//   2. Latin look-alikes folded onto Cyrillic (a/а, e/е, o/о, p/р, c/с, x/х, y/у, k/к, m/м, t/т,
//      h/н, b/в, ...), ё onto е, Kazakh letters onto what a Russian keyboard types (ә/а, ғ/г, қ/к,
//      ң/н, ө/о, ұ ү/у, һ/х, і/и).
//   3. Digits and symbols used as letters (0/о, 1/и, 3/з, 4/ч, 6/б, 7/т, 8/в, @/а, $/s, €/е)
//      only when next to a letter: a run of at most 3 of them touching a letter folds (б0мб@
//      folds to бомба; 2024 and 1488 stay numbers; in the compact channel separators do not count
//      as neighbours, so т.3.р.р.0.р folds there).
//   Runs of white space become one space in the full channel.
// Two channels are scanned: the folded text ("full"), and the folded text with separators
// (spaces, punctuation) removed ("compact"), which finds т.е.р.р.о.р and т е р р о р. A compact
// hit counts only where the original was spelled out: the hit starts and ends on word boundaries
// of the original and at least half of its neighbouring letters are separated there, so that
// words next to each other ("как от") do not make a hit for "кот" but "к.о.т" and "ко т" do.
// Every byte of normalised text maps back to the byte range of the original it came from, so a
// hit is reported in original byte offsets and highlighted exactly.
//
// Literal indicators (terms, phrases) are normalised as the text is, then matched as literals in
// the compact channel; a hit whose original span folds to the literal's full form is an ordinary
// hit, any other one must be spelled out (above).
// Regular expressions are matched over the full channel (they see lower-case text with the
// look-alikes folded; docs/detection.md says how to write one). A regular expression Hyperscan
// cannot compile goes to a side path (RE2 over the same normalised text), run only on texts where
// a Hyperscan prefilter of it matched; one RE2 cannot compile either is a problem naming it.
//
// Thread-safety: a compiled TextMatcher is immutable and shared; each thread has its own scratch.
// Scan neither throws nor allocates per call once the scratch has grown to the text's size.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace threathub::detect {

enum class IndicatorKind { kTerm, kPhrase, kRegex };
std::string_view IndicatorKindName(IndicatorKind kind);  // term, phrase, regex
std::optional<IndicatorKind> ParseIndicatorKind(std::string_view name);

// One pattern to find. `id` is the caller's (the database id); the matcher only reports it.
struct Indicator {
  int64_t id = 0;
  IndicatorKind kind = IndicatorKind::kTerm;
  std::string pattern;
  // Allow-list entries suppress a hit of another indicator whose span lies inside theirs
  // ("террорист" hits inside "антитеррористический" are suppressed by an allow entry for it).
  bool allow = false;
};

// A hit, in byte offsets of the original text.
struct TextHit {
  int64_t indicator_id = 0;
  uint32_t start = 0;
  uint32_t end = 0;
  bool compact = false;  // found in the separators-removed channel only
};

// A pattern that did not load, and why ("regex 'a(' at offset 2: missing )").
struct PatternProblem {
  int64_t indicator_id = 0;
  std::string pattern;
  std::string error;
};

// Byte-exact normalisation (see the file comment). Immutable after construction.
class Normalizer {
 public:
  // The process-wide normaliser (its tables are built on first use, in a few milliseconds).
  static const Normalizer& Get();
  ~Normalizer();

  // The full channel of `text` (invalid UTF-8 bytes become U+FFFD's folding, i.e. kept as a
  // replacement, never skipped silently). With `origin`, origin[i] is the offset in `text` of the
  // code point that produced byte i of the output, and origin[output.size()] == text.size().
  void Fold(std::string_view text, std::string& output, std::vector<uint32_t>* origin) const;
  // The compact channel: Fold, then separators removed.
  void Compact(std::string_view text, std::string& output, std::vector<uint32_t>* origin) const;
  // A literal indicator as the matcher stores it (its full channel, outer spaces trimmed).
  std::string FoldPattern(std::string_view pattern) const;

  // What the matcher uses (not needed by other callers):
  // The channels in the matcher's byte code: a folded Cyrillic letter а..я is one byte, 0xE0 + its
  // index (Hyperscan's literal matcher is many times slower over UTF-8 Cyrillic, where every
  // other byte is 0xD0 or 0xD1); everything else stays UTF-8. The code is unambiguous except that
  // a one-byte letter may match the lead byte of a 3- or 4-byte sequence, which a match then
  // followed by a continuation byte shows. `utf8_full` is the full channel in UTF-8 (for regular
  // expressions). Origins as in Fold, made only when asked for.
  struct Channels {
    std::string full;
    std::string compact;
    std::string utf8_full;
    std::vector<uint32_t> full_origin;
    std::vector<uint32_t> compact_origin;
    std::vector<uint32_t> utf8_full_origin;
  };
  // `which`: a set of the bits below. Channels not asked for are left as they were.
  static constexpr unsigned kCodedFull = 1, kCodedCompact = 2, kUtf8Full = 4;
  void FoldChannels(std::string_view text, unsigned which, bool with_origin,
                    Channels& channels) const;
  // The class of the code point at byte `pos` of `text` (invalid UTF-8: one byte, a separator);
  // `*length` receives its length in bytes.
  enum class CharClass : uint8_t { kIgnorable, kLetter, kDigitLike, kOther, kSpace, kSeparator };
  CharClass ClassAt(std::string_view text, size_t pos, size_t* length) const;
  // A regular expression with its literal letters folded as text is (ASCII punctuation, escapes,
  // classes' ranges, quantifiers and group syntax are kept as written; digits are not folded).
  std::string FoldRegex(std::string_view pattern) const;

  struct Tables;  // opaque (normalize.cc)

 private:
  Normalizer();
  std::unique_ptr<Tables> tables_;
};

// Scratch space of one thread (Hyperscan scratch, normalisation buffers, offset maps).
class TextScratch {
 public:
  TextScratch();
  ~TextScratch();
  TextScratch(TextScratch&&) noexcept;
  TextScratch& operator=(TextScratch&&) noexcept;
  struct State;
  std::unique_ptr<State> state;
};

class TextMatcher {
 public:
  struct Options {
    // Above this many bytes a text is scanned in its first max_text_bytes only.
    size_t max_text_bytes = size_t{16} << 20;
  };
  // Compiles every indicator; one that does not compile is left out and listed in problems().
  // Fails only when none could be compiled at all while some were given, or Hyperscan fails.
  static absl::StatusOr<std::unique_ptr<TextMatcher>> Compile(
      const std::vector<Indicator>& indicators, const Options& options);
  ~TextMatcher();

  TextScratch NewScratch() const;
  // Appends the hits in `text` (any bytes; invalid UTF-8 is scanned as U+FFFD) to `hits`: each
  // indicator at most once per distinct span, allow-listed spans removed, sorted by start.
  void Scan(std::string_view text, TextScratch& scratch, std::vector<TextHit>& hits) const;
  // Scans many texts at once, the fast path for many short texts (posts): `hits_per_text` is
  // resized to texts.size() and hits_per_text[i] holds exactly what Scan(texts[i]) appends to an
  // empty vector (texts[i] may be empty, invalid UTF-8 or longer than max_text_bytes, as for Scan).
  // How: every text is normalised alone (so folding never sees a neighbour) into one buffer per
  // channel, texts separated by a newline; one hs_scan per channel covers the batch; a match is
  // mapped to its text by binary search over the boundaries and counts only inside one text
  // (literals: both ends within it; regular expressions: its end). Only the texts with such a match
  // are scanned again alone with Scan (offset maps, spelled-out check, allow entries), so the
  // result never depends on the batch. Texts are grouped internally by about 1 MiB; a text larger
  // than that is scanned alone. A matcher whose regular expressions depend on their context
  // (anchors, \b or \B inside) or use the RE2 side path (its prefilters report once per scan) scans
  // text by text. Neither throws nor allocates per call once the scratch and the vectors have
  // grown.
  void ScanBatch(const std::vector<std::string_view>& texts, TextScratch& scratch,
                 std::vector<std::vector<TextHit>>& hits_per_text) const;

  const std::vector<PatternProblem>& problems() const { return problems_; }
  size_t size() const;  // indicators loaded (allow entries included)

 private:
  TextMatcher() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<PatternProblem> problems_;
};

}  // namespace threathub::detect
