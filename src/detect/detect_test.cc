// The detection service against a real database (SQLite; PostgreSQL when THREATHUB_TEST_PG_URI
// is set), a real vault, real mandates and collection: arrival scans with exact highlights,
// evasions, allow lists, rescans without duplicates, PDQ matches of rotated and flipped images,
// exact hashes, negative banks, flood quarantine, visibility, decisions and metrics.
#include "detect/detect.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "auth/org.h"
#include "auth/sessions.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/strings.h"
#include "detect/pdq.h"
#include "ledger/audit_anchor.h"
#include "store/migrations.h"

namespace threathub::detect {
namespace {

namespace fs = std::filesystem;

constexpr char kPassword[] = "granite-steppe-eagle";
constexpr base::Millis kHour = 60 * 60 * 1000;
constexpr base::Millis kDay = 24 * kHour;
constexpr char kChannel[] = "1712345678";
constexpr char kPostgresUriVariable[] = "THREATHUB_TEST_PG_URI";
constexpr char kBridgeHash[] = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";

std::string TestData(const std::string& name) {
  return std::string(THREATHUB_SOURCE_DIR_PATH) + "/../shared/testdata/" + name;
}

std::string Post(int id, const std::string& text, const std::string& media = "") {
  std::string escaped;
  for (char symbol : text) {
    if (symbol == '"' || symbol == '\\') escaped += '\\';
    escaped += symbol;
  }
  return base::StrCat(R"({"platform":"telegram","post_id":")", id, R"(","channel_id":")", kChannel,
                      R"(","author_id":"channel)", kChannel, R"(","text":")", escaped, "\"",
                      media.empty() ? "" : base::StrCat(R"(,"media":[")", media, "\"]"), "}\n");
}

class DetectTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  void SetUp() override {
    directory_ =
        fs::temp_directory_path() / ("threathub-detect-" + base::HexEncode(base::RandomBytes(6)));
    fs::create_directories(directory_);
    std::string spec = "sqlite";
    if (GetParam() == store::Engine::kPostgres) {
      const char* uri = std::getenv(kPostgresUriVariable);
      if (uri == nullptr || *uri == '\0') {
        GTEST_SKIP() << "PostgreSQL not tested: set " << kPostgresUriVariable;
      }
      schema_ =
          base::StrCat("detect_test_", ::getpid(), "_", base::HexEncode(base::RandomBytes(4)));
      admin_ = store::OpenDatabase(uri, "", store::OpenOptions{.pool_size = 1}).value();
      ASSERT_TRUE(admin_->Execute(base::StrCat("CREATE SCHEMA ", schema_)).ok());
      std::string base_uri = uri;
      spec = base::StrCat(base_uri, base_uri.find('?') == std::string::npos ? "?" : "&",
                          "options=-csearch_path%3D", schema_);
    }
    database_ = store::OpenDatabase(spec, directory_.string()).value();
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
    collect_ = std::make_unique<collect::CollectService>(
        *database_, *trail_, *ledger_, *mandates_, *evidence_, *blobs_, clock_,
        collect::CollectOptions{.temp_dir = (directory_ / "collect-tmp").string()});
    auth::Actor root = auth::Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    int64_t almaty = org_->CreateAgency(root, region, "almaty-cyber", "УПК", false).value().id;
    int64_t astana = org_->CreateAgency(root, region, "astana-cyber", "УПК", false).value().id;
    lead_ = Person("lead", almaty, {auth::Role::kInvestigator});
    boss_ = Person("boss", almaty, {auth::Role::kSupervisor});
    analyst_ = Person("analyst", almaty, {auth::Role::kAnalyst});
    outsider_ = Person("outsider", astana, {auth::Role::kAnalyst});
    StartDetect({});
    mandate_ = Approved();
    source_ =
        collect_
            ->CreateSource(lead_, collect_origin_, mandate_.id, {.kind = "jsonl", .name = "канал"})
            .value();
  }

  void TearDown() override {
    detect_.reset();
    collect_.reset();
    if (trail_) trail_->SetAnchor(nullptr);
    mandates_.reset();
    evidence_.reset();
    database_.reset();
    if (admin_ != nullptr) {
      EXPECT_TRUE(
          admin_->Execute(base::StrCat("DROP SCHEMA IF EXISTS ", schema_, " CASCADE")).ok());
    }
    fs::remove_all(directory_);
  }

  void StartDetect(DetectOptions options) {
    detect_.reset();
    options.batch_size = options.batch_size == 200 ? 3 : options.batch_size;
    detect_ = std::make_unique<DetectService>(*database_, *trail_, *cases_, *mandates_, *collect_,
                                              *blobs_, clock_, std::move(options));
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

  mandates::Mandate Approved() {
    mandates::NewMandate fields;
    fields.purpose = "Мониторинг призывов к экстремизму";
    fields.predicate = "ст. 174 УК РК";
    fields.level = mandates::Level::kOvert;
    fields.mechanism = mandates::Mechanism::kManual;
    fields.scope = {{"account", "telegram", kChannel}};
    fields.starts_at = clock_.NowMillis() - kHour;
    fields.ends_at = clock_.NowMillis() + 30 * kDay;
    fields.storage_days = 30;
    fields.justification = "Материалы проверки КУИ № 77";
    mandates::Mandate made = mandates_->Create(lead_, {"10.0.0.7", "r"}, fields).value();
    mandates_->Submit(lead_, {"10.0.0.7", "r"}, made.id).value();
    return mandates_->Approve(boss_, {"10.0.0.8", "r"}, made.id).value();
  }

  void Import(const std::string& lines) {
    absl::StatusOr<collect::ImportReport> report =
        collect_->ImportBytes(lead_, collect_origin_, source_.id, lines);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->errors, 0);
  }

  // Imports posts with files beside them (media paths are relative to the file's folder).
  void ImportWithMedia(const std::string& lines, const std::vector<std::string>& images) {
    fs::path folder = directory_ / ("export-" + base::HexEncode(base::RandomBytes(4)));
    fs::create_directories(folder);
    for (const std::string& image : images)
      fs::copy_file(image, folder / fs::path(image).filename());
    std::ofstream(folder / "posts.jsonl") << lines;
    absl::StatusOr<collect::ImportReport> report =
        collect_->ImportPath(lead_, collect_origin_, source_.id, (folder / "posts.jsonl").string());
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_EQ(report->errors, 0) << report->error_sample[0].error;
  }

  IndicatorList MakeList(const std::string& name, const std::string& kind = "indicators") {
    absl::StatusOr<IndicatorList> list =
        detect_->CreateList(analyst_, origin_, {.name = name, .kind = kind});
    EXPECT_TRUE(list.ok()) << list.status();
    return list.value_or(IndicatorList{});
  }

  StoredIndicator Add(int64_t list_id, const std::string& pattern,
                      const std::string& kind = "term") {
    absl::StatusOr<StoredIndicator> added =
        detect_->AddIndicator(analyst_, origin_, list_id, {.kind = kind, .pattern = pattern});
    EXPECT_TRUE(added.ok()) << added.status();
    return added.value_or(StoredIndicator{});
  }

  // Runs the scanner until it has nothing left.
  void Drain() {
    for (int round = 0; round < 100; ++round) {
      absl::StatusOr<int64_t> scanned = detect_->RunScheduledJobs();
      ASSERT_TRUE(scanned.ok()) << scanned.status();
      if (*scanned == 0) return;
    }
    FAIL() << "the scanner did not finish";
  }

  std::vector<Alert> Alerts(const std::string& state = "open",
                            const auth::Principal* who = nullptr) {
    absl::StatusOr<AlertPage> page =
        detect_->ListAlerts(who ? *who : lead_, {.state = state, .limit = 500});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->alerts : std::vector<Alert>{};
  }

  int64_t Count(const std::string& sql) { return database_->Execute(sql).value().rows[0].Int(0); }

  // An image made from the bridge with ImageMagick (the real one, not /usr/local/bin's).
  std::string Converted(const std::string& operation, const std::string& name) {
    std::string out = (directory_ / name).string();
    std::string command =
        base::StrCat("/usr/bin/convert '", TestData("pdq/dih/bridge-1-original.jpg"), "' ",
                     operation, " '", out, "' 2>/dev/null");
    if (std::system(command.c_str()) != 0) return "";
    return out;
  }

  Bank MakeBank(const std::string& name, const std::string& algorithm, bool negative = false) {
    absl::StatusOr<Bank> bank = detect_->CreateBank(
        analyst_, origin_, {.name = name, .algorithm = algorithm, .negative = negative});
    EXPECT_TRUE(bank.ok()) << bank.status();
    return bank.value_or(Bank{});
  }

  base::FakeClock clock_;
  fs::path directory_;
  std::string schema_;
  std::unique_ptr<store::Database> admin_;
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
  std::unique_ptr<collect::CollectService> collect_;
  std::unique_ptr<DetectService> detect_;
  auth::Principal lead_, boss_, analyst_, outsider_;
  mandates::Mandate mandate_;
  collect::Source source_;
  Origin origin_{"10.0.0.9", "req-d"};
  collect::Origin collect_origin_{"10.0.0.7", "req-1", "web 10.0.0.7"};
};

