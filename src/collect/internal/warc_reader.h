// Reads the records of a WARC file (ISO 28500:2017, WARC/1.0 and 1.1) one at a time, from a
// file or from memory, plain or gzip-compressed (one gzip member per record as `wget
// --warc-file` writes, or one member for the whole file). Memory stays bounded by the caller's
// block limit: larger blocks are read past, not kept.
//
//   WarcReader reader(std::move(source));
//   WarcRecord record;
//   while (reader.Next(kMaxBlock, record) == WarcReader::Result::kRecord) { ... }
//   if (!reader.error().empty()) report(reader.error_offset(), reader.error());
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "zlib.h"

namespace threathub::collect::internal {

// Raw bytes of a WARC file.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` bytes into `out`; 0 at the end of the input.
  virtual absl::StatusOr<size_t> Read(char* out, size_t size) = 0;
};

std::unique_ptr<ByteSource> MemorySource(std::string_view bytes);  // `bytes` must outlive it
absl::StatusOr<std::unique_ptr<ByteSource>> FileSource(const std::string& path);

struct WarcRecord {
  uint64_t offset = 0;  // in the file; of the gzip member holding the record when compressed
  std::string version;  // "WARC/1.0"
  std::vector<std::pair<std::string, std::string>> fields;  // named header fields, in order
  std::string header_bytes;  // the header as read, version line through the blank line
  uint64_t content_length = 0;
  std::string block;           // the Content-Length bytes, unless skipped
  bool block_skipped = false;  // larger than the caller's limit: read past, not kept
  std::string trailer;         // what followed the block ("\r\n\r\n")

  // The value of a header field (names are case-insensitive), or nullopt.
  std::optional<std::string_view> Field(std::string_view name) const;
};

class WarcReader {
 public:
  enum class Result { kRecord, kEnd, kError };

  explicit WarcReader(std::unique_ptr<ByteSource> source);
  ~WarcReader();
  WarcReader(const WarcReader&) = delete;
  WarcReader& operator=(const WarcReader&) = delete;

  // The next record, keeping its block when it has at most `max_block` bytes. kEnd at a clean
  // end of the input. kError when a record cannot be read (cut short, not a WARC record,
  // corrupt gzip data); error() and error_offset() say why and where, and reading stops there.
  Result Next(uint64_t max_block, WarcRecord& record);

  const std::string& error() const { return error_; }
  uint64_t error_offset() const { return error_offset_; }
  bool compressed() const { return mode_ == Mode::kGzip; }

 private:
  enum class Mode { kUnknown, kPlain, kGzip };

  // Makes at least one more decompressed byte available; false at the end (or on an error,
  // which is then in stream_error_).
  bool Fill();
  int Peek();  // the next byte, or -1
  bool ReadLine(std::string& line, size_t max_bytes);
  uint64_t ReadInto(std::string* out, uint64_t count);  // appends (or skips when null)
  uint64_t Position() const { return delivered_ - (buffer_.size() - buffer_pos_); }
  uint64_t OffsetOf(uint64_t position);
  Result Fail(uint64_t offset, std::string why);

  std::unique_ptr<ByteSource> source_;
  Mode mode_ = Mode::kUnknown;
  std::unique_ptr<char[]> raw_;  // input read from the source (compressed or not)
  size_t raw_size_ = 0;          // bytes of raw_ filled
  size_t raw_pos_ = 0;           // bytes of raw_ used
  uint64_t raw_consumed_ = 0;    // compressed bytes handed to zlib so far
  bool source_ended_ = false;
  z_stream zlib_{};
  bool zlib_ready_ = false;
  bool member_open_ = false;  // inside a gzip member (its end not seen yet)
  // (decompressed position, file offset) of each gzip member start not yet passed.
  std::deque<std::pair<uint64_t, uint64_t>> members_;
  std::string buffer_;  // decompressed bytes
  size_t buffer_pos_ = 0;
  uint64_t delivered_ = 0;  // decompressed bytes put into buffer_ so far
  std::string stream_error_;
  std::string error_;
  uint64_t error_offset_ = 0;
  bool stopped_ = false;
};

}  // namespace threathub::collect::internal
