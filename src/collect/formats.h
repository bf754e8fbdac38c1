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
inline constexpr size_t kMaxTextBytes = 1 << 20;  // one post's text
inline constexpr size_t kMaxRawBytes = 16 << 20;  // one record's original bytes
inline constexpr size_t kMaxMediaPerRecord = 100;

struct Media {
  std::string path;       // a file of the export (resolved inside the export folder), or ""
  std::string url;        // where it was online, or ""
  std::string mime_type;  // when the format says
};

struct Record {
  std::string platform;    // telegram, vk, rss, atom, web, or what a JSON Lines row says
  std::string post_id;     // unique within platform + channel: the dedup key with them
  std::string channel_id;  // the chat/channel/wall/feed the post is in ("" when none)
  std::string author_id;   // the author's id on the platform ("" when unknown)
  std::string author_name;
  std::string url;
  std::string text;  // plain text, entities flattened (valid UTF-8)
  std::optional<base::Millis> created_at;
  std::vector<Media> media;
  std::string raw;  // the record's original bytes (its JSON object, entry XML, WARC record)
  // WARC only: the HTTP response payload and whether its digest matched.
  std::string payload_digest;   // "sha1:BASE32" as the record states it, or ""
  bool digest_checked = false;  // true when a digest was present and verified
  int http_status = 0;          // WARC only: the HTTP status code (200, 404, ...)
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
//   Records: platform "telegram", post_id = message id, channel_id = the chat's id, author =
//   from_id/from, created_at = date_unixtime (older exports: "date", the exporting computer's
//   local time without a zone, read as UTC), text = "text" flattened (entity texts, no
//   hrefs), media = "photo" (image/jpeg) and "file" (with "mime_type") as paths inside the
//   folder; "(File not included...)" notes are no media; url "" (the export has no username).
//   Positions: "message <id>", or "message at index <i>" (0-based) when the id is unknown.
//   Refused per message: a media path that is absolute, climbs out with "..", leads out
//   through a symbolic link, or names no file of the export; invalid UTF-8; the limits.
//   Fails: no such path (kNotFound), not JSON, no "messages", a full account export.
absl::StatusOr<ParseOutput> ParseTelegramExport(const std::string& path);
// The same over result.json's bytes; media paths are resolved and checked against `folder`.
absl::StatusOr<ParseOutput> ParseTelegramResultJson(std::string_view json,
                                                    const std::string& folder);

// VK API responses saved as JSON: {"response":{"items":[...]}} from wall.get or
// newsfeed.search (each item: id, owner_id, from_id, date, text, attachments, ...), optionally
// with "profiles"/"groups" for author names. Error responses ({"error":{...}}) fail.
//   Records: platform "vk", post_id = id (newsfeed.get: post_id), channel_id = owner_id
//   (source_id), author_id = from_id, author_name from profiles/groups, url =
//   https://vk.com/wall<owner>_<id>, text = the post's text then, after a blank line, the text
//   of each post it reposts (copy_history), media = URLs of photos (largest size, image/jpeg),
//   links (text/html), videos (vk.com/video<owner>_<id>), documents and audio, reposts'
//   included. ParseOutput.channel_id/name: the wall when all posts are on one, else "".
//   Positions: "item <n>", 1-based. Error responses fail with kFailedPrecondition and VK's
//   error_msg; anything else that is not a response fails with kInvalidArgument.
absl::StatusOr<ParseOutput> ParseVkResponse(std::string_view json);

// JSON Lines, one post per line (docs/formats/collect-jsonl.md): {"platform","post_id",
// "channel_id","author_id","author_name","url","text","created_at" (RFC 3339 or Unix
// seconds),"media":[paths or urls],"raw":{...}}; platform, post_id and text required.
//   raw = the line's bytes. Positions: "line <n>", 1-based, blank lines counted and skipped.
//   Fails only when no line at all is a JSON object. Fast: no allocation beyond the records'
//   own strings (collect_parse_bench).
absl::StatusOr<ParseOutput> ParseJsonLines(std::string_view text);

// RSS 2.0 or Atom 1.0 (libxml2, no network, no external entities).
//   Also RSS 1.0 (RDF) and Atom 0.3. Records: platform "rss" or "atom", channel_id =
//   `feed_url` (else the channel's link / the feed's id), post_id = guid / id (else the link,
//   else "sha256:" + hex of the entry's bytes), url = link (rel="alternate"), resolved against
//   `feed_url`, text = title, blank line, then the visible text of content:encoded /
//   description / content / summary (HTML and XHTML rendered as text), created_at = pubDate
//   (RFC 822) / dc:date / published / updated, author = dc:creator / author, media =
//   enclosures and media:content. raw = the item/entry exactly as in the input (UTF-8 feeds;
//   re-serialised by libxml2 for feeds in other encodings). Positions: "entry <n>", 1-based.
//   Fails: not well-formed XML, not a feed, a DTD that declares entities.
absl::StatusOr<ParseOutput> ParseFeed(std::string_view xml, std::string_view feed_url);

// A WARC file (ISO 28500, WARC/1.0 and 1.1, plain or record-at-a-time gzip as `wget
// --warc-file` writes): every "response" record with an HTTP response becomes a record
// (platform "web", url = WARC-Target-URI, text = the HTML's visible text or the body when
// text/*, raw = the whole WARC record); WARC-Block-Digest and WARC-Payload-Digest (sha1,
// base32) are checked and a mismatch refuses the record; a record cut short is an error and
// ends the file.
//   post_id = WARC-Record-ID (without <>), channel_id = host[:port] of the URL, created_at =
//   WARC-Date, http_status = the response's status (404s and redirects are records too).
//   Transfer (chunked) and content (gzip, deflate) codings are removed before the text is
//   taken; br and others leave the text empty. Charset: the HTTP header's, else <meta
//   charset>, else UTF-8 (then invalid UTF-8 refuses the record). Responses that are not
//   text (images, PDF...) get one media entry: url = the target URI, mime_type = the HTTP
//   Content-Type. A record over kMaxRawBytes is refused and skipped. Other record types
//   (warcinfo, request, metadata, resource, revisit) are read past. Positions: "record at
//   offset <n>": the record's byte offset, or its gzip member's offset in a .warc.gz (where
//   `zcat`/CDX tools seek). Fails: no such file (kNotFound), input that is empty or does not
//   begin with a WARC record.
absl::StatusOr<ParseOutput> ParseWarcFile(const std::string& path);
// The same over a WARC file's bytes in memory (fuzzers, tests).
absl::StatusOr<ParseOutput> ParseWarcBytes(std::string_view bytes);

}  // namespace threathub::collect
