#include "requests/document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/errors.h"
#include "base/strings.h"

namespace threathub::requests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const Directory& Seed() {
  static const Directory* directory = new Directory(Directory::LoadSeed().value());
  return *directory;
}

base::Millis Utc(int year, int month, int day, int hour, int minute) {
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), absl::UTCTimeZone()));
}

// What pdftotext -layout reads from a PDF.
struct Extracted {
  std::string text;  // white space runs (line breaks, page breaks) as one space
  int pages = 0;
};

// Writes the PDF to a temporary file and reads it back with poppler's pdftotext.
Extracted ExtractText(const std::string& pdf) {
  std::string path = ::testing::TempDir() + "requests_document_XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(name.data(), std::ios::binary).write(pdf.data(), pdf.size());

  std::string command = base::StrCat("pdftotext -layout -enc UTF-8 '", name.data(), "' - 2>&1");
  std::string raw;
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe != nullptr) {
    char buffer[4096];
    size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) raw.append(buffer, read);
    EXPECT_EQ(::pclose(pipe), 0) << raw;
  }
  std::remove(name.data());

  // pdftotext ends every page with a form feed, and breaks lines where the layout wrapped them.
  Extracted extracted;
  for (char c : raw) {
    if (c == '\f') ++extracted.pages;
    bool space = c == '\n' || c == ' ' || c == '\f' || c == '\r' || c == '\t';
    if (!space) {
      extracted.text += c;
    } else if (!extracted.text.empty() && extracted.text.back() != ' ') {
      extracted.text += ' ';
    }
  }
  return extracted;
}

bool HavePdftotext() { return std::system("command -v pdftotext > /dev/null 2>&1") == 0; }

#define REQUIRE_PDFTOTEXT()                                       \
  if (!HavePdftotext()) {                                         \
    GTEST_SKIP() << "pdftotext (poppler-utils) is not installed"; \
  }

// Values as a user would write them, in the document's language (Kazakh and Russian values in
// their own script).
struct Values {
  std::string agency;
  std::string requester;
  std::string offence_article;
  std::string summary;
  std::string necessity;
};

Values ValuesFor(std::string_view language) {
  if (language == "kk") {
    return {"Алматы қаласы ПД Киберқылмысқа қарсы іс-қимыл басқармасы", "Әлия Нұрланқызы Сейітова",
            "ҚР ҚК 190-бабы 2-бөлігі",
            "Алаяқтық: жәбірленушілер интернет арқылы алданды, ең ауыр жаза бес жылға дейін бас "
            "бостандығынан айыру.",
            "Деректер күдіктіні анықтау үшін қажет."};
  }
  if (language == "ru") {
    return {"Управление по противодействию киберпреступности ДП г. Алматы",
            "Сейтова Алия Нурлановна", "ч. 2 ст. 190 УК РК",
            "Мошенничество: потерпевшие обмануты через интернет, максимальное наказание до пяти "
            "лет лишения свободы.",
            "Данные необходимы для установления подозреваемого."};
  }
  return {"Almaty Police Department, Cybercrime Unit", "Aliya Seitova",
          "Criminal Code of Kazakhstan, art. 190(2)",
          "Fraud: victims deceived online; maximum penalty five years' imprisonment.",
          "The data is needed to identify the suspect."};
}

DocumentInput CommonInput(std::string_view language) {
  Values values = ValuesFor(language);
  DocumentInput input;
  input.reference = "REQ-17";
  input.date = Utc(2026, 11, 20, 4, 30);
  input.user_zone = "Asia/Almaty";
  input.agency_name = values.agency;
  input.agency_address = "Almaty, Dostyk 1";
  input.requester = {.name = values.requester,
                     .title = "senior investigator",
                     .email = "a.seitova@police.example.kz",
                     .phone = "+77272000000"};
  input.approver = DocumentPerson{.name = "Bekzat Ospanov",
                                  .title = "head of unit",
                                  .email = "b.ospanov@police.example.kz",
                                  .phone = "+77272000001"};
  input.approved_at = Utc(2026, 11, 20, 3, 0);
  input.preferred_reply_channel = "e-mail";
  input.case_number = "almaty-cyber-2026-00017";
  input.investigative_authority = values.agency;
  input.identifiers = {{IdentifierKind::kPhone, "+77012345678"},
                       {IdentifierKind::kUserId, "6812345678901234567"},
                       {IdentifierKind::kUsername, "@almaty_scam"}};
  input.range_from = Utc(2026, 10, 1, 0, 0);
  input.range_to = Utc(2026, 10, 31, 0, 0);
  input.categories = {DataCategory::kSubscriber, DataCategory::kTraffic};
  input.legal_basis = "Criminal Procedure Code of Kazakhstan, art. 122";
  input.offence_article = values.offence_article;
  input.offence_summary = values.summary;
  input.necessity = values.necessity;
  return input;
}

