#include "collect/collect.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/internal/unpack.h"
#include "store/scheduled_jobs.h"
#include "vault/file_type.h"
#include "vault/original_name.h"

namespace threathub::collect {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr base::Millis kDayMillis = 24LL * 60 * 60 * 1000;
constexpr size_t kMaxNameBytes = 300;
constexpr size_t kMaxUrlBytes = 2000;
constexpr size_t kMaxFilterBytes = 500;
constexpr int kDefaultPollMinutes = 60;
constexpr int kMaxPollMinutes = 7 * 24 * 60;
constexpr int kMaxListLimit = 500;
constexpr int kMaxVisibleMandates = 1000;  // MandateService::List's own limit
// Items per purge transaction (and per ledger leaf: each adds about 80 bytes to the record,
// whose canonical form may not exceed ledger::kMaxRecordSize).
constexpr size_t kPurgeBatch = 5000;

constexpr char kSourceColumns[] =
    "SELECT s.id, s.mandate_id, s.agency_id, s.kind, s.name, s.url, s.poll_minutes, s.state, "
    "s.stop_reason, s.last_polled_at, s.created_by, u.username, u.display_name, s.created_at "
    "FROM collect_sources s JOIN users u ON u.id = s.created_by";

constexpr char kItemColumns[] =
    "i.id, i.mandate_id, i.source_id, i.platform, i.channel_id, i.post_id, i.author_id, "
    "i.author_name, i.url, i.text, i.created_at, i.collected_at, i.sha256, i.raw_size, "
    "i.purge_at, i.promoted_evidence_id";

constexpr char kImportColumns[] =
    "SELECT id, source_id, via, format, state, started_at, finished_at, records, stored, "
    "duplicates, errors, refusals, error_sample FROM collect_imports";

store::Value OptionalValue(const std::optional<int64_t>& value) {
  return value ? store::Value(*value) : store::Value();
}

Source SourceFromRow(const store::Row& row) {
  Source source;
  source.id = row.Int(0);
  source.mandate_id = row.Int(1);
  source.agency_id = row.Int(2);
  source.kind = ParseSourceKind(row.Text(3)).value_or(SourceKind::kJsonl);
  source.name = row.Text(4);
  source.url = row.Text(5);
  source.poll_minutes = static_cast<int>(row.Int(6));
  source.state = row.Text(7);
  source.stop_reason = row.Text(8);
  source.last_polled_at = row.OptionalInt(9);
  source.created_by = cases::Person{row.Int(10), row.Text(11), row.Text(12)};
  source.created_at = row.Int(13);
  return source;
}

Item ItemFromRow(const store::Row& row) {
  Item item;
  item.id = row.Int(0);
  item.mandate_id = row.Int(1);
  item.source_id = row.Int(2);
  item.platform = row.Text(3);
  item.channel_id = row.Text(4);
  item.post_id = row.Text(5);
  item.author_id = row.Text(6);
  item.author_name = row.Text(7);
  item.url = row.Text(8);
  item.text = row.Text(9);
  item.created_at = row.OptionalInt(10);
  item.collected_at = row.Int(11);
  item.sha256 = row.Text(12);
  item.raw_size = row.Int(13);
  item.purge_at = row.Int(14);
  item.promoted_evidence_id = row.OptionalInt(15);
  return item;
}

std::map<std::string, int64_t> CountsFromJson(const std::string& text) {
  std::map<std::string, int64_t> counts;
  Json parsed = Json::parse(text, nullptr, false);
  if (!parsed.is_object()) return counts;
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_number_integer()) counts[key] = value.get<int64_t>();
  }
  return counts;
}

ImportReport ImportFromRow(const store::Row& row) {
  ImportReport report;
  report.id = row.Int(0);
  report.source_id = row.Int(1);
  report.trigger = row.Text(2);
  report.format = row.Text(3);
  report.state = row.Text(4);
  report.started_at = row.Int(5);
  report.finished_at = row.OptionalInt(6);
  report.records = row.Int(7);
  report.stored = row.Int(8);
  report.duplicates = row.Int(9);
  report.errors = row.Int(10);
  report.refused = CountsFromJson(row.Text(11));
  Json sample = Json::parse(row.Text(12), nullptr, false);
  if (sample.is_array()) {
    for (const Json& entry : sample) {
      if (!entry.is_object()) continue;
      report.error_sample.push_back(
          RecordError{entry.value("position", ""), entry.value("error", "")});
    }
  }
  return report;
}

std::string RefusalsJson(const std::map<std::string, int64_t>& refused) {
  Json object = Json::object();
  for (const auto& [reason, count] : refused) object[reason] = count;
  return object.dump();
}

std::string ErrorsJson(const std::vector<RecordError>& errors) {
  Json list = Json::array();
  for (const RecordError& error : errors) {
    list.push_back({{"position", error.position}, {"error", error.error}});
  }
  return list.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int64_t Total(const std::map<std::string, int64_t>& counts) {
  int64_t total = 0;
  for (const auto& [reason, count] : counts) total += count;
  return total;
}

// Text the database takes whatever the input held: valid UTF-8 (bad bytes become U+FFFD), no
// NUL bytes.
void CleanText(std::string& text) {
  if (text.find('\0') == std::string::npos && base::IsValidUtf8(text)) return;
  std::string clean;
  clean.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[pos]);
    if (lead == 0) {
      ++pos;
      continue;
    }
    size_t length = lead < 0x80             ? 1
                    : (lead & 0xE0) == 0xC0 ? 2
                    : (lead & 0xF0) == 0xE0 ? 3
                    : (lead & 0xF8) == 0xF0 ? 4
                                            : 0;
    if (length > 0 && pos + length <= text.size() &&
        base::IsValidUtf8(std::string_view(text).substr(pos, length))) {
      clean.append(text, pos, length);
      pos += length;
    } else {
      clean += "\xEF\xBF\xBD";
      ++pos;
    }
  }
  text = std::move(clean);
}

bool EndsSource(mandates::Refusal refusal) {
  return refusal == mandates::Refusal::kNotApproved || refusal == mandates::Refusal::kAfterWindow ||
         refusal == mandates::Refusal::kRevoked;
}

bool RefusesWhole(mandates::Refusal refusal) {
  return EndsSource(refusal) || refusal == mandates::Refusal::kBeforeWindow;
}

// Whether the mandate, as of `now`, refuses collection as a whole (whatever the target).
mandates::Refusal MandateLevelRefusal(const mandates::Mandate& mandate, base::Millis now) {
  mandates::Refusal refusal = mandates::Evaluate(mandate, mandates::Target{"", "", "", now});
  return RefusesWhole(refusal) ? refusal : mandates::Refusal::kNone;
}

absl::Status SourceNotFound() { return absl::NotFoundError("collection source not found"); }
absl::Status ItemNotFound() { return absl::NotFoundError("collected item not found"); }

std::string LastPathPart(std::string_view text) {
  text = text.substr(0, text.find_first_of("?#"));
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  size_t slash = text.rfind('/');
  return std::string(slash == std::string_view::npos ? text : text.substr(slash + 1));
}

