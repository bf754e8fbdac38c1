#include "requests/linter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/encoding.h"

namespace threathub::requests {
namespace {

using ::testing::HasSubstr;

constexpr base::Millis kDay = 86'400'000;

const Directory& Seed() {
  static const Directory* directory = new Directory(*Directory::LoadSeed());
  return *directory;
}

base::Millis At(std::string_view text) {
  base::Millis millis = 0;
  EXPECT_TRUE(base::ParseUtc(text, millis)) << text;
  return millis;
}

const base::Millis kNow = At("2026-11-27T06:00:00Z");

// A preservation request to TikTok for a user in Kazakhstan that passes every check.
Draft Good() {
  Draft draft;
  draft.type = RequestType::kPreservation;
  draft.provider = "tiktok";
  draft.entity_name = "TikTok Pte. Ltd.";
  draft.user_country = "KZ";
  draft.legal_basis = "Code of Criminal Procedure of the Republic of Kazakhstan, Art. 199";
  draft.offence_article = "Criminal Code of the Republic of Kazakhstan, Art. 190(2)";
  draft.range_from = kNow - 30 * kDay;
  draft.range_to = kNow - kDay;
  draft.categories = {DataCategory::kSubscriber, DataCategory::kTraffic};
  draft.identifiers = {{IdentifierKind::kUserId, "6812345678901234567"}};
  draft.language = "en";
  return draft;
}

std::vector<std::string> Codes(const std::vector<Warning>& warnings) {
  std::vector<std::string> codes;
  for (const Warning& warning : warnings) codes.push_back(warning.code);
  return codes;
}

const Warning* FindCode(const std::vector<Warning>& warnings, std::string_view code) {
  for (const Warning& warning : warnings) {
    if (warning.code == code) return &warning;
  }
  return nullptr;
}

TEST(LinterTest, AGoodDraftHasNoWarnings) {
  std::vector<Warning> warnings = Lint(Good(), Seed(), kNow);
  EXPECT_TRUE(warnings.empty()) << testing::PrintToString(Codes(warnings));
}

// Each check: a change of the good draft that triggers it, and a close one that does not.
struct Case {
  std::string code;
  std::string field;
  Severity severity;
  std::function<void(Draft&)> triggers;
  std::function<void(Draft&)> passes;
  std::string message_part;  // a part of the English message
};

std::vector<Case> Cases() {
  return {
      {"unknown_provider", "provider", Severity::kError,
       [](Draft& d) { d.provider = "Одноклассники"; }, [](Draft& d) { d.provider = "TikTok"; },
       "\"Одноклассники\" is not in the directory"},
      {"invalid_country", "user_country", Severity::kError,
       [](Draft& d) { d.user_country = "Қазақстан"; }, [](Draft& d) { d.user_country = "kz"; },
       "not a two-letter country code"},
      {"no_user_country", "user_country", Severity::kWarning, [](Draft& d) { d.user_country = ""; },
       [](Draft& d) {  // one entity only: the country does not matter
         d.user_country = "";
         d.provider = "microsoft";
         d.entity_name = "Microsoft Corporation";
       },
       "Say where the account holder lives"},
      {"entity_missing", "entity_name", Severity::kError, [](Draft& d) { d.entity_name = ""; },
       [](Draft& d) { d.entity_name = "tiktok pte. ltd."; }, "Address the request to TikTok Pte."},
      {"unknown_entity", "entity_name", Severity::kError,
       [](Draft& d) { d.entity_name = "ТикТок ЖШС"; },
       [](Draft& d) { d.entity_name = " TikTok Pte. Ltd. "; }, "is not a legal entity of TikTok"},
      {"wrong_entity", "entity_name", Severity::kError,
       [](Draft& d) { d.entity_name = "TikTok Inc."; },
       [](Draft& d) {
         d.entity_name = "TikTok Inc.";
         d.user_country = "US";
       },
       "TikTok Inc. does not serve users in KZ: address the request to TikTok Pte. Ltd."},
      {"wrong_entity", "entity_name", Severity::kError,  // X's Irish entity is for the EU only
       [](Draft& d) {
         d.provider = "x";
         d.entity_name = "Twitter International Unlimited Company";
         d.user_country = "NO";
       },
       [](Draft& d) {
         d.provider = "x";
         d.entity_name = "Twitter International Unlimited Company";
         d.user_country = "FR";
       },
       "address the request to X Corp."},
      {"no_legal_basis", "legal_basis", Severity::kError, [](Draft& d) { d.legal_basis = " \t"; },
       [](Draft& d) { d.legal_basis = "ҚПК 199-бап"; }, "Cite the legal basis"},
      {"no_offence_article", "offence_article", Severity::kError,
       [](Draft& d) { d.offence_article = ""; },
       [](Draft& d) { d.offence_article = "УК РК ст. 190"; }, "State the offence"},
      {"no_date_range", "range_to", Severity::kError, [](Draft& d) { d.range_to.reset(); },
       [](Draft& d) { d.range_to = d.range_from; }, "Give the date range"},
      {"reversed_range", "range_from", Severity::kError,
       [](Draft& d) { std::swap(d.range_from, d.range_to); }, [](Draft& d) {},
       "The range starts (2026-11-26) after it ends (2026-10-28)"},
      {"range_in_future", "range_from", Severity::kError,
       [](Draft& d) {
         d.range_from = kNow + 2 * kDay;
         d.range_to = kNow + 3 * kDay;
       },
       [](Draft& d) { d.range_from = kNow; }, "The range starts in the future (2026-11-29)"},
      {"range_ends_in_future", "range_to", Severity::kWarning,
       [](Draft& d) { d.range_to = kNow + kDay; }, [](Draft& d) { d.range_to = kNow; },
       "The range ends in the future (2026-11-28)"},
      {"over_broad_range", "range_to", Severity::kWarning,
       [](Draft& d) { d.range_from = kNow - 400 * kDay; },
       [](Draft& d) { d.range_from = kNow - 300 * kDay; }, "The range covers 399 days"},
      {"all_data", "all_data", Severity::kError, [](Draft& d) { d.all_data = true; },
       [](Draft& d) { d.all_data = false; }, "Do not ask for \"all data\""},
      {"no_categories", "categories", Severity::kError, [](Draft& d) { d.categories.clear(); },
       [](Draft& d) { d.categories = {DataCategory::kContent}; }, "Name the data categories"},
      {"no_identifier", "identifiers", Severity::kError, [](Draft& d) { d.identifiers.clear(); },
       [](Draft& d) {}, "at least one identifier"},
      {"empty_identifier", "identifiers[1]", Severity::kError,
       [](Draft& d) {
         d.identifiers.push_back({IdentifierKind::kUsername, "  "});
       },
       [](Draft& d) {
         d.identifiers.push_back({IdentifierKind::kUsername, "qazaq_user"});
       },
       "The identifier is empty"},
      {"invalid_phone", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kPhone, "+7 123"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kPhone, "+77012345678"}};
       },
       "\"+7 123\" is not a valid phone number"},
      {"phone_not_e164", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kPhone, "8 701 234 56 78"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kPhone, "+16502530000"}};
       },
       "\"8 701 234 56 78\" is not written in E.164 form: write +77012345678"},
      {"invalid_email", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kEmail, "ivan@@mail.kz"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kEmail, "иван@почта.қаз"}};
       },
       "is not a valid e-mail address"},
      {"invalid_url", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUrl, "htp://tiktok.com/@x"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUrl, "https://www.tiktok.com/@x"}};
       },
       "is not a valid http(s) URL"},
      {"invalid_user_id", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUserId, "@qazaq_user"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUserId, "id123456"}};
       },
       "is not a numeric user ID"},
      {"wrong_identifier_kind", "identifiers[0]", Severity::kError,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUsername, "+77012345678"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kUsername, "user77012345678"}};
       },
       "looks like phone, not username"},
      {"identifier_not_accepted", "identifiers[0]", Severity::kWarning,
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kIp, "192.0.2.1"}};
       },
       [](Draft& d) {
         d.identifiers = {{IdentifierKind::kVideoId, "7301234567890123456"}};
       },
       "TikTok does not list ip among the identifiers it accepts"},
      {"username_needs_numeric_id", "identifiers[0]", Severity::kWarning,
       [](Draft& d) {
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.identifiers = {{IdentifierKind::kUsername, "@someone"}};
       },
       [](Draft& d) {
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.identifiers = {{IdentifierKind::kUsername, "@someone"},
                          {IdentifierKind::kUserId, "783214"}};
       },
       "Usernames change: add the numeric user ID of \"@someone\""},
      {"content_needs_mla", "categories", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kVoluntaryDisclosure;
         d.provider = "google";
         d.entity_name = "Google LLC";
         d.identifiers = {{IdentifierKind::kEmail, "suspect@gmail.com"}};
         d.categories = {DataCategory::kSubscriber, DataCategory::kContent};
       },
       [](Draft& d) {
         d.type = RequestType::kVoluntaryDisclosure;
         d.provider = "google";
         d.entity_name = "Google LLC";
         d.identifiers = {{IdentifierKind::kEmail, "suspect@gmail.com"}};
         d.categories = {DataCategory::kSubscriber};
       },
       "Google LLC cannot disclose content data through a voluntary request"},
      {"no_preserved_until", "preserved_until", Severity::kError,
       [](Draft& d) { d.type = RequestType::kPreservationExtension; },
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + 30 * kDay;
       },
       "Give the date the current preservation ends"},
      {"extension_after_expiry", "send_at", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow - kDay;
       },
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + kDay;
       },
       "The preservation ended on 2026-11-26"},
      {"extension_too_late", "send_at", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.preserved_until = kNow + 5 * kDay;
       },
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.preserved_until = kNow + 10 * kDay;
       },
       "X wants an extension at least 7 days before the preservation ends: the last day was "
       "2026-11-25"},
      {"extension_limit", "extensions_so_far", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + 30 * kDay;
         d.extensions_so_far = 1;
       },
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + 30 * kDay;
         d.extensions_so_far = 0;
       },
       "TikTok allows 1 extension(s) only"},
      {"negative_extensions", "extensions_so_far", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + 30 * kDay;
         d.extensions_so_far = -1;
       },
       [](Draft& d) {
         d.type = RequestType::kPreservationExtension;
         d.preserved_until = kNow + 30 * kDay;
       },
       "cannot be negative"},
      {"no_translation", "language", Severity::kError, [](Draft& d) { d.language = "ru"; },
       [](Draft& d) {
         d.language = "kk";
         d.english_translation = true;
       },
       "TikTok needs the request in English"},
      {"no_emergency_criterion", "emergency_fields.criterion", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kEmergencyDisclosure;
         d.provider = "meta";
         d.entity_name = "Meta Platforms, Inc.";
       },
       [](Draft& d) {
         d.type = RequestType::kEmergencyDisclosure;
         d.provider = "meta";
         d.entity_name = "Meta Platforms, Inc.";
         d.emergency_fields["criterion"] = "Бала өміріне тікелей қауіп төніп тұр";
       },
       "imminent harm to a child or risk of death or serious physical injury"},
      {"missing_emergency_field", "emergency_fields.officer_signature", Severity::kError,
       [](Draft& d) {
         d.type = RequestType::kEmergencyDisclosure;
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.emergency_fields = {{"criterion", "threat of a school attack"},
                               {"person_at_risk", "pupils of school 12"},
                               {"nature_of_emergency", "announced attack"},
                               {"username_and_profile_url", "@someone https://x.com/someone"},
                               {"specific_posts", "https://x.com/someone/status/1"},
                               {"data_needed_and_why", "IP logs to find the author"}};
       },
       [](Draft& d) {
         d.type = RequestType::kEmergencyDisclosure;
         d.provider = "x";
         d.entity_name = "X Corp.";
         d.emergency_fields = {{"criterion", "threat of a school attack"},
                               {"person_at_risk", "pupils of school 12"},
                               {"nature_of_emergency", "announced attack"},
                               {"username_and_profile_url", "@someone https://x.com/someone"},
                               {"specific_posts", "https://x.com/someone/status/1"},
                               {"data_needed_and_why", "IP logs to find the author"},
                               {"officer_signature", "signed: Lt. A. Serikov"}};
       },
       "X asks for this in an emergency request: officer signature"},
      {"invalid_text", "legal_basis", Severity::kError,
       [](Draft& d) { d.legal_basis = "\xff\xfe Art. 199"; },
       [](Draft& d) { d.legal_basis = "Статья 199 🙂 المادة ١٩٩"; },
       "not valid UTF-8"},
      {"invalid_zone", "user_zone", Severity::kError, [](Draft& d) { d.user_zone = "Mars/Base"; },
       [](Draft& d) { d.user_zone = "Europe/Dublin"; }, "\"Mars/Base\" is not a known time zone"},
  };
}

