// Collection against a real SQLite database (with FTS5), a real vault, a real ledger and real
// mandates (made and approved through MandateService), on a FakeClock: each import format with
// the mandate enforced record by record and as a whole, duplicates, full-text search in Russian
// and Kazakh, feeds stopped by a revocation, the purge (ledger leaf, audit, files), and
// promotion to evidence with custody from the collection.
#include "collect/collect.h"

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include <filesystem>
#include <fstream>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/bundle.h"
#include "ledger/audit_anchor.h"
#include "store/migrations.h"

namespace threathub::collect {
namespace {

namespace fs = std::filesystem;

constexpr char kPassword[] = "granite-steppe-eagle";
constexpr base::Millis kHour = 60 * 60 * 1000;
constexpr base::Millis kDay = 24 * kHour;
constexpr char kChannel[] = "1712345678";

std::string Line(const std::string& fields) { return "{" + fields + "}\n"; }

// An RSS 2.0 feed with entries 1..count of news.example.kz.
std::string Rss(int count) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
      "<title>Жаңалықтар</title><link>https://news.example.kz/</link>";
  for (int entry = 1; entry <= count; ++entry) {
    xml += base::StrCat("<item><title>Хабар ", entry, "</title><link>https://news.example.kz/item/",
                        entry, "</link><guid>https://news.example.kz/item/", entry,
                        "</guid><description>Новость номер ", entry,
                        "</description><pubDate>Thu, 01 Jan 2026 10:00:00 +0000</pubDate></item>");
  }
  return xml + "</channel></rss>\n";
}

class CollectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ =
        fs::temp_directory_path() / ("threathub-collect-" + base::HexEncode(base::RandomBytes(6)));
    fs::create_directories(directory_);
    database_ = store::OpenDatabase("sqlite", directory_).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    ledger_ = ledger::Ledger::Open(*database_, clock_,
                                   ledger::LedgerOptions::InDataDir(directory_.string()))
                  .value();
    anchor_ = std::make_unique<ledger::AuditAnchor>(*ledger_);
    trail_->SetAnchor(anchor_.get());
    auth::SessionPolicy policy;
    policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<auth::Authenticator>(*database_, *trail_, clock_, policy);
    org_ = std::make_unique<auth::OrgService>(*database_, *trail_, *sessions_, clock_, policy.cost);
    cases_ = std::make_unique<cases::CaseService>(*database_, *trail_, clock_);
    blobs_ = vault::BlobStore::Create((directory_ / "vault").string()).value();
    evidence::EvidenceOptions evidence_options;
    evidence_options.bundle_dir = (directory_ / "bundles").string();
    evidence_ = std::make_unique<evidence::EvidenceService>(*database_, *trail_, *ledger_, *cases_,
                                                            *blobs_, clock_, evidence_options);
    mandates_ = std::make_unique<mandates::MandateService>(*database_, *trail_, *cases_, clock_);
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    int64_t almaty = org_->CreateAgency(root, region, "almaty-cyber", "УПК", false).value().id;
    int64_t astana = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    lead_ = Person("lead", almaty, {auth::Role::kInvestigator});
    boss_ = Person("boss", almaty, {auth::Role::kSupervisor});
    outsider_ = Person("outsider", astana, {auth::Role::kInvestigator});
    StartCollect({});
  }

  void TearDown() override {
    collect_.reset();
    trail_->SetAnchor(nullptr);
    fs::remove_all(directory_);
  }

  void StartCollect(CollectOptions options) {
    collect_.reset();
    options.temp_dir = (directory_ / "collect-tmp").string();
    options.fetcher = [this](const std::string& url) -> absl::StatusOr<FetchResult> {
      ++fetches_;
      if (url != kFeedUrl) return absl::UnavailableError("no such site");
      return FetchResult{
          .status = 200, .final_url = url, .content_type = "application/rss+xml", .body = feed_};
    };
    collect_ = std::make_unique<CollectService>(*database_, *trail_, *ledger_, *mandates_,
                                                *evidence_, *blobs_, clock_, std::move(options));
  }

  auth::Principal Person(const std::string& name, int64_t agency, std::vector<auth::Role> roles) {
    org_->CreateUser(auth::Actor::CommandLine(), auth::NewUser{.agency_id = agency,
                                                               .username = name,
                                                               .display_name = name,
                                                               .roles = std::move(roles),
                                                               .password = kPassword,
                                                               .totp_exempt = true})
        .value();
    return sessions_->PrincipalForUser(name).value();
  }

  // An approved mandate of lead_'s (approved by boss_): a Telegram channel, a VK wall, the
  // sites of example.kz and the news feed; a window of 30 days from an hour ago.
  mandates::Mandate Approved(int storage_days = 30,
                             mandates::Mechanism mechanism = mandates::Mechanism::kAutomated) {
    mandates::NewMandate fields;
    fields.purpose = "Мониторинг призывов к экстремизму";
    fields.predicate = "ст. 174 УК РК";
    fields.level = mandates::Level::kOvert;
    fields.mechanism = mechanism;
    fields.scope = {{"account", "telegram", kChannel},
                    {"account", "vk", "-123456"},
                    {"domain", "", "example.kz"},
                    {"url_prefix", "", "https://news.example.kz/"},
                    {"platform", "rss", ""}};
    fields.starts_at = clock_.NowMillis() - kHour;
    fields.ends_at = clock_.NowMillis() + 30 * kDay;
    fields.storage_days = storage_days;
    fields.justification = "Материалы проверки КУИ № 77";
    mandates::Mandate made = mandates_->Create(lead_, {"10.0.0.7", "r"}, fields).value();
    mandates_->Submit(lead_, {"10.0.0.7", "r"}, made.id).value();
    return mandates_->Approve(boss_, {"10.0.0.8", "r"}, made.id).value();
  }

  Source MakeSource(const mandates::Mandate& mandate, const std::string& kind,
                    const std::string& url = "") {
    NewSource fields{.kind = kind, .name = "источник " + kind, .url = url};
    absl::StatusOr<Source> source = collect_->CreateSource(lead_, origin_, mandate.id, fields);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.value_or(Source{});
  }

  std::vector<Item> Items(const ItemFilter& filter = {}) {
    absl::StatusOr<ItemPage> page = collect_->List(lead_, filter);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->items : std::vector<Item>{};
  }

  int64_t Count(const std::string& sql) { return database_->Execute(sql).value().rows[0].Int(0); }

  std::vector<std::string> CustodyActions(int64_t item_id) {
    std::vector<std::string> actions;
    for (const evidence::CustodyEvent& event : evidence_->Custody(lead_, item_id).value()) {
      actions.push_back(event.action);
    }
    return actions;
  }

  ledger::VerifyReport VerifyLedger() {
    ledger::AuditRecordSource audit(*trail_);
    evidence::CustodyRecordSource custody(*database_);
    PurgeRecordSource purges(*database_);
    return ledger_->Verify({.sources = {&audit, &custody, &purges}}).value();
  }

  int64_t AuditCount(const std::string& action) {
    return Count("SELECT COUNT(*) FROM audit_log WHERE action = '" + action + "'");
  }

  static constexpr char kFeedUrl[] = "https://news.example.kz/rss.xml";

  base::FakeClock clock_;
  fs::path directory_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ledger::AuditAnchor> anchor_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<vault::BlobStore> blobs_;
  std::unique_ptr<evidence::EvidenceService> evidence_;
  std::unique_ptr<mandates::MandateService> mandates_;
  std::unique_ptr<CollectService> collect_;
  auth::Principal lead_, boss_, outsider_;
  Origin origin_{"10.0.0.7", "req-1", "web 10.0.0.7"};
  std::string feed_;
  int fetches_ = 0;
};