DocumentInput PreservationInput(std::string_view language) {
  DocumentInput input = CommonInput(language);
  input.type = RequestType::kPreservation;
  const Provider* tiktok = Seed().FindProvider("tiktok");
  input.provider_name = "TikTok";
  input.entity_name = SelectEntity(*tiktok, "KZ").value()->name;
  input.entity_jurisdiction = SelectEntity(*tiktok, "KZ").value()->jurisdiction;
  input.channel_text = "TikTok Law Enforcement Request Portal";
  return input;
}

DocumentInput MlaInput(std::string_view language) {
  DocumentInput input = CommonInput(language);
  input.type = RequestType::kMlaRequest;
  const CountryProfile* us = Seed().FindCountry("US");
  input.country_code = us->code;
  input.country_name = us->name;
  input.central_authority = "US Department of Justice, Office of International Affairs";
  for (const Instrument& instrument : us->instruments) input.instruments.push_back(instrument.name);
  input.provider_name = "Meta";
  input.entity_name = "Meta Platforms, Inc.";
  input.prosecution_and_court = "Prosecutor's office of Almaty, decision 2026-11-19";
  input.categories = {DataCategory::kContent};
  input.earlier = {{.type = RequestType::kPreservation,
                    .reference = "REQ-9",
                    .sent_at = Utc(2026, 10, 2, 6, 0),
                    .channel = "portal",
                    .ticket = "META-PRES-4471",
                    .preserved_until = Utc(2026, 12, 31, 6, 0)}};
  return input;
}

DocumentInput EmergencyInput(std::string_view language) {
  DocumentInput input = CommonInput(language);
  input.type = RequestType::kEmergencyDisclosure;
  const Provider* x = Seed().FindProvider("x");
  input.provider_name = "X";
  input.entity_name = x->entities.front().name;
  input.emergency_criterion = x->emergency->criterion;
  input.emergency_required = x->emergency->required_fields;
  input.urgency = language == "en" ? "Within hours" : "Шұғыл / срочно";
  input.emergency_fields["criterion"] = "Threat-to-life-message-posted-2026-11-20";
  for (const EmergencyField& field : input.emergency_required) {
    input.emergency_fields[field.key] = base::StrCat("value-of-", field.key);
  }
  return input;
}

std::vector<std::string_view> TemplateKeys() {
  std::vector<std::string_view> keys;
  for (const TemplateField& field : Seed().request_template().fields) keys.push_back(field.key);
  return keys;
}

class DocumentLanguageTest : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Languages, DocumentLanguageTest, ::testing::Values("kk", "ru", "en"),
                         [](const auto& info) { return info.param; });

// Every T-CY field label, in order of the template, and the values the user gave.
void ExpectTemplateInOrder(const std::string& text, std::string_view language) {
  size_t last = 0;
  for (std::string_view key : TemplateKeys()) {
    std::string label = DocumentLabel(key, language);
    size_t at = text.find(label, last);
    EXPECT_NE(at, std::string::npos) << key << " (" << label << ") missing or out of order";
    if (at != std::string::npos) last = at;
  }
}

void ExpectCommonValues(const std::string& text, std::string_view language) {
  Values values = ValuesFor(language);
  EXPECT_THAT(text, HasSubstr("REQ-17"));
  EXPECT_THAT(text, HasSubstr("almaty-cyber-2026-00017"));
  EXPECT_THAT(text, HasSubstr("+77012345678"));
  EXPECT_THAT(text, HasSubstr("6812345678901234567"));
  EXPECT_THAT(text, HasSubstr("@almaty_scam"));
  EXPECT_THAT(text, HasSubstr(values.agency));
  EXPECT_THAT(text, HasSubstr(values.requester));
  EXPECT_THAT(text, HasSubstr(values.offence_article));
  EXPECT_THAT(text, HasSubstr(values.necessity));
  EXPECT_THAT(text, HasSubstr("a.seitova@police.example.kz"));
  EXPECT_THAT(text, HasSubstr("Bekzat Ospanov"));  // the confirmation contact
  // The identifiers' kinds, the categories and the zone the dates are in.
  EXPECT_THAT(text, HasSubstr(DocumentLabel("kind.phone", language)));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("kind.user_id", language)));
  EXPECT_THAT(text, HasSubstr("Asia/Almaty"));
}

