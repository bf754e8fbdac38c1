#include "requests/directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

#include "base/errors.h"
#include "nlohmann/json.hpp"

namespace threathub::requests {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const Directory& Seed() {
  static const Directory* directory = [] {
    absl::StatusOr<Directory> loaded = Directory::LoadSeed();
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new Directory(*std::move(loaded));
  }();
  return *directory;
}

const Provider& P(std::string_view id) {
  const Provider* provider = Seed().FindProvider(id);
  EXPECT_NE(provider, nullptr) << id;
  return *provider;
}

std::string EntityFor(std::string_view provider, std::string_view country) {
  absl::StatusOr<const LegalEntity*> entity = SelectEntity(P(provider), country);
  if (!entity.ok()) return std::string(entity.status().message());
  return (*entity)->name;
}

TEST(DirectoryTest, SeedHoldsTheReferenceProvidersAndStates) {
  for (std::string_view id :
       {"meta", "x", "tiktok", "google", "microsoft", "apple", "telegram", "vk", "yandex"}) {
    EXPECT_NE(Seed().FindProvider(id), nullptr) << id;
  }
  for (std::string_view code : {"KZ", "US", "IE", "GB", "SG", "RU", "NL", "DE", "AE", "HU"}) {
    EXPECT_NE(Seed().FindCountry(code), nullptr) << code;
  }
  EXPECT_EQ(Seed().version().size(), 64u);
}

TEST(DirectoryTest, SeedCarriesTheReferenceFacts) {
  EXPECT_EQ(P("meta").preservation->days, 90);
  EXPECT_FALSE(P("meta").preservation->max_extensions.has_value());
  EXPECT_EQ(P("tiktok").preservation->max_extensions, 1);
  EXPECT_EQ(P("tiktok").preservation->extension_days, 90);
  EXPECT_EQ(P("x").preservation->extension_lead_days, 7);
  ASSERT_EQ(P("x").emergency->required_fields.size(), 6u);
  EXPECT_EQ(P("x").emergency->required_fields[0].key, "person_at_risk");
  EXPECT_TRUE(P("tiktok").requirements->requires_english);
  EXPECT_TRUE(P("x").requirements->prefers_numeric_id);
  const RetentionPeriod* telecom = Seed().FindRetention("ru-telecom-30d");
  ASSERT_NE(telecom, nullptr);
  EXPECT_EQ(telecom->days, 30);
  EXPECT_EQ(telecom->countries, std::vector<std::string>{"RU"});
  const LegalRule* us = Seed().FindRule("us-2703f");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->provenance.source, "18 U.S.C. 2703(f)(2)");
  EXPECT_EQ(us->days, 90);
  EXPECT_EQ(us->extension_days, 90);
}

// Only what the reference itself marks verified may be verified in the seed; every fact has its
// check date from the reference's snapshot.
TEST(DirectoryTest, OnlyFactsTheReferenceVerifiedAreVerified) {
  std::set<std::string> verified;
  for (const Provider& provider : Seed().providers()) {
    for (const Fact& fact : ListFacts(provider)) {
      EXPECT_EQ(fact.provenance.checked, "2026-11") << provider.id << " " << fact.field;
      if (fact.provenance.confidence == Confidence::kVerified) {
        verified.insert(provider.id + "." + fact.field);
      }
      if (fact.provenance.source.empty()) {
        EXPECT_FALSE(fact.provenance.to_check.empty()) << provider.id << " " << fact.field;
      }
    }
  }
  EXPECT_EQ(verified,
            (std::set<std::string>{"meta.preservation", "x.preservation", "tiktok.preservation"}));
  std::set<std::string> verified_rules;
  for (const LegalRule& rule : Seed().rules()) {
    if (rule.provenance.confidence == Confidence::kVerified) verified_rules.insert(rule.id);
  }
  EXPECT_EQ(verified_rules, (std::set<std::string>{"us-2703f", "budapest-16", "budapest-29",
                                                   "budapest-29-content", "eu-epoc-pr"}));
  for (const RetentionPeriod& period : Seed().retention_periods()) {
    EXPECT_EQ(period.provenance.confidence, Confidence::kUnverified) << period.id;
  }
  for (const CountryProfile& country : Seed().countries()) {
    for (const Provenance* provenance :
         {&country.budapest.provenance, &country.un_cybercrime.provenance,
          &country.cis_2018.provenance, &country.central_authority.provenance,
          &country.contact_24_7.provenance, &country.languages.provenance}) {
      EXPECT_EQ(provenance->confidence, Confidence::kUnverified) << country.code;
    }
  }
}

