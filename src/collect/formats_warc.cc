// WARC captures (ISO 28500:2017; https://iipc.github.io/warc-specifications/): every "response"
// record holding an HTTP response becomes a record. Digests (section 5.8 WARC-Block-Digest,
// 5.9 WARC-Payload-Digest; "sha1:" + RFC 4648 base32 as wget and Heritrix write them) are
// recomputed, and a mismatch refuses the record.
#include <openssl/evp.h>
#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/html_text.h"
#include "collect/internal/json_records.h"
#include "collect/internal/warc_reader.h"

namespace threathub::collect {
namespace {

using internal::TooLargeMessage;
using internal::WarcRecord;

struct HttpResponse {
  int status = 0;
  std::string content_type;  // lower-cased media type without parameters
  std::string charset;       // the charset parameter, lower-cased, or ""
  bool chunked = false;
  std::string content_encoding;  // lower-cased, or ""
  size_t payload_offset = 0;     // where the body starts in the block
};

bool EqualsIgnoreCase(std::string_view left, std::string_view right) {
  return left.size() == right.size() && base::AsciiStrToLower(left) == base::AsciiStrToLower(right);
}

// The status line and the headers of the HTTP response at the start of `block` (RFC 9112).
std::optional<HttpResponse> ParseHttpResponse(std::string_view block) {
  size_t header_end = block.find("\r\n\r\n");
  size_t separator = 4;
  const size_t bare_end = block.find("\n\n");
  if (bare_end != std::string_view::npos && bare_end < header_end) {
    header_end = bare_end;
    separator = 2;
  }
  if (header_end == std::string_view::npos) return std::nullopt;
  HttpResponse response;
  response.payload_offset = header_end + separator;
  std::vector<std::string_view> lines = base::StrSplit(block.substr(0, header_end), '\n');
  std::string_view status_line = base::StripAsciiWhitespace(lines[0]);
  if (!base::StartsWith(status_line, "HTTP/")) return std::nullopt;
  const size_t space = status_line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view code = status_line.substr(space + 1, 3);
  if (code.size() != 3 || !base::SimpleAtoi(code, &response.status) || response.status < 100) {
    return std::nullopt;
  }
  for (size_t line_idx = 1; line_idx < lines.size(); ++line_idx) {
    const std::string_view line = lines[line_idx];
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = base::StripAsciiWhitespace(line.substr(0, colon));
    const std::string_view value = base::StripAsciiWhitespace(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Type")) {
      const std::vector<std::string_view> parts = base::StrSplit(value, ';');
      response.content_type = base::AsciiStrToLower(base::StripAsciiWhitespace(parts[0]));
      for (size_t part_idx = 1; part_idx < parts.size(); ++part_idx) {
        const std::string_view parameter = base::StripAsciiWhitespace(parts[part_idx]);
        const size_t equals = parameter.find('=');
        if (equals == std::string_view::npos) continue;
        if (!EqualsIgnoreCase(base::StripAsciiWhitespace(parameter.substr(0, equals)), "charset")) {
          continue;
        }
        std::string_view charset = base::StripAsciiWhitespace(parameter.substr(equals + 1));
        if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
          charset = charset.substr(1, charset.size() - 2);
        }
        response.charset = base::AsciiStrToLower(charset);
      }
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      response.chunked = base::StrContainsIgnoreCase(value, "chunked");
    } else if (EqualsIgnoreCase(name, "Content-Encoding")) {
      response.content_encoding = base::AsciiStrToLower(value);
    }
  }
  return response;
}

// The body of a chunked message (RFC 9112 section 7.1), or nullopt when it is malformed.
std::optional<std::string> Dechunk(std::string_view body) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t line_end = body.find('\n', pos);
    if (line_end == std::string_view::npos) return std::nullopt;
    std::string_view size_text = body.substr(pos, line_end - pos);
    size_text = base::StripAsciiWhitespace(size_text.substr(0, size_text.find(';')));
    if (size_text.empty() || size_text.size() > 15) return std::nullopt;
    uint64_t size = 0;
    for (char digit : size_text) {
      const int value = digit >= '0' && digit <= '9'   ? digit - '0'
                        : digit >= 'a' && digit <= 'f' ? digit - 'a' + 10
                        : digit >= 'A' && digit <= 'F' ? digit - 'A' + 10
                                                       : -1;
      if (value < 0) return std::nullopt;
      size = size * 16 + static_cast<uint64_t>(value);
    }
    pos = line_end + 1;
    if (size == 0) return out;
    if (size > body.size() - pos) return std::nullopt;
    out.append(body.substr(pos, size));
    pos += size;
    if (body.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (body.substr(pos, 1) == "\n") {
      pos += 1;
    } else {
      return std::nullopt;
    }
  }
}

