#include "detect/text_matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "detect/internal/evasion.h"

namespace threathub::detect {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

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

struct FoldCase {
  const char* rule;
  std::string input;
  std::string full;
};

TEST(NormalizerTest, FoldsEachRule) {
  const FoldCase cases[] = {
      {"case folding", "ТЕРРОР Террор", "террор террор"},
      {"NFKC: fullwidth", "ＴＥＲＲＯＲ", "теrrоr"},
      {"NFKC: ligature", "ﬁle", "fиlе"},
      {"NFKC: styled letters", "𝐭𝐞𝐫𝐫𝐨𝐫", "теrrоr"},
      {"soft hyphen removed", "тер\u00ADрор", "террор"},
      {"zero-width space removed", "тер\u200Bрор", "террор"},
      {"zero-width joiner, non-joiner, word joiner, BOM removed", "т\u200Dе\u200Cр\u2060р\uFEFFор",
       "террор"},
      {"variation selector removed", "те\uFE0Fррор", "террор"},
      {"stress mark removed", "терро\u0301р", "террор"},
      {"Latin look-alikes", "tepp0p", "террор"},
      {"Latin look-alikes, upper case", "TEPPOP", "террор"},
      {"more Latin look-alikes", "abcehikmoptxy", "авсеникмортху"},
      {"Greek look-alikes", "τερροr", "терроr"},
      {"ё to е", "ёлка Ёж", "елка еж"},
      {"й stays й", "йод Йемен", "йод йемен"},
      {"Kazakh letters", "әғқңөұүһі", "агкноуухи"},
      {"Kazakh upper case", "ӘҒҚҢӨҰҮҺІ", "агкноуухи"},
      {"Latin diacritics", "tèrrór", "теrrоr"},
      {"digits as letters next to a letter", "б0мб@ т3рр0р", "бомба тзррор"},
      {"more digits as letters", "4ай 6омба 7ам 8се 1гил", "чай бомба там все игил"},
      {"symbols as letters", "@ллах $ex €вро", "аллах sех евро"},
      {"a number stays a number", "2024 1488 100", "2024 1488 100"},
      {"a long run of digits next to a letter stays", "1488р", "1488р"},
      {"a run of up to three folds", "т00р", "тоор"},
      {"digit alone between separators stays", "т.3.р", "т.3.р"},
      {"white space collapses", "а \t\n\u00A0 б", "а б"},
      {"punctuation kept", "т.е.р-р_о,р", "т.е.р-р_о,р"},
      {"empty", "", ""},
  };
  for (const FoldCase& test : cases) {
    EXPECT_EQ(Fold(test.input), test.full) << test.rule;
  }
}

TEST(NormalizerTest, CompactChannelDropsSeparatorsAndFoldsDigitsAcrossThem) {
  EXPECT_EQ(Compact("т.е.р.р.о.р"), "террор");
  EXPECT_EQ(Compact("т е р р о р"), "террор");
  EXPECT_EQ(Compact("т-е_р. р.о р"), "террор");
  EXPECT_EQ(Compact("б.0.м.б.@"), "бомба");
  EXPECT_EQ(Compact("взорвать школу!"), "взорватьшколу");
  EXPECT_EQ(Compact("2024, 1488"), "20241488");
}

TEST(NormalizerTest, OriginMapsEveryOutputByteToItsCodePoint) {
  const std::string text = "Т\u00AD3 рр0р";
  std::string full;
  std::vector<uint32_t> origin;
  Normalizer::Get().Fold(text, full, &origin);
  EXPECT_EQ(full, "тз ррор");
  ASSERT_EQ(origin.size(), full.size() + 1);
  EXPECT_EQ(origin.back(), text.size());
  EXPECT_EQ(origin[0], 0u);  // т
  EXPECT_EQ(origin[1], 0u);
  EXPECT_EQ(origin[2], 4u);  // з from "3", after the soft hyphen (2 bytes)
  EXPECT_EQ(origin[4], 5u);  // the space
}

TEST(NormalizerTest, InvalidUtf8BecomesReplacementCharacters) {
  const std::string text = std::string("а\xFF") + "б\xC3" + "\xE2\x82" + "\xED\xA0\x80" + "\xF8";
  std::string full;
  std::vector<uint32_t> origin;
  Normalizer::Get().Fold(text, full, &origin);
  EXPECT_THAT(full, HasSubstr("\xEF\xBF\xBD"));
  EXPECT_EQ(full.substr(0, 2), "а");
  ASSERT_EQ(origin.size(), full.size() + 1);
  for (size_t i = 1; i < origin.size(); ++i) EXPECT_LE(origin[i - 1], origin[i]);
}

TEST(NormalizerTest, FoldPatternTrimsSpaces) {
  EXPECT_EQ(Normalizer::Get().FoldPattern("  Взорвать   ШКОЛУ \n"), "взорвать школу");
  EXPECT_EQ(Normalizer::Get().FoldPattern(" \u200B "), "");
}

TEST(NormalizerTest, FoldRegexFoldsLettersButNotSyntax) {
  const Normalizer& normalizer = Normalizer::Get();
  EXPECT_EQ(normalizer.FoldRegex("Terror\\w+"), "теrrоr\\w+");
  EXPECT_EQ(normalizer.FoldRegex("(?:Бомб[аыу]){1,3}\\b"), "(?:бомб[аыу]){1,3}\\b");
  EXPECT_EQ(normalizer.FoldRegex("[a-z]\\x{41}\\p{L}"), "[a-z]\\x{41}\\p{L}");
  EXPECT_EQ(normalizer.FoldRegex("t\\.me/\\d+"), "т\\.ме/\\d+");
}

// --- matcher ------------------------------------------------------------------------------

std::unique_ptr<TextMatcher> MustCompile(const std::vector<Indicator>& indicators) {
  auto matcher = TextMatcher::Compile(indicators, TextMatcher::Options());
  EXPECT_TRUE(matcher.ok()) << matcher.status();
  return std::move(matcher).value();
}

std::vector<TextHit> ScanAll(const TextMatcher& matcher, std::string_view text) {
  TextScratch scratch = matcher.NewScratch();
  std::vector<TextHit> hits;
  matcher.Scan(text, scratch, hits);
  return hits;
}

std::vector<std::string> Highlights(const TextMatcher& matcher, std::string_view text) {
  std::vector<std::string> spans;
  for (const TextHit& hit : ScanAll(matcher, text)) {
    spans.emplace_back(text.substr(hit.start, hit.end - hit.start));
  }
  return spans;
}

struct HitCase {
  std::string text;
  std::vector<std::string> highlights;  // the original bytes of each hit, in order
};

TEST(TextMatcherTest, HighlightsAreTheOriginalEvasionBytes) {
  auto matcher = MustCompile({{.id = 1, .kind = IndicatorKind::kTerm, .pattern = "террор"}});
  const HitCase cases[] = {
      {"Т.е.р.р.0.р сегодня", {"Т.е.р.р.0.р"}},
      {"это tepp0p!", {"tepp0p"}},
      {"это ТЕРРОР", {"ТЕРРОР"}},
      {"тер\u00ADрор", {"тер\u00ADрор"}},
      {"x т е р р о р x", {"т е р р о р"}},
      {"т-е-р-р-о-р", {"т-е-р-р-о-р"}},
      {"т_е_р_р_о_р.", {"т_е_р_р_о_р"}},
      {"т. е. р. р. о. р", {"т. е. р. р. о. р"}},
      {"ТЕ\u200BРРОР", {"ТЕ\u200BРРОР"}},
      {"тёррөр", {"тёррөр"}},
      {"ＴＥＰＰＯＰ", {"ＴＥＰＰＯＰ"}},
      {"антитеррористический", {"террор"}},
      {"террор и террор", {"террор", "террор"}},
      {"ничего", {}},
      {"", {}},
  };
  for (const HitCase& test : cases) {
    EXPECT_EQ(Highlights(*matcher, test.text), test.highlights) << test.text;
  }
}

TEST(TextMatcherTest, CompactHitCountsOnlyWhereLettersWereSpelledApart) {
  auto matcher = MustCompile({{.id = 7, .kind = IndicatorKind::kTerm, .pattern = "кот"}});
  EXPECT_THAT(Highlights(*matcher, "как от дома"), IsEmpty());
  EXPECT_THAT(Highlights(*matcher, "такой кот"), ElementsAre("кот"));
  EXPECT_THAT(Highlights(*matcher, "к.о.т"), ElementsAre("к.о.т"));
  EXPECT_THAT(Highlights(*matcher, "ко т!"), ElementsAre("ко т"));
  EXPECT_THAT(Highlights(*matcher, "к отцу"), IsEmpty());
  const std::vector<TextHit> hits = ScanAll(*matcher, "к о т");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].compact);
  EXPECT_EQ(hits[0].indicator_id, 7);
}