TEST(DirectoryTest, SeedCarriesTheTcyTemplateFieldsAndRefusalReasons) {
  const RequestTemplate& form = Seed().request_template();
  ASSERT_EQ(form.fields.size(), 15u);
  EXPECT_EQ(form.fields[1].key, "case_reference");
  EXPECT_EQ(form.fields.back().key, "urgency");
  EXPECT_THAT(form.provenance.source, HasSubstr("T-CY(2018)11"));
  EXPECT_EQ(form.provenance.confidence, Confidence::kUnverified);
  ASSERT_EQ(Seed().refusal_reasons().entries.size(), 11u);
  EXPECT_EQ(Seed().refusal_reasons().entries.back(), "extension requested too late");
}

TEST(DirectoryTest, CountryProfilesSayKazakhstanIsNotABudapestParty) {
  const CountryProfile* kz = Seed().FindCountry("kz");
  ASSERT_NE(kz, nullptr);
  EXPECT_EQ(kz->budapest.status, "not_party");
  EXPECT_EQ(kz->cis_2018.status, "party");
  EXPECT_THAT(kz->cis_2018.text, HasSubstr("277-VI"));
  EXPECT_EQ(Seed().FindCountry("RU")->cis_2018.status, "party");
  EXPECT_EQ(Seed().FindCountry("US")->cis_2018.status, "not_member");
  const CountryProfile* hu = Seed().FindCountry("HU");
  ASSERT_EQ(hu->instruments.size(), 1u);
  EXPECT_EQ(hu->instruments[0].kind, "bilateral_mla");
  EXPECT_EQ(Seed().FindCountry("UK"), Seed().FindCountry("GB"));
  EXPECT_EQ(Seed().FindCountry("ZZZ"), nullptr);
  EXPECT_TRUE(Seed().FindCountry("US")->languages.english_accepted);
}

TEST(DirectoryTest, FindsProvidersByIdOrAnyNameIgnoringCase) {
  EXPECT_EQ(Seed().FindProvider("twitter")->id, "x");
  EXPECT_EQ(Seed().FindProvider("Instagram")->id, "meta");
  EXPECT_EQ(Seed().FindProvider(" YouTube ")->id, "google");
  EXPECT_EQ(Seed().FindProvider("VKontakte")->id, "vk");
  for (std::string_view unknown :
       {"", "Одноклассники", "تلغرام", "🙂", "\xff\xfe", "meta corp"}) {
    EXPECT_EQ(Seed().FindProvider(unknown), nullptr) << unknown;
    absl::StatusOr<const Provider*> got = Seed().GetProvider(unknown);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(base::StatusField(got.status()), "provider");
  }
}

