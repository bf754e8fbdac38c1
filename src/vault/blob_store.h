// The evidence store: content-addressed, write-once files under one root directory, each named
// by the SHA-256 of its content. Identical content is stored once.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<BlobStore> store, BlobStore::Create(data_dir + "/vault"));
//   ASSIGN_OR_RETURN(PutResult put, store->PutDescriptor(upload_fd));
//   // put.sha256 is the key; record it with put.md5, put.sha1, put.size in the database.
//   ASSIGN_OR_RETURN(UniqueFd blob, store->Open(put.sha256));
//
// Two ways to feed a blob in. Pull: Put(ReadFunction) and its PutDescriptor / PutFile / PutBytes
// forms call a reader until it reports the end. Push: Begin() returns a BlobWriter that takes
// the bytes as they arrive from elsewhere (an HTTP upload, piece by piece, on the network
// thread), for callers that cannot hand over a blocking reader:
//
//   ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer,
//                    store->Begin({.expected_bytes = content_length}));
//   RETURN_IF_ERROR(writer->Write(piece));   // as often as pieces arrive
//   ASSIGN_OR_RETURN(PutResult put, writer->Commit());
//   // Dropping the writer before Commit() (client gone, handler failed) removes the upload.
//
// Put is built on BlobWriter, so both have one code path and the same guarantees.
//
// Layout (the on-disk format; nothing else lives under the root):
//   <root>/tmp/<32 hex>.part             an upload in progress, never read as a blob
//   <root>/sha256/<aa>/<bb>/<64 hex>     a complete blob, mode 0440; aa, bb = first hex pairs
//
// Durability (docs/architecture.md): a Put streams its input to a new file under tmp/, hashing
// it on the way (MultiHasher: MD5, SHA-1, SHA-256 in one read), fsyncs it, then moves it to its
// final name with an atomic no-replace rename (or a hard link where the file system has no
// renameat2) and fsyncs the directories it changed. A blob name therefore only ever refers to
// complete, synced content; a crash or a failed upload leaves at most a file under tmp/, which
// no lookup sees and which the next Create() removes once it is older than `stale_temp_age`.
// Two concurrent Puts of the same content both succeed and leave one file: exactly one of them
// reports already_present == false.
//
// Thread safety: all methods of BlobStore may be called concurrently, also from several
// processes sharing the root (e.g. on a network file system). Any number of BlobWriters may be
// open at once; each one is used by one thread at a time (it may move between threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vault/multi_hash.h"
#include "vault/unique_fd.h"

namespace threathub::vault {

struct BlobStoreOptions {
  // The largest blob a Put accepts, in bytes; larger input fails with kResourceExhausted
  // (reason "too_large") and leaves nothing behind.
  uint64_t max_blob_bytes = uint64_t{1} << 40;  // 1 TiB
  // Files under tmp/ older than this are crash leftovers and are removed by Create(). Other
  // processes sharing the root may have uploads in progress, hence an age and not "all".
  std::chrono::seconds stale_temp_age = std::chrono::hours(24);
  MultiHasherOptions hasher;
};

struct PutResult {
  std::string sha256;  // lower-case hex: the blob's key
  std::string sha1;    // lower-case hex
  std::string md5;     // lower-case hex
  uint64_t size = 0;
  // True when the store held this content already; the upload was then dropped.
  bool already_present = false;
};

// Fills `buffer` with the next bytes of the input; returns how many (0: end of input). An
// error ends the Put with that error and nothing stored (e.g. a client that disconnected).
using ReadFunction = std::function<absl::StatusOr<size_t>(std::span<char> buffer)>;

struct PutOptions {
  // When nonzero and below the store's max_blob_bytes, the limit for this Put.
  uint64_t max_bytes = 0;
  // The input's size when known in advance (0: unknown); a Put that needs more space than the
  // file system has free fails at once instead of after writing most of it.
  uint64_t expected_bytes = 0;
};

class BlobStore;

// One blob being written: made by BlobStore::Begin(), fed with Write(), ended by Commit().
// Destroying it before a successful Commit() abandons the upload and removes its temporary
// file; so does the first error (too large, disk full, I/O), which the writer then reports
// again from every later call. The store must outlive its writers.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends `bytes` (any size, also empty). Errors: kResourceExhausted with reason "too_large"
  // when the blob would exceed its limit (nothing of `bytes` is then written) or "disk_full";
  // kInternal for other I/O failures.
  absl::Status Write(std::string_view bytes);