INSTANTIATE_TEST_SUITE_P(Engines, DetectTest,
                         ::testing::Values(store::Engine::kSqlite, store::Engine::kPostgres),
                         [](const ::testing::TestParamInfo<store::Engine>& info) {
                           return info.param == store::Engine::kSqlite ? "sqlite" : "postgresql";
                         });

TEST_P(DetectTest, ArrivingItemsMakeAlertsWithExactHighlightsAndEvasionsHit) {
  IndicatorList list = MakeList("Экстремизм");
  StoredIndicator terror = Add(list.id, "террор");
  Import(Post(1, "Призыв к терр0ру в канале") + Post(2, "обычный пост") +
         Post(3, "Т.е.р.р.о.р сегодня, и тeррор снова") + Post(4, "ничего"));
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].kind, "text");
  ASSERT_TRUE(alerts[0].indicator.has_value());
  EXPECT_EQ(alerts[0].indicator->id, terror.id);
  EXPECT_EQ(alerts[0].list_id, list.id);
  EXPECT_EQ(alerts[0].mandate_id, mandate_.id);
  ASSERT_EQ(alerts[0].highlights.size(), 1u);
  EXPECT_EQ(alerts[0].highlights[0].text.substr(0, 9), "терр0");  // the original bytes
  EXPECT_NE(alerts[0].excerpt.find("«"), std::string::npos);
  ASSERT_EQ(alerts[1].highlights.size(), 2u);
  EXPECT_EQ(alerts[1].highlights[0].text, "Т.е.р.р.о.р");
  EXPECT_EQ(alerts[1].highlights[0].start, 0u);
  EXPECT_EQ(alerts[1].highlights[1].text, "тeррор");
  // Scanning again adds nothing.
  Drain();
  EXPECT_EQ(Alerts().size(), 2u);
  EXPECT_EQ(detect_->GetStatus().value().pending_items, 0);
}

TEST_P(DetectTest, AnAllowListSuppressesHitsInsideItsEntries) {
  IndicatorList list = MakeList("Экстремизм");
  Add(list.id, "террорист");
  IndicatorList allow = MakeList("Исключения", "allow");
  Add(allow.id, "антитеррористический");
  Import(Post(1, "антитеррористический комитет") + Post(2, "террорист задержан"));
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].highlights.at(0).text, "террорист");
}

TEST_P(DetectTest, AListChangeRescansRecentItemsWithoutDuplicates) {
  IndicatorList list = MakeList("Экстремизм");
  Add(list.id, "террор");
  Import(Post(1, "террор и джихад") + Post(2, "джихад") + Post(3, "мирный текст"));
  Drain();
  ASSERT_EQ(Alerts().size(), 1u);
  Add(list.id, "джихад");
  Drain();
  std::vector<Alert> alerts = Alerts();
  EXPECT_EQ(alerts.size(), 3u);
  Status status = detect_->GetStatus().value();
  ASSERT_FALSE(status.scans.empty());
  EXPECT_EQ(status.scans[0].state, "done");
  EXPECT_EQ(status.scans[0].scanned, 3);
  // A manual rescan finds nothing new.
  ASSERT_TRUE(detect_->StartRescan(&analyst_, origin_, 7, "manual").ok());
  Drain();
  EXPECT_EQ(Alerts().size(), 3u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM detect_alerts"), 3);
  // Versions: created, two additions.
  std::vector<ListVersion> versions = detect_->ListVersions(list.id).value();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].version, 3);
  EXPECT_EQ(alerts[2].list_version, 3);
}

