#include "api/app.h"
#include "base/strings.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include "base/file.h"

#include <spdlog/spdlog.h>

#include "base/status_macros.h"
#include "store/migrations.h"

namespace threathub::api {

absl::StatusOr<std::unique_ptr<store::Database>> OpenConfiguredDatabase(
    const base::Config& config) {
  RETURN_IF_ERROR(base::MakeDirectories(config.data_dir));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> database,
                   store::OpenDatabase(config.db, config.data_dir));
  RETURN_IF_ERROR(store::Migrate(*database).status());
  return database;
}

evidence::EvidenceOptions EvidenceOptionsFrom(const base::Config& config) {
  evidence::EvidenceOptions options;
  options.bundle_dir = config.data_dir + "/bundles";
  options.ewf_helper_binary = config.ewf_helper;
  if (options.ewf_helper_binary.empty()) {
    std::error_code error;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    // Only the threathub program itself understands `internal ewf-report` (not a test binary).
    if (!error && self.filename() == "threathub") options.ewf_helper_binary = self.string();
  }
  options.verify_interval = config.evidence_verify_hours * 60 * 60 * 1000;
  return options;
}

collect::CollectOptions CollectOptionsFrom(const base::Config& config) {
  collect::CollectOptions options;
  options.temp_dir = config.data_dir + "/collect/tmp";
  return options;
}

detect::DetectOptions DetectOptionsFrom(const base::Config& config) {
  detect::DetectOptions options;
  options.rescan_days = static_cast<int>(config.detect_rescan_days);
  options.flood_per_hour = static_cast<int>(config.detect_flood_per_hour);
  options.max_image_pixels = static_cast<uint64_t>(config.detect_max_image_pixels);
  // The same name after a restart, so that a server killed while holding the scanner's lease
  // takes it back at once instead of waiting for it to expire; two instances sharing a
  // database cannot listen on the same host and address.
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "localhost");
  options.instance = base::StrCat(host, " ", config.listen);
  return options;
}

requests::SmtpOptions SmtpOptionsFrom(const base::Config& config) {
  requests::SmtpOptions options;
  options.host = config.smtp_host;
  options.port = static_cast<int>(config.smtp_port);
  options.tls = config.smtp_tls;
  options.user = config.smtp_user;
  options.password = config.smtp_password;
  options.from = config.smtp_from;
  options.timeout_seconds = static_cast<int>(config.smtp_timeout_seconds);
  options.ca_file = config.smtp_ca_file;
  return options;
}

auth::SessionPolicy PolicyFrom(const base::Config& config) {
  auth::SessionPolicy policy;
  policy.idle_timeout = config.session_idle_seconds > 0 ? config.session_idle_seconds * 1000
                                                        : config.session_idle_minutes * 60 * 1000;
  policy.absolute_lifetime = config.session_absolute_hours * 60 * 60 * 1000;
  policy.totp_required = config.totp_required;
  policy.cost.ops = static_cast<uint64_t>(config.argon2_ops);
  policy.cost.memory_bytes = static_cast<size_t>(config.argon2_memory_bytes);
  policy.epoch_file = config.data_dir + "/auth-epoch";
  return policy;
}

App::App(const base::Config& config, const base::Clock& clock) : config_(config), clock_(clock) {}

App::~App() {
  {
    absl::MutexLock lock(&background_mutex_);
    stopping_ = true;
  }
  if (background_.joinable()) background_.join();
  if (trail_) trail_->SetAnchor(nullptr);
}

void App::StartBackgroundJobs() {
  // Feed pollers, the stopping of sources whose mandate ended, the purge: a thread of their own
  // (a poll may wait on a slow site for its whole timeout).
  collect_->StartBackground();
  // The detection scanner: new collected items, rescans after list changes (its own thread: a
  // batch of images may take seconds to hash).
  detect_->StartBackground();
  background_ = std::thread([this] {
    // Deadline reminders and the expiry of preservations run every reminder_interval_seconds
    // (the first time at once); with no SMTP host configured the mailer refuses every message
    // and the reminders stay in the application.
    requests::SmtpMailer mailer(SmtpOptionsFrom(config_));
    const absl::Duration reminder_interval = absl::Seconds(config_.reminder_interval_seconds);
    absl::Time next_reminders = absl::InfinitePast();
    absl::MutexLock lock(&background_mutex_);
    while (!background_mutex_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1))) {
      absl::StatusOr<std::optional<ledger::StoredCheckpoint>> made = ledger_->MaybeCheckpoint();
      if (!made.ok()) spdlog::warn("ledger checkpoint failed: {}", made.status().ToString());
      // Long jobs (re-hashing the vault) run with the lock released so that App can stop.
      background_mutex_.Unlock();
      absl::Status jobs = evidence_->RunScheduledJobs();
      background_mutex_.Lock();
      if (!jobs.ok()) spdlog::warn("evidence jobs failed: {}", jobs.ToString());
      // Approved mandates whose window has ended become expired (and audited).
      absl::StatusOr<int64_t> expired = mandates_->ExpireDue();
      if (!expired.ok()) spdlog::warn("mandate expiry failed: {}", expired.status().ToString());
      if (absl::Now() >= next_reminders) {
        next_reminders = absl::Now() + reminder_interval;
        // An SMTP conversation may wait for its whole timeout: the lock is released meanwhile.
        background_mutex_.Unlock();
        absl::StatusOr<int64_t> mailed = requests_->DeliverReminders(mailer, config_.public_url);
        absl::StatusOr<int64_t> lapsed = requests_->ExpireDue();
        background_mutex_.Lock();
        if (!mailed.ok()) spdlog::warn("reminders failed: {}", mailed.status().ToString());
        if (!lapsed.ok()) {
          spdlog::warn("request expiry failed: {}", lapsed.status().ToString());
        }
      }
    }
  });
}