// The words of a search text: split at white space and punctuation (ASCII, and the quotes and
// dashes common in Russian and Kazakh text), lower-cased.
std::vector<std::string> SearchWords(std::string_view text) {
  static const std::vector<std::string_view> kUnicodePunctuation = {
      "\xC2\xAB",     "\xC2\xBB",     "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x9E",
      "\xE2\x80\x94", "\xE2\x80\x93", "\xE2\x80\xA6", "\xE2\x80\x98", "\xE2\x80\x99"};
  std::string spaced(text);
  for (std::string_view mark : kUnicodePunctuation) {
    spaced = base::StrReplaceAll(spaced, {{mark, " "}});
  }
  std::vector<std::string> words;
  std::string word;
  for (char symbol : spaced) {
    unsigned char byte = static_cast<unsigned char>(symbol);
    if (byte >= 0x80 || absl::ascii_isalnum(byte) || symbol == '_') {
      word += symbol;
    } else if (!word.empty()) {
      words.push_back(base::Utf8ToLower(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(base::Utf8ToLower(word));
  return words;
}

}  // namespace

std::string_view SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kTelegram:
      return "telegram";
    case SourceKind::kVk:
      return "vk";
    case SourceKind::kJsonl:
      return "jsonl";
    case SourceKind::kFeed:
      return "feed";
    case SourceKind::kWarc:
      return "warc";
  }
  return "jsonl";
}

std::optional<SourceKind> ParseSourceKind(std::string_view name) {
  for (SourceKind kind : {SourceKind::kTelegram, SourceKind::kVk, SourceKind::kJsonl,
                          SourceKind::kFeed, SourceKind::kWarc}) {
    if (SourceKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string Fts5Query(std::string_view text) {
  std::vector<std::string> terms;
  for (const std::string& word : SearchWords(text)) {
    // A quoted string is one phrase to FTS5; '"' cannot occur in a word (it is a separator).
    terms.push_back(base::StrCat("\"", word, "\"*"));
  }
  return base::StrJoin(terms, " ");
}

std::string TsQuery(std::string_view text) {
  std::vector<std::string> terms;
  for (const std::string& word : SearchWords(text)) {
    // Quoted lexemes; a quote or backslash cannot occur in a word.
    terms.push_back(base::StrCat("'", word, "':*"));
  }
  return base::StrJoin(terms, " & ");
}

ledger::CanonicalObject PurgeRecordObject(const PurgeRecord& purge) {
  ledger::CanonicalObject items;
  for (const auto& [item_id, sha256] : purge.items) items.String(std::to_string(item_id), sha256);
  ledger::CanonicalObject record;
  record.Int("at", purge.at)
      .String("event", "purge")
      .Int("id", purge.id)
      .Int("item_count", static_cast<int64_t>(purge.items.size()))
      .Object("items", items)
      .Int("media_count", purge.media);
  return record;
}

// ---------------------------------------------------------------------------------------------

CollectService::CollectService(store::Database& database, audit::AuditTrail& trail,
                               ledger::Ledger& ledger, mandates::MandateService& mandates,
                               evidence::EvidenceService& evidence, vault::BlobStore& blobs,
                               const base::Clock& clock, CollectOptions options)
    : database_(database),
      trail_(trail),
      ledger_(ledger),
      mandates_(mandates),
      evidence_(evidence),
      blobs_(blobs),
      clock_(clock),
      options_(std::move(options)) {
  if (options_.batch_size == 0) options_.batch_size = 1;
  if (options_.temp_dir.empty()) options_.temp_dir = fs::temp_directory_path().string();
  // Leftovers of uploads and unpacked exports a crash interrupted. Several instances may share
  // the directory, hence an age rather than "all".
  std::error_code error;
  auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (fs::directory_iterator entry(options_.temp_dir, error), end; !error && entry != end;
       entry.increment(error)) {
    std::error_code ignored;
    if (base::StartsWith(entry->path().filename().string(), "import-") &&
        entry->last_write_time(ignored) < cutoff) {
      fs::remove_all(entry->path(), ignored);
    }
  }
}

CollectService::~CollectService() {
  {
    absl::MutexLock lock(&background_mutex_);
    stopping_ = true;
  }
  if (background_.joinable()) background_.join();
}

void CollectService::StartBackground() {
  if (background_.joinable()) return;
  background_ = std::thread([this] {
    absl::MutexLock lock(&background_mutex_);
    while (!background_mutex_.AwaitWithTimeout(absl::Condition(&stopping_),
                                               absl::Milliseconds(options_.tick))) {
      // Polls and purges run with the lock released, so that destruction need not wait for
      // the tick to end before it asks the thread to stop.
      background_mutex_.Unlock();
      absl::Status status = RunScheduledJobs();
      background_mutex_.Lock();
      if (!status.ok()) spdlog::warn("collection jobs failed: {}", status.ToString());
    }
  });
}

absl::Status CollectService::Audit(store::Transaction& tx, const auth::Principal* who,
                                   const Origin& origin, std::string action,
                                   std::string object_type, int64_t object_id, std::string detail) {
  audit::Record record{.actor_id = who ? std::optional<int64_t>(who->user_id) : std::nullopt,
                       .actor_name = who ? who->username : "system",
                       .agency_id = who ? std::optional<int64_t>(who->agency_id) : std::nullopt,
                       .action = std::move(action),
                       .object_type = std::move(object_type),
                       .object_id = std::to_string(object_id),
                       .client = origin.client,
                       .request_id = origin.request_id,
                       .detail = std::move(detail)};
  return trail_.Append(tx, record);
}

absl::Status CollectService::CheckMandateVisible(const auth::Principal& who, int64_t mandate_id) {
  absl::StatusOr<mandates::Mandate> mandate = mandates_.Get(who, mandate_id);
  if (mandate.ok()) return absl::OkStatus();
  if (absl::IsNotFound(mandate.status()) || absl::IsPermissionDenied(mandate.status())) {
    return absl::NotFoundError("mandate not found");
  }
  return mandate.status();
}

absl::StatusOr<std::vector<int64_t>> CollectService::VisibleMandates(const auth::Principal& who) {
  mandates::MandateService::Filter filter;
  filter.limit = kMaxVisibleMandates;
  ASSIGN_OR_RETURN(std::vector<mandates::Mandate> visible, mandates_.List(who, filter));
  std::vector<int64_t> ids;
  ids.reserve(visible.size());
  for (const mandates::Mandate& mandate : visible) ids.push_back(mandate.id);
  return ids;
}

absl::Status CollectService::LoadCounts(store::Transaction& tx, Source& source) {
  ASSIGN_OR_RETURN(
      store::Result collected,
      tx.Execute("SELECT COUNT(*) FROM collected_items WHERE source_id = $1", {source.id}));
  source.counts.collected = collected.rows[0].Int(0);
  ASSIGN_OR_RETURN(store::Result sums,
                   tx.Execute("SELECT COALESCE(SUM(duplicates), 0), COALESCE(SUM(errors), 0) "
                              "FROM collect_imports WHERE source_id = $1",
                              {source.id}));
  source.counts.duplicates = sums.rows[0].Int(0);
  source.counts.errors = sums.rows[0].Int(1);
  ASSIGN_OR_RETURN(store::Result refused,
                   tx.Execute("SELECT reason, count FROM collect_refusals WHERE source_id = $1 "
                              "ORDER BY reason",
                              {source.id}));
  for (const store::Row& row : refused.rows) source.counts.refused[row.Text(0)] = row.Int(1);
  return absl::OkStatus();
}

absl::StatusOr<Source> CollectService::LoadSource(store::Transaction& tx, int64_t source_id) {
  ASSIGN_OR_RETURN(store::Result result,
                   tx.Execute(base::StrCat(kSourceColumns, " WHERE s.id = $1"), {source_id}));
  if (result.rows.empty()) return SourceNotFound();
  Source source = SourceFromRow(result.rows[0]);
  RETURN_IF_ERROR(LoadCounts(tx, source));
  return source;
}

absl::StatusOr<Source> CollectService::LoadVisibleSource(const auth::Principal& who,
                                                         int64_t source_id) {
  Source source;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(source, LoadSource(tx, source_id));
    return absl::OkStatus();
  }));
  absl::Status visible = CheckMandateVisible(who, source.mandate_id);
  if (absl::IsNotFound(visible)) return SourceNotFound();
  RETURN_IF_ERROR(visible);
  return source;
}

absl::StatusOr<Source> CollectService::CreateSource(const auth::Principal& who,
                                                    const Origin& origin, int64_t mandate_id,
                                                    NewSource fields) {
  std::optional<SourceKind> kind = ParseSourceKind(fields.kind);
  if (!kind) return base::InvalidField("kind", "expected telegram, vk, jsonl, feed or warc");
  fields.name = std::string(base::StripAsciiWhitespace(fields.name));
  RETURN_IF_ERROR(base::CheckText("name", fields.name, kMaxNameBytes, base::TextForm::kLine,
                                  base::Presence::kRequired));
  RETURN_IF_ERROR(CheckMandateVisible(who, mandate_id));
  ASSIGN_OR_RETURN(mandates::Mandate mandate, mandates_.GetForCollection(mandate_id));
  base::Millis now = clock_.NowMillis();
  mandates::Refusal refusal = MandateLevelRefusal(mandate, now);
  if (refusal != mandates::Refusal::kNone) {
    return base::WithReason(
        absl::FailedPreconditionError(
            base::StrCat("the mandate is not in force (", mandates::RefusalCode(refusal), ")")),
        mandates::RefusalCode(refusal));
  }
  int poll_minutes = 0;
  if (*kind == SourceKind::kFeed) {
    RETURN_IF_ERROR(base::CheckText("url", fields.url, kMaxUrlBytes, base::TextForm::kLine,
                                    base::Presence::kRequired));
    absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(fields.url);
    if (!parsed.ok()) return base::InvalidField("url", base::FromAbsl(parsed.status().message()));
    // The feed's own URL must be listed (a "platform" entry covers its entries, not the feed).
    if (mandates::Evaluate(mandate, mandates::Target{"", "", fields.url, now}) !=
        mandates::Refusal::kNone) {
      return base::WithReason(base::InvalidField("url", "the feed is outside the mandate's sites"),
                              mandates::RefusalCode(mandates::Refusal::kOutsideSites));
    }
    if (mandate.mechanism != mandates::Mechanism::kAutomated) {
      return base::WithReason(
          absl::FailedPreconditionError("a feed is automated collection, which this mandate's "
                                        "mechanism does not authorise"),
          "mechanism_not_automated");
    }
    poll_minutes = fields.poll_minutes.value_or(kDefaultPollMinutes);
    if (poll_minutes < 1 || poll_minutes > kMaxPollMinutes) {
      return base::InvalidField("poll_minutes", base::StrCat("1 to ", kMaxPollMinutes));
    }
  } else {
    if (!fields.url.empty()) return base::InvalidField("url", "only feeds have a URL");
    if (fields.poll_minutes) return base::InvalidField("poll_minutes", "only feeds are polled");
  }
  Source created;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO collect_sources(mandate_id, agency_id, kind, name, url, "
                   "poll_minutes, state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                   "'active', $7, $8) RETURNING id",
                   {mandate_id, mandate.agency_id, std::string(SourceKindName(*kind)), fields.name,
                    fields.url, int64_t{poll_minutes}, who.user_id, now}));
    int64_t id = inserted.rows[0].Int(0);
    RETURN_IF_ERROR(Audit(tx, &who, origin, "collect.source_create", "collect_source", id,
                          base::StrCat("mandate ", mandate_id, ", ", SourceKindName(*kind), " ",
                                       fields.url.empty() ? fields.name : fields.url)));
    ASSIGN_OR_RETURN(created, LoadSource(tx, id));
    return absl::OkStatus();
  }));
  return created;
}

absl::StatusOr<std::vector<Source>> CollectService::ListSources(const auth::Principal& who,
                                                                int64_t mandate_id) {
  RETURN_IF_ERROR(CheckMandateVisible(who, mandate_id));
  std::vector<Source> sources;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kSourceColumns, " WHERE s.mandate_id = $1 ORDER BY s.id"),
                   {mandate_id}));
    for (const store::Row& row : result.rows) {
      Source source = SourceFromRow(row);
      RETURN_IF_ERROR(LoadCounts(tx, source));
      sources.push_back(std::move(source));
    }
    return absl::OkStatus();
  }));
  return sources;
}

