// Server configuration. Sources, weakest first: built-in defaults, a TOML file
// (`--config FILE` or THREATHUB_CONFIG), environment variables (THREATHUB_<KEY> upper case),
// command-line flags. Each later source overrides the earlier ones key by key.
//
//   Config config;
//   RETURN_IF_ERROR(LoadConfigFile("threathub.toml", config));
//   RETURN_IF_ERROR(ApplyEnvironment(config));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace threathub::base {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./var";
  // "sqlite" (a file under data_dir) or a libpq URI "postgresql://...".
  std::string db = "sqlite";
  bool demo = false;
  std::string tls_cert;
  std::string tls_key;
  // Where the built web application lives; served at "/".
  std::string web_root = "web/dist";
  // When set, the server writes the port it listens on into this file (for tests on port 0).
  std::string port_file;
  int64_t max_json_body_bytes = 1 << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t request_timeout_seconds = 30;
  int64_t worker_threads = 0;  // 0: one per core
  int64_t session_idle_minutes = 30;
  int64_t session_idle_seconds = 0;  // when set, overrides session_idle_minutes (tests, demos)
  int64_t session_absolute_hours = 12;
  bool totp_required = true;
  // Shown at sign-in and acknowledged by the user.
  std::string banner =
      "This is a restricted law-enforcement information system. Use is limited to authorised "
      "persons for official purposes; all activity is recorded and audited.";
  std::string log_level = "info";
  // The ledger: the name in its checkpoints (set once, when the key is made) and how often a
  // checkpoint is signed while there are new leaves.
  std::string ledger_origin = "threathub/ledger";
  int64_t ledger_checkpoint_seconds = 60;
  // Evidence: how often every stored file is re-hashed (hours; default weekly), and the
  // program that reads E01 images in a child process (empty: this program itself).
  int64_t evidence_verify_hours = 168;
  std::string ewf_helper;
  // Detection: how many days of collected items are scanned again when lists or banks change;
  // alerts of one bank hash within an hour above which the hash is quarantined; the largest
  // image (pixels) hashed with PDQ.
  int64_t detect_rescan_days = 30;
  int64_t detect_flood_per_hour = 50;
  int64_t detect_max_image_pixels = 100'000'000;
  // Requests to service providers: reminders of deadlines by e-mail through this SMTP server
  // (smtp_host empty: reminders only in the application). smtp_tls: "none", "starttls" (the
  // server must offer STARTTLS) or "tls" (implicit TLS, port 465). smtp_user/smtp_password for
  // AUTH PLAIN (only over TLS). The web address in e-mails links to the request.
  std::string smtp_host;
  int64_t smtp_port = 25;
  std::string smtp_tls = "none";
  std::string smtp_user;
  std::string smtp_password;
  std::string smtp_from = "threathub@localhost";
  std::string smtp_ca_file;  // PEM file of trusted CAs for the SMTP server; empty: the system's
  int64_t smtp_timeout_seconds = 20;
  std::string public_url = "http://127.0.0.1:8080";
  // How often due reminders are looked for (seconds).
  int64_t reminder_interval_seconds = 60;
  // Argon2id cost (libsodium opslimit / memlimit in bytes).
  int64_t argon2_ops = 2;
  int64_t argon2_memory_bytes = 64 << 20;
};

// The keys a config file and the environment may set, in the order of Config's fields.
const std::vector<std::string>& ConfigKeys();

// Sets one key from its text form. InvalidArgument names the key when the text is bad.
absl::Status SetConfigValue(Config& config, std::string_view key, std::string_view value);

absl::Status LoadConfigFile(const std::string& path, Config& config);
absl::Status ApplyEnvironment(Config& config);

// Checks values that depend on each other (e.g. a TLS key without a certificate).
absl::Status ValidateConfig(const Config& config);

}  // namespace threathub::base
