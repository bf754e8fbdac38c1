// Collection import throughput, not a test: a JSON Lines file of N posts of about 300 bytes
// (Russian and Kazakh text, ids, a time, a URL) imported by CollectService::ImportPath into the
// embedded store (SQLite on disk, WAL, synchronous=FULL) under an approved mandate, with
// everything a real import does: reading the file, parsing, judging each post against the
// mandate, SHA-256 of each original, the row with its original bytes, the FTS5 index entry, and
// batched transactions. bench/collect_bench.sh runs it beside the sqlite3 shell's .import of the
// same rows (written here as tab-separated values) into a bare table.
//
//   collect_import_bench [--posts N] [--rounds R] [--dir DIR] [--tsv FILE] [--batch B]
//
// Each round imports into a fresh database. Prints one line per round and a summary line:
//   collect_import_bench posts=200000 bytes_per_post=301 best_posts_per_s=...
//   median_posts_per_s=...
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/org.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "cases/cases.h"
#include "collect/collect.h"
#include "evidence/evidence.h"
#include "ledger/audit_anchor.h"
#include "ledger/ledger.h"
#include "mandates/mandates.h"
#include "store/migrations.h"
#include "vault/blob_store.h"

namespace threathub {
namespace {

namespace fs = std::filesystem;

constexpr char kChannel[] = "1712345678";

struct Options {
  size_t posts = 200'000;
  int rounds = 3;
  std::string dir;
  std::string tsv;
  size_t batch = 5000;
};

// The posts as JSON Lines and as the same fields tab-separated (no tab, quote or newline occurs
// in a field, so both the JSON and the TSV need no escaping).
void MakePosts(size_t count, std::string& jsonl, std::string& tsv) {
  // Texts of 40 to 60 letters, so that a line (post) averages about 300 bytes.
  static constexpr const char* kTexts[] = {
      "Ертең сағат 10:00-де Алматыда жиналыс болады, келіңіздер!",
      "Завтра в 10:00 собрание у памятника, приходите все",
      "Подробности по ссылке, распространите пожалуйста",
      "Құрметті достар! Бүгін кешке кездесеміз.",
  };
  jsonl.reserve(count * 310);
  tsv.reserve(count * 260);
  for (size_t post_idx = 0; post_idx < count; ++post_idx) {
    std::string post_id = std::to_string(1'000'000 + post_idx);
    std::string author = base::StrCat("user", 5'550'000 + post_idx % 977);
    std::string url = base::StrCat("https://t.me/c/", kChannel, "/", post_id);
    std::string created = base::StrCat("2026-03-15T10:", 10 + post_idx % 50, ":00+05:00");
    const char* text = kTexts[post_idx % 4];
    base::StrAppend(&jsonl, R"({"platform":"telegram","post_id":")", post_id, R"(","channel_id":")",
                    kChannel, R"(","author_id":")", author, R"(","author_name":"Арна )",
                    post_idx % 977, R"(","url":")", url, R"(","created_at":")", created,
                    R"(","text":")", text, "\"}\n");
    base::StrAppend(&tsv, "telegram\t", kChannel, "\t", post_id, "\t", author, "\tАрна ",
                    post_idx % 977, "\t", url, "\t", text, "\t", created, "\n");
  }
}

// One import into a fresh database under `dir`; posts per second, or a negative number.
double ImportOnce(const Options& options, const std::string& dir, const std::string& file,
                  double& cpu) {
  base::SystemClock& clock = base::SystemClock::Instance();
  auto fail = [](std::string_view what, const absl::Status& status) {
    std::fprintf(stderr, "collect_import_bench: %s: %s\n", std::string(what).c_str(),
                 status.ToString().c_str());
    return -1.0;
  };
  absl::StatusOr<std::unique_ptr<store::Database>> database = store::OpenDatabase("sqlite", dir);
  if (!database.ok()) return fail("open", database.status());
  if (absl::Status migrated = store::Migrate(**database).status(); !migrated.ok()) {
    return fail("migrate", migrated);
  }
  audit::AuditTrail trail(**database, clock);
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> ledger =
      ledger::Ledger::Open(**database, clock, ledger::LedgerOptions::InDataDir(dir));
  if (!ledger.ok()) return fail("ledger", ledger.status());
  ledger::AuditAnchor anchor(**ledger);
  trail.SetAnchor(&anchor);
  auth::SessionPolicy policy;
  policy.cost = auth::Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
  auth::Authenticator sessions(**database, trail, clock, policy);
  auth::OrgService org(**database, trail, sessions, clock, policy.cost);
  cases::CaseService cases(**database, trail, clock);
  absl::StatusOr<std::unique_ptr<vault::BlobStore>> blobs =
      vault::BlobStore::Create(dir + "/vault");
  if (!blobs.ok()) return fail("vault", blobs.status());
  evidence::EvidenceService evidence(**database, trail, **ledger, cases, **blobs, clock, {});
  mandates::MandateService mandates(**database, trail, cases, clock);
  collect::CollectService collect(**database, trail, **ledger, mandates, evidence, **blobs, clock,
                                  {.temp_dir = dir + "/tmp", .batch_size = options.batch});

  auth::Actor root = auth::Actor::CommandLine();
  absl::StatusOr<auth::Region> region = org.CreateRegion(root, "almaty", "Алматы");
  if (!region.ok()) return fail("region", region.status());
  absl::StatusOr<auth::Agency> agency =
      org.CreateAgency(root, region->id, "almaty-cyber", "УПК", false);
  if (!agency.ok()) return fail("agency", agency.status());
  for (auto [name, role] :
       {std::pair{"lead", auth::Role::kInvestigator}, std::pair{"boss", auth::Role::kSupervisor}}) {
    absl::StatusOr<auth::User> user =
        org.CreateUser(root, auth::NewUser{.agency_id = agency->id,
                                           .username = name,
                                           .display_name = name,
                                           .roles = {role},
                                           .password = "bench-password-1",
                                           .totp_exempt = true});
    if (!user.ok()) return fail("user", user.status());
  }
  absl::StatusOr<auth::Principal> lead = sessions.PrincipalForUser("lead");
  absl::StatusOr<auth::Principal> boss = sessions.PrincipalForUser("boss");
  if (!lead.ok() || !boss.ok()) return fail("principal", lead.status());
  mandates::NewMandate fields;
  fields.purpose = "bench";
  fields.predicate = "ст. 174 УК РК";
  fields.mechanism = mandates::Mechanism::kAutomated;
  fields.scope = {{"account", "telegram", kChannel}};
  fields.starts_at = clock.NowMillis() - 60'000;
  fields.ends_at = clock.NowMillis() + 86'400'000;
  fields.storage_days = 30;
  fields.justification = "bench";
  absl::StatusOr<mandates::Mandate> mandate = mandates.Create(*lead, {"bench", ""}, fields);
  if (!mandate.ok()) return fail("mandate", mandate.status());
  if (absl::Status submitted = mandates.Submit(*lead, {"bench", ""}, mandate->id).status();
      !submitted.ok()) {
    return fail("submit", submitted);
  }
  if (absl::Status approved = mandates.Approve(*boss, {"bench", ""}, mandate->id).status();
      !approved.ok()) {
    return fail("approve", approved);
  }
  absl::StatusOr<collect::Source> source = collect.CreateSource(
      *lead, {"bench", "", "bench"}, mandate->id, {.kind = "jsonl", .name = "bench"});
  if (!source.ok()) return fail("source", source.status());

  auto cpu_seconds = [] {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  double cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<collect::ImportReport> report =
      collect.ImportPath(*lead, {"bench", "", "bench"}, source->id, file);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  cpu = cpu_seconds() - cpu_start;
  if (!report.ok()) return fail("import", report.status());
  if (report->stored != static_cast<int64_t>(options.posts)) {
    std::fprintf(stderr, "collect_import_bench: stored %lld of %zu posts\n",
                 static_cast<long long>(report->stored), options.posts);
    return -1.0;
  }
  trail.SetAnchor(nullptr);
  return static_cast<double>(report->stored) / seconds;
}

int Main(int argc, char** argv) {
  Options options;
  for (int arg_idx = 1; arg_idx + 1 < argc; arg_idx += 2) {
    std::string flag = argv[arg_idx];
    const char* value = argv[arg_idx + 1];
    if (flag == "--posts") {
      options.posts = std::strtoull(value, nullptr, 10);
    } else if (flag == "--rounds") {
      options.rounds = std::max(1, std::atoi(value));
    } else if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--tsv") {
      options.tsv = value;
    } else if (flag == "--batch") {
      options.batch = std::strtoull(value, nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: collect_import_bench [--posts N] [--rounds R] [--dir DIR] "
                   "[--tsv FILE] [--batch B]\n");
      return 2;
    }
  }
  if (options.dir.empty()) {
    options.dir = (fs::temp_directory_path() /
                   ("threathub-collect-bench-" + base::HexEncode(base::RandomBytes(4))))
                      .string();
  }
  fs::create_directories(options.dir);
  std::string jsonl, tsv;
  MakePosts(options.posts, jsonl, tsv);
  const std::string file = options.dir + "/posts.jsonl";
  std::ofstream(file, std::ios::binary) << jsonl;
  if (!options.tsv.empty()) std::ofstream(options.tsv, std::ios::binary) << tsv;
  const double bytes_per_post = static_cast<double>(jsonl.size()) / options.posts;

  std::vector<double> rates, cpu_rates;
  for (int round_idx = 0; round_idx < options.rounds; ++round_idx) {
    std::string dir = options.dir + "/round-" + std::to_string(round_idx);
    fs::remove_all(dir);
    fs::create_directories(dir);
    double cpu = 0;
    double rate = ImportOnce(options, dir, file, cpu);
    if (rate < 0) return 1;
    double cpu_rate = static_cast<double>(options.posts) / cpu;
    std::printf("round %d: %.0f posts/s, %.0f posts per CPU second (user + system)\n",
                round_idx + 1, rate, cpu_rate);
    rates.push_back(rate);
    cpu_rates.push_back(cpu_rate);
    fs::remove_all(dir);
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  std::printf(
      "collect_import_bench posts=%zu bytes_per_post=%.0f best_posts_per_s=%.0f "
      "median_posts_per_s=%.0f best_posts_per_cpu_s=%.0f median_posts_per_cpu_s=%.0f\n",
      options.posts, bytes_per_post, rates.back(), rates[rates.size() / 2], cpu_rates.back(),
      cpu_rates[cpu_rates.size() / 2]);
  fs::remove(file);
  return 0;
}

}  // namespace
}  // namespace threathub

int main(int argc, char** argv) { return threathub::Main(argc, argv); }