TEST_P(DetectTest, ABadRegexIsRefusedNamingItAndImportsReportBadRows) {
  IndicatorList list = MakeList("Regex");
  absl::StatusOr<StoredIndicator> bad =
      detect_->AddIndicator(analyst_, origin_, list.id, {.kind = "regex", .pattern = "бомб(а"});
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(base::StatusField(bad.status()), "pattern");
  EXPECT_EQ(base::StatusReason(bad.status()), "pattern_invalid");
  EXPECT_NE(bad.status().message().find("бомб(а"), std::string_view::npos);
  IndicatorImport report =
      detect_
          ->ImportIndicators(analyst_, origin_, list.id,
                             "kind,pattern,severity\nterm,взрыв,high\nterm,x,extreme\n"
                             "regex,бомб[аы],critical\nregex,(,low\n",
                             IndicatorFormat::kCsv, {})
          .value();
  EXPECT_EQ(report.added, 3);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].position, "line 3");
  IndicatorList read = detect_->GetList(list.id).value();
  ASSERT_EQ(read.problems.size(), 1u);
  EXPECT_EQ(read.problems[0].pattern, "(");
  // Replace keeps only what the file lists.
  IndicatorImport replaced =
      detect_
          ->ImportIndicators(analyst_, origin_, list.id, R"({"indicators":[{"pattern":"взрыв"}]})",
                             IndicatorFormat::kJson, {.replace = true})
          .value();
  EXPECT_EQ(replaced.retired, 2);
  std::string exported = detect_->ExportIndicators(list.id, IndicatorFormat::kCsv).value();
  EXPECT_NE(exported.find("взрыв"), std::string::npos);
  EXPECT_EQ(exported.find("бомб"), std::string::npos);
}

TEST_P(DetectTest, RotatedAndFlippedImagesMatchAPdqBankWithTheirDistance) {
  std::string rotated = Converted("-rotate 90", "rotated.jpg");
  std::string flipped = Converted("-flop", "flipped.png");
  if (rotated.empty() || flipped.empty()) GTEST_SKIP() << "/usr/bin/convert is not available";
  Bank bank = MakeBank("Известные", "pdq");
  BankImport imported =
      detect_->ImportHashes(analyst_, origin_, bank.id, base::StrCat(kBridgeHash, " bridge\n"))
          .value();
  ASSERT_EQ(imported.added, 1);
  ImportWithMedia(Post(1, "фото", "rotated.jpg") + Post(2, "ещё фото", "flipped.png"),
                  {rotated, flipped});
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  for (const Alert& alert : alerts) {
    EXPECT_EQ(alert.kind, "image");
    EXPECT_EQ(alert.media_n, 1);
    ASSERT_TRUE(alert.distance.has_value());
    EXPECT_LE(*alert.distance, 31);
    ASSERT_TRUE(alert.quality.has_value());
    EXPECT_GE(*alert.quality, 50);
    EXPECT_FALSE(alert.low_confidence);
    EXPECT_EQ(alert.bank_hash->hash, kBridgeHash);
  }
  EXPECT_TRUE(detect_->AlertMedia(lead_, alerts[0].id).ok());
}