// Five lines: two inside the mandate (the channel; a site of example.kz), one from an account
// outside it, one from a site outside it, one the parser refuses.
std::string MixedJsonLines() {
  return Line(base::StrCat(R"("platform":"telegram","post_id":"1","channel_id":")", kChannel,
                           R"(","author_id":"channel)", kChannel,
                           R"(","author_name":"Арна","text":"Призывы к терроризму в канале",)",
                           R"("url":"https://t.me/arna/1","created_at":"2026-01-01T10:00:00Z")")) +
         Line(R"("platform":"telegram","post_id":"7","channel_id":"555","author_id":"user999",)"
              R"("text":"чужой аккаунт")") +
         Line(R"("platform":"x","post_id":"42","url":"https://www.example.kz/p/42",)"
              R"("author_id":"kz_user","author_name":"Qazaq","text":"ҚАУІПСІЗДІК мәселесі",)"
              R"("created_at":"2026-01-02T10:00:00Z")") +
         Line(
             R"("platform":"x","post_id":"43","url":"https://other.kz/p/43","text":"не наш сайт")") +
         Line(R"("platform":"x","text":"без post_id")");
}

TEST_F(CollectTest, JsonLinesImportStoresWhatTheMandateCoversAndCountsRefusalsPerReason) {
  mandates::Mandate mandate = Approved(/*storage_days=*/30);
  Source source = MakeSource(mandate, "jsonl");
  ImportReport report = collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).value();
  EXPECT_EQ(report.state, "done");
  EXPECT_EQ(report.format, "jsonl");
  EXPECT_EQ(report.records, 5);
  EXPECT_EQ(report.stored, 2);
  EXPECT_EQ(report.duplicates, 0);
  EXPECT_EQ(report.refused, (std::map<std::string, int64_t>{{"account_outside_mandate", 1},
                                                            {"site_outside_mandate", 1}}));
  ASSERT_EQ(report.errors, 1);
  ASSERT_EQ(report.error_sample.size(), 1u);
  EXPECT_EQ(report.error_sample[0].position, "line 5");

  std::vector<Item> items = Items();
  ASSERT_EQ(items.size(), 2u);
  const Item& x_post = items[0];  // newest first
  EXPECT_EQ(x_post.platform, "x");
  EXPECT_EQ(x_post.author_name, "Qazaq");
  EXPECT_EQ(x_post.mandate_id, mandate.id);
  EXPECT_EQ(x_post.collected_at, clock_.NowMillis());
  EXPECT_EQ(x_post.purge_at, clock_.NowMillis() + 30 * kDay);
  std::string raw = collect_->RawBytes(lead_, x_post.id).value();
  EXPECT_EQ(x_post.sha256, base::HexEncode(base::Sha256(raw)));
  EXPECT_NE(raw.find("\"post_id\":\"42\""), std::string::npos);

  Source counted = collect_->GetSource(lead_, source.id).value();
  EXPECT_EQ(counted.counts.collected, 2);
  EXPECT_EQ(counted.counts.errors, 1);
  EXPECT_EQ(counted.counts.refused.at("account_outside_mandate"), 1);
  EXPECT_EQ(AuditCount("collect.import"), 1);
  EXPECT_EQ(collect_->ListImports(lead_, source.id, 10).value().at(0).stored, 2);
}