TEST_P(DocumentLanguageTest, PreservationCarriesEveryTemplateFieldAndTheValues) {
  REQUIRE_PDFTOTEXT();
  const std::string language = GetParam();
  DocumentInput input = PreservationInput(language);
  absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, language);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  EXPECT_TRUE(base::StartsWith(*pdf, "%PDF-"));
  std::string text = ExtractText(*pdf).text;

  EXPECT_THAT(text, HasSubstr(DocumentLabel("type.preservation", language)));
  ExpectTemplateInOrder(text, language);
  ExpectCommonValues(text, language);
  EXPECT_THAT(text, HasSubstr("TikTok Pte. Ltd."));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("category.subscriber", language)));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("category.traffic", language)));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("status.new", language)));
  // No urgency and no prosecution given: the document says so.
  EXPECT_THAT(text, HasSubstr(DocumentLabel("not_given", language)));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("draft", language)));
}

TEST_P(DocumentLanguageTest, MlaRequestNamesTheStateAndEarlierRequests) {
  REQUIRE_PDFTOTEXT();
  const std::string language = GetParam();
  absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), MlaInput(language), language);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  std::string text = ExtractText(*pdf).text;

  EXPECT_THAT(text, HasSubstr(DocumentLabel("type.mla_request", language)));
  ExpectTemplateInOrder(text, language);
  ExpectCommonValues(text, language);
  EXPECT_THAT(text, HasSubstr("United States (US)"));
  EXPECT_THAT(text, HasSubstr("US Department of Justice, Office of International Affairs"));
  EXPECT_THAT(text, HasSubstr("Bilateral MLA treaty with Kazakhstan"));
  EXPECT_THAT(text, HasSubstr("Meta Platforms, Inc."));
  EXPECT_THAT(text, HasSubstr("Prosecutor's office of Almaty, decision 2026-11-19"));
  EXPECT_THAT(text, HasSubstr("META-PRES-4471"));  // the earlier request's ticket
  EXPECT_THAT(text, HasSubstr("REQ-9"));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("status.follow_up", language)));
  EXPECT_THAT(text, HasSubstr(DocumentLabel("category.content", language)));
}

TEST_P(DocumentLanguageTest, EmergencyRequestCarriesTheProvidersEmergencyFields) {
  REQUIRE_PDFTOTEXT();
  const std::string language = GetParam();
  DocumentInput input = EmergencyInput(language);
  ASSERT_FALSE(input.emergency_required.empty()) << "the seed's X entry lists emergency fields";
  absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, language);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  std::string text = ExtractText(*pdf).text;

  EXPECT_THAT(text, HasSubstr(DocumentLabel("type.emergency_disclosure", language)));
  ExpectTemplateInOrder(text, language);
  ExpectCommonValues(text, language);
  EXPECT_THAT(text, HasSubstr(DocumentLabel("emergency", language)));
  EXPECT_THAT(text, HasSubstr(input.emergency_criterion));
  EXPECT_THAT(text, HasSubstr("Threat-to-life-message-posted-2026-11-20"));
  for (const EmergencyField& field : input.emergency_required) {
    EXPECT_THAT(text, HasSubstr(DocumentLabel(field.key, language))) << field.key;
    EXPECT_THAT(text, HasSubstr(field.text)) << field.key;  // the provider's wording
    EXPECT_THAT(text, HasSubstr(base::StrCat("value-of-", field.key)));
  }
  EXPECT_THAT(text, HasSubstr(input.urgency));
}

TEST_P(DocumentLanguageTest, DraftMarkingOnlyOnADraft) {
  REQUIRE_PDFTOTEXT();
  const std::string language = GetParam();
  const std::string marking = DocumentLabel("draft", language);
  DocumentInput input = PreservationInput(language);
  input.draft = true;
  std::string draft_text = ExtractText(RenderRequestDocument(Seed(), input, language).value()).text;
  EXPECT_THAT(draft_text, HasSubstr(marking));

  input.draft = false;
  std::string sent_text = ExtractText(RenderRequestDocument(Seed(), input, language).value()).text;
  EXPECT_THAT(sent_text, Not(HasSubstr(marking)));
  EXPECT_THAT(sent_text, HasSubstr(DocumentLabel("type.preservation", language)));
}

