// The evasion generator, and the quality of the matcher measured with it: recall over generated
// evasions of a few hundred indicators (asserted >= 99%), and false hits on a clean corpus made
// of the words of the hunspell-ru and hunspell-kk dictionaries (printed; a loose bound asserted).
#include "detect/internal/evasion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "detect/text_matcher.h"

namespace threathub::detect::internal {
namespace {

std::string Fold(std::string_view text) {
  std::string out;
  Normalizer::Get().Fold(text, out, nullptr);
  return out;
}
std::string Compact(std::string_view text) {
  std::string out;
  Normalizer::Get().Compact(text, out, nullptr);
  return out;
}

TEST(EvasionTest, SameSeedSameVariants) {
  EvasionGenerator first(7), second(7), other(8);
  const auto a = first.Variants("террористический акт", 40);
  const auto b = second.Variants("террористический акт", 40);
  const auto c = other.Variants("террористический акт", 40);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(EvasionTest, EachKindChangesTheTextAndFoldsBack) {
  EvasionGenerator generator(1);
  const std::string indicator = "террорист ерлан";  // has е, letters with look-alikes, к-less
  for (EvasionKind kind : kAllEvasionKinds) {
    for (int round = 0; round < 20; ++round) {
      const std::string variant = generator.Make(indicator, kind);
      EXPECT_NE(variant, indicator) << EvasionKindName(kind);
      // The variant folds onto the indicator in one of the two channels.
      const bool full = Fold(variant) == Fold(indicator);
      const bool compact = Compact(variant) == Compact(indicator);
      EXPECT_TRUE(full || compact) << EvasionKindName(kind) << ": " << variant;
    }
  }
}

TEST(EvasionTest, KindsDoWhatTheySay) {
  EvasionGenerator generator(3);
  EXPECT_THAT(generator.Make("террор", EvasionKind::kYo), ::testing::HasSubstr("ё"));
  EXPECT_THAT(generator.Make("бомба", EvasionKind::kSoftHyphen), ::testing::HasSubstr("\u00AD"));
  const std::string separated = generator.Make("кот", EvasionKind::kSeparators);
  EXPECT_GT(separated.size(), std::string("кот").size());
  EXPECT_EQ(Compact(separated), "кот");
  EXPECT_EQ(generator.Make("2024", EvasionKind::kKazakh), "2024");  // nothing to change
  const std::string digits = generator.Make("оборона", EvasionKind::kDigits);
  EXPECT_NE(digits, "оборона");
  EXPECT_EQ(Fold(digits), "оборона");
}

// --- quality -------------------------------------------------------------------------------

// Indicators of the kind the lists hold: Russian, Kazakh and English terms and phrases.
const char* const kThreatIndicators[] = {
    // ru
    "террор",
    "терроризм",
    "теракт",
    "террорист",
    "джихад",
    "шахид",
    "смертник",
    "взрывчатка",
    "бомба",
    "взорвать",
    "взрывное устройство",
    "самодельное взрывное устройство",
    "захват заложников",
    "вербовка",
    "экстремизм",
    "халифат",
    "моджахеды",
    "игил",
    "кафиры",
    "присяга амиру",
    "наркотики",
    "закладка",
    "закладчик",
    "мефедрон",
    "героин",
    "спайс",
    "кладмен",
    "оружие",
    "автомат калашникова",
    "купить оружие",
    "расстрел",
    "убить всех",
    "поджог",
    "колумбайн",
    "скулшутинг",
    "массовое убийство",
    "нападение на школу",
    "сбор средств на джихад",
    "изготовление бомбы",
    "нацизм",
    "свастика",
    "взорвать школу",
    "боевики",
    "детонатор",
    "тротил",
    "гексоген",
    // kk
    "лаңкестік",
    "лаңкес",
    "жарылыс",
    "жарылғыш зат",
    "қару",
    "қару сатып алу",
    "есірткі",
    "есірткі сату",
    "өлтіру",
    "жиһад",
    "шейіт",
    "қарулы шабуыл",
    "мектепке шабуыл",
    "кепілге алу",
    "экстремистік ұйым",
    "діни экстремизм",
    "бомба жасау",
    "өзін-өзі жару",
    "қастандық",
    "үгіт-насихат",
    // en
    "terrorism",
    "jihad",
    "bomb",
    "explosive",
    "isis",
    "caliphate",
    "school shooting",
    "kill them all",
    "buy weapons",
    "mujahideen",
    "martyrdom",
    "detonator",
    "pipe bomb",
    "drug dealer",
    "methamphetamine",
    "cocaine",
    "recruitment",
    "hostage",
};

struct Dictionary {
  std::vector<std::string> words;
};

// The words of a Hunspell .dic file ("word/FLAGS" lines after a count line; UTF-8 per the .aff's
// SET line, which both Debian dictionaries use). Only words made of letters are kept.
Dictionary ReadDictionary(const std::string& path) {
  Dictionary dictionary;
  std::ifstream file(path);
  std::string line;
  bool first = true;
  while (std::getline(file, line)) {
    if (first) {  // the count (after a BOM in kk_KZ.dic)
      first = false;
      continue;
    }
    const size_t slash = line.find('/');
    std::string word = line.substr(0, slash);
    while (!word.empty() && (word.back() == '\r' || word.back() == ' ')) word.pop_back();
    if (word.empty()) continue;
    icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(word);
    bool letters = unicode.length() > 0;
    for (int32_t i = 0; i < unicode.length() && letters; i = unicode.moveIndex32(i, 1)) {
      letters = u_isalpha(unicode.char32At(i)) || unicode.char32At(i) == U'-';
    }
    if (letters) dictionary.words.push_back(word);
  }
  return dictionary;
}

size_t CodePoints(const std::string& word) {
  return icu::UnicodeString::fromUTF8(word).countChar32();
}

std::string Lower(const std::string& text) {
  std::string out;
  icu::UnicodeString::fromUTF8(text).toLower().toUTF8String(out);
  return out;
}

const std::string kRussianDictionary = "/usr/share/hunspell/ru_RU.dic";
const std::string kKazakhDictionary = "/usr/share/hunspell/kk_KZ.dic";

bool DictionariesInstalled() {
  return std::ifstream(kRussianDictionary).good() && std::ifstream(kKazakhDictionary).good();
}

TEST(QualityTest, RecallOverGeneratedEvasionsIsAtLeast99Percent) {
  EvasionGenerator generator(2026);
  std::vector<std::string> indicators(std::begin(kThreatIndicators), std::end(kThreatIndicators));
  std::vector<std::string> context = {"сегодня", "вчера",  "бүгін",   "ертең", "today",
                                      "все",     "туралы", "новости", "и",     "жане"};
  if (DictionariesInstalled()) {
    // A few hundred more: dictionary words of 5 to 12 letters, and phrases of two of them.
    for (const std::string& path : {kRussianDictionary, kKazakhDictionary}) {
      const Dictionary dictionary = ReadDictionary(path);
      std::vector<std::string> picked;
      while (picked.size() < 120) {
        const std::string& word = dictionary.words[generator.Below(dictionary.words.size())];
        const size_t length = CodePoints(word);
        if (length >= 5 && length <= 12 && word.find('-') == std::string::npos) {
          picked.push_back(Lower(word));
        }
      }
      for (size_t i = 0; i < 100; ++i) indicators.push_back(picked[i]);
      for (size_t i = 100; i + 1 < picked.size(); i += 2) {
        indicators.push_back(picked[i] + " " + picked[i + 1]);
      }
      for (size_t i = 0; i < 30; ++i) {
        context.push_back(Lower(dictionary.words[generator.Below(dictionary.words.size())]));
      }
    }
  }
  std::vector<Indicator> list;
  for (size_t i = 0; i < indicators.size(); ++i) {
    list.push_back({.id = static_cast<int64_t>(i + 1),
                    .kind = indicators[i].find(' ') == std::string::npos ? IndicatorKind::kTerm
                                                                         : IndicatorKind::kPhrase,
                    .pattern = indicators[i]});
  }
  auto matcher = TextMatcher::Compile(list, TextMatcher::Options());
  ASSERT_TRUE(matcher.ok()) << matcher.status();
  EXPECT_THAT((*matcher)->problems(), ::testing::IsEmpty());
  TextScratch scratch = (*matcher)->NewScratch();

  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> found, total
  int found = 0, exact = 0, total = 0;
  std::vector<std::string> missed;
  std::vector<TextHit> hits;
  constexpr int kVariantsPerIndicator = 18;  // each kind twice
  for (size_t i = 0; i < indicators.size(); ++i) {
    for (const auto& [kind, variant] : generator.Variants(indicators[i], kVariantsPerIndicator)) {
      const std::string left = context[generator.Below(context.size())];
      const std::string right = context[generator.Below(context.size())];
      const std::string text = left + " " + variant + " " + right;
      const uint32_t start = static_cast<uint32_t>(left.size() + 1);
      const uint32_t end = static_cast<uint32_t>(start + variant.size());
      hits.clear();
      (*matcher)->Scan(text, scratch, hits);
      bool hit = false, highlighted = false;
      for (const TextHit& candidate : hits) {
        if (candidate.indicator_id != list[i].id) continue;
        hit = true;
        highlighted = highlighted || (candidate.start == start && candidate.end == end);
      }
      ++total;
      auto& counts = by_kind[std::string(EvasionKindName(kind))];
      ++counts.second;
      if (hit) {
        ++found;
        ++counts.first;
      } else if (missed.size() < 20) {
        missed.push_back(text);
      }
      if (highlighted) ++exact;
    }
  }
  const double recall = 100.0 * found / total;
  const double exact_share = 100.0 * exact / total;
  std::printf(
      "recall: %d of %d generated evasions of %zu indicators found (%.2f%%); highlight "
      "== the evasion's bytes in %.2f%%\n",
      found, total, indicators.size(), recall, exact_share);
  for (const auto& [kind, counts] : by_kind) {
    std::printf("  %-12s %5d of %5d\n", kind.c_str(), counts.first, counts.second);
  }
  for (const std::string& text : missed) std::printf("  missed: %s\n", text.c_str());
  EXPECT_GE(indicators.size(), DictionariesInstalled() ? 300u : 50u);
  EXPECT_GE(recall, 99.0);
  EXPECT_GE(exact_share, 99.0);
}

TEST(QualityTest, FalseHitsOnACleanDictionaryCorpus) {
  if (!DictionariesInstalled()) {
    GTEST_SKIP() << "hunspell-ru and hunspell-kk are not installed (" << kRussianDictionary << ", "
                 << kKazakhDictionary << ")";
  }
  const Dictionary russian = ReadDictionary(kRussianDictionary);
  const Dictionary kazakh = ReadDictionary(kKazakhDictionary);
  std::vector<Indicator> list;
  std::vector<std::string> lowered;
  for (size_t i = 0; i < std::size(kThreatIndicators); ++i) {
    list.push_back({.id = static_cast<int64_t>(i + 1),
                    .kind = IndicatorKind::kPhrase,
                    .pattern = kThreatIndicators[i]});
    lowered.push_back(Lower(kThreatIndicators[i]));
  }
  auto matcher = TextMatcher::Compile(list, TextMatcher::Options());
  ASSERT_TRUE(matcher.ok()) << matcher.status();
  TextScratch scratch = (*matcher)->NewScratch();

  // Lines of 12 dictionary words (two in three Russian), as plain posts without evasions.
  EvasionGenerator random(99);
  constexpr int kLines = 20000;
  int lines_hit = 0, lines_plain = 0, compact_hits = 0, folded_only = 0;
  std::map<std::string, int> extra_words;  // what normalisation alone made hit
  std::vector<TextHit> hits;
  for (int line_index = 0; line_index < kLines; ++line_index) {
    std::string line;
    for (int word = 0; word < 12; ++word) {
      const Dictionary& dictionary = random.Below(3) < 2 ? russian : kazakh;
      if (!line.empty()) line += ' ';
      line += dictionary.words[random.Below(dictionary.words.size())];
    }
    hits.clear();
    (*matcher)->Scan(line, scratch, hits);
    // The plain baseline: a lower-case substring search without normalisation.
    const std::string lower = Lower(line);
    bool plain = false;
    for (const std::string& indicator : lowered)
      plain = plain || lower.find(indicator) != std::string::npos;
    lines_hit += !hits.empty();
    lines_plain += plain;
    for (const TextHit& hit : hits) compact_hits += hit.compact;
    if (!hits.empty() && !plain) {
      ++folded_only;
      const TextHit& hit = hits[0];
      ++extra_words[kThreatIndicators[hit.indicator_id - 1] + std::string(" <- ") +
                    line.substr(hit.start, hit.end - hit.start)];
    }
  }
  std::printf(
      "false hits: %d of %d clean lines (12 dictionary words each, ru_RU + kk_KZ) hit "
      "(%.3f%%); a plain lower-case substring search hits %d (%.3f%%); lines hit only "
      "after normalisation: %d (%.3f%%), compact-channel hits: %d\n",
      lines_hit, kLines, 100.0 * lines_hit / kLines, lines_plain, 100.0 * lines_plain / kLines,
      folded_only, 100.0 * folded_only / kLines, compact_hits);
  int shown = 0;
  for (const auto& [words, count] : extra_words) {
    if (shown++ < 15) std::printf("  %4d  %s\n", count, words.c_str());
  }
  // Loose: normalisation may add hits (Kazakh letters, ё, look-alikes), but not many.
  EXPECT_LE(folded_only, kLines / 100);
}

}  // namespace
}  // namespace threathub::detect::internal