TEST_F(CollectTest, ImportingTheSameExportAgainStoresNothingAndCountsDuplicates) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  ASSERT_EQ(collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).value().stored, 2);
  ImportReport again = collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).value();
  EXPECT_EQ(again.stored, 0);
  EXPECT_EQ(again.duplicates, 2);
  EXPECT_EQ(Items().size(), 2u);
  Source counted = collect_->GetSource(lead_, source.id).value();
  EXPECT_EQ(counted.counts.duplicates, 2);
  EXPECT_EQ(counted.counts.refused.at("site_outside_mandate"), 2);
  // Another source of the same mandate importing the same posts: still one item each.
  Source other = MakeSource(mandate, "jsonl");
  EXPECT_EQ(collect_->ImportBytes(lead_, origin_, other.id, MixedJsonLines()).value().duplicates,
            2);
}

TEST_F(CollectTest, SmallBatchesStoreEveryRecordAndRecordProgress) {
  StartCollect({.batch_size = 2});
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  std::string lines;
  for (int post = 1; post <= 7; ++post) {
    lines += Line(base::StrCat(R"("platform":"telegram","post_id":")", post, R"(","channel_id":")",
                               kChannel, R"(","text":"пост )", post, "\""));
  }
  ImportReport report = collect_->ImportBytes(lead_, origin_, source.id, lines).value();
  EXPECT_EQ(report.stored, 7);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 7);
  EXPECT_EQ(Count("SELECT stored FROM collect_imports"), 7);
}

TEST_F(CollectTest, LargeJsonLinesAreReadInChunksWithPositionsOfTheWholeFile) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  constexpr int kLines = 16'000;  // about 5 MiB: more than one chunk
  std::string lines;
  for (int post = 1; post <= kLines; ++post) {
    if (post == 15'001) {
      lines += "{\"platform\":\"telegram\",\"text\":\"no post_id\"}\n";
      continue;
    }
    lines += Line(base::StrCat(R"("platform":"telegram","post_id":")", post, R"(","channel_id":")",
                               kChannel, R"(","text":"пост номер )", post, " ",
                               std::string(250, 'x'), "\""));
  }
  ASSERT_GT(lines.size(), size_t{4} << 20);
  ImportReport report = collect_->ImportBytes(lead_, origin_, source.id, lines).value();
  EXPECT_EQ(report.records, kLines);
  EXPECT_EQ(report.stored, kLines - 1);
  ASSERT_EQ(report.error_sample.size(), 1u);
  EXPECT_EQ(report.error_sample[0].position, "line 15001");
}

TEST_F(CollectTest, AnEndedWindowRefusesTheWholeImportAndStopsTheSources) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  clock_.Advance(31 * kDay);
  absl::StatusOr<ImportReport> refused =
      collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(base::StatusReason(refused.status()), "after_window");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 0);
  Source stopped = collect_->GetSource(lead_, source.id).value();
  EXPECT_EQ(stopped.state, "stopped");
  EXPECT_EQ(stopped.stop_reason, "after_window");
  EXPECT_EQ(stopped.counts.refused.at("after_window"), 1);
  EXPECT_EQ(collect_->ListImports(lead_, source.id, 10).value().at(0).state, "refused");
  // The source stays stopped: later imports are refused before reading anything.
  EXPECT_EQ(base::StatusReason(collect_->CheckImport(lead_, origin_, source.id)), "after_window");
}