TEST(LinterTest, EachCheckTriggersAndHasAPassingTwin) {
  for (const Case& test : Cases()) {
    Draft bad = Good();
    test.triggers(bad);
    std::vector<Warning> warnings = Lint(bad, Seed(), kNow);
    const Warning* warning = FindCode(warnings, test.code);
    ASSERT_NE(warning, nullptr) << test.code << " not raised; got "
                                << testing::PrintToString(Codes(warnings));
    EXPECT_EQ(warning->field, test.field) << test.code;
    EXPECT_EQ(warning->severity, test.severity) << test.code;
    EXPECT_THAT(warning->message.en, HasSubstr(test.message_part)) << test.code;
    EXPECT_FALSE(warning->message.ru.empty()) << test.code;
    EXPECT_FALSE(warning->message.kk.empty()) << test.code;
    EXPECT_NE(warning->message.ru, warning->message.en) << test.code;
    EXPECT_NE(warning->message.kk, warning->message.ru) << test.code;
    EXPECT_FALSE(warning->reason.empty()) << test.code;
    EXPECT_FALSE(warning->source.empty()) << test.code;

    Draft fine = Good();
    test.passes(fine);
    std::vector<Warning> clean = Lint(fine, Seed(), kNow);
    EXPECT_EQ(FindCode(clean, test.code), nullptr)
        << test.code << " raised by its passing twin: " << FindCode(clean, test.code)->message.en;
  }
}