absl::StatusOr<Source> CollectService::GetSource(const auth::Principal& who, int64_t source_id) {
  return LoadVisibleSource(who, source_id);
}

absl::StatusOr<Source> CollectService::StopSource(const auth::Principal& who, const Origin& origin,
                                                  int64_t source_id) {
  RETURN_IF_ERROR(LoadVisibleSource(who, source_id).status());
  Source stopped;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result updated,
                     tx.Execute("UPDATE collect_sources SET state = 'stopped', stop_reason = $2 "
                                "WHERE id = $1 AND state = 'active'",
                                {source_id, std::string(kStoppedByUser)}));
    // Stopping a stopped source changes nothing (and keeps why it stopped).
    if (updated.affected_rows > 0) {
      RETURN_IF_ERROR(Audit(tx, &who, origin, "collect.source_stop", "collect_source", source_id,
                            std::string(kStoppedByUser)));
    }
    ASSIGN_OR_RETURN(stopped, LoadSource(tx, source_id));
    return absl::OkStatus();
  }));
  return stopped;
}

// ---------------------------------------------------------------------------------------------
// The mandate in force.

absl::Status CollectService::StopSourcesOfMandate(int64_t mandate_id, std::string_view reason) {
  Origin origin{.client = "collector", .request_id = "", .where = "collector"};
  int64_t stopped = 0;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result updated,
                     tx.Execute("UPDATE collect_sources SET state = 'stopped', stop_reason = $2 "
                                "WHERE mandate_id = $1 AND state = 'active'",
                                {mandate_id, std::string(reason)}));
    stopped = updated.affected_rows;
    if (stopped == 0) return absl::OkStatus();
    return Audit(tx, nullptr, origin, "collect.sources_stop", "mandate", mandate_id,
                 base::StrCat(stopped, " sources stopped: ", reason));
  }));
  if (stopped > 0) {
    spdlog::info("collection: mandate {}: {} sources stopped ({})", mandate_id, stopped, reason);
  }
  return absl::OkStatus();
}

absl::StatusOr<mandates::Mandate> CollectService::MandateInForce(const Source& source,
                                                                 std::string& refusal) {
  refusal.clear();
  absl::StatusOr<mandates::Mandate> mandate = mandates_.GetForCollection(source.mandate_id);
  if (absl::IsNotFound(mandate.status())) {
    refusal = std::string(kNoMandate);
    RETURN_IF_ERROR(StopSourcesOfMandate(source.mandate_id, refusal));
    return absl::FailedPreconditionError("the source's mandate does not exist");
  }
  RETURN_IF_ERROR(mandate.status());
  mandates::Refusal level = MandateLevelRefusal(*mandate, clock_.NowMillis());
  if (level != mandates::Refusal::kNone) {
    refusal = std::string(mandates::RefusalCode(level));
    if (EndsSource(level)) RETURN_IF_ERROR(StopSourcesOfMandate(source.mandate_id, refusal));
    return absl::FailedPreconditionError(
        base::StrCat("the mandate does not permit collection now (", refusal, ")"));
  }
  return mandate;
}

absl::Status CollectService::CheckActive(const Source& source) {
  if (source.state == "active") return absl::OkStatus();
  // The reason a client sees is why the source stopped (mandate_revoked, after_window, ...).
  return base::WithReason(absl::FailedPreconditionError(
                              base::StrCat("the source is stopped (", source.stop_reason, ")")),
                          source.stop_reason.empty() ? "source_stopped" : source.stop_reason);
}

absl::StatusOr<ImportReport> CollectService::RefuseWhole(const Source& source,
                                                         const auth::Principal* who,
                                                         const Origin& origin,
                                                         std::string_view trigger,
                                                         const std::string& reason) {
  base::Millis now = clock_.NowMillis();
  ImportReport report;
  report.source_id = source.id;
  report.trigger = std::string(trigger);
  report.state = "refused";
  report.started_at = now;
  report.finished_at = now;
  report.refused[reason] = 1;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO collect_imports(source_id, via, state, started_by, started_at, "
                   "finished_at, refused, refusals) VALUES ($1, $2, 'refused', $3, $4, $4, 1, $5) "
                   "RETURNING id",
                   {source.id, report.trigger, who ? store::Value(who->user_id) : store::Value(),
                    now, RefusalsJson(report.refused)}));
    report.id = inserted.rows[0].Int(0);
    RETURN_IF_ERROR(tx.Execute("INSERT INTO collect_refusals(source_id, reason, count) VALUES "
                               "($1, $2, 1) ON CONFLICT (source_id, reason) DO UPDATE SET "
                               "count = collect_refusals.count + 1",
                               {source.id, reason})
                        .status());
    return Audit(tx, who, origin, base::StrCat("collect.", trigger, "_refused"), "collect_source",
                 source.id, reason);
  }));
  return base::WithReason(
      absl::FailedPreconditionError(base::StrCat(
          "the ", trigger, " is refused: the mandate does not permit collection (", reason, ")")),
      reason);
}

absl::Status CollectService::CheckImport(const auth::Principal& who, const Origin& origin,
                                         int64_t source_id) {
  ASSIGN_OR_RETURN(Source source, LoadVisibleSource(who, source_id));
  RETURN_IF_ERROR(CheckActive(source));
  std::string refusal;
  absl::StatusOr<mandates::Mandate> mandate = MandateInForce(source, refusal);
  if (!refusal.empty()) return RefuseWhole(source, &who, origin, "import", refusal).status();
  return mandate.status();
}

// ---------------------------------------------------------------------------------------------
// Imports.

namespace {

// Counters of one import while it runs.
struct Tally {
  int64_t records = 0;
  int64_t stored = 0;
  int64_t duplicates = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> refused;
  std::map<std::string, int64_t> refused_unsaved;  // not yet added to collect_refusals
  std::vector<RecordError> sample;

  void Error(std::string position, std::string message) {
    ++errors;
    if (sample.size() < kMaxReportedErrors) {
      sample.push_back(RecordError{std::move(position), std::move(message)});
    }
  }
  void Refuse(const std::string& reason, int64_t count = 1) {
    refused[reason] += count;
    refused_unsaved[reason] += count;
  }
};

std::string ImportDetail(const Source& source, const Tally& tally) {
  return base::StrCat("source ", source.id, " (mandate ", source.mandate_id, "): ", tally.records,
                      " records, ", tally.stored, " stored, ", tally.duplicates, " duplicates, ",
                      Total(tally.refused), " refused, ", tally.errors, " errors");
}

absl::Status AddRefusals(store::Transaction& tx, int64_t source_id,
                         const std::map<std::string, int64_t>& refused) {
  for (const auto& [reason, count] : refused) {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO collect_refusals(source_id, reason, count) VALUES "
                               "($1, $2, $3) ON CONFLICT (source_id, reason) DO UPDATE SET "
                               "count = collect_refusals.count + excluded.count",
                               {source_id, reason, count})
                        .status());
  }
  return absl::OkStatus();
}

const std::string kNoAccount;

bool IsWebPlatform(std::string_view platform) {
  return platform == "web" || platform == "rss" || platform == "atom";
}

// Telegram exports name accounts "user123" and "channel123" (from_id); mandates list the
// number.
std::string_view TelegramNumber(std::string_view id) {
  for (std::string_view prefix : {"user", "channel", "chat"}) {
    if (base::StartsWith(id, prefix) && id.size() > prefix.size() &&
        std::all_of(id.begin() + prefix.size(), id.end(), [](char symbol) {
          return absl::ascii_isdigit(static_cast<unsigned char>(symbol));
        })) {
      return id.substr(prefix.size());
    }
  }
  return id;
}

// The other accounts a record may be judged by, beside its author's: the channel it is in, and
// Telegram's ids as bare numbers.
std::vector<std::string> OtherAccounts(const Record& record) {
  std::vector<std::string> others;
  auto add = [&](std::string_view account) {
    if (account.empty() || account == record.author_id) return;
    if (std::find(others.begin(), others.end(), account) == others.end()) {
      others.emplace_back(account);
    }
  };
  if (record.platform == "telegram") add(TelegramNumber(record.author_id));
  add(record.channel_id);
  if (record.platform == "telegram") add(TelegramNumber(record.channel_id));
  return others;
}

// A record judged inside the mandate, ready to store.
struct Judged {
  Record record;
  std::string position;
  std::string sha256;  // hex, of record.raw
  base::Millis collected_at = 0;
  bool raw_in_vault = false;
  bool known = false;  // found collected already before its files were written
  std::vector<MediaFile> media;
  std::vector<std::string> media_paths;  // the local file of each media entry, or ""
};

}  // namespace