TEST_F(CollectTest, ASourceNeedsAMandateInForceAndInsideItsScope) {
  mandates::Mandate manual = Approved(30, mandates::Mechanism::kManual);
  EXPECT_EQ(
      base::StatusReason(collect_
                             ->CreateSource(lead_, origin_, manual.id,
                                            {.kind = "feed", .name = "лента", .url = kFeedUrl})
                             .status()),
      "mechanism_not_automated");
  mandates::Mandate mandate = Approved();
  EXPECT_EQ(base::StatusField(
                collect_
                    ->CreateSource(lead_, origin_, mandate.id,
                                   {.kind = "feed", .name = "лента", .url = "https://evil.kz/rss"})
                    .status()),
            "url");
  EXPECT_EQ(base::StatusField(
                collect_->CreateSource(lead_, origin_, mandate.id, {.kind = "tiktok", .name = "t"})
                    .status()),
            "kind");
  EXPECT_EQ(collect_->CreateSource(outsider_, origin_, mandate.id, {.kind = "jsonl", .name = "x"})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(mandates_->Revoke(boss_, {"10.0.0.8", "r"}, mandate.id, "проверка окончена").ok());
  EXPECT_EQ(base::StatusReason(
                collect_->CreateSource(lead_, origin_, mandate.id, {.kind = "jsonl", .name = "x"})
                    .status()),
            "mandate_revoked");
}

TEST_F(CollectTest, ItemsAreVisibleOnlyThroughTheirMandate) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  ASSERT_TRUE(collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).ok());
  int64_t item_id = Items().at(0).id;
  EXPECT_TRUE(collect_->List(outsider_, {}).value().items.empty());
  EXPECT_EQ(collect_->Get(outsider_, item_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(collect_->GetSource(outsider_, source.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(collect_->List(outsider_, {.mandate_id = mandate.id}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(collect_->ImportBytes(outsider_, origin_, source.id, MixedJsonLines()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(collect_->List(boss_, {}).value().total, 2);  // the agency's supervisor
}

TEST_F(CollectTest, FullTextSearchFindsRussianAndKazakhWordsWhateverTheirCase) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  ASSERT_TRUE(collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).ok());
  std::vector<Item> terror = Items({.q = "террор"});
  ASSERT_EQ(terror.size(), 1u);
  EXPECT_EQ(terror[0].post_id, "1");
  EXPECT_NE(terror[0].snippet.find("«терроризму»"), std::string::npos) << terror[0].snippet;
  std::vector<Item> security = Items({.q = "қауіпсіздік"});
  ASSERT_EQ(security.size(), 1u);
  EXPECT_EQ(security[0].post_id, "42");
  EXPECT_EQ(Items({.q = "ҚАУІП"}).size(), 1u);
  EXPECT_EQ(Items({.q = "«Мәселесі»"}).size(), 1u);
  EXPECT_EQ(Items({.q = "терроризм қауіпсіздік"}).size(), 0u);  // every word must occur
  EXPECT_EQ(Items({.q = "\"; DROP TABLE collected_items; --"}).size(), 0u);
  // The other filters, alone and with the text.
  EXPECT_EQ(Items({.platform = "x"}).size(), 1u);
  EXPECT_EQ(Items({.author = "Qazaq"}).size(), 1u);
  EXPECT_EQ(Items({.author = "kz_user"}).size(), 1u);
  base::Millis second_day = 0;
  ASSERT_TRUE(base::ParseUtc("2026-01-02T00:00:00Z", second_day));
  EXPECT_EQ(Items({.from = second_day}).size(), 1u);
  EXPECT_EQ(Items({.to = second_day}).size(), 1u);
  EXPECT_EQ(Items({.q = "террор", .platform = "x"}).size(), 0u);
  EXPECT_EQ(Items({.source_id = source.id}).size(), 2u);
  ItemPage page = collect_->List(lead_, {.limit = 1, .offset = 1}).value();
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].post_id, "1");
}

TEST_F(CollectTest, TelegramExportFolderWithMediaIsImportedAndItsFilesKeptInTheVault) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "telegram");
  fs::path folder = directory_ / "ChatExport_2026-01-05";
  fs::create_directories(folder / "photos");
  std::ofstream(folder / "photos" / "photo_1.jpg") << "\xFF\xD8\xFF\xE0 jpeg bytes";
  std::ofstream(folder / "result.json") << base::StrCat(
      R"({"name":"Арна","type":"public_channel","id":)", kChannel, R"(,"messages":[)",
      R"({"id":1,"type":"message","date":"2026-01-05T10:00:00","date_unixtime":"1767607200",)",
      R"("from":"Арна","from_id":"channel)", kChannel,
      R"(","text":["Жиналыс ",{"type":"bold","text":"ертең"}],"photo":"photos/photo_1.jpg"},)",
      R"({"id":2,"type":"service","action":"pin_message"},)",
      R"({"id":3,"type":"message","date":"2026-01-05T11:00:00","date_unixtime":"1767610800",)",
      R"("from":"Арна","from_id":"channel)", kChannel, R"(","text":"екінші хабар"}]})");
  ImportReport report = collect_->ImportPath(lead_, origin_, source.id, folder.string()).value();
  EXPECT_EQ(report.format, "telegram");
  EXPECT_EQ(report.stored, 2);
  std::vector<Item> items = Items({.q = "ертең"});
  ASSERT_EQ(items.size(), 1u);
  ASSERT_EQ(items[0].media.size(), 1u);
  const MediaFile& photo = items[0].media[0];
  EXPECT_EQ(photo.n, 1);
  EXPECT_EQ(photo.name, "photo_1.jpg");
  EXPECT_EQ(photo.size, 15);
  Content content = collect_->OpenMedia(lead_, items[0].id, 1).value();
  EXPECT_EQ(base::ReadFile(content.path).value(), "\xFF\xD8\xFF\xE0 jpeg bytes");
  EXPECT_EQ(collect_->OpenMedia(lead_, items[0].id, 2).status().code(),
            absl::StatusCode::kNotFound);

  // The same export as a .tar.gz upload, and as a bare result.json: all duplicates.
  std::string archive_path = (directory_ / "export.tar.gz").string();
  {
    std::unique_ptr<struct archive, int (*)(struct archive*)> writer(archive_write_new(),
                                                                     archive_write_free);
    archive_write_add_filter_gzip(writer.get());
    archive_write_set_format_pax_restricted(writer.get());
    ASSERT_EQ(archive_write_open_filename(writer.get(), archive_path.c_str()), ARCHIVE_OK);
    for (const char* name : {"result.json", "photos/photo_1.jpg"}) {
      std::string bytes = base::ReadFile((folder / name).string()).value();
      std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry(
          archive_entry_new(), archive_entry_free);
      archive_entry_set_pathname(entry.get(), (std::string("ChatExport/") + name).c_str());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
      ASSERT_EQ(archive_write_header(writer.get(), entry.get()), ARCHIVE_OK);
      ASSERT_EQ(archive_write_data(writer.get(), bytes.data(), bytes.size()),
                static_cast<la_ssize_t>(bytes.size()));
    }
    ASSERT_EQ(archive_write_close(writer.get()), ARCHIVE_OK);
  }
  ImportReport again =
      collect_->ImportBytes(lead_, origin_, source.id, base::ReadFile(archive_path).value())
          .value();
  EXPECT_EQ(again.duplicates, 2);
  // Without its folder the message with a photo is refused by the parser (its file is missing).
  ImportReport bare = collect_
                          ->ImportBytes(lead_, origin_, source.id,
                                        base::ReadFile((folder / "result.json").string()).value())
                          .value();
  EXPECT_EQ(bare.duplicates, 1);
  EXPECT_EQ(bare.errors, 1);
  // Unpacked exports are gone once imported.
  EXPECT_TRUE(fs::is_empty(directory_ / "collect-tmp"));
}

