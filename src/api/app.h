// The assembled server: database (migrated), audit trail, sessions, organisation, the route
// table and the dispatcher. `threathub serve` runs one; tests build one in-process.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<App> app, App::Open(config));
//   http::Response response = app->dispatcher().Handle(request);
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "api/services.h"
#include "http/dispatcher.h"
#include "ledger/audit_anchor.h"

namespace threathub::api {

struct DemoAccount {
  std::string username;
  std::string role;
  std::string password;
};

class App {
 public:
  // Opens the database named by the config, migrates it, and builds every service and route.
  static absl::StatusOr<std::unique_ptr<App>> Open(
      const base::Config& config, const base::Clock& clock = base::SystemClock::Instance());
  ~App();

  // Creates the demo regions, agencies and one account per role (idempotent), giving each demo
  // account a fresh random password, returned so that it can be shown once.
  absl::StatusOr<std::vector<DemoAccount>> SeedDemo();
  // One demo case of the investigator's, shared with the prosecutor, with one evidence item
  // (when the investigator has no case yet).
  absl::Status SeedDemoCase();
  // A demo indicator list (Russian and Kazakh terms), an allow list and a PDQ bank holding the
  // test bridge photo's hash (label "demo"), made by the demo analyst when there are no lists.
  absl::Status SeedDemoDetection();

  http::Router& router() { return router_; }
  http::Dispatcher& dispatcher() { return *dispatcher_; }
  Services& services() { return *services_; }
  store::Database& database() { return *database_; }
  auth::OrgService& org() { return *org_; }
  auth::Authenticator& sessions() { return *sessions_; }
  audit::AuditTrail& trail() { return *trail_; }
  cases::CaseService& cases() { return *cases_; }
  ledger::Ledger& ledger() { return *ledger_; }
  evidence::EvidenceService& evidence() { return *evidence_; }
  mandates::MandateService& mandates() { return *mandates_; }
  collect::CollectService& collect() { return *collect_; }
  detect::DetectService& detect() { return *detect_; }
  requests::RequestService& requests() { return *requests_; }
  vault::BlobStore& blobs() { return *blobs_; }

  // Starts the periodic jobs of a serving instance (ledger checkpoints, evidence jobs, mandate
  // expiry, deadline reminders by e-mail and the expiry of preservations); they stop with App.
  void StartBackgroundJobs();

 private:
  App(const base::Config& config, const base::Clock& clock);

  base::Config config_;
  const base::Clock& clock_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<auth::Authenticator> sessions_;
  std::unique_ptr<auth::OrgService> org_;
  std::unique_ptr<cases::CaseService> cases_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<ledger::AuditAnchor> anchor_;
  std::unique_ptr<vault::BlobStore> blobs_;
  std::unique_ptr<evidence::EvidenceService> evidence_;
  std::unique_ptr<mandates::MandateService> mandates_;
  // Declared after what it uses: its poller thread stops (in its destructor) before they go.
  std::unique_ptr<collect::CollectService> collect_;
  // After collect: its scanner thread stops before what it reads.
  std::unique_ptr<detect::DetectService> detect_;
  std::unique_ptr<requests::RequestService> requests_;
  // Signs ledger checkpoints while the server runs (StartBackgroundJobs).
  std::thread background_;
  absl::Mutex background_mutex_;
  bool stopping_ ABSL_GUARDED_BY(background_mutex_) = false;
  std::unique_ptr<Services> services_;
  http::Router router_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
};

// Opens and migrates the configured database (for the CLI's admin commands too).
absl::StatusOr<std::unique_ptr<store::Database>> OpenConfiguredDatabase(const base::Config& config);

auth::SessionPolicy PolicyFrom(const base::Config& config);
evidence::EvidenceOptions EvidenceOptionsFrom(const base::Config& config);
collect::CollectOptions CollectOptionsFrom(const base::Config& config);
detect::DetectOptions DetectOptionsFrom(const base::Config& config);
// The SMTP server of deadline reminders (host "" when e-mail is not configured).
requests::SmtpOptions SmtpOptionsFrom(const base::Config& config);

}  // namespace threathub::api