// Stores the records of one import in batches (see the file comment of collect.h).
class CollectService::Importer {
 public:
  Importer(CollectService& service, const Source& source, const mandates::Mandate& mandate,
           int64_t import_id, std::string media_root)
      : service_(service),
        source_(source),
        mandate_(mandate),
        import_id_(import_id),
        media_root_(std::move(media_root)),
        // Telegram's parser resolves media paths in the export folder; the other formats give
        // them relative to the input's folder.
        media_relative_(source.kind != SourceKind::kTelegram),
        postgres_(service.database_.engine() == store::Engine::kPostgres),
        storage_(static_cast<base::Millis>(mandate.storage_days) * kDayMillis) {
    insert_sql_ = base::StrCat(
        "INSERT INTO collected_items(mandate_id, source_id, import_id, platform, channel_id, "
        "post_id, author_id, author_name, url, text, created_at, collected_at, sha256, raw_size, "
        "raw_blob, raw, purge_at",
        postgres_ ? ", search" : "",
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17",
        postgres_ ? ", to_tsvector('simple', $18)" : "",
        ") ON CONFLICT (platform, channel_id, post_id) DO NOTHING",
        // SQLite runs RETURNING as a trigger, which gives the statement a savepoint, at whose
        // start FTS5 writes out its pending terms: one index segment per item. The rowid is
        // asked for instead.
        postgres_ ? " RETURNING id" : "");
    batch_.reserve(std::min<size_t>(service_.options_.batch_size, 10'000));
  }

  Tally& tally() { return tally_; }

  absl::Status Add(RecordResult& result) {
    ++tally_.records;
    if (!result.ok()) {
      tally_.Error(std::move(result.position), std::move(result.error));
      return absl::OkStatus();
    }
    Record& record = *result.record;
    base::Millis now = service_.clock_.NowMillis();
    // The author's account or the channel it posted in: either inside the mandate will do. The
    // refusal counted is the author's. Pages and feed entries have no accounts: their URL
    // decides (a site or feed is not an account).
    const bool by_url = IsWebPlatform(record.platform);
    const std::string& account = by_url                     ? kNoAccount
                                 : record.author_id.empty() ? record.channel_id
                                                            : record.author_id;
    mandates::Refusal refusal =
        mandates::Evaluate(mandate_, mandates::Target{record.platform, account, record.url, now});
    if (refusal != mandates::Refusal::kNone && !by_url) {
      for (const std::string& other : OtherAccounts(record)) {
        if (mandates::Evaluate(mandate_, mandates::Target{record.platform, other, record.url,
                                                          now}) == mandates::Refusal::kNone) {
          refusal = mandates::Refusal::kNone;
          break;
        }
      }
    }
    if (refusal != mandates::Refusal::kNone) {
      tally_.Refuse(std::string(mandates::RefusalCode(refusal)));
      return absl::OkStatus();
    }
    Judged& judged = batch_.emplace_back();
    judged.record = std::move(record);
    judged.position = std::move(result.position);
    for (std::string* text :
         {&judged.record.platform, &judged.record.channel_id, &judged.record.post_id,
          &judged.record.author_id, &judged.record.author_name, &judged.record.url,
          &judged.record.text}) {
      CleanText(*text);
    }
    judged.sha256 = base::HexEncode(base::Sha256(judged.record.raw));
    judged.collected_at = now;
    judged.raw_in_vault = judged.record.raw.size() > service_.options_.inline_raw_limit;
    batch_bytes_ += judged.record.raw.size() + judged.record.text.size();
    if (batch_.size() >= service_.options_.batch_size ||
        batch_bytes_ >= service_.options_.batch_bytes) {
      return Flush();
    }
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (batch_.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(StoreFiles());
    absl::Status committed = Commit(0, batch_.size());
    if (!committed.ok()) {
      if (absl::IsUnavailable(committed)) return committed;
      // One record the database refuses must not cost the others: one by one.
      for (size_t batch_idx = 0; batch_idx < batch_.size(); ++batch_idx) {
        absl::Status one = batch_.size() == 1 ? committed : Commit(batch_idx, batch_idx + 1);
        if (absl::IsUnavailable(one)) return one;
        if (!one.ok()) {
          tally_.Error(batch_[batch_idx].position,
                       base::StrCat("could not be stored: ", one.message()));
        }
      }
    }
    RETURN_IF_ERROR(CheckFilesKept());
    batch_.clear();
    batch_bytes_ = 0;
    return absl::OkStatus();
  }

  // Saves what is left of the refusal counts (the batches save theirs as they commit).
  absl::Status SaveRefusals(store::Transaction& tx) {
    RETURN_IF_ERROR(AddRefusals(tx, source_.id, tally_.refused_unsaved));
    tally_.refused_unsaved.clear();
    return absl::OkStatus();
  }

 private:
  // Writes the files of the records that need them (media, large originals) into the vault,
  // except for records already collected.
  absl::Status StoreFiles() {
    bool any_files = std::any_of(batch_.begin(), batch_.end(), [](const Judged& judged) {
      return judged.raw_in_vault || !judged.record.media.empty();
    });
    if (!any_files) return absl::OkStatus();
    RETURN_IF_ERROR(service_.database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
      for (Judged& judged : batch_) {
        if (!judged.raw_in_vault && judged.record.media.empty()) continue;
        ASSIGN_OR_RETURN(
            store::Result found,
            tx.Execute("SELECT id FROM collected_items WHERE platform = $1 AND "
                       "channel_id = $2 AND post_id = $3",
                       {judged.record.platform, judged.record.channel_id, judged.record.post_id}));
        judged.known = !found.rows.empty();
      }
      return absl::OkStatus();
    }));
    for (Judged& judged : batch_) {
      if (judged.known) continue;
      if (judged.raw_in_vault) {
        RETURN_IF_ERROR(service_.blobs_.PutBytes(judged.record.raw).status());
      }
      RETURN_IF_ERROR(StoreMedia(judged));
    }
    return absl::OkStatus();
  }

  absl::Status StoreMedia(Judged& judged) {
    judged.media.clear();
    judged.media_paths.clear();
    for (size_t media_idx = 0; media_idx < judged.record.media.size(); ++media_idx) {
      const Media& media = judged.record.media[media_idx];
      MediaFile file;
      file.n = static_cast<int>(media_idx + 1);
      file.url = media.url;
      file.mime_type = media.mime_type;
      file.name = LastPathPart(!media.path.empty() ? media.path : media.url);
      // Only files of the export itself: a record naming /etc/passwd gets nothing.
      std::string local;
      std::error_code error;
      if (!media.path.empty() && !media_root_.empty()) {
        std::string candidate = media_relative_ && fs::path(media.path).is_relative()
                                    ? base::StrCat(media_root_, "/", media.path)
                                    : media.path;
        if (fs::is_regular_file(candidate, error) && internal::IsInside(media_root_, candidate)) {
          local = std::move(candidate);
        }
      }
      if (!local.empty()) {
        ASSIGN_OR_RETURN(vault::PutResult put, service_.blobs_.PutFile(local));
        file.sha256 = put.sha256;
        file.size = static_cast<int64_t>(put.size);
        if (file.mime_type.empty()) {
          ASSIGN_OR_RETURN(std::string blob_path, service_.blobs_.Path(put.sha256));
          absl::StatusOr<std::string> detected = vault::DetectMimeTypeOfFile(blob_path);
          if (detected.ok()) file.mime_type = *std::move(detected);
        }
      }
      CleanText(file.name);
      CleanText(file.url);
      CleanText(file.mime_type);
      judged.media.push_back(std::move(file));
      judged.media_paths.push_back(std::move(local));
    }
    return absl::OkStatus();
  }

  // Stores batch_[first, last) in one transaction, with the import's progress.
  absl::Status Commit(size_t first, size_t last) {
    int64_t stored = 0;
    int64_t duplicates = 0;
    RETURN_IF_ERROR(service_.database_.Transact(
        store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          stored = 0;
          duplicates = 0;
          for (size_t batch_idx = first; batch_idx < last; ++batch_idx) {
            const Judged& judged = batch_[batch_idx];
            bool is_new = false;
            if (!judged.known) {
              ASSIGN_OR_RETURN(is_new, Insert(tx, judged));
            }
            ++(is_new ? stored : duplicates);
          }
          RETURN_IF_ERROR(
              tx.Execute("UPDATE collect_imports SET records = $2, stored = $3, "
                         "duplicates = $4, refused = $5, errors = $6 WHERE id = $1",
                         {import_id_, tally_.records, tally_.stored + stored,
                          tally_.duplicates + duplicates, Total(tally_.refused), tally_.errors})
                  .status());
          return AddRefusals(tx, source_.id, tally_.refused_unsaved);
        }));
    tally_.stored += stored;
    tally_.duplicates += duplicates;
    tally_.refused_unsaved.clear();
    return absl::OkStatus();
  }

  // Inserts one record inside `tx`; false when it was collected already.
  absl::StatusOr<bool> Insert(store::Transaction& tx, const Judged& judged) {
    const Record& record = judged.record;
    params_.clear();
    params_.emplace_back(mandate_.id);
    params_.emplace_back(source_.id);
    params_.emplace_back(import_id_);
    params_.emplace_back(record.platform);
    params_.emplace_back(record.channel_id);
    params_.emplace_back(record.post_id);
    params_.emplace_back(record.author_id);
    params_.emplace_back(record.author_name);
    params_.emplace_back(record.url);
    params_.emplace_back(record.text);
    params_.emplace_back(OptionalValue(record.created_at));
    params_.emplace_back(judged.collected_at);
    params_.emplace_back(judged.sha256);
    params_.emplace_back(static_cast<int64_t>(record.raw.size()));
    params_.emplace_back(judged.raw_in_vault ? store::Value(judged.sha256) : store::Value());
    params_.emplace_back(judged.raw_in_vault ? store::Value()
                                             : store::Value(store::Blob{record.raw}));
    params_.emplace_back(judged.collected_at + storage_);
    if (postgres_) params_.emplace_back(base::Utf8ToLower(record.text));
    ASSIGN_OR_RETURN(store::Result inserted, tx.Execute(insert_sql_, params_));
    int64_t item_id = 0;
    if (postgres_) {
      if (inserted.rows.empty()) return false;
      item_id = inserted.rows[0].Int(0);
    } else {
      if (inserted.affected_rows == 0) return false;
      ASSIGN_OR_RETURN(store::Result rowid, tx.Execute("SELECT last_insert_rowid()"));
      item_id = rowid.rows[0].Int(0);
      // The full-text row, in the item's transaction (migration 9 says why not by a trigger).
      // (A statement with a savepoint of its own would flush FTS5's pending terms, hence no
      // trigger and no RETURNING on this path.)
      RETURN_IF_ERROR(tx.Execute("INSERT INTO collected_fts(rowid, text) VALUES ($1, $2)",
                                 {item_id, record.text})
                          .status());
    }
    for (const MediaFile& file : judged.media) {
      RETURN_IF_ERROR(tx.Execute("INSERT INTO collected_media(item_id, n, sha256, name, "
                                 "mime_type, size, url) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                 {item_id, int64_t{file.n}, file.sha256, file.name, file.mime_type,
                                  file.size, file.url})
                          .status());
    }
    return true;
  }

  // A purge running at the same time may have deleted a media file that an item of this batch
  // shared with a purged one, between the write and the commit: put such files back.
  absl::Status CheckFilesKept() {
    for (const Judged& judged : batch_) {
      if (judged.known) continue;
      if (judged.raw_in_vault) {
        ASSIGN_OR_RETURN(bool present, service_.blobs_.Contains(judged.sha256));
        if (!present) RETURN_IF_ERROR(service_.blobs_.PutBytes(judged.record.raw).status());
      }
      for (size_t media_idx = 0; media_idx < judged.media.size(); ++media_idx) {
        const MediaFile& file = judged.media[media_idx];
        if (file.sha256.empty()) continue;
        ASSIGN_OR_RETURN(bool present, service_.blobs_.Contains(file.sha256));
        if (!present) {
          RETURN_IF_ERROR(service_.blobs_.PutFile(judged.media_paths[media_idx]).status());
        }
      }
    }
    return absl::OkStatus();
  }

  CollectService& service_;
  const Source& source_;
  const mandates::Mandate& mandate_;
  const int64_t import_id_;
  const std::string media_root_;
  const bool media_relative_;
  const bool postgres_;
  const base::Millis storage_;
  std::string insert_sql_;
  std::vector<Judged> batch_;
  size_t batch_bytes_ = 0;
  std::vector<store::Value> params_;
  Tally tally_;
};