TEST(LinterTest, EveryCodeInTheHeaderIsCovered) {
  std::set<std::string> covered;
  for (const Case& test : Cases()) covered.insert(test.code);
  EXPECT_EQ(covered.size(), 36u);
}

TEST(LinterTest, MessagesComeInThreeLanguages) {
  Draft bad = Good();
  bad.entity_name = "TikTok Inc.";
  std::vector<Warning> warnings = Lint(bad, Seed(), kNow);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].message.Get("en"),
            "TikTok Inc. does not serve users in KZ: address the request to TikTok Pte. Ltd.");
  EXPECT_EQ(warnings[0].message.Get("ru"),
            "TikTok Inc. не обслуживает пользователей в KZ: адресуйте запрос TikTok Pte. Ltd.");
  EXPECT_EQ(warnings[0].message.Get("kk"),
            "TikTok Inc. KZ пайдаланушыларына қызмет көрсетпейді: сұрауды TikTok Pte. Ltd. атына "
            "жолдаңыз.");
  EXPECT_EQ(warnings[0].message.Get("de"), warnings[0].message.en);
  EXPECT_THAT(warnings[0].reason, HasSubstr("users in the rest of the world"));
  EXPECT_THAT(warnings[0].source, HasSubstr("common_refusal_reasons"));
  EXPECT_THAT(warnings[0].source, HasSubstr("TikTok law enforcement guidelines"));
}