absl::StatusOr<std::unique_ptr<App>> App::Open(const base::Config& config,
                                               const base::Clock& clock) {
  std::unique_ptr<App> app(new App(config, clock));
  ASSIGN_OR_RETURN(app->database_, OpenConfiguredDatabase(config));
  app->trail_ = std::make_unique<audit::AuditTrail>(*app->database_, clock);
  ledger::LedgerOptions ledger_options = ledger::LedgerOptions::InDataDir(config.data_dir);
  ledger_options.origin = config.ledger_origin;
  ledger_options.checkpoint_interval_ms = config.ledger_checkpoint_seconds * 1000;
  ASSIGN_OR_RETURN(app->ledger_, ledger::Ledger::Open(*app->database_, clock, ledger_options));
  // Every audit record becomes a ledger leaf in its own transaction.
  app->anchor_ = std::make_unique<ledger::AuditAnchor>(*app->ledger_);
  app->trail_->SetAnchor(app->anchor_.get());
  RETURN_IF_ERROR(app->anchor_->AnchorExisting(*app->trail_).status());
  auth::SessionPolicy policy = PolicyFrom(config);
  app->sessions_ =
      std::make_unique<auth::Authenticator>(*app->database_, *app->trail_, clock, policy);
  app->org_ = std::make_unique<auth::OrgService>(*app->database_, *app->trail_, *app->sessions_,
                                                 clock, policy.cost);
  app->cases_ = std::make_unique<cases::CaseService>(*app->database_, *app->trail_, clock);
  ASSIGN_OR_RETURN(app->blobs_, vault::BlobStore::Create(config.data_dir + "/vault"));
  app->evidence_ = std::make_unique<evidence::EvidenceService>(
      *app->database_, *app->trail_, *app->ledger_, *app->cases_, *app->blobs_, clock,
      EvidenceOptionsFrom(config));
  app->mandates_ = std::make_unique<mandates::MandateService>(*app->database_, *app->trail_,
                                                              *app->cases_, clock);
  app->collect_ = std::make_unique<collect::CollectService>(
      *app->database_, *app->trail_, *app->ledger_, *app->mandates_, *app->evidence_, *app->blobs_,
      clock, CollectOptionsFrom(config));
  app->detect_ = std::make_unique<detect::DetectService>(
      *app->database_, *app->trail_, *app->cases_, *app->mandates_, *app->collect_, *app->blobs_,
      clock, DetectOptionsFrom(config));
  app->requests_ = std::make_unique<requests::RequestService>(*app->database_, *app->trail_,
                                                              *app->cases_, *app->evidence_, clock);
  RETURN_IF_ERROR(app->requests_->Start());
  app->services_ = std::make_unique<Services>(
      Services{app->config_, clock, *app->database_, *app->trail_, *app->sessions_, *app->org_,
               *app->cases_, *app->ledger_, *app->evidence_, *app->mandates_, *app->collect_,
               *app->detect_, *app->requests_});
  AddAuthRoutes(app->router_, *app->services_);
  AddOrgRoutes(app->router_, *app->services_);
  AddAuditRoutes(app->router_, *app->services_);
  AddCaseRoutes(app->router_, *app->services_);
  AddLedgerRoutes(app->router_, *app->services_);
  AddEvidenceRoutes(app->router_, *app->services_);
  AddMandateRoutes(app->router_, *app->services_);
  AddCollectRoutes(app->router_, *app->services_);
  AddDetectRoutes(app->router_, *app->services_);
  AddRequestRoutes(app->router_, *app->services_);
  http::DispatcherOptions options;
  options.web_root = config.web_root;
  options.max_json_body_bytes = config.max_json_body_bytes;
  options.tls = !config.tls_cert.empty();
  app->dispatcher_ =
      std::make_unique<http::Dispatcher>(app->router_, *app->sessions_, *app->trail_, options);
  return app;
}

}  // namespace threathub::api
