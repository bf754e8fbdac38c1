#include "collect/internal/warc_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/strings.h"

namespace threathub::collect::internal {
namespace {

constexpr size_t kReadChunk = 1 << 20;
constexpr size_t kMaxHeaderBytes = 64 << 10;  // a WARC header is a few hundred bytes

class MemoryByteSource final : public ByteSource {
 public:
  explicit MemoryByteSource(std::string_view bytes) : bytes_(bytes) {}
  absl::StatusOr<size_t> Read(char* out, size_t size) override {
    const size_t count = std::min(size, bytes_.size() - pos_);
    std::memcpy(out, bytes_.data() + pos_, count);
    pos_ += count;
    return count;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

class FileByteSource final : public ByteSource {
 public:
  explicit FileByteSource(std::FILE* file) : file_(file) {}
  ~FileByteSource() override { std::fclose(file_); }
  absl::StatusOr<size_t> Read(char* out, size_t size) override {
    const size_t count = std::fread(out, 1, size, file_);
    if (count == 0 && std::ferror(file_)) {
      return absl::DataLossError(base::StrCat("read error: ", std::strerror(errno)));
    }
    return count;
  }

 private:
  std::FILE* file_;
};

bool EqualsIgnoreCase(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (size_t idx = 0; idx < left.size(); ++idx) {
    if (absl::ascii_tolower(static_cast<unsigned char>(left[idx])) !=
        absl::ascii_tolower(static_cast<unsigned char>(right[idx]))) {
      return false;
    }
  }
  return true;
}

std::string_view StripLineEnd(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::unique_ptr<ByteSource> MemorySource(std::string_view bytes) {
  return std::make_unique<MemoryByteSource>(bytes);
}

absl::StatusOr<std::unique_ptr<ByteSource>> FileSource(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(base::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<ByteSource>(std::make_unique<FileByteSource>(file));
}

std::optional<std::string_view> WarcRecord::Field(std::string_view name) const {
  for (const auto& [field_name, value] : fields) {
    if (EqualsIgnoreCase(field_name, name)) return std::string_view(value);
  }
  return std::nullopt;
}

WarcReader::WarcReader(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {}

WarcReader::~WarcReader() {
  if (zlib_ready_) inflateEnd(&zlib_);
}

bool WarcReader::Fill() {
  if (!stream_error_.empty()) return false;
  // Drop what was consumed so the buffer does not grow without bound.
  if (buffer_pos_ > 0 && buffer_pos_ == buffer_.size()) {
    buffer_.clear();
    buffer_pos_ = 0;
  } else if (buffer_pos_ > kReadChunk) {
    buffer_.erase(0, buffer_pos_);
    buffer_pos_ = 0;
  }
  while (true) {
    if (raw_pos_ == raw_size_ && !source_ended_) {
      if (raw_ == nullptr) raw_ = std::make_unique_for_overwrite<char[]>(kReadChunk);
      absl::StatusOr<size_t> count = source_->Read(raw_.get(), kReadChunk);
      if (!count.ok()) {
        stream_error_ = std::string(base::FromAbsl(count.status().message()));
        return false;
      }
      raw_size_ = *count;
      raw_pos_ = 0;
      if (*count == 0) source_ended_ = true;
    }
    if (mode_ == Mode::kUnknown) {
      const bool gzip = raw_size_ - raw_pos_ >= 2 &&
                        static_cast<unsigned char>(raw_[raw_pos_]) == 0x1F &&
                        static_cast<unsigned char>(raw_[raw_pos_ + 1]) == 0x8B;
      mode_ = gzip ? Mode::kGzip : Mode::kPlain;
      if (gzip) {
        if (inflateInit2(&zlib_, 16 + MAX_WBITS) != Z_OK) {
          stream_error_ = "cannot start gzip decompression";
          return false;
        }
        zlib_ready_ = true;
      }
    }
    const size_t available = raw_size_ - raw_pos_;
    if (available == 0) {
      if (mode_ == Mode::kGzip && member_open_) {
        stream_error_ = "the gzip data is cut short";
      }
      return false;
    }
    if (mode_ == Mode::kPlain) {
      buffer_.append(raw_.get() + raw_pos_, available);
      raw_pos_ += available;
      delivered_ += available;
      return true;
    }
    // gzip: inflate what is available; a member's end starts the next member.
    if (!member_open_) {
      members_.emplace_back(delivered_, raw_consumed_);
      member_open_ = true;
    }
    char out[64 << 10];
    zlib_.next_in = reinterpret_cast<Bytef*>(raw_.get() + raw_pos_);
    zlib_.avail_in = static_cast<uInt>(available);
    zlib_.next_out = reinterpret_cast<Bytef*>(out);
    zlib_.avail_out = sizeof out;
    const int status = inflate(&zlib_, Z_NO_FLUSH);
    const size_t used = available - zlib_.avail_in;
    const size_t produced = sizeof out - zlib_.avail_out;
    raw_pos_ += used;
    raw_consumed_ += used;
    buffer_.append(out, produced);
    delivered_ += produced;
    if (status == Z_STREAM_END) {
      inflateReset(&zlib_);
      member_open_ = false;
    } else if (used == 0 && produced == 0 && status == Z_BUF_ERROR) {
      stream_error_ = "corrupt gzip data (no progress)";  // cannot happen with input and room
      return false;
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      stream_error_ =
          base::StrCat("corrupt gzip data (", zlib_.msg ? zlib_.msg : "inflate failed", ")");
      return produced > 0;
    }
    if (produced > 0) return true;
  }
}

int WarcReader::Peek() {
  if (buffer_pos_ == buffer_.size() && !Fill()) return -1;
  return static_cast<unsigned char>(buffer_[buffer_pos_]);
}

bool WarcReader::ReadLine(std::string& line, size_t max_bytes) {
  line.clear();
  while (true) {
    if (buffer_pos_ == buffer_.size() && !Fill()) return false;
    const size_t newline = buffer_.find('\n', buffer_pos_);
    const size_t end = newline == std::string::npos ? buffer_.size() : newline + 1;
    line.append(buffer_, buffer_pos_, end - buffer_pos_);
    buffer_pos_ = end;
    if (line.size() > max_bytes) return false;
    if (newline != std::string::npos) return true;
  }
}

uint64_t WarcReader::ReadInto(std::string* out, uint64_t count) {
  uint64_t done = 0;
  while (done < count) {
    if (buffer_pos_ == buffer_.size() && !Fill()) break;
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(count - done, buffer_.size() - buffer_pos_));
    if (out != nullptr) out->append(buffer_, buffer_pos_, take);
    buffer_pos_ += take;
    done += take;
  }
  return done;
}

uint64_t WarcReader::OffsetOf(uint64_t position) {
  if (mode_ != Mode::kGzip) return position;
  while (members_.size() > 1 && members_[1].first <= position) members_.pop_front();
  return members_.empty() ? position : members_.front().second;
}

WarcReader::Result WarcReader::Fail(uint64_t offset, std::string why) {
  if (!stream_error_.empty()) why = base::StrCat(why, ": ", stream_error_);
  error_ = std::move(why);
  error_offset_ = offset;
  stopped_ = true;
  return Result::kError;
}

WarcReader::Result WarcReader::Next(uint64_t max_block, WarcRecord& record) {
  if (stopped_) return Result::kEnd;
  record = WarcRecord();
  // Blank lines between records are tolerated (the two CRLFs after each block are read with it).
  int next;
  while ((next = Peek()) == '\r' || next == '\n') ++buffer_pos_;
  if (next < 0) {
    if (!stream_error_.empty()) return Fail(OffsetOf(Position()), "unreadable data");
    stopped_ = true;
    return Result::kEnd;
  }
  record.offset = OffsetOf(Position());

  std::string line;
  const bool complete = ReadLine(line, kMaxHeaderBytes);
  if (!base::StartsWith(line, "WARC/")) {
    if (!complete && base::StartsWith("WARC/", line)) {
      return Fail(record.offset, "the record is cut short in its header");
    }
    return Fail(record.offset, "not a WARC record (it does not start with \"WARC/\")");
  }
  if (!complete) return Fail(record.offset, "the record is cut short in its header");
  record.version = std::string(StripLineEnd(line));
  record.header_bytes = line;
  while (true) {
    if (!ReadLine(line, kMaxHeaderBytes)) {
      return Fail(record.offset, line.size() > kMaxHeaderBytes
                                     ? "the record header is larger than 64 KiB"
                                     : "the record is cut short in its header");
    }
    record.header_bytes += line;
    if (record.header_bytes.size() > kMaxHeaderBytes) {
      return Fail(record.offset, "the record header is larger than 64 KiB");
    }
    const std::string_view content = StripLineEnd(line);
    if (content.empty()) break;
    if ((content.front() == ' ' || content.front() == '\t') && !record.fields.empty()) {
      // A folded line continues the previous field's value.
      base::StrAppend(&record.fields.back().second, " ", base::StripAsciiWhitespace(content));
      continue;
    }
    const size_t colon = content.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Fail(record.offset, "a malformed line in the record header");
    }
    record.fields.emplace_back(std::string(base::StripAsciiWhitespace(content.substr(0, colon))),
                               std::string(base::StripAsciiWhitespace(content.substr(colon + 1))));
  }
  std::optional<std::string_view> length_text = record.Field("Content-Length");
  uint64_t length = 0;
  if (!length_text || length_text->empty() || length_text->size() > 19 ||
      !std::all_of(length_text->begin(), length_text->end(),
                   [](char symbol) { return symbol >= '0' && symbol <= '9'; }) ||
      !base::SimpleAtoi(*length_text, &length)) {
    return Fail(record.offset, "the record has no valid Content-Length");
  }
  record.content_length = length;
  uint64_t read;
  if (length <= max_block) {
    read = ReadInto(&record.block, length);
  } else {
    record.block_skipped = true;
    read = ReadInto(nullptr, length);
  }
  if (read < length) {
    return Fail(record.offset, base::StrCat("the record is cut short: its block has ", read, " of ",
                                            length, " bytes"));
  }
  for (int trailer_idx = 0; trailer_idx < 4; ++trailer_idx) {
    next = Peek();
    if (next != '\r' && next != '\n') break;
    record.trailer.push_back(static_cast<char>(next));
    ++buffer_pos_;
  }
  return Result::kRecord;
}

}  // namespace threathub::collect::internal