TEST(DirectoryTest, SelectsTheLegalEntityForTheUsersCountry) {
  struct Case {
    std::string_view provider, country, entity;
  };
  for (const Case& test : std::vector<Case>{
           {"meta", "KZ", "Meta Platforms, Inc."},
           {"meta", "DE", "Meta Platforms Ireland Ltd."},
           {"meta", "NO", "Meta Platforms Ireland Ltd."},  // EEA, not EU
           {"meta", "CH", "Meta Platforms, Inc."},         // not EEA
           {"meta", "GB", "Meta Platforms, Inc."},         // left the EU in 2020
           {"x", "FR", "Twitter International Unlimited Company"},
           {"x", "NO", "X Corp."},                                  // X's rule names the EU only
           {"x", "el", "Twitter International Unlimited Company"},  // Greece, EU spelling
           {"tiktok", "US", "TikTok Inc."},
           {"tiktok", "GB", "TikTok Information Technologies UK Ltd."},
           {"tiktok", "uk", "TikTok Information Technologies UK Ltd."},
           {"tiktok", "CH", "TikTok Technology Ltd."},
           {"tiktok", "IS", "TikTok Technology Ltd."},
           {"tiktok", "KZ", "TikTok Pte. Ltd."},
           {"tiktok", "RU", "TikTok Pte. Ltd."},
           {"google", "IE", "Google Ireland Ltd."},
           {"google", "KZ", "Google LLC"},
           {"telegram", "DE", "Telegram FZ-LLC"},
       }) {
    EXPECT_EQ(EntityFor(test.provider, test.country), test.entity)
        << test.provider << " " << test.country;
  }
}

TEST(DirectoryTest, RefusesCountriesThatAreNotTwoLetters) {
  for (std::string_view bad : {"", "KAZ", "K", "Қазақстан", "12", "🙂", "K7", "\xff"}) {
    absl::StatusOr<const LegalEntity*> entity = SelectEntity(P("meta"), bad);
    EXPECT_EQ(entity.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(base::StatusField(entity.status()), "country");
  }
}

TEST(DirectoryTest, RegionTables) {
  int eu = 0;
  for (char first = 'A'; first <= 'Z'; ++first) {
    for (char second = 'A'; second <= 'Z'; ++second) {
      eu += InRegion(std::string{first, second}, Region::kEu) ? 1 : 0;
    }
  }
  EXPECT_EQ(eu, 27);
  EXPECT_TRUE(InRegion("NO", Region::kEea));
  EXPECT_FALSE(InRegion("NO", Region::kEu));
  EXPECT_FALSE(InRegion("GB", Region::kEea));
  EXPECT_TRUE(InRegion("GB", Region::kUk));
  EXPECT_FALSE(InRegion("CH", Region::kEea));
}

TEST(DirectoryTest, ListsFactsWithTheirSources) {
  std::vector<Fact> facts = ListFacts(P("tiktok"));
  bool found = false;
  for (const Fact& fact : facts) {
    if (fact.field != "preservation") continue;
    found = true;
    EXPECT_THAT(fact.text, HasSubstr("90 days"));
    EXPECT_THAT(fact.text, HasSubstr("at most 1 extension"));
    EXPECT_THAT(fact.provenance.source, HasSubstr("TikTok law enforcement guidelines"));
    EXPECT_EQ(fact.provenance.confidence, Confidence::kVerified);
  }
  EXPECT_TRUE(found);
}

// ---- Versions ----------------------------------------------------------------------------------

Json SeedProviders() { return Json::parse(SeedProvidersJson()); }

Json Entry(std::string_view id) {
  const Json doc = SeedProviders();
  for (const Json& entry : doc["providers"]) {
    if (entry["id"].get<std::string>() == id) return entry;
  }
  return Json();
}

TEST(DirectoryTest, ContentHashIgnoresKeyOrderAndSpacing) {
  absl::StatusOr<Provider> compact = ParseProvider(Entry("x").dump());
  absl::StatusOr<Provider> spaced = ParseProvider(Entry("x").dump(4));
  ASSERT_TRUE(compact.ok()) << compact.status();
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(compact->content_hash, spaced->content_hash);
  EXPECT_EQ(compact->content_hash, P("x").content_hash);
  EXPECT_FALSE(EntryChanged(P("x").content_hash, *spaced));
}

TEST(DirectoryTest, AChangedFactChangesTheHashAndIsListed) {
  Json entry = Entry("x");
  entry["preservation"]["extension_lead_days"] = 10;
  entry["legal_entities"]["entries"][1]["name"] = "X Ireland Ltd.";
  entry["notes"].erase("to_check");  // absent before too: no change
  entry["channels"]["entries"][0]["address"] = "https://legalrequests.x.com/new";
  entry["preservation"]["to_check"] = "confirm the lead time";
  absl::StatusOr<Provider> changed = ParseProvider(entry.dump());
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(EntryChanged(P("x").content_hash, *changed));
  std::vector<EntryChange> changes = CompareProviders(P("x"), *changed);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].path, "/channels/entries/0/address");
  EXPECT_EQ(changes[1].path, "/legal_entities/entries/1/name");
  EXPECT_EQ(changes[1].before, "Twitter International Unlimited Company");
  EXPECT_EQ(changes[1].after, "X Ireland Ltd.");
  EXPECT_EQ(changes[2].path, "/preservation/extension_lead_days");
  EXPECT_EQ(changes[2].before, "7");
  EXPECT_EQ(changes[2].after, "10");
  EXPECT_EQ(changes[3].path, "/preservation/to_check");
  EXPECT_TRUE(changes[3].added);
  EXPECT_TRUE(CompareProviders(P("x"), P("x")).empty());
}