TEST_F(CollectTest, MediaPathsCannotReachOutsideTheImport) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  fs::path folder = directory_ / "scrape";
  fs::create_directories(folder / "img");
  std::ofstream(folder / "img" / "a.png") << "png bytes";
  std::ofstream(directory_ / "secret.txt") << "secret";
  std::ofstream(folder / "posts.jsonl")
      << Line(base::StrCat(R"("platform":"telegram","post_id":"1","channel_id":")", kChannel,
                           R"(","text":"с картинкой","media":["img/a.png"])"))
      << Line(base::StrCat(
             R"("platform":"telegram","post_id":"2","channel_id":")", kChannel,
             R"(","text":"с чужим файлом","media":[{"path":"img/../../secret.txt"}])"));
  ImportReport report =
      collect_->ImportPath(lead_, origin_, source.id, (folder / "posts.jsonl").string()).value();
  std::vector<Item> with_picture = Items({.q = "картинкой"});
  ASSERT_EQ(with_picture.size(), 1u);
  ASSERT_EQ(with_picture[0].media.size(), 1u);
  EXPECT_EQ(with_picture[0].media[0].size, 9);
  // The parser refuses a path climbing out; were it not to, the service keeps no file.
  for (const Item& item : Items({.q = "чужим"})) {
    for (const MediaFile& file : item.media) EXPECT_TRUE(file.sha256.empty());
  }
  EXPECT_EQ(report.stored + report.errors, 2);
  // Uploaded lines (no folder of their own) never take local files.
  Source uploads = MakeSource(mandate, "jsonl");
  std::string absolute =
      Line(base::StrCat(R"("platform":"telegram","post_id":"3","channel_id":")", kChannel,
                        R"(","text":"т","media":[")", (folder / "img" / "a.png").string(), "\"]"));
  ASSERT_TRUE(collect_->ImportBytes(lead_, origin_, uploads.id, absolute).ok());
  for (const Item& item : Items({.source_id = uploads.id})) {
    for (const MediaFile& file : item.media) EXPECT_TRUE(file.sha256.empty());
  }
}

TEST_F(CollectTest, VkResponseImportJudgesTheWall) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "vk");
  std::string response =
      R"({"response":{"count":2,"items":[)"
      R"({"id":311,"owner_id":-123456,"from_id":-123456,"date":1767261600,"text":"Встреча завтра"},)"
      R"({"id":12,"owner_id":-777,"from_id":-777,"date":1767261600,"text":"чужая стена"}]}})";
  ImportReport report = collect_->ImportBytes(lead_, origin_, source.id, response).value();
  EXPECT_EQ(report.format, "vk");
  EXPECT_EQ(report.stored, 1);
  EXPECT_EQ(report.refused.at("account_outside_mandate"), 1);
  EXPECT_EQ(Items().at(0).url, "https://vk.com/wall-123456_311");
}

TEST_F(CollectTest, WarcCaptureOfASiteInsideTheMandate) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "warc");
  auto record = [](const std::string& uri, const std::string& html) {
    std::string http = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html;
    return base::StrCat("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ", uri,
                        "\r\nWARC-Date: 2026-01-05T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:",
                        base::HexEncode(base::Sha256(uri)).substr(0, 32),
                        ">\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ",
                        http.size(), "\r\n\r\n", http, "\r\n\r\n");
  };
  std::string warc =
      record("https://example.kz/news/1", "<html><body><p>Үндеу: қауіпсіздік</p></body></html>") +
      record("https://elsewhere.kz/", "<html><body>басқа</body></html>");
  ImportReport report = collect_->ImportBytes(lead_, origin_, source.id, warc).value();
  EXPECT_EQ(report.format, "warc");
  EXPECT_EQ(report.stored, 1) << (report.error_sample.empty() ? "" : report.error_sample[0].error);
  EXPECT_EQ(report.refused["site_outside_mandate"], 1) << Items().size();
  std::vector<Item> items = Items({.q = "үндеу"});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(collect_->OpenOriginal(lead_, items[0].id).value().name.substr(0, 4), "web-");
}

TEST_F(CollectTest, FeedsArePolledWhenDueAndARevocationStopsThemAtOnce) {
  mandates::Mandate mandate = Approved();
  Source feed = MakeSource(mandate, "feed", kFeedUrl);
  EXPECT_EQ(feed.poll_minutes, 60);
  feed_ = Rss(2);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());  // the first poll is due at once
  EXPECT_EQ(fetches_, 1);
  EXPECT_EQ(Items().size(), 2u);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());  // not due again before an hour
  EXPECT_EQ(fetches_, 1);
  feed_ = Rss(3);
  clock_.Advance(61 * 60 * 1000);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(Items().size(), 3u);
  EXPECT_TRUE(collect_->GetSource(lead_, feed.id).value().last_polled_at.has_value());

  ASSERT_TRUE(mandates_->Revoke(boss_, {"10.0.0.8", "r"}, mandate.id, "прекращено").ok());
  feed_ = Rss(5);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());  // the next tick, due or not
  Source stopped = collect_->GetSource(lead_, feed.id).value();
  EXPECT_EQ(stopped.state, "stopped");
  EXPECT_EQ(stopped.stop_reason, "mandate_revoked");
  clock_.Advance(2 * 60 * 60 * 1000);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(collect_->PollNow(lead_, origin_, feed.id).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fetches_, 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 3);
  EXPECT_EQ(AuditCount("collect.sources_stop"), 1);
}