TEST_P(DocumentLanguageTest, EveryRequestTypeHasItsOwnTitle) {
  REQUIRE_PDFTOTEXT();
  const std::string language = GetParam();
  for (RequestType type :
       {RequestType::kPreservation, RequestType::kPreservationExtension,
        RequestType::kVoluntaryDisclosure, RequestType::kEmergencyDisclosure,
        RequestType::kProductionOrder, RequestType::kMlaRequest, RequestType::kNetwork247}) {
    DocumentInput input = PreservationInput(language);
    input.type = type;
    std::string title = DocumentLabel(base::StrCat("type.", RequestTypeName(type)), language);
    EXPECT_NE(title, base::StrCat("type.", RequestTypeName(type)));
    absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, language);
    ASSERT_TRUE(pdf.ok()) << RequestTypeName(type) << ": " << pdf.status();
    EXPECT_THAT(ExtractText(*pdf).text, HasSubstr(title)) << RequestTypeName(type);
  }
}

TEST(DocumentTest, ExtensionStatesTheCurrentPreservationEndInTheUsersZone) {
  REQUIRE_PDFTOTEXT();
  DocumentInput input = PreservationInput("en");
  input.type = RequestType::kPreservationExtension;
  input.user_zone = "Europe/Berlin";
  input.earlier = {{.type = RequestType::kPreservation,
                    .reference = "REQ-16",
                    .sent_at = Utc(2026, 9, 2, 6, 0),
                    .channel = "portal",
                    .ticket = "TT-2026-555"}};
  input.preserved_until = Utc(2026, 12, 1, 18, 30);
  std::string text = ExtractText(RenderRequestDocument(Seed(), input, "en").value()).text;
  EXPECT_THAT(text, HasSubstr("Extension of preservation"));
  EXPECT_THAT(text, HasSubstr("TT-2026-555"));
  EXPECT_THAT(text, HasSubstr("Data preserved until 2026-12-01 19:30 (Europe/Berlin, UTC+01:00)"));
  // The document's own date, in the same zone (20 November 04:30 UTC).
  EXPECT_THAT(text, HasSubstr("2026-11-20 05:30 (Europe/Berlin, UTC+01:00)"));
}

TEST(DocumentTest, ARequestWithNothingFilledSaysNotGivenInItsLanguage) {
  REQUIRE_PDFTOTEXT();
  for (std::string_view language : kDocumentLanguages) {
    DocumentInput input;
    input.reference = "REQ-1";
    absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, language);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    std::string text = ExtractText(*pdf).text;
    ExpectTemplateInOrder(text, language);
    EXPECT_THAT(text, HasSubstr(DocumentLabel("not_given", language)));
  }
}

// The service keeps the SHA-256 of the frozen document: the same input gives the same bytes.
TEST(DocumentTest, TheSameInputGivesTheSameBytes) {
  DocumentInput input = MlaInput("kk");
  input.draft = false;
  std::string first = RenderRequestDocument(Seed(), input, "kk").value();
  std::string second = RenderRequestDocument(Seed(), input, "kk").value();
  EXPECT_EQ(first, second);
  input.reference = "REQ-18";
  EXPECT_NE(RenderRequestDocument(Seed(), input, "kk").value(), first);
}

TEST(DocumentTest, UnknownLanguageIsInvalidArgument) {
  for (std::string_view language : {"de", "", "KK", "russian"}) {
    absl::StatusOr<std::string> pdf =
        RenderRequestDocument(Seed(), PreservationInput("en"), language);
    ASSERT_FALSE(pdf.ok()) << language;
    EXPECT_EQ(pdf.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(base::StatusField(pdf.status()), "language");
  }
}

TEST(DocumentTest, UnknownZoneIsInvalidArgument) {
  DocumentInput input = PreservationInput("en");
  input.user_zone = "Mars/Olympus";
  absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, "en");
  ASSERT_FALSE(pdf.ok());
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(base::StatusField(pdf.status()), "user_zone");
}

TEST(DocumentTest, TextInAnyScriptAndBadBytesRender) {
  REQUIRE_PDFTOTEXT();
  DocumentInput input = PreservationInput("ru");
  input.offence_summary =
      "Arabic: مرحبا بالعالم — Chinese: 你好世界 — emoji: 🚨🙂 — "
      "end-of-scripts";
  input.necessity = std::string("bad bytes: \xff\xfe\xc3 and \x01\x02 control — after-bad-bytes");
  input.identifiers.push_back({IdentifierKind::kUsername, "用户_名字"});
  input.agency_address = std::string("\xe2\x82", 2);  // a cut-off character alone
  for (std::string_view language : kDocumentLanguages) {
    absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, language);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    std::string text = ExtractText(*pdf).text;
    EXPECT_THAT(text, HasSubstr("end-of-scripts"));
    EXPECT_THAT(text, HasSubstr("after-bad-bytes"));
    EXPECT_THAT(text, HasSubstr("REQ-17"));
  }
}