TEST(DirectoryTest, DirectoryVersionChangesWithAnyEntry) {
  Json providers = SeedProviders();
  providers["providers"][0]["preservation"]["days"] = 60;
  absl::StatusOr<Directory> changed = Directory::Load(providers.dump(), SeedCountriesJson());
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_NE(changed->version(), Seed().version());
  absl::StatusOr<Directory> same = Directory::Load(SeedProviders().dump(2), SeedCountriesJson());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version(), Seed().version());
}

TEST(DirectoryTest, LoadsTheDatabasesEntriesWithTheSeedsRules) {
  Json x = Entry("x");
  x["preservation"]["days"] = 60;
  absl::StatusOr<Directory> loaded = Directory::LoadWithEntries({Entry("tiktok").dump(), x.dump()});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->providers().size(), 2u);
  EXPECT_EQ(loaded->FindProvider("twitter")->preservation->days, 60);
  EXPECT_EQ(loaded->FindProvider("meta"), nullptr);
  EXPECT_NE(loaded->FindRule("us-2703f"), nullptr);
  EXPECT_NE(loaded->FindCountry("KZ"), nullptr);

  absl::StatusOr<Directory> not_json = Directory::LoadWithEntries({Entry("x").dump(), "{x"});
  EXPECT_EQ(base::StatusField(not_json.status()), "providers[1]");
  // An entry that names a retention period the seed lacks.
  Json unknown = Entry("vk");
  unknown["retention"] = {"kz-telecom"};
  absl::StatusOr<Directory> bad = Directory::LoadWithEntries({unknown.dump()});
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("providers[vk].retention: no retention period \"kz-telecom\""));
}

// ---- Broken input ------------------------------------------------------------------------------

struct BrokenCase {
  std::string name;
  std::function<void(Json&)> breaks;
  std::string message;  // a part of the error's message
};

