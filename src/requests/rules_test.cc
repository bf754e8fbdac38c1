#include "requests/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "base/errors.h"

namespace threathub::requests {
namespace {

using ::testing::HasSubstr;

constexpr base::Millis kHour = 3'600'000;
constexpr base::Millis kDay = 24 * kHour;

const Directory& Seed() {
  static const Directory* directory = new Directory(*Directory::LoadSeed());
  return *directory;
}

base::Millis At(std::string_view text) {
  base::Millis millis = 0;
  EXPECT_TRUE(base::ParseUtc(text, millis)) << text;
  return millis;
}

const Provider* P(std::string_view id) { return Seed().FindProvider(id); }

const LegalEntity* E(std::string_view provider, std::string_view country) {
  return *SelectEntity(*P(provider), country);
}

RequestFacts Preservation(base::Millis sent, std::optional<base::Millis> acknowledged = {}) {
  RequestFacts request;
  request.id = "p1";
  request.type = RequestType::kPreservation;
  request.sent_at = sent;
  request.acknowledged_at = acknowledged;
  return request;
}

RequestFacts Next(const RequestFacts& previous, std::string id, RequestType type,
                  std::optional<base::Millis> sent) {
  RequestFacts request;
  request.id = std::move(id);
  request.previous_id = previous.id;
  request.type = type;
  request.sent_at = sent;
  return request;
}

Schedule Compute(const DeadlineInput& input) {
  absl::StatusOr<Schedule> schedule = ComputeDeadlines(Seed(), input);
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  return schedule.ok() ? *schedule : Schedule{};
}

const Deadline* Find(const Schedule& schedule, DeadlineKind kind) {
  for (const Deadline& deadline : schedule.deadlines) {
    if (deadline.kind == kind) return &deadline;
  }
  return nullptr;
}

bool HasProblem(const Schedule& schedule, std::string_view code) {
  for (const Problem& problem : schedule.problems) {
    if (problem.code == code) return true;
  }
  return false;
}

// ---- Preservation periods ----------------------------------------------------------------------

TEST(RulesTest, TikTokPreservationRunsNinetyDaysFromTheAcknowledgementInSingapore) {
  RequestFacts request = Preservation(At("2026-01-09T08:00:00Z"), At("2026-01-10T12:00:00Z"));
  Schedule schedule = Compute({P("tiktok"), E("tiktok", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->due, At("2026-04-10T12:00:00Z"));  // Singapore has no DST
  EXPECT_EQ(expiry->rule_id, "tiktok-preservation");
  EXPECT_THAT(expiry->source, HasSubstr("TikTok law enforcement guidelines"));
  EXPECT_EQ(expiry->confidence, Confidence::kVerified);
  EXPECT_FALSE(expiry->comparison_only);
  EXPECT_EQ(expiry->provider_local.zone, "Asia/Singapore");
  EXPECT_EQ(expiry->provider_local.text, "2026-04-10T20:00:00+08:00");
  EXPECT_EQ(expiry->user_local.zone, "Asia/Almaty");
  EXPECT_EQ(schedule.provider_zone, "Asia/Singapore");
  EXPECT_EQ(schedule.preserved_until, expiry->due);
}

TEST(RulesTest, UsEntityWithoutItsOwnRuleGets2703f) {
  RequestFacts request = Preservation(At("2026-05-01T00:00:00Z"));
  Schedule schedule = Compute({P("microsoft"), E("microsoft", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->rule_id, "us-2703f");
  EXPECT_EQ(expiry->source, "18 U.S.C. 2703(f)(2)");
  // 2026-04-30 17:00 PDT + 90 days, both in PDT.
  EXPECT_EQ(expiry->due, At("2026-07-30T00:00:00Z"));
}

TEST(RulesTest, ProviderWithoutAKnownPeriodIsAProblemNotAGuess) {
  Schedule schedule = Compute({P("telegram"), nullptr, {Preservation(At("2026-05-01T00:00:00Z"))}});
  EXPECT_EQ(Find(schedule, DeadlineKind::kPreservationExpires), nullptr);
  EXPECT_TRUE(HasProblem(schedule, "period_unknown"));
}

// 90 days across the spring DST change in Los Angeles are 90 calendar days: the wall-clock time
// stays 12:00, so the UTC instant is an hour earlier than 90 x 24 h.
TEST(RulesTest, DstChangeInTheProviderZoneKeepsTheWallClock) {
  RequestFacts request = Preservation(At("2026-01-15T20:00:00Z"));  // 12:00 PST
  Schedule schedule = Compute({P("meta"), E("meta", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->due, At("2026-04-15T19:00:00Z"));  // 12:00 PDT
  EXPECT_EQ(expiry->due - *request.sent_at, 90 * kDay - kHour);
  EXPECT_EQ(expiry->provider_local.text, "2026-04-15T12:00:00-07:00");
  EXPECT_EQ(expiry->user_local.text, "2026-04-16T00:00:00+05:00");
}

TEST(RulesTest, DublinSummerTimeForTheIrishEntity) {
  RequestFacts request = Preservation(At("2026-02-01T09:00:00Z"));  // 09:00 GMT
  Schedule schedule = Compute({P("meta"), E("meta", "DE"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->provider_local.zone, "Europe/Dublin");
  EXPECT_EQ(expiry->due, At("2026-05-02T08:00:00Z"));  // 09:00 IST
  EXPECT_EQ(expiry->provider_local.text, "2026-05-02T09:00:00+01:00");
}

// X Corp.'s zone (America/Chicago): acknowledged at 23:30 local on 31 May, which is already
// 1 June in Almaty. The expiry and the latest extension fall on different dates in the two
// zones.
TEST(RulesTest, DeadlineNearMidnightFallsOnDifferentDatesInTheTwoZones) {
  RequestFacts request = Preservation(At("2026-06-01T04:00:00Z"), At("2026-06-01T04:30:00Z"));
  Schedule schedule = Compute({P("x"), E("x", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->due, At("2026-08-30T04:30:00Z"));
  EXPECT_EQ(expiry->provider_local.date, "2026-08-29");
  EXPECT_EQ(expiry->user_local.date, "2026-08-30");
  const Deadline* extension = Find(schedule, DeadlineKind::kLatestExtension);
  ASSERT_NE(extension, nullptr);
  EXPECT_EQ(extension->rule_id, "x-extension-lead");
  EXPECT_THAT(extension->source, HasSubstr("X law enforcement guidelines"));
  EXPECT_EQ(extension->due, At("2026-08-23T04:30:00Z"));
  EXPECT_EQ(extension->provider_local.date, "2026-08-22");
  EXPECT_EQ(extension->user_local.date, "2026-08-23");
  EXPECT_LT(extension->due, expiry->due);  // sorted by due
  EXPECT_EQ(schedule.deadlines.front().kind, DeadlineKind::kLatestExtension);
}

TEST(RulesTest, LeapDayIsCounted) {
  // 1 Dec 2027 + 90 days = 29 Feb 2028 (30 + 31 + 29).
  RequestFacts request = Preservation(At("2027-12-01T03:00:00Z"));
  Schedule schedule = Compute({P("tiktok"), E("tiktok", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->provider_local.date, "2028-02-29");
  EXPECT_EQ(*AddCivilDays(At("2028-02-28T12:00:00Z"), 1, "UTC"), At("2028-02-29T12:00:00Z"));
  EXPECT_EQ(*AddCivilDays(At("2027-02-28T12:00:00Z"), 1, "UTC"), At("2027-03-01T12:00:00Z"));
  EXPECT_EQ(*AddCivilDays(At("2028-02-29T12:00:00Z"), 365, "UTC"), At("2029-02-28T12:00:00Z"));
}

TEST(RulesTest, AStatedEndWinsOverTheRule) {
  RequestFacts request = Preservation(At("2026-03-01T00:00:00Z"));
  request.preserved_until = At("2026-05-01T00:00:00Z");
  Schedule schedule = Compute({P("tiktok"), E("tiktok", "KZ"), {request}});
  EXPECT_EQ(Find(schedule, DeadlineKind::kPreservationExpires)->due, At("2026-05-01T00:00:00Z"));
  EXPECT_EQ(Find(schedule, DeadlineKind::kPreservationExpires)->rule_id, "tiktok-stated-end");
}

TEST(RulesTest, ADraftHasNoDeadlines) {
  RequestFacts draft;
  draft.id = "d";
  Schedule schedule = Compute({P("tiktok"), nullptr, {draft}});
  EXPECT_TRUE(schedule.deadlines.empty());
  EXPECT_TRUE(schedule.problems.empty());
  EXPECT_EQ(schedule.provider_zone, "Asia/Singapore");  // the default entity
}

// ---- Extensions --------------------------------------------------------------------------------

TEST(RulesTest, TikTokAllowsOneExtensionOnly) {
  RequestFacts preservation = Preservation(At("2026-01-10T12:00:00Z"));
  RequestFacts first =
      Next(preservation, "e1", RequestType::kPreservationExtension, At("2026-04-01T00:00:00Z"));
  Schedule once = Compute({P("tiktok"), E("tiktok", "KZ"), {preservation, first}});
  EXPECT_TRUE(once.problems.empty());
  EXPECT_EQ(once.extensions_so_far, 1);
  const Deadline* expiry = Find(once, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  EXPECT_EQ(expiry->due, At("2026-07-09T12:00:00Z"));  // 10 Apr + 90 days
  EXPECT_EQ(expiry->rule_id, "tiktok-extension");

  RequestFacts second =
      Next(first, "e2", RequestType::kPreservationExtension, At("2026-07-01T00:00:00Z"));
  Schedule twice = Compute({P("tiktok"), E("tiktok", "KZ"), {preservation, first, second}});
  ASSERT_TRUE(HasProblem(twice, "extension_limit"));
  EXPECT_EQ(twice.problems[0].rule_id, "tiktok-extension-limit");
  EXPECT_THAT(twice.problems[0].source, HasSubstr("TikTok law enforcement guidelines"));
  EXPECT_EQ(twice.extensions_so_far, 2);
  EXPECT_EQ(Find(twice, DeadlineKind::kPreservationExpires)->due, At("2026-07-09T12:00:00Z"));
}

TEST(RulesTest, XExtensionMustArriveSevenDaysBeforeExpiry) {
  RequestFacts preservation = Preservation(At("2026-06-01T04:30:00Z"));  // ends 08-30T04:30Z
  struct Case {
    std::string_view sent;
    std::string_view problem;  // "" for none
  };
  for (const Case& test : std::vector<Case>{
           {"2026-08-20T00:00:00Z", ""},
           {"2026-08-23T04:30:00Z", ""},  // exactly 7 days before
           {"2026-08-23T04:31:00Z", "extension_too_late"},
           {"2026-08-28T00:00:00Z", "extension_too_late"},
           {"2026-08-30T04:30:00Z", "preservation_expired"},
       }) {
    RequestFacts extension =
        Next(preservation, "e1", RequestType::kPreservationExtension, At(test.sent));
    Schedule schedule = Compute({P("x"), E("x", "KZ"), {preservation, extension}});
    if (test.problem.empty()) {
      EXPECT_TRUE(schedule.problems.empty()) << test.sent;
      // X names no extension length: 2703(f)'s 90 days for X Corp.
      EXPECT_EQ(Find(schedule, DeadlineKind::kPreservationExpires)->rule_id, "us-2703f");
    } else {
      EXPECT_TRUE(HasProblem(schedule, test.problem)) << test.sent;
    }
  }
}

TEST(RulesTest, MlaAfterPreservationKeepsTheExpiryAndShowsEuTimesForComparison) {
  RequestFacts preservation = Preservation(At("2026-03-01T06:00:00Z"));
  RequestFacts mla = Next(preservation, "m1", RequestType::kMlaRequest, At("2026-03-20T06:00:00Z"));
  Schedule schedule = Compute({P("meta"), E("meta", "KZ"), {preservation, mla}});
  ASSERT_NE(Find(schedule, DeadlineKind::kPreservationExpires), nullptr);
  const Deadline* epoc = Find(schedule, DeadlineKind::kResponseDue);
  ASSERT_NE(epoc, nullptr);
  EXPECT_EQ(epoc->rule_id, "eu-epoc");
  EXPECT_TRUE(epoc->comparison_only);
  EXPECT_THAT(epoc->source, HasSubstr("2023/1543"));
  EXPECT_EQ(epoc->due, At("2026-03-30T06:00:00Z"));
}

TEST(RulesTest, EmergencyIsCountedInHours) {
  RequestFacts emergency;
  emergency.id = "x1";
  emergency.type = RequestType::kEmergencyDisclosure;
  emergency.sent_at = At("2026-03-08T09:15:00Z");  // LA springs forward on 8 Mar 2026
  Schedule schedule = Compute({P("meta"), E("meta", "KZ"), {emergency}});
  ASSERT_EQ(schedule.deadlines.size(), 2u);
  EXPECT_EQ(schedule.deadlines[0].rule_id, "eu-epoc");
  EXPECT_EQ(schedule.deadlines[0].due, *emergency.sent_at + 8 * kHour);
  EXPECT_TRUE(schedule.deadlines[0].in_hours);
  EXPECT_TRUE(schedule.deadlines[0].comparison_only);
  EXPECT_EQ(schedule.deadlines[1].rule_id, "eu-emergency-validation");
  EXPECT_EQ(schedule.deadlines[1].due, *emergency.sent_at + 48 * kHour);
  EXPECT_EQ(HoursBetween(*emergency.sent_at, At("2026-03-08T17:14:00Z")), 7);
  EXPECT_EQ(HoursBetween(At("2026-03-08T17:14:00Z"), *emergency.sent_at), -7);
}

TEST(RulesTest, NetworkRequestGetsBudapestArticle29) {
  RequestFacts network;
  network.id = "n1";
  network.type = RequestType::kNetwork247;
  network.sent_at = At("2026-03-01T00:00:00Z");
  Schedule schedule = Compute({nullptr, nullptr, {network}});
  const Deadline* by = Find(schedule, DeadlineKind::kMlaBy);
  ASSERT_NE(by, nullptr);
  EXPECT_EQ(by->rule_id, "budapest-29");
  EXPECT_EQ(by->source, "Budapest Convention Art. 29(3), 29(7)");
  EXPECT_EQ(by->due, At("2026-04-30T00:00:00Z"));
  EXPECT_TRUE(by->comparison_only);  // Kazakhstan is not a party
  EXPECT_EQ(by->provider_local.zone, "UTC");
  DeadlineInput party{nullptr, nullptr, {network}};
  party.requester_budapest_party = true;
  EXPECT_FALSE(Find(Compute(party), DeadlineKind::kMlaBy)->comparison_only);
}

// ---- Bad chains --------------------------------------------------------------------------------

TEST(RulesTest, BadChainsAreRefusedNamingTheField) {
  RequestFacts preservation = Preservation(At("2026-03-01T00:00:00Z"));
  struct Case {
    std::string name;
    DeadlineInput input;
    std::string field;
  };
  RequestFacts orphan =
      Next(preservation, "e", RequestType::kPreservationExtension, At("2026-03-05T00:00:00Z"));
  RequestFacts wrong_link = orphan;
  wrong_link.previous_id = "someone-else";
  RequestFacts mla = Next(preservation, "m", RequestType::kMlaRequest, At("2026-03-05T00:00:00Z"));
  RequestFacts after_mla =
      Next(mla, "e", RequestType::kPreservationExtension, At("2026-03-06T00:00:00Z"));
  RequestFacts early = Preservation(At("2026-03-01T00:00:00Z"), At("2026-02-28T00:00:00Z"));
  RequestFacts bad_end = Preservation(At("2026-03-01T00:00:00Z"));
  bad_end.preserved_until = At("2026-02-01T00:00:00Z");
  RequestFacts before_previous =
      Next(preservation, "e", RequestType::kPreservationExtension, At("2026-02-01T00:00:00Z"));
  RequestFacts ack_without_sent;
  ack_without_sent.id = "a";
  ack_without_sent.acknowledged_at = At("2026-03-01T00:00:00Z");
  DeadlineInput bad_zone{P("tiktok"), nullptr, {preservation}};
  bad_zone.user_zone = "Asia/Алматы";
  std::vector<Case> cases = {
      {"empty", {P("tiktok"), nullptr, {}}, "chain"},
      {"extension first", {P("tiktok"), nullptr, {orphan}}, "type"},
      {"wrong link", {P("tiktok"), nullptr, {preservation, wrong_link}}, "previous_id"},
      {"extension after MLA", {P("tiktok"), nullptr, {preservation, mla, after_mla}}, "type"},
      {"acknowledged before sent", {P("tiktok"), nullptr, {early}}, "acknowledged_at"},
      {"end before start", {P("tiktok"), nullptr, {bad_end}}, "preserved_until"},
      {"sent before the previous",
       {P("tiktok"), nullptr, {preservation, before_previous}},
       "sent_at"},
      {"acknowledged, never sent", {P("tiktok"), nullptr, {ack_without_sent}}, "sent_at"},
      {"unknown zone", bad_zone, "user_zone"},
  };
  for (const Case& test : cases) {
    absl::StatusOr<Schedule> schedule = ComputeDeadlines(Seed(), test.input);
    ASSERT_FALSE(schedule.ok()) << test.name;
    EXPECT_EQ(schedule.status().code(), absl::StatusCode::kInvalidArgument) << test.name;
    EXPECT_EQ(base::StatusField(schedule.status()), test.field) << test.name;
  }
}

TEST(RulesTest, ChainOrder) {
  using enum RequestType;
  EXPECT_TRUE(MayFollow(kPreservation, kPreservationExtension));
  EXPECT_TRUE(MayFollow(kPreservationExtension, kPreservationExtension));
  EXPECT_TRUE(MayFollow(kPreservationExtension, kMlaRequest));
  EXPECT_TRUE(MayFollow(kMlaRequest, kProductionOrder));
  EXPECT_TRUE(MayFollow(kNetwork247, kPreservation));
  EXPECT_FALSE(MayFollow(kMlaRequest, kPreservationExtension));
  EXPECT_FALSE(MayFollow(kProductionOrder, kProductionOrder));
  EXPECT_FALSE(MayFollow(kMlaRequest, kNetwork247));
  for (RequestType type : {kPreservation, kPreservationExtension, kVoluntaryDisclosure,
                           kEmergencyDisclosure, kProductionOrder, kMlaRequest, kNetwork247}) {
    EXPECT_EQ(ParseRequestType(RequestTypeName(type)), type);
  }
  EXPECT_FALSE(ParseRequestType("preservation ").has_value());
}

// The engine's rules cite the sources the seed gives them.
TEST(RulesTest, EngineRulesExistInTheSeedWithTheirSources) {
  EXPECT_EQ(Seed().FindRule("us-2703f")->provenance.source, "18 U.S.C. 2703(f)(2)");
  EXPECT_EQ(Seed().FindRule("budapest-29")->days, 60);
  EXPECT_EQ(Seed().FindRule("eu-epoc")->days, 10);
  EXPECT_EQ(Seed().FindRule("eu-epoc")->hours, 8);
  EXPECT_EQ(Seed().FindRule("eu-emergency-validation")->hours, 48);
}

// ---- Reminders ---------------------------------------------------------------------------------

TEST(RulesTest, RemindersAtFourteenAndSevenDaysAndAtTheDeadline) {
  RequestFacts request = Preservation(At("2026-01-15T20:00:00Z"));
  Schedule schedule = Compute({P("meta"), E("meta", "KZ"), {request}});
  const Deadline* expiry = Find(schedule, DeadlineKind::kPreservationExpires);
  ASSERT_NE(expiry, nullptr);
  std::vector<Reminder> reminders = Reminders(*expiry);
  ASSERT_EQ(reminders.size(), 3u);
  EXPECT_EQ(reminders[0].label, "14_days_before");
  EXPECT_EQ(reminders[0].at, At("2026-04-01T19:00:00Z"));
  EXPECT_EQ(reminders[0].user_local.text, "2026-04-02T00:00:00+05:00");
  EXPECT_EQ(reminders[0].provider_local.text, "2026-04-01T12:00:00-07:00");
  EXPECT_EQ(reminders[1].label, "7_days_before");
  EXPECT_EQ(reminders[1].at, At("2026-04-08T19:00:00Z"));
  EXPECT_EQ(reminders[2].label, "at_deadline");
  EXPECT_EQ(reminders[2].at, expiry->due);
}

TEST(RulesTest, RemindersBeforeAnHourDeadlineAreHourly) {
  RequestFacts emergency;
  emergency.id = "x1";
  emergency.type = RequestType::kEmergencyDisclosure;
  emergency.sent_at = At("2026-03-08T09:15:00Z");
  Schedule schedule = Compute({P("meta"), nullptr, {emergency}});
  std::vector<Reminder> reminders = Reminders(schedule.deadlines[0]);
  ASSERT_EQ(reminders.size(), 2u);
  EXPECT_EQ(reminders[0].label, "1_hour_before");
  EXPECT_EQ(reminders[0].at, *emergency.sent_at + 7 * kHour);
  // 16:15Z on the day LA moved to PDT.
  EXPECT_EQ(reminders[0].provider_local.text, "2026-03-08T09:15:00-07:00");
  EXPECT_EQ(reminders[1].label, "at_deadline");
}

// ---- Retention ---------------------------------------------------------------------------------

TEST(RulesTest, RetentionWarningGivesTheLastDayToAsk) {
  base::Millis event = At("2026-11-01T10:00:00Z");  // 15:00 in Almaty
  absl::StatusOr<std::vector<RetentionWarning>> warnings =
      RetentionWarnings(Seed(), nullptr, "RU", "telecom", event, At("2026-11-20T00:00:00Z"));
  ASSERT_TRUE(warnings.ok()) << warnings.status();
  ASSERT_EQ(warnings->size(), 1u);
  const RetentionWarning& warning = (*warnings)[0];
  EXPECT_EQ(warning.retention_id, "ru-telecom-30d");
  EXPECT_EQ(warning.request_before, At("2026-12-01T10:00:00Z"));
  EXPECT_FALSE(warning.already_gone);
  EXPECT_EQ(warning.message,
            "traffic data at this operator is kept 30 days: request before 2026-12-01 "
            "(Asia/Almaty)");
  EXPECT_EQ(warning.source, "seed document");
  EXPECT_EQ(warning.confidence, Confidence::kUnverified);

  absl::StatusOr<std::vector<RetentionWarning>> late =
      RetentionWarnings(Seed(), nullptr, "ru", "telecom", event, At("2026-12-05T00:00:00Z"));
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE((*late)[0].already_gone);
  EXPECT_THAT((*late)[0].message, HasSubstr("the period ended on 2026-12-01"));
}

TEST(RulesTest, RetentionOfAProviderAndWithoutANumber) {
  base::Millis event = At("2026-11-01T10:00:00Z");
  absl::StatusOr<std::vector<RetentionWarning>> vk =
      RetentionWarnings(Seed(), P("vk"), "", "", event, event);
  ASSERT_TRUE(vk.ok());
  ASSERT_EQ(vk->size(), 2u);
  EXPECT_EQ((*vk)[0].retention_id, "ru-149fz-metadata");
  EXPECT_EQ((*vk)[1].retention_id, "ru-149fz-content");
  EXPECT_EQ((*vk)[0].source, "Federal Law 149-FZ Art. 10.1");
  absl::StatusOr<std::vector<RetentionWarning>> x =
      RetentionWarnings(Seed(), P("x"), "", "", event, event);
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->size(), 1u);
  EXPECT_FALSE((*x)[0].request_before.has_value());
  EXPECT_EQ((*x)[0].message, "X keeps IP logs only a very brief period: request at once");
  // A provider and a country together list each period once.
  absl::StatusOr<std::vector<RetentionWarning>> both =
      RetentionWarnings(Seed(), P("vk"), "RU", "", event, event);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 3u);
}

TEST(RulesTest, RetentionRefusesBadCountriesAndZones) {
  EXPECT_EQ(
      base::StatusField(RetentionWarnings(Seed(), nullptr, "Россия", "telecom", 0, 0).status()),
      "operator_country");
  EXPECT_EQ(
      base::StatusField(RetentionWarnings(Seed(), nullptr, "RU", "telecom", 0, 0, "🙂").status()),
      "user_zone");
  absl::StatusOr<std::vector<RetentionWarning>> none =
      RetentionWarnings(Seed(), nullptr, "KZ", "telecom", 0, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace threathub::requests