absl::StatusOr<ImportReport> CollectService::RunImport(const auth::Principal* who,
                                                       const Origin& origin, const Source& source,
                                                       std::string_view trigger, Parse parse,
                                                       const std::string& media_root) {
  RETURN_IF_ERROR(CheckActive(source));
  std::string refusal;
  absl::StatusOr<mandates::Mandate> mandate = MandateInForce(source, refusal);
  if (!refusal.empty()) return RefuseWhole(source, who, origin, trigger, refusal);
  RETURN_IF_ERROR(mandate.status());

  ImportReport report;
  report.source_id = source.id;
  report.trigger = std::string(trigger);
  report.state = "running";
  report.started_at = clock_.NowMillis();
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result inserted,
        tx.Execute("INSERT INTO collect_imports(source_id, via, state, started_by, "
                   "started_at) VALUES ($1, $2, 'running', $3, $4) RETURNING id",
                   {source.id, report.trigger, who ? store::Value(who->user_id) : store::Value(),
                    report.started_at}));
    report.id = inserted.rows[0].Int(0);
    return absl::OkStatus();
  }));

  mandates::Mandate current = *std::move(mandate);
  Importer importer(*this, source, current, report.id, media_root);
  Tally& tally = importer.tally();
  // Records the import's outcome, with the audit record.
  auto finish = [&](std::string state) -> absl::Status {
    report.state = std::move(state);
    report.finished_at = clock_.NowMillis();
    report.records = tally.records;
    report.stored = tally.stored;
    report.duplicates = tally.duplicates;
    report.errors = tally.errors;
    report.refused = tally.refused;
    report.error_sample = tally.sample;
    return database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
      RETURN_IF_ERROR(
          tx.Execute("UPDATE collect_imports SET state = $2, format = $3, finished_at = $4, "
                     "records = $5, stored = $6, duplicates = $7, refused = $8, errors = $9, "
                     "refusals = $10, error_sample = $11 WHERE id = $1",
                     {report.id, report.state, report.format, *report.finished_at, tally.records,
                      tally.stored, tally.duplicates, Total(tally.refused), tally.errors,
                      RefusalsJson(tally.refused), ErrorsJson(tally.sample)})
              .status());
      RETURN_IF_ERROR(importer.SaveRefusals(tx));
      return Audit(tx, who, origin, base::StrCat("collect.", trigger), "collect_source", source.id,
                   base::StrCat(report.state, ": ", ImportDetail(source, tally)));
    });
  };

  // What ended the reading early, when something did.
  enum class Stop { kNone, kRefused, kStore };
  Stop stop = Stop::kNone;
  bool first = true;
  absl::Status read = parse([&](ParseOutput& out) -> absl::Status {
    if (first) {
      first = false;
      report.format = out.format;
      // A mandate revoked while the input was read or fetched: nothing of it is stored.
      absl::StatusOr<mandates::Mandate> again = MandateInForce(source, refusal);
      if (!refusal.empty()) {
        stop = Stop::kRefused;
        tally.records += static_cast<int64_t>(out.records.size());
        tally.Refuse(refusal, static_cast<int64_t>(out.records.size()));
        return base::WithReason(
            absl::FailedPreconditionError(base::StrCat(
                "the ", trigger, " is refused: the mandate does not permit collection (", refusal,
                ")")),
            refusal);
      }
      if (!again.ok()) {
        stop = Stop::kStore;
        return again.status();
      }
      current = *std::move(again);
    }
    for (RecordResult& result : out.records) {
      absl::Status added = importer.Add(result);
      if (!added.ok()) {
        stop = Stop::kStore;
        return added;
      }
    }
    return absl::OkStatus();
  });
  if (read.ok()) {
    read = importer.Flush();
    if (!read.ok()) stop = Stop::kStore;
  }
  switch (stop) {
    case Stop::kNone:
      if (read.ok()) break;
      // The input could not be read at all (not JSON, not a WARC file, a fetch that failed).
      tally.Error("", std::string(read.message()));
      RETURN_IF_ERROR(finish("failed"));
      return read;
    case Stop::kRefused:
      RETURN_IF_ERROR(finish("refused"));
      return read;
    case Stop::kStore:
      tally.Error("", base::StrCat("the import stopped: ", read.message()));
      finish("failed").IgnoreError();
      return read;
  }
  RETURN_IF_ERROR(finish("done"));
  return report;
}

namespace {

// JSON Lines are parsed this much at a time (at line ends), so that a large file is never held
// parsed in memory at once.
constexpr size_t kJsonLinesChunkBytes = size_t{4} << 20;

// Parses `text` chunk by chunk; positions ("line N") are of the whole file.
absl::Status ParseJsonLinesInChunks(std::string_view text,
                                    absl::FunctionRef<absl::Status(ParseOutput&)> emit) {
  size_t offset = 0;
  int64_t lines_before = 0;
  do {
    size_t end = text.size();
    if (text.size() - offset > kJsonLinesChunkBytes) {
      size_t newline = text.find('\n', offset + kJsonLinesChunkBytes);
      if (newline != std::string_view::npos) end = newline + 1;
    }
    std::string_view chunk = text.substr(offset, end - offset);
    ASSIGN_OR_RETURN(ParseOutput out, ParseJsonLines(chunk));
    if (lines_before > 0) {
      for (RecordResult& result : out.records) {
        int64_t line = 0;
        if (base::StartsWith(result.position, "line ") &&
            base::SimpleAtoi(std::string_view(result.position).substr(5), &line)) {
          result.position = base::StrCat("line ", lines_before + line);
        }
      }
    }
    RETURN_IF_ERROR(emit(out));
    lines_before += std::count(chunk.begin(), chunk.end(), '\n');
    offset = end;
  } while (offset < text.size());
  return absl::OkStatus();
}

}  // namespace

absl::Status CollectService::ParseInMemory(const Source& source, std::string_view bytes,
                                           Emit emit) {
  if (source.kind == SourceKind::kJsonl) return ParseJsonLinesInChunks(bytes, emit);
  ASSIGN_OR_RETURN(ParseOutput out, source.kind == SourceKind::kVk ? ParseVkResponse(bytes)
                                                                   : ParseFeed(bytes, source.url));
  return emit(out);
}

absl::StatusOr<ImportReport> CollectService::ImportPath(const auth::Principal& who,
                                                        const Origin& origin, int64_t source_id,
                                                        const std::string& path) {
  ASSIGN_OR_RETURN(Source source, LoadVisibleSource(who, source_id));
  std::error_code error;
  fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    return absl::NotFoundError(base::StrCat(path, ": no such file or folder"));
  }
  bool folder = fs::is_directory(status);
  if (folder && source.kind != SourceKind::kTelegram) {
    return absl::InvalidArgumentError(
        base::StrCat(path, ": a folder; only Telegram exports are imported as folders"));
  }
  std::string parent = fs::path(path).parent_path().string();
  switch (source.kind) {
    case SourceKind::kTelegram: {
      std::optional<internal::ScopedTempDir> unpacked;
      std::string export_folder;
      if (folder) {
        export_folder = path;
      } else {
        std::string head(64, '\0');
        {
          std::FILE* file = std::fopen(path.c_str(), "rb");
          if (file == nullptr) {
            return absl::NotFoundError(base::StrCat(path, ": ", std::strerror(errno)));
          }
          head.resize(std::fread(head.data(), 1, head.size(), file));
          std::fclose(file);
        }
        std::string_view start = base::StripAsciiWhitespace(head);
        if (base::StartsWith(start, "\xEF\xBB\xBF")) start.remove_prefix(3);
        if (base::StartsWith(start, "{")) {
          if (fs::path(path).filename() == "result.json") {
            export_folder = parent.empty() ? "." : parent;
          } else {
            // A bare result.json under another name (an upload): alone in a folder of its own.
            ASSIGN_OR_RETURN(internal::ScopedTempDir temp,
                             internal::ScopedTempDir::Create(options_.temp_dir));
            unpacked.emplace(std::move(temp));
            std::string target = unpacked->path() + "/result.json";
            if (::link(path.c_str(), target.c_str()) != 0) {
              fs::copy_file(path, target, error);
              if (error) return absl::InternalError(error.message());
            }
            export_folder = unpacked->path();
          }
        } else {
          ASSIGN_OR_RETURN(internal::ScopedTempDir temp,
                           internal::ScopedTempDir::Create(options_.temp_dir));
          unpacked.emplace(std::move(temp));
          RETURN_IF_ERROR(internal::UnpackArchive(path, unpacked->path(),
                                                  {.max_bytes = options_.max_unpacked_bytes,
                                                   .max_entries = options_.max_unpacked_entries}));
          ASSIGN_OR_RETURN(export_folder, internal::FindExportFolder(unpacked->path()));
        }
      }
      return RunImport(
          &who, origin, source, "import",
          [&](Emit emit) -> absl::Status {
            ASSIGN_OR_RETURN(ParseOutput out, ParseTelegramExport(export_folder));
            return emit(out);
          },
          export_folder);
    }
    case SourceKind::kWarc:
      return RunImport(
          &who, origin, source, "import",
          [&](Emit emit) -> absl::Status {
            ASSIGN_OR_RETURN(ParseOutput out, ParseWarcFile(path));
            return emit(out);
          },
          "");
    case SourceKind::kVk:
    case SourceKind::kJsonl:
    case SourceKind::kFeed: {
      uintmax_t size = fs::file_size(path, error);
      if (error) return absl::InvalidArgumentError(base::StrCat(path, ": ", error.message()));
      if (size > options_.max_memory_input_bytes) {
        return base::WithReason(
            absl::ResourceExhaustedError(
                base::StrCat(path, ": larger than ", options_.max_memory_input_bytes, " bytes")),
            "too_large");
      }
      ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(path));
      return RunImport(
          &who, origin, source, "import",
          [&](Emit emit) { return ParseInMemory(source, bytes, emit); },
          parent.empty() ? "." : parent);
    }
  }
  return absl::InternalError("unknown source kind");
}

