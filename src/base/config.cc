#include "base/config.h"
#include "base/strings.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

#include <toml++/toml.h>

namespace threathub::base {
namespace {

using Setter = std::function<absl::Status(Config&, std::string_view)>;

absl::Status ParseInt(std::string_view key, std::string_view text, int64_t minimum, int64_t& out) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < minimum) {
    return absl::InvalidArgumentError(
        base::StrCat(key, ": expected an integer >= ", minimum, ", got \"", text, "\""));
  }
  out = value;
  return absl::OkStatus();
}

absl::Status ParseBool(std::string_view key, std::string_view text, bool& out) {
  std::string lower = base::AsciiStrToLower(text);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") {
    out = true;
  } else if (lower == "false" || lower == "0" || lower == "no" || lower == "off") {
    out = false;
  } else {
    return absl::InvalidArgumentError(
        base::StrCat(key, ": expected true or false, got \"", text, "\""));
  }
  return absl::OkStatus();
}

Setter StringField(std::string Config::*field) {
  return [field](Config& config, std::string_view value) {
    config.*field = std::string(value);
    return absl::OkStatus();
  };
}

Setter IntField(const char* key, int64_t Config::*field, int64_t minimum) {
  return [=](Config& config, std::string_view value) {
    return ParseInt(key, value, minimum, config.*field);
  };
}

Setter BoolField(const char* key, bool Config::*field) {
  return
      [=](Config& config, std::string_view value) { return ParseBool(key, value, config.*field); };
}

// One table: key -> setter. ConfigKeys(), the file loader and the environment all read it.
const std::vector<std::pair<std::string, Setter>>& Setters() {
  static const auto* setters = new std::vector<std::pair<std::string, Setter>>{
      {"listen", StringField(&Config::listen)},
      {"data_dir", StringField(&Config::data_dir)},
      {"db", StringField(&Config::db)},
      {"demo", BoolField("demo", &Config::demo)},
      {"tls_cert", StringField(&Config::tls_cert)},
      {"tls_key", StringField(&Config::tls_key)},
      {"web_root", StringField(&Config::web_root)},
      {"port_file", StringField(&Config::port_file)},
      {"max_json_body_bytes", IntField("max_json_body_bytes", &Config::max_json_body_bytes, 1024)},
      {"max_header_bytes", IntField("max_header_bytes", &Config::max_header_bytes, 1024)},
      {"request_timeout_seconds",
       IntField("request_timeout_seconds", &Config::request_timeout_seconds, 1)},
      {"worker_threads", IntField("worker_threads", &Config::worker_threads, 0)},
      {"session_idle_minutes", IntField("session_idle_minutes", &Config::session_idle_minutes, 1)},
      {"session_idle_seconds", IntField("session_idle_seconds", &Config::session_idle_seconds, 0)},
      {"session_absolute_hours",
       IntField("session_absolute_hours", &Config::session_absolute_hours, 1)},
      {"totp_required", BoolField("totp_required", &Config::totp_required)},
      {"banner", StringField(&Config::banner)},
      {"log_level", StringField(&Config::log_level)},
      {"ledger_origin", StringField(&Config::ledger_origin)},
      {"ledger_checkpoint_seconds",
       IntField("ledger_checkpoint_seconds", &Config::ledger_checkpoint_seconds, 1)},
      {"evidence_verify_hours",
       IntField("evidence_verify_hours", &Config::evidence_verify_hours, 1)},
      {"ewf_helper", StringField(&Config::ewf_helper)},
      {"detect_rescan_days", IntField("detect_rescan_days", &Config::detect_rescan_days, 1)},
      {"detect_flood_per_hour",
       IntField("detect_flood_per_hour", &Config::detect_flood_per_hour, 1)},
      {"detect_max_image_pixels",
       IntField("detect_max_image_pixels", &Config::detect_max_image_pixels, 1)},
      {"smtp_host", StringField(&Config::smtp_host)},
      {"smtp_port", IntField("smtp_port", &Config::smtp_port, 1)},
      {"smtp_tls", StringField(&Config::smtp_tls)},
      {"smtp_user", StringField(&Config::smtp_user)},
      {"smtp_password", StringField(&Config::smtp_password)},
      {"smtp_from", StringField(&Config::smtp_from)},
      {"smtp_ca_file", StringField(&Config::smtp_ca_file)},
      {"smtp_timeout_seconds", IntField("smtp_timeout_seconds", &Config::smtp_timeout_seconds, 1)},
      {"public_url", StringField(&Config::public_url)},
      {"reminder_interval_seconds",
       IntField("reminder_interval_seconds", &Config::reminder_interval_seconds, 1)},
      {"argon2_ops", IntField("argon2_ops", &Config::argon2_ops, 1)},
      {"argon2_memory_bytes", IntField("argon2_memory_bytes", &Config::argon2_memory_bytes, 8192)},
  };
  return *setters;
}

}  // namespace