TEST(TextMatcherTest, OneByteLetterCodeNeverMatchesInsideALongerCharacter) {
  // "в" is 0xE2 in the matcher's byte code, the lead byte of "—" (E2 80 94) in UTF-8.
  auto matcher = MustCompile({{.id = 1, .pattern = "слов"}, {.id = 2, .pattern = "в"}});
  EXPECT_THAT(Highlights(*matcher, "сло— и —"), IsEmpty());
  EXPECT_THAT(Highlights(*matcher, "слов—"), ElementsAre("слов", "в"));
}

TEST(TextMatcherTest, SymbolIndicatorsMatchInTheFullChannel) {
  auto matcher = MustCompile({{.id = 1, .pattern = "💣"}, {.id = 2, .pattern = "💣 бомба"}});
  EXPECT_THAT(Highlights(*matcher, "вот 💣 бомба!"), ElementsAre("💣", "💣 бомба"));
}

TEST(TextMatcherTest, PhrasesMatchAcrossWhiteSpaceAndSpelledOut) {
  auto matcher =
      MustCompile({{.id = 2, .kind = IndicatorKind::kPhrase, .pattern = "Взорвать школу"}});
  EXPECT_THAT(Highlights(*matcher, "хочу взорвать\n  школу"), ElementsAre("взорвать\n  школу"));
  EXPECT_THAT(Highlights(*matcher, "в.з.о.р.в.а.т.ь ш.к.о.л.у"),
              ElementsAre("в.з.о.р.в.а.т.ь ш.к.о.л.у"));
  EXPECT_THAT(Highlights(*matcher, "взорвать новую школу"), IsEmpty());
}

