// Parsers of the collection formats: each turns one export, response or capture into records,
// one per post/message/feed entry/WARC response, keeping the record's original bytes. Pure
// functions over bytes in memory or a file, no database, no network: the collect service stores
// what they return; fuzzers call them on arbitrary bytes.
//
// A bad record is an error in its own RecordResult, and parsing goes on with the next one; only
// input that cannot be read at all (not JSON, not a WARC file) fails the whole call.
//
//   ASSIGN_OR_RETURN(collect::ParseOutput out, collect::ParseTelegramExport(dir));
//   for (const collect::RecordResult& result : out.records) {
//     if (!result.ok()) report(result.position, result.error); else store(*result.record);
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace threathub::collect {

// Limits that keep one hostile record from exhausting memory.
inline constexpr size_t kMaxTextBytes = 1 << 20;        // one post's text
inline constexpr size_t kMaxRawBytes = 16 << 20;        // one record's original bytes
inline constexpr size_t kMaxMediaPerRecord = 100;

struct Media {
  std::string path;       // a file of the export (resolved inside the export folder), or ""
  std::string url;        // where it was online, or ""
  std::string mime_type;  // when the format says
};

struct Record {
  std::string platform;     // telegram, vk, rss, atom, web, or what a JSON Lines row says
  std::string post_id;      // unique within platform + channel: the dedup key with them
  std::string channel_id;   // the chat/channel/wall/feed the post is in ("" when none)
  std::string author_id;    // the author's id on the platform ("" when unknown)
  std::string author_name;
  std::string url;
  std::string text;         // plain text, entities flattened (valid UTF-8)
  std::optional<base::Millis> created_at;
  std::vector<Media> media;
  std::string raw;          // the record's original bytes (its JSON object, entry XML, WARC record)
  // WARC only: the HTTP response payload and whether its digest matched.
  std::string payload_digest;    // "sha1:BASE32" as the record states it, or ""
  bool digest_checked = false;   // true when a digest was present and verified
};

struct RecordResult {
  std::optional<Record> record;
  std::string position;  // where in the input: "message 17", "line 5", "record at offset 1234"
  std::string error;     // why the record was refused (invalid UTF-8, too large, bad digest...)
  bool ok() const { return record.has_value(); }
};

struct ParseOutput {
  std::string format;  // telegram, vk, jsonl, rss, atom, warc
  std::string channel_id;
  std::string channel_name;
  std::vector<RecordResult> records;
};

// Telegram Desktop "Export chat history" in JSON: a folder with result.json (a single chat:
// {"name","type","id","messages":[{"id","type","date","date_unixtime","from","from_id",
// "text" (string or array of strings and {"type","text",...} entities),"text_entities",
// "photo","file","media_type",...}]}) and the media files beside it. Service messages are
// skipped. Media paths are checked to stay inside the folder. `path` is the folder or its
// result.json.
absl::StatusOr<ParseOutput> ParseTelegramExport(const std::string& path);

// VK API responses saved as JSON: {"response":{"items":[...]}} from wall.get or
// newsfeed.search (each item: id, owner_id, from_id, date, text, attachments, ...), optionally
// with "profiles"/"groups" for author names. Error responses ({"error":{...}}) fail.
absl::StatusOr<ParseOutput> ParseVkResponse(std::string_view json);

// JSON Lines, one post per line (docs/formats/collect-jsonl.md): {"platform","post_id",
// "author_id","author_name","url","text","created_at" (RFC 3339 or Unix seconds),
// "media":[paths or urls],"raw":{...}}; platform, post_id and text required.
absl::StatusOr<ParseOutput> ParseJsonLines(std::string_view text);

// RSS 2.0 or Atom 1.0 (libxml2, no network, no external entities).
absl::StatusOr<ParseOutput> ParseFeed(std::string_view xml, std::string_view feed_url);

// A WARC file (ISO 28500, WARC/1.0 and 1.1, plain or record-at-a-time gzip as `wget
// --warc-file` writes): every "response" record with an HTTP response becomes a record
// (platform "web", url = WARC-Target-URI, text = the HTML's visible text or the body when
// text/*, raw = the whole WARC record); WARC-Block-Digest and WARC-Payload-Digest (sha1,
// base32) are checked and a mismatch refuses the record; a record cut short is an error and
// ends the file.
absl::StatusOr<ParseOutput> ParseWarcFile(const std::string& path);

}  // namespace threathub::collect