const std::vector<std::string>& ConfigKeys() {
  static const auto* keys = [] {
    auto* names = new std::vector<std::string>;
    for (const auto& [key, setter] : Setters()) names->push_back(key);
    return names;
  }();
  return *keys;
}

absl::Status SetConfigValue(Config& config, std::string_view key, std::string_view value) {
  for (const auto& [name, setter] : Setters()) {
    if (name == key) return setter(config, value);
  }
  return absl::InvalidArgumentError(base::StrCat("unknown configuration key \"", key, "\""));
}

absl::Status LoadConfigFile(const std::string& path, Config& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return absl::InvalidArgumentError(
        base::StrCat(path, ":", where.line, ":", where.column, ": ", error.description()));
  }
  for (const auto& [key, node] : table) {
    std::string text;
    if (auto value = node.value<std::string>(); value && node.is_string()) {
      text = *value;
    } else if (node.is_integer()) {
      text = std::to_string(*node.value<int64_t>());
    } else if (node.is_boolean()) {
      text = *node.value<bool>() ? "true" : "false";
    } else {
      return absl::InvalidArgumentError(
          base::StrCat(path, ": ", key.str(), ": expected a string, integer or boolean"));
    }
    absl::Status status = SetConfigValue(config, key.str(), text);
    if (!status.ok()) return absl::InvalidArgumentError(base::StrCat(path, ": ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status ApplyEnvironment(Config& config) {
  for (const auto& key : ConfigKeys()) {
    std::string variable = base::StrCat("THREATHUB_", base::AsciiStrToUpper(key));
    if (const char* value = std::getenv(variable.c_str())) {
      absl::Status status = SetConfigValue(config, key, value);
      if (!status.ok()) {
        return absl::InvalidArgumentError(base::StrCat(variable, ": ", status.message()));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateConfig(const Config& config) {
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key must be given together");
  }
  if (config.db != "sqlite" && config.db.rfind("postgresql://", 0) != 0 &&
      config.db.rfind("postgres://", 0) != 0) {
    return absl::InvalidArgumentError(
        base::StrCat("--db: expected \"sqlite\" or a postgresql:// URI, got \"", config.db, "\""));
  }
  if (config.smtp_tls != "none" && config.smtp_tls != "starttls" && config.smtp_tls != "tls") {
    return absl::InvalidArgumentError(base::StrCat(
        "smtp_tls: expected \"none\", \"starttls\" or \"tls\", got \"", config.smtp_tls, "\""));
  }
  if (!config.smtp_user.empty() && config.smtp_tls == "none") {
    return absl::InvalidArgumentError(
        "smtp_user: a password is sent only over TLS; set smtp_tls to \"starttls\" or \"tls\"");
  }
  if (config.listen.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        base::StrCat("--listen: expected HOST:PORT, got \"", config.listen, "\""));
  }
  return absl::OkStatus();
}

}  // namespace threathub::base