TEST(TextMatcherTest, EachIndicatorOncePerSpanSortedByStart) {
  auto matcher = MustCompile({{.id = 1, .pattern = "бомба"},
                              {.id = 2, .pattern = "БОМБА"},
                              {.id = 3, .pattern = "школа"}});
  const std::vector<TextHit> hits = ScanAll(*matcher, "школа и бомба");
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].indicator_id, 3);
  EXPECT_EQ(hits[1].indicator_id, 1);
  EXPECT_EQ(hits[2].indicator_id, 2);
  EXPECT_EQ(hits[1].start, hits[2].start);
}

TEST(TextMatcherTest, RegexesSeeFoldedTextAndReportTheirSpan) {
  auto matcher =
      MustCompile({{.id = 5, .kind = IndicatorKind::kRegex, .pattern = "Взорв(ать|у|ем)\\s+\\w+"},
                   {.id = 6, .kind = IndicatorKind::kRegex, .pattern = "t\\.me/\\w+"}});
  EXPECT_THAT(Highlights(*matcher, "мы ВЗ0РВЕМ здание"), ElementsAre("ВЗ0РВЕМ здание"));
  EXPECT_THAT(Highlights(*matcher, "канал t.me/joinchat сегодня"), ElementsAre("t.me/joinchat"));
}

TEST(TextMatcherTest, RegexHyperscanRefusesGoesToRe2) {
  // Hyperscan has no Unicode word boundary (prefiltered RE2); a large bounded repeat goes to RE2
  // without a prefilter.
  auto matcher =
      MustCompile({{.id = 9, .kind = IndicatorKind::kRegex, .pattern = "\\bбомб[аы]\\b"},
                   {.id = 10, .kind = IndicatorKind::kRegex, .pattern = "взрыв(а|ы).{0,100}школ"},
                   {.id = 11, .pattern = "школа"}});
  EXPECT_THAT(matcher->problems(), IsEmpty());
  EXPECT_THAT(Highlights(*matcher, "одна Б0МБА рядом"), ElementsAre("Б0МБА"));
  EXPECT_THAT(Highlights(*matcher, "бомбардировка, бомбы."), ElementsAre("бомбы"));
  EXPECT_THAT(Highlights(*matcher, "взрывы рядом со школой"), ElementsAre("взрывы рядом со школ"));
  EXPECT_THAT(Highlights(*matcher, "взрыв"), IsEmpty());
}