TEST(LinterTest, ContentFromAUsProviderIsRefusedEvenWithoutItsCategoryTable) {
  Draft draft = Good();
  draft.type = RequestType::kVoluntaryDisclosure;
  draft.provider = "microsoft";
  draft.entity_name = "Microsoft Corporation";
  draft.identifiers = {{IdentifierKind::kEmail, "a@outlook.com"}};
  draft.categories = {DataCategory::kContent};
  const std::vector<Warning> warnings = Lint(draft, Seed(), kNow);
  const Warning* warning = FindCode(warnings, "content_needs_mla");
  ASSERT_NE(warning, nullptr);
  EXPECT_THAT(warning->reason, HasSubstr("CLOUD Act"));
  EXPECT_THAT(warning->source, HasSubstr("kazakhstan.us_providers"));
  // The same request as MLA is fine.
  draft.type = RequestType::kMlaRequest;
  EXPECT_EQ(FindCode(Lint(draft, Seed(), kNow), "content_needs_mla"), nullptr);
}

TEST(LinterTest, ExtensionToXIsCountedInXCorpsZone) {
  // Ends 2026-12-02 05:00 UTC = 23:00 on 1 December in Chicago: the last day is 24 November
  // there (25 November in Almaty). Sent at 04:59 UTC on 25 November it is in time.
  Draft draft = Good();
  draft.type = RequestType::kPreservationExtension;
  draft.provider = "x";
  draft.entity_name = "X Corp.";
  draft.preserved_until = At("2026-12-02T05:00:00Z");
  draft.send_at = At("2026-11-25T04:59:00Z");
  EXPECT_TRUE(Lint(draft, Seed(), kNow).empty());
  draft.send_at = At("2026-11-25T05:01:00Z");
  const std::vector<Warning> warnings = Lint(draft, Seed(), kNow);
  const Warning* late = FindCode(warnings, "extension_too_late");
  ASSERT_NE(late, nullptr);
  EXPECT_THAT(late->message.en, HasSubstr("the last day was 2026-11-25"));  // Almaty's date
}