TEST_F(CollectTest, ARevocationDuringAFetchStoresNothingOfIt) {
  mandates::Mandate mandate = Approved();
  Source feed = MakeSource(mandate, "feed", kFeedUrl);
  feed_ = Rss(2);
  StartCollect({});
  CollectOptions options;
  options.temp_dir = (directory_ / "collect-tmp").string();
  options.fetcher = [&](const std::string& url) -> absl::StatusOr<FetchResult> {
    // The mandate is revoked while the site answers.
    EXPECT_TRUE(mandates_->Revoke(boss_, {"10.0.0.8", "r"}, mandate.id, "стоп").ok());
    return FetchResult{.status = 200, .final_url = url, .body = Rss(2)};
  };
  collect_ = std::make_unique<CollectService>(*database_, *trail_, *ledger_, *mandates_, *evidence_,
                                              *blobs_, clock_, options);
  absl::StatusOr<ImportReport> polled = collect_->PollNow(lead_, origin_, feed.id);
  EXPECT_EQ(base::StatusReason(polled.status()), "mandate_revoked");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 0);
  EXPECT_EQ(collect_->GetSource(lead_, feed.id).value().state, "stopped");
}

TEST_F(CollectTest, PollerThreadStopsSourcesOfAnExpiredMandate) {
  StartCollect({.tick = 10});
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "jsonl");
  collect_->StartBackground();
  clock_.Advance(31 * kDay);
  for (int attempt = 0; attempt < 500; ++attempt) {
    if (collect_->GetSource(lead_, source.id).value().state == "stopped") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(collect_->GetSource(lead_, source.id).value().stop_reason, "after_window");
}

TEST_F(CollectTest, PurgeDeletesWhatTheStoragePeriodNoLongerCoversKeepingSharedAndPromoted) {
  StartCollect({.inline_raw_limit = 150});  // long lines go to the vault as files
  mandates::Mandate mandate = Approved(/*storage_days=*/2);
  Source source = MakeSource(mandate, "jsonl");
  fs::path folder = directory_ / "scrape";
  fs::create_directories(folder);
  std::ofstream(folder / "a.jpg") << "same picture";
  std::ofstream(folder / "b.jpg") << "same picture";
  std::ofstream(folder / "c.jpg") << "only picture";
  auto post = [&](int id, const std::string& media, const std::string& padding = "") {
    return Line(base::StrCat(R"("platform":"telegram","post_id":")", id, R"(","channel_id":")",
                             kChannel, R"(","text":"пост )", id, padding, R"(","media":[")", media,
                             "\"]"));
  };
  std::ofstream(folder / "day0.jsonl")
      << post(1, "a.jpg", std::string(200, '.')) << post(2, "c.jpg") << post(3, "c.jpg");
  std::ofstream(folder / "day1.jsonl") << post(4, "b.jpg");
  ASSERT_EQ(collect_->ImportPath(lead_, origin_, source.id, (folder / "day0.jsonl").string())
                .value()
                .stored,
            3);
  Item first = collect_->List(lead_, {.q = "пост 1"}).value().items.at(0);
  ASSERT_TRUE(blobs_->Contains(first.sha256).value());  // the long original is a file
  std::string shared_sha = first.media.at(0).sha256;
  Item third = collect_->List(lead_, {.q = "пост 3"}).value().items.at(0);
  std::string only_sha = third.media.at(0).sha256;

  // Item 3 becomes evidence; a day later item 4 shares item 1's picture.
  cases::Case opened =
      cases_->Create(lead_, {"10.0.0.7", "r"}, cases::NewCase{.title = "Экстремизм"}).value();
  evidence::Item promoted =
      collect_->Promote(lead_, origin_, third.id, opened.id, "Постановление № 5", "").value();
  clock_.Advance(kDay);
  ASSERT_EQ(collect_->ImportPath(lead_, origin_, source.id, (folder / "day1.jsonl").string())
                .value()
                .stored,
            1);

  clock_.Advance(kDay + kHour);  // items 1-3 are past purge_at, item 4 is not
  PurgeReport report = collect_->PurgeDue({"scheduler", "", "scheduler"}).value();
  EXPECT_EQ(report.items, 2);  // items 1 and 2; item 3 is evidence
  EXPECT_EQ(report.media, 2);
  ASSERT_EQ(report.purge_ids.size(), 1u);
  EXPECT_FALSE(blobs_->Contains(first.sha256).value());  // item 1's original: nobody else's
  EXPECT_TRUE(blobs_->Contains(shared_sha).value());     // held by item 4
  EXPECT_TRUE(blobs_->Contains(only_sha).value());       // held by item 3 and its evidence
  EXPECT_EQ(report.files_deleted, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_media"), 2);
  EXPECT_TRUE(Items({.q = "пост"}).size() == 2u);
  // FTS rows went with their items: the index agrees with the table.
  EXPECT_TRUE(
      database_->Execute("INSERT INTO collected_fts(collected_fts) VALUES ('integrity-check')")
          .ok());

  // The ledger leaf names every purged item with the SHA-256 of its original bytes.
  store::Result leaf =
      database_
          ->Execute("SELECT data FROM ledger_leaves WHERE kind = 'collect' AND ref = $1",
                    {base::StrCat("purge-", report.purge_ids[0])})
          .value();
  ASSERT_EQ(leaf.rows.size(), 1u);
  EXPECT_NE(leaf.rows[0].Text(0).find(base::StrCat("\"", first.id, "\":\"", first.sha256, "\"")),
            std::string::npos)
      << leaf.rows[0].Text(0);
  EXPECT_EQ(AuditCount("collect.purge"), 1);
  ledger::VerifyReport verified = VerifyLedger();
  EXPECT_TRUE(verified.ok()) << (verified.problems.empty() ? "" : verified.problems[0]);
  // Nothing more to purge; the promoted item is never purged.
  clock_.Advance(400 * kDay);
  EXPECT_EQ(collect_->PurgeDue({"scheduler", "", "scheduler"}).value().items, 1);  // item 4
  EXPECT_EQ(collect_->Get(lead_, third.id).value().promoted_evidence_id, promoted.id);
}

TEST_F(CollectTest, PurgeRunsAsAScheduledJobClaimedThroughTheDatabase) {
  mandates::Mandate mandate = Approved(/*storage_days=*/1);
  Source source = MakeSource(mandate, "jsonl");
  ASSERT_TRUE(collect_->ImportBytes(lead_, origin_, source.id, MixedJsonLines()).ok());
  clock_.Advance(2 * kDay);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());  // the job appears: its first run is later
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 2);
  clock_.Advance(61 * 60 * 1000);
  ASSERT_TRUE(collect_->RunScheduledJobs().ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collected_items"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM collect_purges"), 1);
}