absl::StatusOr<ImportReport> CollectService::ImportBytes(const auth::Principal& who,
                                                         const Origin& origin, int64_t source_id,
                                                         std::string_view bytes) {
  ASSIGN_OR_RETURN(Source source, LoadVisibleSource(who, source_id));
  if (source.kind == SourceKind::kTelegram || source.kind == SourceKind::kWarc) {
    ASSIGN_OR_RETURN(internal::ScopedTempDir temp,
                     internal::ScopedTempDir::Create(options_.temp_dir));
    std::string path = temp.path() + "/upload";
    RETURN_IF_ERROR(base::WriteFileDurably(path, bytes, 0600));
    return ImportPath(who, origin, source_id, path);
  }
  return RunImport(
      &who, origin, source, "import", [&](Emit emit) { return ParseInMemory(source, bytes, emit); },
      "");
}

absl::StatusOr<std::vector<ImportReport>> CollectService::ListImports(const auth::Principal& who,
                                                                      int64_t source_id,
                                                                      int limit) {
  RETURN_IF_ERROR(LoadVisibleSource(who, source_id).status());
  limit = std::clamp(limit, 1, kMaxListLimit);
  std::vector<ImportReport> reports;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kImportColumns, " WHERE source_id = $1 ORDER BY id DESC LIMIT $2"),
                   {source_id, int64_t{limit}}));
    for (const store::Row& row : result.rows) reports.push_back(ImportFromRow(row));
    return absl::OkStatus();
  }));
  return reports;
}

// ---------------------------------------------------------------------------------------------
// Feeds.

absl::StatusOr<ImportReport> CollectService::Poll(const Source& source, const auth::Principal* who,
                                                  const Origin& origin) {
  std::string fetched_url = source.url;
  absl::StatusOr<ImportReport> report = RunImport(
      who, origin, source, "poll",
      [&](Emit emit) -> absl::Status {
        absl::StatusOr<FetchResult> fetched =
            options_.fetcher ? options_.fetcher(source.url) : HttpGet(source.url, options_.fetch);
        if (!fetched.ok()) {
          return absl::UnavailableError(
              base::StrCat("fetching ", source.url, ": ", fetched.status().message()));
        }
        if (fetched->status < 200 || fetched->status > 299) {
          return absl::UnavailableError(
              base::StrCat("fetching ", source.url, ": HTTP status ", fetched->status));
        }
        fetched_url = fetched->final_url.empty() ? source.url : fetched->final_url;
        ASSIGN_OR_RETURN(ParseOutput out, ParseFeed(fetched->body, fetched_url));
        return emit(out);
      },
      "");
  absl::Status polled = database_
                            .Execute("UPDATE collect_sources SET last_polled_at = $2 WHERE id = $1",
                                     {source.id, clock_.NowMillis()})
                            .status();
  if (!polled.ok()) spdlog::warn("collection: source {}: {}", source.id, polled.ToString());
  return report;
}

absl::StatusOr<ImportReport> CollectService::PollNow(const auth::Principal& who,
                                                     const Origin& origin, int64_t source_id) {
  ASSIGN_OR_RETURN(Source source, LoadVisibleSource(who, source_id));
  if (source.kind != SourceKind::kFeed) {
    return absl::FailedPreconditionError("only feed sources are polled");
  }
  return Poll(source, &who, origin);
}

absl::StatusOr<int64_t> CollectService::StopEndedSources() {
  std::vector<int64_t> mandate_ids;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("SELECT DISTINCT mandate_id FROM collect_sources WHERE state = "
                                "'active' ORDER BY mandate_id"));
    for (const store::Row& row : result.rows) mandate_ids.push_back(row.Int(0));
    return absl::OkStatus();
  }));
  int64_t stopped = 0;
  base::Millis now = clock_.NowMillis();
  for (int64_t mandate_id : mandate_ids) {
    absl::StatusOr<mandates::Mandate> mandate = mandates_.GetForCollection(mandate_id);
    std::string reason;
    if (absl::IsNotFound(mandate.status())) {
      reason = std::string(kNoMandate);
    } else if (!mandate.ok()) {
      spdlog::warn("collection: mandate {}: {}", mandate_id, mandate.status().ToString());
      continue;
    } else {
      mandates::Refusal refusal = MandateLevelRefusal(*mandate, now);
      if (!EndsSource(refusal)) continue;
      reason = std::string(mandates::RefusalCode(refusal));
    }
    RETURN_IF_ERROR(StopSourcesOfMandate(mandate_id, reason));
    ++stopped;
  }
  return stopped;
}

