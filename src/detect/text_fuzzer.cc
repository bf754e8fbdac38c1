// libFuzzer target: the text normaliser and matcher on arbitrary bytes (collected posts come from
// outside, in any encoding or none). Besides not crashing, it checks the documented invariants:
// each channel's origin map has one entry per output byte plus the end, never decreases and stays
// inside the text; the UTF-8 channel is valid UTF-8 and equals Fold's; hits lie inside the
// text, are non-empty, sorted by start, and never inside an allow-listed span; ScanBatch over the
// input split into texts (at each 0x1F byte, or else in three parts, cuts inside characters
// included) gives each text exactly what Scan gives it, with and without the RE2 side path.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "detect/text_matcher.h"

namespace {

using threathub::detect::Indicator;
using threathub::detect::IndicatorKind;
using threathub::detect::Normalizer;
using threathub::detect::TextHit;
using threathub::detect::TextMatcher;
using threathub::detect::TextScratch;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool ValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const uint8_t lead = text[i];
    size_t length = lead < 0x80                   ? 1
                    : lead >= 0xC2 && lead < 0xE0 ? 2
                    : lead >= 0xE0 && lead < 0xF0 ? 3
                    : lead >= 0xF0 && lead < 0xF5 ? 4
                                                  : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<uint8_t>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

void CheckOrigin(std::string_view text, const std::string& out,
                 const std::vector<uint32_t>& origin) {
  Check(origin.size() == out.size() + 1);
  Check(origin.back() == text.size());
  for (size_t i = 0; i < out.size(); ++i) {
    Check(origin[i] < text.size());
    Check(origin[i] <= origin[i + 1]);
  }
}

std::vector<Indicator> Indicators() {
  return {
      {.id = 1, .kind = IndicatorKind::kTerm, .pattern = "террор"},
      {.id = 2, .kind = IndicatorKind::kTerm, .pattern = "кот"},
      {.id = 3, .kind = IndicatorKind::kPhrase, .pattern = "взорвать школу"},
      {.id = 4, .kind = IndicatorKind::kTerm, .pattern = "қару"},
      {.id = 5, .kind = IndicatorKind::kTerm, .pattern = "bomb"},
      {.id = 6, .kind = IndicatorKind::kRegex, .pattern = "бомб\\w*"},
      {.id = 7, .kind = IndicatorKind::kRegex, .pattern = "\\bигил\\b"},
      {.id = 8, .kind = IndicatorKind::kRegex, .pattern = "взрыв.{0,100}школ"},
      {.id = 9, .kind = IndicatorKind::kTerm, .pattern = "антитеррор", .allow = true},
      {.id = 10, .kind = IndicatorKind::kTerm, .pattern = "💣"},
      {.id = 11, .kind = IndicatorKind::kTerm, .pattern = "а"},
  };
}

// With a regex on the RE2 side path (взрыв.{0,100}школ): ScanBatch scans text by text.
const TextMatcher& Matcher() {
  static const TextMatcher* const matcher =
      TextMatcher::Compile(Indicators(), TextMatcher::Options()).value().release();
  return *matcher;
}

// Hyperscan only, and a small text limit: ScanBatch's batched path.
const TextMatcher& BatchMatcher() {
  static const TextMatcher* const matcher = [] {
    std::vector<Indicator> indicators = Indicators();
    indicators[7].pattern = "взрыв.{0,20}школ";
    indicators.push_back({.id = 12, .kind = IndicatorKind::kRegex, .pattern = "[^а-я]кот"});
    TextMatcher::Options options;
    options.max_text_bytes = 64;
    return TextMatcher::Compile(indicators, options).value().release();
  }();
  return *matcher;
}

bool SameHits(const std::vector<TextHit>& a, const std::vector<TextHit>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].indicator_id != b[i].indicator_id || a[i].start != b[i].start ||
        a[i].end != b[i].end || a[i].compact != b[i].compact) {
      return false;
    }
  }
  return true;
}

void CheckBatch(const TextMatcher& matcher, TextScratch& scratch,
                const std::vector<std::string_view>& texts) {
  std::vector<std::vector<TextHit>> batch;
  matcher.ScanBatch(texts, scratch, batch);
  Check(batch.size() == texts.size());
  std::vector<TextHit> alone;
  for (size_t i = 0; i < texts.size(); ++i) {
    alone.clear();
    matcher.Scan(texts[i], scratch, alone);
    Check(SameHits(batch[i], alone));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Normalizer& normalizer = Normalizer::Get();

  std::string full, compact;
  std::vector<uint32_t> full_origin, compact_origin;
  normalizer.Fold(text, full, &full_origin);
  normalizer.Compact(text, compact, &compact_origin);
  CheckOrigin(text, full, full_origin);
  CheckOrigin(text, compact, compact_origin);
  Check(ValidUtf8(full));
  Check(ValidUtf8(compact));

  Normalizer::Channels channels;
  normalizer.FoldChannels(
      text, Normalizer::kCodedFull | Normalizer::kCodedCompact | Normalizer::kUtf8Full,
      /*with_origin=*/true, channels);
  Check(channels.utf8_full == full);
  CheckOrigin(text, channels.full, channels.full_origin);
  CheckOrigin(text, channels.compact, channels.compact_origin);

  normalizer.FoldRegex(text);  // must not crash on any pattern

  static TextScratch scratch = Matcher().NewScratch();
  std::vector<TextHit> hits;
  Matcher().Scan(text, scratch, hits);
  for (size_t i = 0; i < hits.size(); ++i) {
    Check(hits[i].start < hits[i].end && hits[i].end <= text.size());
    Check(hits[i].indicator_id != 9);
    if (i > 0) Check(hits[i - 1].start <= hits[i].start);
  }

  std::vector<std::string_view> texts;
  if (text.find('\x1F') != std::string_view::npos) {
    size_t start = 0;
    for (size_t end; (end = text.find('\x1F', start)) != std::string_view::npos; start = end + 1) {
      texts.push_back(text.substr(start, end - start));
    }
    texts.push_back(text.substr(start));
  } else {
    texts = {text.substr(0, size / 3), text.substr(size / 3, size / 3),
             text.substr(2 * (size / 3))};
  }
  CheckBatch(Matcher(), scratch, texts);
  static TextScratch batch_scratch = BatchMatcher().NewScratch();
  CheckBatch(BatchMatcher(), batch_scratch, texts);
  return 0;
}