TEST_F(CollectTest, PromotionMakesEvidenceWhoseCustodyStartsAtTheCollection) {
  mandates::Mandate mandate = Approved();
  Source source = MakeSource(mandate, "telegram");
  fs::path folder = directory_ / "export";
  fs::create_directories(folder / "photos");
  std::ofstream(folder / "photos" / "p.jpg") << "photo bytes";
  std::ofstream(folder / "result.json") << base::StrCat(
      R"({"name":"Арна","type":"public_channel","id":)", kChannel, R"(,"messages":[)",
      R"({"id":9,"type":"message","date":"2026-01-05T10:00:00","date_unixtime":"1767607200",)",
      R"("from":"Арна","from_id":"channel)", kChannel,
      R"(","text":"Үндеу","photo":"photos/p.jpg"}]})");
  ASSERT_TRUE(collect_->ImportPath(lead_, origin_, source.id, folder.string()).ok());
  Item item = Items().at(0);
  base::Millis collected_at = item.collected_at;
  clock_.Advance(3 * kHour);

  cases::Case opened =
      cases_->Create(lead_, {"10.0.0.7", "r"}, cases::NewCase{.title = "Экстремизм"}).value();
  // Someone who cannot add evidence to the case gets nothing.
  EXPECT_FALSE(collect_->Promote(boss_, origin_, item.id, 999999, "Постановление", "").ok());
  evidence::Item promoted =
      collect_->Promote(lead_, origin_, item.id, opened.id, "Постановление № 5 от 05.01.2026", "")
          .value();
  EXPECT_EQ(promoted.sha256, item.sha256);
  EXPECT_EQ(promoted.metadata.source_type, "captured_online");
  EXPECT_EQ(promoted.metadata.acquired_at, collected_at);
  EXPECT_EQ(promoted.metadata.acquisition_method,
            base::StrCat("online collection under mandate ", mandate.id));
  EXPECT_EQ(promoted.metadata.acquisition_tool, "telegram");
  ASSERT_EQ(promoted.children.size(), 1u);  // the photo
  EXPECT_EQ(CustodyActions(promoted.id), (std::vector<std::string>{"collection", "ingest"}));
  EXPECT_EQ(CustodyActions(promoted.children[0]),
            (std::vector<std::string>{"collection", "ingest"}));
  std::vector<evidence::CustodyEvent> events = evidence_->Custody(lead_, promoted.id).value();
  EXPECT_EQ(events[0].at, collected_at);
  EXPECT_EQ(events[0].hash_after, item.sha256);
  EXPECT_EQ(events[1].at, clock_.NowMillis());
  EXPECT_TRUE(events[0].leaf_index.has_value());
  EXPECT_EQ(collect_->Get(lead_, item.id).value().promoted_evidence_id, promoted.id);
  EXPECT_EQ(
      base::StatusReason(
          collect_->Promote(lead_, origin_, item.id, opened.id, "Постановление", "").status()),
      "already_promoted");
  ledger::VerifyReport verified = VerifyLedger();
  EXPECT_TRUE(verified.ok()) << (verified.problems.empty() ? "" : verified.problems[0]);
  // A disclosure bundle of it verifies offline: the collection event precedes the ingest.
  evidence::Bundle bundle =
      evidence_->ExportBundle(lead_, {"10.0.0.7", "r", "web"}, opened.id, {promoted.id}, "суд")
          .value();
  bundle::BundleVerdict verdict = bundle::VerifyBundle(bundle.path).value();
  EXPECT_TRUE(verdict.ok) << (verdict.problems.empty() ? "" : verdict.problems[0]);
}