absl::StatusOr<int64_t> CollectService::PollDueFeeds() {
  base::Millis now = clock_.NowMillis();
  std::vector<Source> due;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat(kSourceColumns,
                                " WHERE s.kind = 'feed' AND s.state = 'active' AND "
                                "(s.next_poll_at IS NULL OR s.next_poll_at <= $1) ORDER BY s.id"),
                   {now}));
    for (const store::Row& row : result.rows) due.push_back(SourceFromRow(row));
    return absl::OkStatus();
  }));
  int64_t polled = 0;
  Origin origin{.client = "collector", .request_id = "", .where = "collector"};
  for (const Source& source : due) {
    // Claimed through the database: among several instances one polls it.
    ASSIGN_OR_RETURN(store::Result claimed,
                     database_.Execute("UPDATE collect_sources SET next_poll_at = $2 WHERE id = $1 "
                                       "AND state = 'active' AND (next_poll_at IS NULL OR "
                                       "next_poll_at <= $3)",
                                       {source.id, now + source.poll_minutes * 60'000LL, now}));
    if (claimed.affected_rows != 1) continue;
    absl::StatusOr<ImportReport> report = Poll(source, nullptr, origin);
    ++polled;
    if (!report.ok()) {
      spdlog::warn("collection: poll of source {} ({}): {}", source.id, source.url,
                   report.status().ToString());
    } else {
      spdlog::info("collection: poll of source {}: {} entries, {} new, {} duplicates, {} refused",
                   source.id, report->records, report->stored, report->duplicates,
                   Total(report->refused));
    }
  }
  return polled;
}

absl::StatusOr<bool> CollectService::ClaimJob(std::string_view name, base::Millis interval) {
  return store::ClaimScheduledJob(database_, name, clock_.NowMillis(), interval);
}

absl::Status CollectService::RunScheduledJobs() {
  RETURN_IF_ERROR(StopEndedSources().status());
  RETURN_IF_ERROR(PollDueFeeds().status());
  ASSIGN_OR_RETURN(bool purge_due, ClaimJob("collect.purge", options_.purge_interval));
  if (purge_due) {
    Origin origin{.client = "scheduler", .request_id = "", .where = "scheduler"};
    ASSIGN_OR_RETURN(PurgeReport report, PurgeDue(origin));
    if (report.items > 0) {
      spdlog::info("collection purge: {} items, {} media, {} files deleted, {} kept", report.items,
                   report.media, report.files_deleted, report.files_kept);
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Items.

namespace {

absl::Status LoadMedia(store::Transaction& tx, std::vector<Item>& items) {
  if (items.empty()) return absl::OkStatus();
  std::map<int64_t, Item*> by_id;
  std::vector<store::Value> params;
  std::vector<std::string> placeholders;
  for (Item& item : items) {
    by_id[item.id] = &item;
    params.emplace_back(item.id);
    placeholders.push_back(base::StrCat("$", params.size()));
  }
  ASSIGN_OR_RETURN(
      store::Result result,
      tx.Execute(base::StrCat("SELECT item_id, n, sha256, name, mime_type, size, url FROM "
                              "collected_media WHERE item_id IN (",
                              base::StrJoin(placeholders, ", "), ") ORDER BY item_id, n"),
                 params));
  for (const store::Row& row : result.rows) {
    by_id[row.Int(0)]->media.push_back(MediaFile{.n = static_cast<int>(row.Int(1)),
                                                 .sha256 = row.Text(2),
                                                 .name = row.Text(3),
                                                 .mime_type = row.Text(4),
                                                 .size = row.Int(5),
                                                 .url = row.Text(6)});
  }
  return absl::OkStatus();
}

// The name an item's original bytes are downloaded and promoted under.
std::string OriginalName(const Item& item, SourceKind kind) {
  std::string_view extension = kind == SourceKind::kFeed   ? ".xml"
                               : kind == SourceKind::kWarc ? ".warc"
                                                           : ".json";
  std::string name =
      base::StrCat(item.platform, "-", item.channel_id.empty() ? "" : item.channel_id,
                   item.channel_id.empty() ? "" : "-", item.post_id);
  for (char& symbol : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(symbol)) && symbol != '-' &&
        symbol != '_' && symbol != '.') {
      symbol = '_';
    }
  }
  if (name.size() > 200) name.resize(200);
  return base::StrCat(name, extension);
}

std::string_view OriginalMimeType(SourceKind kind) {
  switch (kind) {
    case SourceKind::kFeed:
      return "application/xml";
    case SourceKind::kWarc:
      return "application/warc";
    default:
      return "application/json";
  }
}

}  // namespace

absl::StatusOr<ItemPage> CollectService::List(const auth::Principal& who,
                                              const ItemFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return base::InvalidField("limit", base::StrCat("1 to ", kMaxListLimit));
  }
  if (filter.offset < 0) return base::InvalidField("offset", "not negative");
  for (auto [field, value] : {std::pair{"q", &filter.q}, std::pair{"platform", &filter.platform},
                              std::pair{"author", &filter.author}}) {
    if (value->size() > kMaxFilterBytes || !base::IsValidUtf8(*value)) {
      return base::InvalidField(field,
                                base::StrCat("at most ", kMaxFilterBytes, " bytes of UTF-8"));
    }
  }
  const bool postgres = database_.engine() == store::Engine::kPostgres;
  std::vector<store::Value> params;
  auto param = [&](store::Value value) {
    params.push_back(std::move(value));
    return base::StrCat("$", params.size());
  };
  std::vector<std::string> conditions;
  if (filter.mandate_id) {
    RETURN_IF_ERROR(CheckMandateVisible(who, *filter.mandate_id));
    conditions.push_back(base::StrCat("i.mandate_id = ", param(*filter.mandate_id)));
  } else {
    ASSIGN_OR_RETURN(std::vector<int64_t> visible, VisibleMandates(who));
    if (visible.empty()) return ItemPage{};
    std::vector<std::string> placeholders;
    for (int64_t id : visible) placeholders.push_back(param(id));
    conditions.push_back(base::StrCat("i.mandate_id IN (", base::StrJoin(placeholders, ", "), ")"));
  }
  if (filter.source_id) {
    RETURN_IF_ERROR(LoadVisibleSource(who, *filter.source_id).status());
    conditions.push_back(base::StrCat("i.source_id = ", param(*filter.source_id)));
  }
  if (!filter.platform.empty()) {
    conditions.push_back(
        base::StrCat("i.platform = ", param(base::AsciiStrToLower(filter.platform))));
  }
  if (!filter.author.empty()) {
    std::string placeholder = param(filter.author);
    conditions.push_back(
        base::StrCat("(i.author_id = ", placeholder, " OR i.author_name = ", placeholder, ")"));
  }
  if (filter.from) conditions.push_back(base::StrCat("i.created_at >= ", param(*filter.from)));
  if (filter.to) conditions.push_back(base::StrCat("i.created_at < ", param(*filter.to)));
  std::string from = "collected_items i";
  std::string snippet = "''";
  std::string query = postgres ? TsQuery(filter.q) : Fts5Query(filter.q);
  if (!query.empty()) {
    std::string placeholder = param(query);
    if (postgres) {
      conditions.push_back(base::StrCat("i.search @@ to_tsquery('simple', ", placeholder, ")"));
      snippet = base::StrCat("ts_headline('simple', i.text, to_tsquery('simple', ", placeholder,
                             "), 'StartSel=«, StopSel=», MaxWords=30, MinWords=12, "
                             "MaxFragments=1, FragmentDelimiter=…')");
    } else {
      // CROSS JOIN keeps the full-text index as the outer loop: otherwise SQLite may walk the
      // items of the visible mandates and run the full-text query once for each of them.
      from = "collected_fts CROSS JOIN collected_items i ON i.id = collected_fts.rowid";
      conditions.push_back(base::StrCat("collected_fts MATCH ", placeholder));
      snippet = "snippet(collected_fts, 0, '«', '»', '…', 24)";
    }
  }
  std::string where = base::StrCat(" WHERE ", base::StrJoin(conditions, " AND "));
  ItemPage page;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result counted,
                     tx.Execute(base::StrCat("SELECT COUNT(*) FROM ", from, where), params));
    page.total = counted.rows[0].Int(0);
    std::vector<store::Value> page_params = params;
    page_params.emplace_back(int64_t{filter.limit});
    page_params.emplace_back(int64_t{filter.offset});
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute(base::StrCat("SELECT ", kItemColumns, ", ", snippet, " FROM ", from,
                                             where, " ORDER BY i.id DESC LIMIT $",
                                             params.size() + 1, " OFFSET $", params.size() + 2),
                                page_params));
    for (const store::Row& row : result.rows) {
      Item item = ItemFromRow(row);
      item.snippet = row.Text(16);
      page.items.push_back(std::move(item));
    }
    return LoadMedia(tx, page.items);
  }));
  return page;
}

absl::StatusOr<Item> CollectService::LoadVisibleItem(const auth::Principal& who, int64_t item_id) {
  std::vector<Item> found;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(
        store::Result result,
        tx.Execute(base::StrCat("SELECT ", kItemColumns, " FROM collected_items i WHERE i.id = $1"),
                   {item_id}));
    for (const store::Row& row : result.rows) found.push_back(ItemFromRow(row));
    return LoadMedia(tx, found);
  }));
  if (found.empty()) return ItemNotFound();
  absl::Status visible = CheckMandateVisible(who, found[0].mandate_id);
  if (absl::IsNotFound(visible)) return ItemNotFound();
  RETURN_IF_ERROR(visible);
  return std::move(found[0]);
}

absl::StatusOr<Item> CollectService::Get(const auth::Principal& who, int64_t item_id) {
  return LoadVisibleItem(who, item_id);
}

absl::StatusOr<std::string> CollectService::RawBytes(const auth::Principal& who, int64_t item_id) {
  ASSIGN_OR_RETURN(Content content, OpenOriginal(who, item_id));
  if (content.bytes) return *std::move(content.bytes);
  return base::ReadFile(content.path);
}

absl::StatusOr<Content> CollectService::OpenOriginal(const auth::Principal& who, int64_t item_id) {
  ASSIGN_OR_RETURN(Item item, LoadVisibleItem(who, item_id));
  Content content;
  SourceKind kind = SourceKind::kJsonl;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result result,
                     tx.Execute("SELECT i.raw_blob, i.raw, s.kind FROM collected_items i JOIN "
                                "collect_sources s ON s.id = i.source_id WHERE i.id = $1",
                                {item_id}));
    if (result.rows.empty()) return ItemNotFound();
    kind = ParseSourceKind(result.rows[0].Text(2)).value_or(SourceKind::kJsonl);
    if (result.rows[0].IsNull(0)) {
      content.bytes = result.rows[0].Text(1);
    } else {
      ASSIGN_OR_RETURN(content.path, blobs_.Path(result.rows[0].Text(0)));
    }
    return absl::OkStatus();
  }));
  content.name = OriginalName(item, kind);
  content.mime_type = std::string(OriginalMimeType(kind));
  return content;
}

absl::StatusOr<Content> CollectService::OpenMedia(const auth::Principal& who, int64_t item_id,
                                                  int n) {
  ASSIGN_OR_RETURN(Item item, LoadVisibleItem(who, item_id));
  for (const MediaFile& file : item.media) {
    if (file.n != n) continue;
    if (file.sha256.empty()) {
      return absl::NotFoundError("this media file was not collected: only its URL is known");
    }
    Content content;
    ASSIGN_OR_RETURN(content.path, blobs_.Path(file.sha256));
    content.name = file.name.empty() ? base::StrCat("media-", n) : file.name;
    content.mime_type = file.mime_type.empty() ? "application/octet-stream" : file.mime_type;
    return content;
  }
  return absl::NotFoundError("no such media file");
}