TEST(TextMatcherTest, PatternsThatDoNotCompileAreReportedAndTheRestLoad) {
  auto matcher = MustCompile({{.id = 1, .kind = IndicatorKind::kRegex, .pattern = "a("},
                              {.id = 2, .kind = IndicatorKind::kRegex, .pattern = "(a)\\1"},
                              {.id = 3, .kind = IndicatorKind::kRegex, .pattern = "x*"},
                              {.id = 4, .kind = IndicatorKind::kTerm, .pattern = " \u200B "},
                              {.id = 5, .kind = IndicatorKind::kTerm, .pattern = "бомба"}});
  ASSERT_EQ(matcher->problems().size(), 4u);
  EXPECT_EQ(matcher->problems()[0].indicator_id, 1);
  EXPECT_EQ(matcher->problems()[0].pattern, "a(");
  EXPECT_THAT(matcher->problems()[0].error, HasSubstr("regex 'a('"));
  EXPECT_THAT(matcher->problems()[0].error, HasSubstr("missing )"));
  EXPECT_EQ(matcher->problems()[1].indicator_id, 2);
  EXPECT_THAT(matcher->problems()[2].error, HasSubstr("empty text"));
  EXPECT_THAT(matcher->problems()[3].error, HasSubstr("empty after normalisation"));
  EXPECT_EQ(matcher->size(), 1u);
  EXPECT_THAT(Highlights(*matcher, "б0мба"), ElementsAre("б0мба"));
}

TEST(TextMatcherTest, NothingCompilingIsAnError) {
  auto matcher = TextMatcher::Compile({{.id = 1, .kind = IndicatorKind::kRegex, .pattern = "("}},
                                      TextMatcher::Options());
  EXPECT_EQ(matcher.status().code(), absl::StatusCode::kInvalidArgument);
  auto empty = TextMatcher::Compile({}, TextMatcher::Options());
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(Highlights(**empty, "террор"), IsEmpty());
}

TEST(TextMatcherTest, AllowListSuppressesHitsInsideItsSpan) {
  auto matcher = MustCompile(
      {{.id = 1, .pattern = "террорист"},
       {.id = 2, .pattern = "антитеррористический", .allow = true},
       {.id = 3, .kind = IndicatorKind::kRegex, .pattern = "теракт\\w*"},
       {.id = 4, .kind = IndicatorKind::kRegex, .pattern = "теракт в кино", .allow = true}});
  EXPECT_THAT(Highlights(*matcher, "антитеррористический комитет"), IsEmpty());
  EXPECT_THAT(Highlights(*matcher, "АНТИ-террористический; террорист"),
              ElementsAre("террорист", "террорист"));
  EXPECT_THAT(Highlights(*matcher, "теракт в кино"), IsEmpty());
  EXPECT_THAT(Highlights(*matcher, "теракт вчера"), ElementsAre("теракт"));
}

TEST(TextMatcherTest, InvalidUtf8NeverBreaksTheScan) {
  auto matcher = MustCompile({{.id = 1, .pattern = "бомба"},
                              {.id = 2, .kind = IndicatorKind::kRegex, .pattern = "б\\w+а"}});
  const std::string text = std::string("\xFF\xFE") + "бомба" + "\xC0\xAF\xED\xA0\x80" + "\xF4";
  const std::vector<TextHit> hits = ScanAll(*matcher, text);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(text.substr(hits[0].start, hits[0].end - hits[0].start), "бомба");
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>(i * 37 + 11));
  ScanAll(*matcher, noise);
}

TEST(TextMatcherTest, HugeTextIsScannedUpToTheLimit) {
  TextMatcher::Options options;
  options.max_text_bytes = 1000;
  auto compiled = TextMatcher::Compile({{.id = 1, .pattern = "бомба"}}, options);
  ASSERT_TRUE(compiled.ok());
  std::string text(989, 'x');
  text += " бомба";  // starts at byte 990, ends at 1000
  text += " бомба";
  TextScratch scratch = (*compiled)->NewScratch();
  std::vector<TextHit> hits;
  (*compiled)->Scan(text, scratch, hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].end, 1000u);
  // A cut inside a code point backs off to its start.
  hits.clear();
  (*compiled)->Scan(std::string(999, 'x') + "б", scratch, hits);
  EXPECT_THAT(hits, IsEmpty());
  // The default limit: 16 MiB of text with a hit at the end of the limit.
  auto big_matcher = MustCompile({{.id = 2, .pattern = "бомба"}});
  std::string big(size_t{16} << 20, 'a');
  big.replace(big.size() - 11, 11, " бомба");
  big += " бомба тут";
  TextScratch big_scratch = big_matcher->NewScratch();
  hits.clear();
  big_matcher->Scan(big, big_scratch, hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].end, size_t{16} << 20);
}