// gzip or deflate content coding (RFC 9110 section 8.4.1) within kMaxRawBytes.
absl::StatusOr<std::string> Decode(std::string_view body, std::string_view coding) {
  z_stream stream{};
  // 32 + MAX_WBITS: gzip or zlib headers; raw deflate is tried when that fails.
  if (inflateInit2(&stream, 32 + MAX_WBITS) != Z_OK) {
    return absl::InternalError("cannot start decompression");
  }
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  char chunk[64 << 10];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > kMaxRawBytes) {
      inflateEnd(&stream);
      return absl::InvalidArgumentError(TooLargeMessage("the decoded body", kMaxRawBytes));
    }
    if (status != Z_OK && status != Z_STREAM_END) break;
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) {
    return absl::InvalidArgumentError(
        base::StrCat("the body's ", coding, " content coding is corrupt"));
  }
  return out;
}

// Digest of `bytes` with the named algorithm, raw; "" for an algorithm not supported.
std::string ComputeDigest(std::string_view algorithm, std::string_view bytes) {
  const EVP_MD* md = EqualsIgnoreCase(algorithm, "sha1")     ? EVP_sha1()
                     : EqualsIgnoreCase(algorithm, "sha256") ? EVP_sha256()
                     : EqualsIgnoreCase(algorithm, "md5")    ? EVP_md5()
                                                             : nullptr;
  if (md == nullptr) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, md, nullptr) != 1) return "";
  return std::string(reinterpret_cast<const char*>(digest), size);
}

enum class DigestCheck { kAbsent, kUnsupported, kMatch, kMismatch };

// "sha1:BASE32" (or hex, or base16 of another supported algorithm) against the bytes.
DigestCheck CheckDigest(std::optional<std::string_view> stated, std::string_view bytes) {
  if (!stated || stated->empty()) return DigestCheck::kAbsent;
  const size_t colon = stated->find(':');
  if (colon == std::string_view::npos) return DigestCheck::kUnsupported;
  const std::string_view algorithm = base::StripAsciiWhitespace(stated->substr(0, colon));
  const std::string_view encoded = base::StripAsciiWhitespace(stated->substr(colon + 1));
  const std::string computed = ComputeDigest(algorithm, bytes);
  if (computed.empty()) return DigestCheck::kUnsupported;
  std::optional<std::string> decoded;
  if (encoded.size() == computed.size() * 2) decoded = base::HexDecode(encoded);
  if (!decoded) decoded = base::Base32Decode(encoded);
  if (!decoded || decoded->size() != computed.size()) return DigestCheck::kMismatch;
  return *decoded == computed ? DigestCheck::kMatch : DigestCheck::kMismatch;
}

std::string Base32Digest(std::string_view algorithm, std::string_view bytes) {
  return base::StrCat(base::AsciiStrToLower(algorithm), ":",
                      base::Base32Encode(ComputeDigest(algorithm, bytes)));
}

std::string_view AlgorithmOf(std::string_view stated) { return stated.substr(0, stated.find(':')); }

// scheme://host[:port] of a URL, lower-cased, without user information.
std::string SiteOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest = rest.substr(at + 1);
  return base::AsciiStrToLower(rest);
}