absl::StatusOr<evidence::Item> CollectService::Promote(const auth::Principal& who,
                                                       const Origin& origin, int64_t item_id,
                                                       int64_t case_id, std::string legal_basis,
                                                       std::string description) {
  ASSIGN_OR_RETURN(Item item, LoadVisibleItem(who, item_id));
  if (item.promoted_evidence_id) {
    return base::WithReason(absl::FailedPreconditionError(base::StrCat(
                                "already promoted: evidence item ", *item.promoted_evidence_id)),
                            "already_promoted");
  }
  Source source;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(source, LoadSource(tx, item.source_id));
    return absl::OkStatus();
  }));
  evidence::Metadata metadata;
  metadata.original_name = OriginalName(item, source.kind);
  metadata.description =
      !description.empty()
          ? description
          : base::StrCat(item.platform, " post ", item.post_id,
                         item.author_name.empty() ? "" : base::StrCat(" by ", item.author_name));
  if (metadata.description.size() > 2000) metadata.description.resize(2000);
  CleanText(metadata.description);
  metadata.source_type = "captured_online";
  metadata.source_detail =
      !item.url.empty() ? item.url
                        : base::StrCat(item.platform, " ", item.channel_id, " ", item.post_id);
  metadata.acquisition_method = base::StrCat("online collection under mandate ", item.mandate_id);
  metadata.acquisition_tool = std::string(SourceKindName(source.kind));
  metadata.acquired_at = item.collected_at;
  metadata.legal_basis = std::move(legal_basis);
  RETURN_IF_ERROR(evidence_.CheckIngest(who, case_id, metadata));

  evidence::Origin evidence_origin{origin.client, origin.request_id, origin.where};
  auto collection_of = [&](std::string from) {
    return evidence::Collection{
        .at = item.collected_at,
        .where = base::StrCat("collect source ", source.id, " (", SourceKindName(source.kind), ")"),
        .why = base::StrCat("online collection under mandate ", item.mandate_id),
        .from = std::move(from)};
  };
  // The original bytes into the vault (those kept in the database get their file now).
  ASSIGN_OR_RETURN(std::string raw, RawBytes(who, item_id));
  ASSIGN_OR_RETURN(vault::PutResult put, blobs_.PutBytes(raw));
  if (put.sha256 != item.sha256) {
    return absl::DataLossError(base::StrCat(
        "collected item ", item_id, ": the original bytes no longer have SHA-256 ", item.sha256));
  }
  ASSIGN_OR_RETURN(evidence::Item promoted,
                   evidence_.IngestCollected(who, evidence_origin, case_id, metadata, put,
                                             collection_of(metadata.source_detail)));
  for (const MediaFile& file : item.media) {
    if (file.sha256.empty()) continue;
    ASSIGN_OR_RETURN(vault::Digests digests, blobs_.Verify(file.sha256));
    vault::PutResult media_put{.sha256 = file.sha256,
                               .sha1 = digests.Sha1Hex(),
                               .md5 = digests.Md5Hex(),
                               .size = digests.size,
                               .already_present = true};
    evidence::Metadata child = metadata;
    child.original_name = file.name.empty() ? base::StrCat("media-", file.n) : file.name;
    child.description = base::StrCat("media file ", file.n, " of ", metadata.original_name);
    child.parent_id = promoted.id;
    if (!file.url.empty()) child.source_detail = file.url;
    ASSIGN_OR_RETURN(evidence::Item added,
                     evidence_.IngestCollected(who, evidence_origin, case_id, child, media_put,
                                               collection_of(child.source_detail)));
    (void)added;
  }
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
    RETURN_IF_ERROR(tx.Execute("UPDATE collected_items SET promoted_evidence_id = $2 WHERE id = "
                               "$1 AND promoted_evidence_id IS NULL",
                               {item_id, promoted.id})
                        .status());
    return Audit(tx, &who, origin, "collect.promote", "collected_item", item_id,
                 base::StrCat("evidence item ", promoted.id, " in case ", case_id, ", sha256 ",
                              item.sha256));
  }));
  return evidence_.Get(who, evidence_origin, promoted.id, /*record_view=*/false);
}

// ---------------------------------------------------------------------------------------------
// Purge.

absl::StatusOr<PurgeReport> CollectService::PurgeDue(const Origin& origin) {
  PurgeReport report;
  const bool postgres = database_.engine() == store::Engine::kPostgres;
  while (true) {
    base::Millis now = clock_.NowMillis();
    PurgeRecord record;
    std::set<std::string> candidates;  // vault files the purged items held
    RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      record = PurgeRecord{};
      candidates.clear();
      ASSIGN_OR_RETURN(
          store::Result due,
          tx.Execute(base::StrCat("SELECT id, sha256, raw_blob FROM collected_items WHERE "
                                  "purge_at <= $1 AND promoted_evidence_id IS NULL ORDER BY id "
                                  "LIMIT $2",
                                  postgres ? " FOR UPDATE" : ""),
                     {now, static_cast<int64_t>(kPurgeBatch)}));
      if (due.rows.empty()) return absl::OkStatus();
      for (const store::Row& row : due.rows) {
        record.items.emplace_back(row.Int(0), row.Text(1));
        if (!row.IsNull(2)) candidates.insert(row.Text(2));
      }
      int64_t first = due.rows.front().Int(0);
      int64_t last = due.rows.back().Int(0);
      constexpr char kPurged[] =
          "SELECT id FROM collected_items WHERE id BETWEEN $1 AND $2 AND purge_at <= $3 AND "
          "promoted_evidence_id IS NULL";
      ASSIGN_OR_RETURN(
          store::Result media,
          tx.Execute(
              base::StrCat("SELECT sha256 FROM collected_media WHERE item_id IN (", kPurged, ")"),
              {first, last, now}));
      for (const store::Row& row : media.rows) {
        if (!row.Text(0).empty()) candidates.insert(row.Text(0));
      }
      record.media = static_cast<int64_t>(media.rows.size());
      RETURN_IF_ERROR(
          tx.Execute(base::StrCat("DELETE FROM collected_media WHERE item_id IN (", kPurged, ")"),
                     {first, last, now})
              .status());
      ASSIGN_OR_RETURN(store::Result deleted,
                       tx.Execute("DELETE FROM collected_items WHERE id BETWEEN $1 AND $2 AND "
                                  "purge_at <= $3 AND promoted_evidence_id IS NULL",
                                  {first, last, now}));
      if (deleted.affected_rows != static_cast<int64_t>(record.items.size())) {
        return absl::AbortedError("collected items changed during the purge; try again");
      }
      record.at = now;
      ASSIGN_OR_RETURN(store::Result inserted,
                       tx.Execute("INSERT INTO collect_purges(purged_at, items, media, record) "
                                  "VALUES ($1, $2, $3, '') RETURNING id",
                                  {now, static_cast<int64_t>(record.items.size()), record.media}));
      record.id = inserted.rows[0].Int(0);
      ledger::CanonicalObject object = PurgeRecordObject(record);
      ASSIGN_OR_RETURN(std::string canonical, object.Serialize());
      RETURN_IF_ERROR(
          tx.Execute("UPDATE collect_purges SET record = $2 WHERE id = $1", {record.id, canonical})
              .status());
      RETURN_IF_ERROR(ledger_
                          .Append(tx, ledger::Entry{std::string(ledger::kCollectKind),
                                                    base::StrCat("purge-", record.id), object})
                          .status());
      return Audit(tx, nullptr, origin, "collect.purge", "collect_purge", record.id,
                   base::StrCat(record.items.size(), " items and ", record.media,
                                " media files past their storage period; the SHA-256 of each "
                                "item's original bytes: ledger leaf collect/purge-",
                                record.id));
    }));
    if (record.items.empty()) break;
    report.items += static_cast<int64_t>(record.items.size());
    report.media += record.media;
    report.purge_ids.push_back(record.id);
    // After the commit: a crash in between leaves a file nobody lists, never a listed item
    // without its file. A file still held by an item or by evidence stays.
    for (const std::string& sha256 : candidates) {
      int64_t holders = 0;
      RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
        ASSIGN_OR_RETURN(
            store::Result result,
            tx.Execute("SELECT (SELECT COUNT(*) FROM collected_items WHERE raw_blob = $1) + "
                       "(SELECT COUNT(*) FROM collected_media WHERE sha256 = $1) + "
                       "(SELECT COUNT(*) FROM evidence_items WHERE sha256 = $1)",
                       {sha256}));
        holders = result.rows[0].Int(0);
        return absl::OkStatus();
      }));
      if (holders > 0) {
        ++report.files_kept;
        continue;
      }
      ASSIGN_OR_RETURN(std::string path, blobs_.Path(sha256));
      if (::unlink(path.c_str()) == 0) {
        ++report.files_deleted;
      } else if (errno != ENOENT) {
        spdlog::error("collection purge: could not delete {}: {}", path, std::strerror(errno));
      }
    }
    if (record.items.size() < kPurgeBatch) break;
  }
  return report;
}

absl::Status PurgeRecordSource::ForEachRecord(
    absl::FunctionRef<absl::Status(std::string_view ref, std::string_view canonical_record)>
        visit) {
  return database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
    int64_t after = 0;
    for (;;) {
      ASSIGN_OR_RETURN(store::Result result,
                       tx.Execute("SELECT id, record FROM collect_purges WHERE id > $1 ORDER BY "
                                  "id LIMIT 100",
                                  {after}));
      if (result.rows.empty()) return absl::OkStatus();
      for (const store::Row& row : result.rows) {
        after = row.Int(0);
        RETURN_IF_ERROR(visit(base::StrCat("purge-", after), row.Text(1)));
      }
    }
  });
}

}  // namespace threathub::collect

namespace threathub::collect {

absl::StatusOr<std::unique_ptr<UploadFile>> UploadFile::Create(const std::string& parent) {
  ASSIGN_OR_RETURN(internal::ScopedTempDir folder, internal::ScopedTempDir::Create(parent));
  std::string path = folder.path() + "/upload";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(base::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  // The folder is removed by ~UploadFile from now on.
  std::string folder_path = folder.path();
  folder.Release();
  return std::unique_ptr<UploadFile>(new UploadFile(std::move(folder_path), std::move(path), fd));
}

UploadFile::~UploadFile() {
  if (fd_ >= 0) ::close(fd_);
  std::error_code ignored;
  fs::remove_all(folder_, ignored);
}

absl::Status UploadFile::Write(std::string_view bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError("the upload is closed");
  while (!bytes.empty()) {
    ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOSPC || errno == EDQUOT) {
        return base::WithReason(absl::ResourceExhaustedError("not enough disk space"), "disk_full");
      }
      return absl::InternalError(base::StrCat("writing the upload: ", std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
    size_ += static_cast<uint64_t>(written);
  }
  return absl::OkStatus();
}

absl::Status UploadFile::Close() {
  if (fd_ < 0) return absl::OkStatus();
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    return absl::InternalError(base::StrCat("closing the upload: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<UploadFile>> CollectService::BeginUpload() {
  return UploadFile::Create(options_.temp_dir);
}

}  // namespace threathub::collect