TEST(DirectoryTest, BrokenProvidersAreRefusedNamingFieldAndProvider) {
  std::vector<BrokenCase> cases = {
      {"missing days", [](Json& doc) { doc["providers"][2]["preservation"].erase("days"); },
       "providers[tiktok].preservation.days: is missing"},
      {"days as text", [](Json& doc) { doc["providers"][2]["preservation"]["days"] = "90"; },
       "providers[tiktok].preservation.days: must be an integer from 1 to 3650"},
      {"negative days", [](Json& doc) { doc["providers"][2]["preservation"]["days"] = -5; },
       "providers[tiktok].preservation.days: must be an integer"},
      {"huge days",
       [](Json& doc) { doc["providers"][2]["preservation"]["days"] = 18446744073709551615ull; },
       "providers[tiktok].preservation.days: must be an integer"},
      {"unknown field", [](Json& doc) { doc["providers"][1]["preservaton"] = Json::object(); },
       "providers[x]: unknown field \"preservaton\""},
      {"two defaults",
       [](Json& doc) {
         doc["providers"][0]["legal_entities"]["entries"][1]["applies_to"] = {{"default", true}};
       },
       "providers[meta].legal_entities.entries: exactly one legal entity"},
      {"no default",
       [](Json& doc) {
         doc["providers"][0]["legal_entities"]["entries"][0]["applies_to"] = {
             {"countries", {"US"}}};
       },
       "exactly one legal entity"},
      {"bad region",
       [](Json& doc) {
         doc["providers"][0]["legal_entities"]["entries"][1]["applies_to"]["regions"] = {"ASIA"};
       },
       "providers[meta].legal_entities.entries[1].applies_to.regions: must name EU, EEA or UK"},
      {"bad country",
       [](Json& doc) {
         doc["providers"][2]["legal_entities"]["entries"][0]["applies_to"]["countries"] = {"США"};
       },
       "applies_to.countries: must hold ISO 3166-1"},
      {"bad zone",
       [](Json& doc) {
         doc["providers"][0]["legal_entities"]["entries"][0]["time_zone"] = "../../etc/passwd";
       },
       "providers[meta].legal_entities.entries[0].time_zone: is not a known IANA time zone"},
      {"unknown zone",
       [](Json& doc) {
         doc["providers"][0]["legal_entities"]["entries"][0]["time_zone"] = "Mars/Olympus";
       },
       "is not a known IANA time zone"},
      {"bad confidence",
       [](Json& doc) { doc["providers"][2]["preservation"]["confidence"] = "probably"; },
       "providers[tiktok].preservation.confidence: must be \"verified\" or \"unverified\""},
      {"verified without source",
       [](Json& doc) { doc["providers"][2]["preservation"]["source"] = ""; },
       "providers[tiktok].preservation.source: a verified fact needs its source"},
      {"bad checked", [](Json& doc) { doc["providers"][2]["preservation"]["checked"] = "Nov"; },
       "providers[tiktok].preservation.checked: must be a date"},
      {"unknown retention", [](Json& doc) { doc["providers"][0]["retention"] = {"nope"}; },
       "providers[meta].retention: no retention period \"nope\""},
      {"duplicate id", [](Json& doc) { doc["providers"][1]["id"] = "meta"; },
       "providers[meta].id: is used twice"},
      {"duplicate name", [](Json& doc) { doc["providers"][1]["names"] = {"instagram"}; },
       "\"instagram\" names another provider too"},
      {"bad id", [](Json& doc) { doc["providers"][1]["id"] = "X Corp"; },
       "providers[1].id: must be 1-64"},
      {"names not an array", [](Json& doc) { doc["providers"][1]["names"] = "X"; },
       "providers[x].names: must be an array"},
      {"not UTF-8", [](Json& doc) { doc["providers"][1]["names"] = {"X"}; },
       ""},  // valid: the next test covers bytes
      {"bad category",
       [](Json& doc) {
         doc["providers"][0]["data_categories"]["entries"][0]["category"] = "everything";
       },
       "providers[meta].data_categories.entries[0].category: must be one of"},
      {"bad process",
       [](Json& doc) {
         doc["providers"][0]["data_categories"]["entries"][0]["process"] = "ask nicely";
       },
       "process: must be one of"},
      {"lead longer than period",
       [](Json& doc) { doc["providers"][1]["preservation"]["extension_lead_days"] = 90; },
       "providers[x].preservation.extension_lead_days: must be shorter"},
      {"no entities",
       [](Json& doc) { doc["providers"][4]["legal_entities"]["entries"] = Json::array(); },
       "providers[microsoft].legal_entities.entries: needs at least one legal entity"},
      {"bad format", [](Json& doc) { doc["format"] = "v2"; }, "providers.json.format"},
      {"template key twice",
       [](Json& doc) { doc["request_template"]["fields"][1]["key"] = "date"; },
       "providers.json.request_template.fields[1].key: is used twice"},
      {"refusal reasons not strings", [](Json& doc) { doc["refusal_reasons"]["entries"][0] = 1; },
       "providers.json.refusal_reasons.entries[0]: must be a string"},
      {"providers not array", [](Json& doc) { doc["providers"] = 5; },
       "providers.json.providers: must be an array"},
      {"retention for a bad provider id",
       [](Json& doc) { doc["retention_periods"][3]["provider"] = "My Space"; },
       "retention_periods[x-ip-logs].provider: must be a provider id"},
  };
  for (const BrokenCase& test : cases) {
    Json doc = SeedProviders();
    test.breaks(doc);
    absl::StatusOr<Directory> loaded = Directory::Load(doc.dump(), SeedCountriesJson());
    if (test.message.empty()) {
      EXPECT_TRUE(loaded.ok()) << test.name << ": " << loaded.status();
      continue;
    }
    ASSERT_FALSE(loaded.ok()) << test.name;
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << test.name;
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(test.message)) << test.name;
    EXPECT_TRUE(base::StatusField(loaded.status()).has_value()) << test.name;
  }
}