TEST(CollectQueryTest, SearchTextBecomesQuotedPrefixTerms) {
  EXPECT_EQ(Fts5Query("Террор «Қауіп»"), "\"террор\"* \"қауіп\"*");
  EXPECT_EQ(Fts5Query("a\"b OR c*"), "\"a\"* \"b\"* \"or\"* \"c\"*");
  EXPECT_EQ(Fts5Query("  ;;  "), "");
  EXPECT_EQ(TsQuery("Террор it's"), "'террор':* & 'it':* & 's':*");
}

TEST(HttpUrlTest, ParsesAndResolvesRedirects) {
  HttpUrl url = ParseHttpUrl("HTTPS://News.Example.kz:8443/rss?x=1#top").value();
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "news.example.kz");
  EXPECT_EQ(url.port, "8443");
  EXPECT_EQ(url.target, "/rss?x=1");
  EXPECT_EQ(url.ToString(), "https://news.example.kz:8443/rss?x=1");
  EXPECT_EQ(ParseHttpUrl("http://[::1]/feed").value().HostHeader(), "[::1]");
  EXPECT_EQ(ParseHttpUrl("http://example.kz").value().target, "/");
  for (const char* bad : {"ftp://example.kz/", "http://user@example.kz/", "http:///x",
                          "http://example.kz:99999/", "http://exa mple.kz/", "file:///etc"}) {
    EXPECT_EQ(ParseHttpUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  HttpUrl base = ParseHttpUrl("http://example.kz/a/b/feed.xml?q=1").value();
  EXPECT_EQ(ResolveLocation(base, "/c").value().ToString(), "http://example.kz/c");
  EXPECT_EQ(ResolveLocation(base, "d.xml").value().ToString(), "http://example.kz/a/b/d.xml");
  EXPECT_EQ(ResolveLocation(base, "//cdn.example.kz/x").value().ToString(),
            "http://cdn.example.kz/x");
  EXPECT_EQ(ResolveLocation(base, "https://example.kz/y").value().ToString(),
            "https://example.kz/y");
  EXPECT_FALSE(ResolveLocation(base, "javascript:alert(1)").ok());
}

// A small HTTP/1.1 server on 127.0.0.1 for the client's tests: one connection at a time, the
// answer chosen by path; an empty answer holds the connection without answering.
class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::function<std::string(const std::string& path, int port)> answer)
      : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen";
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LocalHttpServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  std::string Url(const std::string& path) const {
    return base::StrCat("http://127.0.0.1:", port_, path);
  }

 private:
  void Serve() {
    while (!stopping_) {
      int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        request.append(buffer, static_cast<size_t>(got));
      }
      size_t space = request.find(' ');
      std::string path = request.substr(space + 1, request.find(' ', space + 1) - space - 1);
      std::string response = answer_(path, port_);
      if (response.empty()) {
        while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        ::send(connection, response.data(), response.size(), MSG_NOSIGNAL);
      }
      ::close(connection);
    }
  }

  std::function<std::string(const std::string&, int)> answer_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

std::string Answer(const std::string& status, const std::string& headers, const std::string& body) {
  return base::StrCat("HTTP/1.1 ", status, "\r\nContent-Length: ", body.size(),
                      "\r\nConnection: close\r\n", headers, "\r\n", body);
}

TEST(HttpGetTest, FollowsUpToThreeRedirectsAndKeepsItsLimits) {
  LocalHttpServer server([](const std::string& path, int port) -> std::string {
    if (path == "/a") return Answer("302 Found", "Location: /b\r\n", "");
    if (path == "/b") {
      return Answer("301 Moved Permanently",
                    base::StrCat("Location: http://127.0.0.1:", port, "/feed.xml\r\n"), "");
    }
    if (path == "/feed.xml") {
      return Answer("200 OK", "Content-Type: application/rss+xml\r\n", "<rss/>");
    }
    if (path.rfind("/loop", 0) == 0) return Answer("302 Found", "Location: /loop\r\n", "");
    if (path == "/big") return Answer("200 OK", "", std::string(5000, 'x'));
    if (path == "/chunked") {
      return base::StrCat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1388\r\n",
                          std::string(5000, 'x'), "\r\n0\r\n\r\n");
    }
    if (path == "/missing") return Answer("404 Not Found", "", "no");
    return "";  // /hang: never answered
  });
  FetchOptions options{.timeout = std::chrono::milliseconds(1500), .max_body_bytes = 4096};
  FetchResult fetched = HttpGet(server.Url("/a"), options).value();
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body, "<rss/>");
  EXPECT_EQ(fetched.content_type, "application/rss+xml");
  EXPECT_EQ(fetched.final_url, server.Url("/feed.xml"));
  EXPECT_EQ(HttpGet(server.Url("/missing"), options).value().status, 404);
  EXPECT_EQ(HttpGet(server.Url("/loop"), options).status().code(), absl::StatusCode::kUnavailable);
  absl::StatusOr<FetchResult> big = HttpGet(server.Url("/big"), options);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(base::StatusReason(big.status()), "too_large");
  EXPECT_EQ(base::StatusReason(HttpGet(server.Url("/chunked"), options).status()), "too_large");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(HttpGet(server.Url("/hang"), options).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HttpGetTest, AClosedPortIsUnavailable) {
  absl::StatusOr<FetchResult> fetched =
      HttpGet("http://127.0.0.1:1/feed", FetchOptions{.timeout = std::chrono::seconds(5)});
  EXPECT_EQ(fetched.status().code(), absl::StatusCode::kUnavailable) << fetched.status();
}

}  // namespace
}  // namespace threathub::collect