// A response record as a collected record; nullopt for a record that is not an HTTP response.
absl::StatusOr<std::optional<Record>> ResponseRecord(const WarcRecord& warc) {
  const std::optional<std::string_view> content_type = warc.Field("Content-Type");
  if (!content_type ||
      !base::StartsWith(base::AsciiStrToLower(*content_type), "application/http")) {
    return std::optional<Record>();
  }
  if (warc.block_skipped) {
    return absl::InvalidArgumentError(TooLargeMessage("record", kMaxRawBytes));
  }
  Record record;
  record.platform = "web";
  const std::optional<std::string_view> target = warc.Field("WARC-Target-URI");
  if (!target || target->empty()) return absl::InvalidArgumentError("no WARC-Target-URI");
  std::string_view url = *target;
  if (url.size() >= 2 && url.front() == '<' && url.back() == '>') {
    url = url.substr(1, url.size() - 2);  // WARC/1.0 drafts wrote the URI in angle brackets
  }
  RETURN_IF_ERROR(internal::SetField("WARC-Target-URI", url, record.url));
  record.channel_id = SiteOf(record.url);
  std::optional<std::string_view> record_id = warc.Field("WARC-Record-ID");
  if (!record_id || record_id->empty()) return absl::InvalidArgumentError("no WARC-Record-ID");
  std::string_view id = *record_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  RETURN_IF_ERROR(internal::SetField("WARC-Record-ID", id, record.post_id));
  if (std::optional<std::string_view> date = warc.Field("WARC-Date")) {
    base::Millis millis;
    if (base::ParseUtc(*date, millis)) record.created_at = millis;
  }

  const std::optional<HttpResponse> http = ParseHttpResponse(warc.block);
  if (!http) return absl::InvalidArgumentError("the block is not an HTTP response");
  record.http_status = http->status;
  const std::string_view payload = std::string_view(warc.block).substr(http->payload_offset);

  // Digests: the block as stored; the payload as stored, or de-chunked (WARC 1.1 section 5.9
  // leaves open whether transfer coding is removed; tools differ).
  const std::optional<std::string_view> block_digest = warc.Field("WARC-Block-Digest");
  const std::optional<std::string_view> payload_digest = warc.Field("WARC-Payload-Digest");
  std::optional<std::string> dechunked;
  if (http->chunked) dechunked = Dechunk(payload);
  const DigestCheck block_check = CheckDigest(block_digest, warc.block);
  DigestCheck payload_check = CheckDigest(payload_digest, payload);
  if (payload_check == DigestCheck::kMismatch && dechunked) {
    payload_check = CheckDigest(payload_digest, *dechunked);
  }
  if (block_check == DigestCheck::kMismatch || payload_check == DigestCheck::kMismatch) {
    std::string why;
    if (block_check == DigestCheck::kMismatch) {
      why = base::StrCat("WARC-Block-Digest does not match the block (stated ", *block_digest,
                         ", computed ", Base32Digest(AlgorithmOf(*block_digest), warc.block), ")");
    }
    if (payload_check == DigestCheck::kMismatch) {
      if (!why.empty()) why += "; ";
      base::StrAppend(&why, "WARC-Payload-Digest does not match the payload (stated ",
                      *payload_digest, ", computed ",
                      Base32Digest(AlgorithmOf(*payload_digest), payload), ")");
    }
    return absl::DataLossError(why);
  }
  if (payload_digest) {
    RETURN_IF_ERROR(
        internal::SetField("WARC-Payload-Digest", *payload_digest, record.payload_digest));
  }
  record.digest_checked =
      (block_check == DigestCheck::kMatch || payload_check == DigestCheck::kMatch) &&
      block_check != DigestCheck::kUnsupported && payload_check != DigestCheck::kUnsupported;

  // The body a browser would have rendered: transfer and content codings removed.
  std::string body(http->chunked && dechunked ? *dechunked : std::string(payload));
  bool decodable = true;
  if (body.empty()) {
    // Nothing to decode (a 204, a 304, a HEAD answer).
  } else if (http->content_encoding == "gzip" || http->content_encoding == "x-gzip" ||
             http->content_encoding == "deflate") {
    ASSIGN_OR_RETURN(body, Decode(body, http->content_encoding));
  } else if (!http->content_encoding.empty() && http->content_encoding != "identity") {
    decodable = false;  // br, zstd...: kept in raw, no text
  }
  const bool html =
      http->content_type == "text/html" || http->content_type == "application/xhtml+xml";
  if (decodable && html) {
    ASSIGN_OR_RETURN(record.text, internal::HtmlVisibleText(body, http->charset));
  } else if (decodable && base::StartsWith(http->content_type, "text/")) {
    ASSIGN_OR_RETURN(record.text, internal::TextToUtf8(body, http->charset));
  } else if (!html && !base::StartsWith(http->content_type, "text/")) {
    Media media;
    media.url = record.url;
    RETURN_IF_ERROR(internal::SetField("Content-Type", http->content_type, media.mime_type));
    record.media.push_back(std::move(media));
  }

  record.raw = base::StrCat(warc.header_bytes, warc.block, warc.trailer);
  return std::optional<Record>(std::move(record));
}