TEST_P(DetectTest, AnAlertsImageAddedToABankBecomesAHashWithItsReferenceImage) {
  std::string rotated = Converted("-rotate 90", "rotated.jpg");
  if (rotated.empty()) GTEST_SKIP() << "/usr/bin/convert is not available";
  std::string bytes = base::ReadFile(rotated).value();
  Bank known = MakeBank("Известные", "pdq");
  ASSERT_EQ(detect_->ImportHashes(analyst_, origin_, known.id, base::StrCat(kBridgeHash, " bridge"))
                .value()
                .added,
            1);
  IndicatorList list = MakeList("Экстремизм");
  Add(list.id, "террор");
  ImportWithMedia(Post(1, "фото", "rotated.jpg") + Post(2, "призыв к террору"), {rotated});
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  const Alert& image = alerts[0].kind == "image" ? alerts[0] : alerts[1];
  const Alert& text = alerts[0].kind == "image" ? alerts[1] : alerts[0];
  ASSERT_EQ(image.kind, "image");
  ASSERT_EQ(text.kind, "text");

  Bank checked = MakeBank("Проверенные", "pdq");
  absl::StatusOr<BankHash> added =
      detect_->AddAlertMediaToBank(lead_, origin_, image.id, checked.id, "");
  ASSERT_TRUE(added.ok()) << added.status();
  PdqHasher hasher(PdqOptions{});
  EXPECT_EQ(added->hash, hasher.HashFile(rotated).value().hash.ToHex());
  EXPECT_EQ(added->bank_id, checked.id);
  EXPECT_EQ(added->label, "bridge");  // the alert's
  EXPECT_EQ(added->source, base::StrCat("alert ", image.id));
  EXPECT_EQ(added->reference_sha256, base::HexEncode(base::Sha256(bytes)));
  absl::StatusOr<std::string> path = detect_->HashImagePath(added->id);
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(base::ReadFile(*path).value(), bytes);
  EXPECT_EQ(detect_->GetBank(checked.id).value().version, checked.version + 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'detect.bank_hash_add'"), 1);

  absl::StatusOr<BankHash> again =
      detect_->AddAlertMediaToBank(lead_, origin_, image.id, checked.id, "повтор");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(base::StatusReason(again.status()), "hash_in_bank");
  absl::StatusOr<BankHash> from_text =
      detect_->AddAlertMediaToBank(lead_, origin_, text.id, checked.id, "");
  EXPECT_EQ(from_text.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(base::StatusReason(from_text.status()), "no_media");
  EXPECT_EQ(
      detect_->AddAlertMediaToBank(outsider_, origin_, image.id, checked.id, "").status().code(),
      absl::StatusCode::kNotFound);

  // An MD5 bank gets the file's MD5 (as md5sum computes it), with the label given.
  Bank md5 = MakeBank("MD5", "md5");
  absl::StatusOr<BankHash> exact =
      detect_->AddAlertMediaToBank(lead_, origin_, image.id, md5.id, "  мост  ");
  ASSERT_TRUE(exact.ok()) << exact.status();
  std::string md5sum;
  if (FILE* pipe = ::popen(base::StrCat("md5sum '", rotated, "'").c_str(), "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, pipe) != nullptr) md5sum = std::string(line).substr(0, 32);
    ::pclose(pipe);
  }
  ASSERT_EQ(md5sum.size(), 32u);
  EXPECT_EQ(exact->hash, md5sum);
  EXPECT_EQ(exact->label, "мост");
  EXPECT_EQ(exact->reference_sha256, added->reference_sha256);

  // The rescan that follows matches the image against the new hashes: the new alerts carry the
  // reference image.
  Drain();
  int with_reference = 0;
  for (const Alert& alert : Alerts()) {
    if (alert.bank_id == checked.id || alert.bank_id == md5.id) {
      ASSERT_TRUE(alert.bank_hash.has_value());
      EXPECT_EQ(detect_->HashImagePath(alert.bank_hash->id).value(), *path);
      ++with_reference;
    }
  }
  EXPECT_EQ(with_reference, 2);
}

TEST_P(DetectTest, ExactHashesMatchAndANegativeBankSuppresses) {
  std::string original = TestData("pdq/dih/bridge-1-original.jpg");
  std::string bytes = base::ReadFile(original).value();
  std::string sha256 = base::HexEncode(base::Sha256(bytes));
  Bank exact = MakeBank("SHA", "sha256");
  ASSERT_EQ(detect_->ImportHashes(analyst_, origin_, exact.id, "hash,label\n" + sha256 + ",x\n")
                .value()
                .added,
            1);
  ImportWithMedia(Post(1, "файл", "bridge-1-original.jpg"), {original});
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "exact");
  // A negative PDQ bank that knows the image: later posts of it make no alert.
  Bank harmless = MakeBank("Безвредные", "pdq", /*negative=*/true);
  ASSERT_TRUE(detect_->ImportHashes(analyst_, origin_, harmless.id, kBridgeHash).ok());
  Drain();
  ImportWithMedia(Post(2, "снова", "bridge-1-original.jpg"), {original});
  Drain();
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_P(DetectTest, AFloodingHashIsQuarantinedAndReleasedOrRetired) {
  StartDetect({.flood_per_hour = 2});
  std::string original = TestData("pdq/dih/bridge-1-original.jpg");
  std::string sha256 = base::HexEncode(base::Sha256(base::ReadFile(original).value()));
  Bank bank = MakeBank("SHA", "sha256");
  ASSERT_TRUE(detect_->ImportHashes(analyst_, origin_, bank.id, sha256).ok());
  std::string lines;
  for (int post = 1; post <= 5; ++post) lines += Post(post, "фото", "bridge-1-original.jpg");
  ImportWithMedia(lines, {original});
  Drain();
  EXPECT_EQ(Alerts("open").size(), 2u);
  std::vector<Alert> held = Alerts("held");
  ASSERT_EQ(held.size(), 3u);
  BankHashPage quarantined = detect_->ListBankHashes(bank.id, {.quarantined = true}).value();
  ASSERT_EQ(quarantined.hashes.size(), 1u);
  BankHash released = detect_->ReleaseHash(analyst_, origin_, quarantined.hashes[0].id).value();
  EXPECT_FALSE(released.quarantined);
  EXPECT_EQ(Alerts("open").size(), 5u);
  EXPECT_EQ(Alerts("held").size(), 0u);
  // Held again by the next flood, then retired: the held alerts are dismissed as flood.
  ASSERT_TRUE(database_->Execute("UPDATE bank_hashes SET quarantined = 1").ok());
  ASSERT_TRUE(database_
                  ->Execute("UPDATE detect_alerts SET state = 'held' WHERE id = " +
                            std::to_string(held[0].id))
                  .ok());
  ASSERT_TRUE(detect_->RetireHash(analyst_, origin_, released.id).ok());
  std::vector<Alert> dismissed = Alerts("dismissed");
  ASSERT_EQ(dismissed.size(), 1u);
  EXPECT_EQ(dismissed[0].reason, "flood");
}

TEST_P(DetectTest, AlertsFollowTheMandatesNeedToKnow) {
  IndicatorList list = MakeList("Экстремизм");
  Add(list.id, "террор");
  Import(Post(1, "террор"));
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(Alerts("open", &outsider_).empty());
  EXPECT_EQ(detect_->GetAlert(outsider_, alerts[0].id).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(detect_
                ->Decide(outsider_, collect_origin_, alerts[0].id,
                         {.decision = "dismiss", .reason = "нет"})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Alerts("open", &boss_).size(), 1u);
}

TEST_P(DetectTest, ConfirmMakesACaseAndEvidenceDismissNeedsAReasonAndDecisionsAreFinal) {
  IndicatorList list = MakeList("Экстремизм");
  StoredIndicator terror = Add(list.id, "террор");
  Import(Post(1, "террор") + Post(2, "террорист") + Post(3, "террору"));
  Drain();
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 3u);
  absl::StatusOr<Alert> no_reason =
      detect_->Decide(lead_, collect_origin_, alerts[1].id, {.decision = "dismiss"});
  EXPECT_EQ(base::StatusField(no_reason.status()), "reason");
  Alert confirmed = detect_
                        ->Decide(lead_, collect_origin_, alerts[0].id,
                                 {.decision = "confirm",
                                  .new_case = cases::NewCase{.title = "Пропаганда терроризма"},
                                  .legal_basis = "ст. 256 УК РК"})
                        .value();
  EXPECT_EQ(confirmed.state, "confirmed");
  ASSERT_TRUE(confirmed.case_id.has_value());
  ASSERT_TRUE(confirmed.evidence_id.has_value());
  EXPECT_EQ(collect_->Get(lead_, alerts[0].item_id).value().promoted_evidence_id,
            confirmed.evidence_id);
  EXPECT_FALSE(evidence_->Custody(lead_, *confirmed.evidence_id).value().empty());
  EXPECT_EQ(base::StatusReason(detect_
                                   ->Decide(lead_, collect_origin_, alerts[0].id,
                                            {.decision = "dismiss", .reason = "ошибка"})
                                   .status()),
            "already_decided");
  // Into the same case; dismissed; escalated.
  Alert joined =
      detect_
          ->Decide(
              lead_, collect_origin_, alerts[1].id,
              {.decision = "confirm", .case_id = confirmed.case_id, .legal_basis = "ст. 256 УК РК"})
          .value();
  EXPECT_EQ(joined.case_id, confirmed.case_id);
  EXPECT_EQ(detect_
                ->Decide(lead_, collect_origin_, alerts[2].id,
                         {.decision = "dismiss", .reason = "цитата из новостей"})
                .value()
                .state,
            "dismissed");
  Alert removal = detect_
                      ->RecordRemovalRequest(lead_, origin_, confirmed.id,
                                             {.platform = "telegram", .reference = "abuse-1"})
                      .value();
  ASSERT_TRUE(removal.removal_request.has_value());
  EXPECT_EQ(removal.removal_request->recorded_by.username, "lead");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'detect.alert_decide'"), 3);

  Metrics metrics = detect_->GetMetrics(std::nullopt, std::nullopt).value();
  ASSERT_EQ(metrics.indicators.size(), 1u);
  EXPECT_EQ(metrics.indicators[0].id, terror.id);
  EXPECT_EQ(metrics.indicators[0].alerts, 3);
  EXPECT_EQ(metrics.indicators[0].confirmed, 2);
  ASSERT_TRUE(metrics.indicators[0].precision.has_value());
  EXPECT_NEAR(*metrics.indicators[0].precision, 2.0 / 3.0, 1e-9);
  ASSERT_EQ(metrics.lists.size(), 1u);
  EXPECT_EQ(metrics.lists[0].dismissed, 1);
}

}  // namespace
}  // namespace threathub::detect