  // Ends the input: the digests, fsync, and the atomic install under the blob's name (see the
  // file comment). Once only; afterwards the writer refuses further calls (kFailedPrecondition).
  absl::StatusOr<PutResult> Commit();

  // Bytes written so far.
  uint64_t size() const { return size_; }

 private:
  friend class BlobStore;
  enum class State { kOpen, kFailed, kCommitted };

  BlobWriter(BlobStore& store, std::string temp_path, UniqueFd fd, uint64_t limit);

  // Put's copy-free path: the reader fills WritableSpan() (the hasher's ring), then
  // Append(count) writes and hashes its first `count` bytes. Write() is these two in a loop.
  std::span<char> WritableSpan();
  absl::Status Append(size_t count);
  // Records the first error and removes the temporary file at once (a full disk gets its space
  // back before the caller has finished unwinding).
  absl::Status Fail(absl::Status status);
  absl::Status CheckOpen() const;
  void RemoveTempFile();

  BlobStore& store_;
  std::string temp_path_;  // empty once removed or installed
  UniqueFd fd_;
  const uint64_t limit_;
  MultiHasher hasher_;
  std::span<char> span_;  // the last WritableSpan()
  uint64_t size_ = 0;
  State state_ = State::kOpen;
  absl::Status error_;  // the first error, once state_ is kFailed
};

class BlobStore {
 public:
  // Opens the store at `root`, creating its layout when missing, and removes stale temporary
  // files.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Create(const std::string& root,
                                                           BlobStoreOptions options = {});

  // Stores the input (see the file comment). Errors: kResourceExhausted with "not enough disk
  // space" (reason "disk_full") when the file system fills up, or reason "too_large" above the
  // size limit; the reader's own error; kInternal for other I/O failures. On any error no blob
  // and no temporary file is left.
  absl::StatusOr<PutResult> Put(const ReadFunction& read, PutOptions options = {});
  // Starts a blob fed piece by piece (see BlobWriter). Fails at once, leaving nothing, when
  // options.expected_bytes is over the limit (too_large) or over the free space (disk_full).
  absl::StatusOr<std::unique_ptr<BlobWriter>> Begin(PutOptions options = {});
  // From an open descriptor, from its current offset to its end; the expected size comes from
  // fstat when it is a regular file.
  absl::StatusOr<PutResult> PutDescriptor(int fd, PutOptions options = {});
  absl::StatusOr<PutResult> PutFile(const std::string& path, PutOptions options = {});
  absl::StatusOr<PutResult> PutBytes(std::string_view bytes, PutOptions options = {});

  // The blob's content, opened read-only. kInvalidArgument for a key that is not 64 hex
  // digits, kNotFound when the store does not hold it.
  absl::StatusOr<UniqueFd> Open(std::string_view sha256) const;
  // Whether the store holds the blob.
  absl::StatusOr<bool> Contains(std::string_view sha256) const;
  // Where the blob lives (whether or not it exists); for tools that need a path (libmagic,
  // libewf). Never write to it.
  absl::StatusOr<std::string> Path(std::string_view sha256) const;
  // Re-reads the blob and checks that its SHA-256 is its name. Returns its digests (for a
  // check against the MD5 and SHA-1 on record); kDataLoss when the content has changed,
  // kNotFound when the blob is missing.
  absl::StatusOr<Digests> Verify(std::string_view sha256) const;
  // Every blob key, sorted. Walks the whole tree: for audits and tests, not for requests.
  absl::StatusOr<std::vector<std::string>> List() const;

  const std::string& root() const { return root_; }
  // How many leftover temporary files Create() removed.
  size_t stale_temp_files_removed() const { return stale_temp_files_removed_; }

 private:
  friend class BlobWriter;
  BlobStore(std::string root, BlobStoreOptions options);

  absl::Status RemoveStaleTempFiles();
  // Moves the synced temporary file to the blob's name; sets already_present.
  absl::Status Install(const std::string& temp_path, const std::string& sha256,
                       bool& already_present);
  absl::Status CheckFreeSpace(uint64_t bytes) const;
  // A write error as the client should read it: a full disk is named as such.
  absl::Status DescribeWriteError(const absl::Status& status, uint64_t stored) const;

  std::string root_;
  std::string temp_dir_;
  std::string blob_dir_;
  BlobStoreOptions options_;
  size_t stale_temp_files_removed_ = 0;
};

// Normalises a blob key to lower case; kInvalidArgument unless it is 64 hex digits.
absl::StatusOr<std::string> NormalizeSha256Hex(std::string_view sha256);

}  // namespace threathub::vault