TEST(LinterTest, AnMlaRequestToAStateNeedsNoProvider) {
  Draft draft = Good();
  draft.type = RequestType::kMlaRequest;
  draft.provider = "";
  draft.entity_name = "";
  EXPECT_TRUE(Lint(draft, Seed(), kNow).empty());
  draft.type = RequestType::kPreservation;
  EXPECT_NE(FindCode(Lint(draft, Seed(), kNow), "unknown_provider"), nullptr);
}

TEST(LinterTest, ToE164) {
  EXPECT_EQ(ToE164("+77012345678", ""), "+77012345678");
  EXPECT_EQ(ToE164("8 (701) 234-56-78", "KZ"), "+77012345678");
  EXPECT_EQ(ToE164("+1 650 253 0000", "KZ"), "+16502530000");
  EXPECT_EQ(ToE164("+7 123", "KZ"), std::nullopt);
  EXPECT_EQ(ToE164("телефон", "KZ"), std::nullopt);
  EXPECT_EQ(ToE164("\xff\xfe", "KZ"), std::nullopt);
  EXPECT_EQ(ToE164(std::string(1000, '7'), "KZ"), std::nullopt);
}

// Text in any script, bytes that are not UTF-8, huge values: warnings, never a crash, and every
// message is valid UTF-8.
TEST(LinterTest, AnyTextGivesWarningsNotCrashes) {
  const std::vector<std::string> texts = {
      "",
      "Қазақстан Республикасы ҚК 190-бап",
      "Уголовный кодекс, ст. 190",
      "قانون العقوبات، المادة ١٩٠",
      "🙂🙃👨‍👩‍👧‍👦",
      "\xff\xfe\xfd",
      "\xe2\x82",  // cut UTF-8
      std::string(100000, 'a'),
      std::string(20000, '\xd0') + "\xb0",
      "+",
      "@",
      "http://",
      "a@b",
      "id",
      "-",
      "[::1]",
      "https://[::1]:99999/",
  };
  for (const std::string& text : texts) {
    for (IdentifierKind kind :
         {IdentifierKind::kPhone, IdentifierKind::kEmail, IdentifierKind::kUrl,
          IdentifierKind::kUsername, IdentifierKind::kUserId, IdentifierKind::kVideoId,
          IdentifierKind::kIp}) {
      Draft draft;
      draft.type = kind == IdentifierKind::kPhone ? RequestType::kEmergencyDisclosure
                                                  : RequestType::kPreservationExtension;
      draft.provider = text;
      draft.entity_name = text;
      draft.user_country = text;
      draft.legal_basis = text;
      draft.offence_article = text;
      draft.language = text;
      draft.user_zone = text;
      draft.identifiers = {{kind, text}};
      draft.emergency_fields = {{"criterion", text}, {text, text}};
      draft.range_from = -kDay;
      draft.range_to = std::numeric_limits<base::Millis>::max() / 4;
      std::vector<Warning> warnings = Lint(draft, Seed(), kNow);
      EXPECT_FALSE(warnings.empty());
      for (const Warning& warning : warnings) {
        EXPECT_TRUE(base::IsValidUtf8(warning.message.en)) << warning.code;
        EXPECT_TRUE(base::IsValidUtf8(warning.message.ru)) << warning.code;
        EXPECT_TRUE(base::IsValidUtf8(warning.message.kk)) << warning.code;
        EXPECT_LT(warning.message.en.size(), 1000u) << warning.code;
      }
      // (Move-assigned: GCC 12 warns falsely about copying a literal over a long string.)
      draft.provider = std::string("x");
      draft.entity_name = std::string("X Corp.");
      draft.type = RequestType::kEmergencyDisclosure;
      (void)Lint(draft, Seed(), kNow);
      draft.provider = std::string("tiktok");
      draft.type = RequestType::kVoluntaryDisclosure;
      (void)Lint(draft, Seed(), kNow);
    }
  }
}

}  // namespace
}  // namespace threathub::requests