TEST(DocumentTest, InstantsFarFromNowRender) {
  for (base::Millis instant : {base::Millis{0}, base::Millis{-62135596800000},  // year 1
                               base::Millis{253402300799000},                   // 9999-12-31
                               base::Millis{400000000000000}}) {                // year 14645
    DocumentInput input = MlaInput("en");
    input.date = instant;
    input.range_from = instant;
    input.preserved_until = instant;
    absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, "en");
    EXPECT_TRUE(pdf.ok()) << instant << ": " << pdf.status();
  }
}

TEST(DocumentTest, AVeryLongFieldContinuesOnFurtherPages) {
  REQUIRE_PDFTOTEXT();
  DocumentInput input = PreservationInput("kk");
  std::string long_text = "LONG-START";
  for (int word_idx = 0; word_idx < 2500; ++word_idx) {
    base::StrAppend(&long_text, word_idx % 40 == 39 ? "\n" : " ", "сөз", word_idx);
  }
  long_text += " LONG-END";
  input.necessity = long_text;
  // A long value of a short field, and one word longer than a line.
  input.offence_summary = std::string(3000, 'x');
  absl::StatusOr<std::string> pdf = RenderRequestDocument(Seed(), input, "kk");
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  Extracted extracted = ExtractText(*pdf);
  EXPECT_GT(extracted.pages, 2);
  EXPECT_THAT(extracted.text, HasSubstr("LONG-START"));
  EXPECT_THAT(extracted.text, HasSubstr("LONG-END"));
  // Every word is there: nothing was cut at a page's edge or shortened.
  for (int word_idx : {0, 1, 1000, 1777, 2499}) {
    EXPECT_THAT(extracted.text, HasSubstr(base::StrCat("сөз", word_idx, " ")))
        << "word " << word_idx;
  }
  // The sections after the long one are still drawn.
  EXPECT_THAT(extracted.text, HasSubstr(DocumentLabel("urgency", "kk")));
  EXPECT_THAT(extracted.text, HasSubstr(DocumentLabel("confidential_yes", "kk").substr(0, 30)));
}

TEST(DocumentLabelTest, TranslatesTemplateKeys) {
  EXPECT_EQ(DocumentLabel("case_reference", "ru"), "Номер дела");
  EXPECT_EQ(DocumentLabel("case_reference", "en"), "Case reference");
  EXPECT_EQ(DocumentLabel("case_reference", "kk"), "Іс нөмірі");
}

TEST(DocumentLabelTest, UnknownKeyIsTheKeyItself) {
  EXPECT_EQ(DocumentLabel("no_such_field", "ru"), "no_such_field");
}

// Kazakh labels are Kazakh, not Russian copied: every template field, emergency field and title
// differs between kk, ru and en.
TEST(DocumentLabelTest, EveryTemplateAndEmergencyFieldIsTranslatedInEachLanguage) {
  std::vector<std::string> keys;
  for (std::string_view key : TemplateKeys()) keys.emplace_back(key);
  for (const Provider& provider : Seed().providers()) {
    if (!provider.emergency) continue;
    for (const EmergencyField& field : provider.emergency->required_fields) {
      keys.push_back(field.key);
    }
  }
  for (std::string_view type :
       {"preservation", "preservation_extension", "voluntary_disclosure", "emergency_disclosure",
        "production_order", "mla_request", "network_24_7"}) {
    keys.push_back(base::StrCat("type.", type));
  }
  keys.push_back("criterion");
  keys.push_back("emergency_criterion");
  keys.push_back("not_given");
  keys.push_back("draft");
  for (const std::string& key : keys) {
    std::string kk = DocumentLabel(key, "kk");
    std::string ru = DocumentLabel(key, "ru");
    std::string en = DocumentLabel(key, "en");
    EXPECT_NE(kk, key) << key;
    EXPECT_NE(kk, ru) << key;
    EXPECT_NE(ru, en) << key;
    EXPECT_NE(kk, en) << key;
  }
}

}  // namespace
}  // namespace threathub::requests