TEST(DirectoryTest, BrokenCountriesAreRefusedNamingFieldAndCountry) {
  std::vector<BrokenCase> cases = {
      {"bad status", [](Json& doc) { doc["countries"][1]["budapest"]["status"] = "maybe"; },
       "countries[US].budapest.status: must be one of party, not_party, unknown"},
      {"missing languages", [](Json& doc) { doc["countries"][5].erase("languages"); },
       "countries[RU].languages: is missing"},
      {"bad code", [](Json& doc) { doc["countries"][2]["code"] = "IRL"; },
       "countries[2].code: must be an ISO 3166-1"},
      {"duplicate", [](Json& doc) { doc["countries"][2]["code"] = "US"; },
       "countries[US].code: is used twice"},
      {"no source no check",
       [](Json& doc) { doc["countries"][1]["central_authority"].erase("to_check"); },
       "countries[US].central_authority.source: is empty"},
  };
  for (const BrokenCase& test : cases) {
    Json doc = Json::parse(SeedCountriesJson());
    test.breaks(doc);
    absl::StatusOr<Directory> loaded = Directory::Load(SeedProvidersJson(), doc.dump());
    ASSERT_FALSE(loaded.ok()) << test.name;
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << test.name;
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(test.message)) << test.name;
  }
}

TEST(DirectoryTest, MalformedDocumentsGiveClearErrors) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& test : std::vector<Case>{
           {"", "providers.json: is not valid JSON"},
           {"{\"format\": ", "providers.json: is not valid JSON"},
           {"[1,2,3]", "providers.json: must be a JSON object"},
           {"{\"format\":\"threathub-providers/1\",\"providers\":[{\"id\":\"\xff\"}]}",
            "providers.json: is not valid JSON"},
           {std::string(300000, '['), "providers.json: is not valid JSON"},
           {std::string(kMaxDirectoryJsonBytes + 1, ' '), "providers.json: is larger than 4 MiB"},
           {"{\"format\":\"threathub-providers/1\",\"providers\":[{\"id\":\"kz\",\"names\":"
            "[\"Қазақтелеком 🙂 شركة\"]}]}",
            "providers[kz].legal_entities: is missing"},
       }) {
    absl::StatusOr<Directory> loaded = Directory::Load(test.text, SeedCountriesJson());
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(loaded.status().message()), HasSubstr(test.message))
        << test.text.substr(0, 40);
  }
  EXPECT_FALSE(ParseProvider("null").ok());
  EXPECT_FALSE(ParseProvider("{}").ok());
}

}  // namespace
}  // namespace threathub::requests