TEST(TextMatcherTest, OneMatcherServesSeveralThreadsEachWithItsScratch) {
  auto matcher = MustCompile({{.id = 1, .pattern = "террор"},
                              {.id = 2, .kind = IndicatorKind::kRegex, .pattern = "бомб\\w*"}});
  std::vector<std::thread> threads;
  std::vector<int> found(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      TextScratch scratch = matcher->NewScratch();
      std::vector<TextHit> hits;
      for (int i = 0; i < 2000; ++i) {
        hits.clear();
        matcher->Scan(i % 2 ? "т.е.р.р.о.р и бомбы" : "ничего нет", scratch, hits);
        found[t] += static_cast<int>(hits.size());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(found[t], 2000) << t;
}

TEST(TextMatcherTest, ScratchMovesBetweenMatchers) {
  auto first = MustCompile({{.id = 1, .pattern = "террор"}});
  auto second = MustCompile({{.id = 2, .pattern = "бомба"}, {.id = 3, .pattern = "школа"}});
  TextScratch scratch = first->NewScratch();
  std::vector<TextHit> hits;
  second->Scan("бомба и школа", scratch, hits);
  EXPECT_EQ(hits.size(), 2u);
  TextScratch empty;
  hits.clear();
  first->Scan("террор", empty, hits);
  EXPECT_EQ(hits.size(), 1u);
}

// ScanBatch must give each text exactly what Scan gives it, whatever the batch around it.
void ExpectBatchEqualsScan(const TextMatcher& matcher, const std::vector<std::string>& texts) {
  TextScratch scratch = matcher.NewScratch();
  std::vector<std::vector<TextHit>> expected(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) matcher.Scan(texts[i], scratch, expected[i]);
  size_t with_hits = 0;
  for (const auto& hits : expected) with_hits += !hits.empty();
  EXPECT_GT(with_hits, 0u);
  std::vector<std::vector<TextHit>> got;
  for (size_t batch_size : {size_t{1}, size_t{2}, size_t{7}, size_t{256}, texts.size()}) {
    for (size_t first = 0; first < texts.size(); first += batch_size) {
      const size_t last = std::min(texts.size(), first + batch_size);
      std::vector<std::string_view> batch(texts.begin() + first, texts.begin() + last);
      matcher.ScanBatch(batch, scratch, got);
      ASSERT_EQ(got.size(), batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        const std::vector<TextHit>& want = expected[first + i];
        ASSERT_EQ(got[i].size(), want.size())
            << "batch of " << batch_size << ", text " << first + i << ": " << texts[first + i];
        for (size_t k = 0; k < want.size(); ++k) {
          EXPECT_EQ(got[i][k].indicator_id, want[k].indicator_id);
          EXPECT_EQ(got[i][k].start, want[k].start);
          EXPECT_EQ(got[i][k].end, want[k].end);
          EXPECT_EQ(got[i][k].compact, want[k].compact);
        }
      }
    }
  }
}

std::vector<std::string> BatchTestTexts(size_t max_text_bytes) {
  std::vector<std::string> texts;
  const std::vector<std::string> indicators = {"террор", "кот",   "взорвать школу", "қару",
                                               "bomb",   "бомба", "игил",           "антитеррор"};
  const std::vector<std::string> context = {"сегодня", "вчера", "бүгін", "2024", "и", "",
                                            "кот.",    "т",     "ер",    "о",    "-"};
  internal::EvasionGenerator generator(6);
  for (const std::string& indicator : indicators) {
    for (const auto& [kind, variant] : generator.Variants(indicator, 18)) {
      texts.push_back(context[generator.Below(context.size())] + " " + variant + " " +
                      context[generator.Below(context.size())]);
      texts.push_back(variant);                                // the whole text
      texts.push_back(variant.substr(0, variant.size() / 2));  // cut, maybe inside a character
      texts.push_back(variant.substr(variant.size() / 2));
    }
  }
  // The fuzz corpus.
  const std::filesystem::path corpus =
      std::filesystem::path(THREATHUB_SOURCE_DIR_PATH) / "fuzz/corpus/detect_text";
  if (std::filesystem::exists(corpus)) {
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
      std::ifstream file(entry.path(), std::ios::binary);
      std::stringstream content;
      content << file.rdbuf();
      texts.push_back(content.str());
    }
  }
  // Random texts of letters, evasion symbols, separators and invalid bytes; empty texts.
  const std::vector<std::string> pieces = {
      "т", "е", "р", "о", "к",  "б",    "м",    "а",        "0",       "3",
      "@", ".", " ", "-", "\n", "\xFF", "\xD1", "\xE2\x80", "\u00AD",  "t",
      "e", "p", "ә", "қ", "💣",  "bomb", "кот",  "террор",   "\xF0\x9F"};
  for (int i = 0; i < 600; ++i) {
    std::string text;
    const size_t count = generator.Below(i % 10 == 0 ? 400 : 40);
    for (size_t k = 0; k < count; ++k) text += pieces[generator.Below(pieces.size())];
    texts.push_back(text);
    if (i % 50 == 0) texts.emplace_back();
  }
  // Texts around max_text_bytes, with an indicator cut by the limit or just inside it.
  for (size_t size = max_text_bytes - 6; size <= max_text_bytes + 6; ++size) {
    std::string text(size - std::min(size, size_t{12}), ' ');
    text += "бомба террор";
    texts.push_back(text.substr(0, std::min(text.size(), size + 3)));
  }
  return texts;
}

TEST(TextMatcherTest, ScanBatchGivesEachTextWhatScanGivesIt) {
  TextMatcher::Options options;
  options.max_text_bytes = 1000;
  const std::vector<Indicator> indicators = {
      {.id = 1, .pattern = "террор"},
      {.id = 2, .pattern = "кот"},
      {.id = 3, .kind = IndicatorKind::kPhrase, .pattern = "взорвать школу"},
      {.id = 4, .pattern = "қару"},
      {.id = 5, .pattern = "bomb"},
      {.id = 6, .pattern = "бомба"},
      {.id = 7, .pattern = "💣"},
      {.id = 8, .pattern = "а"},
      {.id = 9, .pattern = "антитеррор", .allow = true},
      {.id = 10, .kind = IndicatorKind::kRegex, .pattern = "бомб\\w*"},
      {.id = 11, .kind = IndicatorKind::kRegex, .pattern = "\\bигил\\b"},
      {.id = 12, .kind = IndicatorKind::kRegex, .pattern = "взрыв.{0,20}школ"},
      {.id = 13, .kind = IndicatorKind::kRegex, .pattern = "[^а-я]кот"},
  };
  auto compiled = TextMatcher::Compile(indicators, options);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  ASSERT_THAT((*compiled)->problems(), IsEmpty());
  ExpectBatchEqualsScan(**compiled, BatchTestTexts(options.max_text_bytes));
  // Literals only (the service's usual lists), and with the default limit.
  auto literals = MustCompile({indicators.begin(), indicators.begin() + 9});
  ExpectBatchEqualsScan(*literals, BatchTestTexts(options.max_text_bytes));
}

TEST(TextMatcherTest, ScanBatchWithContextRegexesOrTheSidePathScansTextByText) {
  const std::vector<std::string> texts = BatchTestTexts(1000);
  // An anchor and an inner \b depend on the text around the match.
  ExpectBatchEqualsScan(
      *MustCompile({{.id = 1, .pattern = "террор"},
                    {.id = 2, .kind = IndicatorKind::kRegex, .pattern = "^бомба"},
                    {.id = 3, .kind = IndicatorKind::kRegex, .pattern = "кот\\b.*$"}}),
      texts);
  // A bounded repeat over 64 goes to RE2 (with a single-match prefilter).
  ExpectBatchEqualsScan(
      *MustCompile({{.id = 1, .pattern = "террор"},
                    {.id = 2, .kind = IndicatorKind::kRegex, .pattern = "бомб.{0,100}а"}}),
      texts);
}

TEST(IndicatorKindTest, NamesRoundTrip) {
  for (IndicatorKind kind : {IndicatorKind::kTerm, IndicatorKind::kPhrase, IndicatorKind::kRegex}) {
    EXPECT_EQ(ParseIndicatorKind(IndicatorKindName(kind)), kind);
  }
  EXPECT_EQ(ParseIndicatorKind("word"), std::nullopt);
}

}  // namespace
}  // namespace threathub::detect