absl::StatusOr<ParseOutput> ParseWarc(std::unique_ptr<internal::ByteSource> source) {
  internal::WarcReader reader(std::move(source));
  ParseOutput out;
  out.format = "warc";
  bool first = true;
  size_t accepted = 0;  // records so far; channel_id stays set while all share one
  bool one_channel = true;
  internal::WarcRecord warc;
  while (true) {
    // Keep the whole record within kMaxRawBytes (its header is a few hundred bytes).
    const internal::WarcReader::Result next = reader.Next(kMaxRawBytes - (64 << 10), warc);
    if (next == internal::WarcReader::Result::kEnd) break;
    if (next == internal::WarcReader::Result::kError) {
      // Bytes that are no WARC at all refuse the file; a first record cut short is its error.
      if (first && !base::StrContains(reader.error(), "cut short")) {
        return absl::InvalidArgumentError(base::StrCat("not a WARC file: ", reader.error()));
      }
      RecordResult result;
      result.position = base::StrCat("record at offset ", reader.error_offset());
      result.error = reader.error();
      out.records.push_back(std::move(result));
      break;
    }
    first = false;
    const std::optional<std::string_view> type = warc.Field("WARC-Type");
    if (!type || !EqualsIgnoreCase(*type, "response")) continue;
    RecordResult result;
    result.position = base::StrCat("record at offset ", warc.offset);
    absl::StatusOr<std::optional<Record>> record = ResponseRecord(warc);
    if (!record.ok()) {
      result.error = std::string(base::FromAbsl(record.status().message()));
      out.records.push_back(std::move(result));
      continue;
    }
    if (!record->has_value()) continue;
    if (absl::Status status = internal::CheckRecord(**record); !status.ok()) {
      result.error = std::string(base::FromAbsl(status.message()));
      out.records.push_back(std::move(result));
      continue;
    }
    if (accepted++ == 0) {
      out.channel_id = (*record)->channel_id;
    } else if (one_channel && out.channel_id != (*record)->channel_id) {
      one_channel = false;
      out.channel_id.clear();
    }
    result.record = std::move(**record);
    out.records.push_back(std::move(result));
  }
  if (first && out.records.empty()) {
    return absl::InvalidArgumentError("not a WARC file: it is empty");
  }
  return out;
}

}  // namespace

absl::StatusOr<ParseOutput> ParseWarcFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::ByteSource> source, internal::FileSource(path));
  return ParseWarc(std::move(source));
}

absl::StatusOr<ParseOutput> ParseWarcBytes(std::string_view bytes) {
  return ParseWarc(internal::MemorySource(bytes));
}

}  // namespace threathub::collect
