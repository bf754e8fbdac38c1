// MD5, SHA-1 and SHA-256 of one stream of bytes, computed in one read of the data, the three
// digests in parallel worker threads so that the reader and the hashers overlap.
//
//   MultiHasher hasher;
//   hasher.Update(first_part);
//   hasher.Update(second_part);
//   ASSIGN_OR_RETURN(Digests digests, hasher.Finish());
//   std::string key = digests.Sha256Hex();
//
// Readers that fill buffers themselves (read(2), libewf) avoid a copy with the two-step form:
//
//   std::span<char> buffer = hasher.WritableSpan();
//   ssize_t got = ::read(fd, buffer.data(), buffer.size());
//   hasher.Commit(got);
//
// Why threads and how they are grouped: with OpenSSL on a CPU with the SHA extensions (sha_ni),
// SHA-256 runs at about 1.8 GB/s and SHA-1 at about 1.9 GB/s per core, while MD5, which has
// no hardware help and is strictly serial, runs at about 0.75 GB/s. On the 2-core target the
// default layout (HashThreads::kBalanced) therefore gives MD5 one worker thread and SHA-1 +
// SHA-256 the other: the two lanes then cost about the same per byte and the three digests
// come out at close to the speed of MD5 alone, the slowest of the three. Inputs smaller than
// one chunk are hashed on the caller's thread and start no thread at all.
//
// The data path neither throws nor allocates: the chunk ring is allocated once, when the
// hasher is made, and worker threads are started at the first full chunk. If a thread cannot
// be started the hasher carries on inline on the caller's thread. When the ring is full because
// a worker is not getting CPU time (a loaded machine), the caller hashes that worker's next
// chunk itself instead of sleeping, so the pipeline degrades towards inline hashing rather than
// stalling on wake-ups.
//
// Thread safety: one MultiHasher is used by one thread at a time (its workers are internal).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/types.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace threathub::vault {

// The three digests of one input, raw bytes, and the number of bytes hashed.
struct Digests {
  std::string md5;     // 16 bytes
  std::string sha1;    // 20 bytes
  std::string sha256;  // 32 bytes
  uint64_t size = 0;

  // Lower-case hexadecimal.
  std::string Md5Hex() const;
  std::string Sha1Hex() const;
  std::string Sha256Hex() const;
};

// How the work is spread over threads.
enum class HashThreads {
  kInline,        // everything on the caller's thread (a baseline; for one-core machines)
  kPerAlgorithm,  // three workers: MD5 | SHA-1 | SHA-256
  kBalanced,      // two workers: MD5 | SHA-1 + SHA-256 (the default; see the file comment)
};

struct MultiHasherOptions {
  // Bytes per chunk handed to the workers; also the largest WritableSpan().
  size_t chunk_bytes = size_t{1} << 20;
  // Chunks in flight between the reader and the slowest worker (at least 2).
  size_t ring_chunks = 4;
  HashThreads threads = HashThreads::kBalanced;
};

class MultiHasher {
 public:
  explicit MultiHasher(MultiHasherOptions options = {});
  ~MultiHasher();
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;

  // Adds `bytes` to the input.
  void Update(std::string_view bytes);

  // A buffer to fill with the next bytes of the input, never empty; valid until the next call
  // on this hasher. Commit(count) then adds its first `count` bytes (count <= its size).
  std::span<char> WritableSpan();
  void Commit(size_t count);

  // Ends the input and returns its digests. The hasher is then empty again and may be reused.
  // Fails only when OpenSSL cannot provide one of the algorithms (e.g. MD5 in FIPS mode).
  absl::StatusOr<Digests> Finish();

  // Bytes added since construction or the last Finish().
  uint64_t size() const { return total_bytes_; }

 private:
  struct Lane;

  void AcquireSlot();
  void Publish();
  bool StartWorkers();
  void StopWorkers();
  void HashInline(std::string_view bytes);
  void WorkerLoop(Lane& lane);
  // Hashes up to `max_chunks` published chunks for `lane`, whose token the caller holds.
  void HashPending(Lane& lane, uint32_t max_chunks);
  void ReleaseLane(Lane& lane);
  absl::Status ResetContexts();

  const MultiHasherOptions options_;
  std::unique_ptr<char[]> ring_;     // ring_chunks * chunk_bytes
  std::unique_ptr<size_t[]> sizes_;  // bytes in each slot; kEndOfInput marks the end
  // MD5, SHA-1, SHA-256 in this order; owned. Each lane updates only its own contexts.
  std::array<EVP_MD_CTX*, 3> contexts_{};
  std::vector<std::unique_ptr<Lane>> lanes_;
  absl::Status init_status_;

  // Sequence numbers count chunks modulo 2^32; at most ring_chunks apart, so differences are
  // exact. The producer publishes chunk `n` by storing n + 1 into published_.
  std::atomic<uint32_t> published_{0};
  uint32_t filling_ = 0;     // the chunk the caller is filling
  size_t filling_slot_ = 0;  // its slot in the ring (kept apart: ring_chunks need not divide 2^32)
  size_t filled_ = 0;        // bytes in it so far
  bool slot_acquired_ = true;  // whether the slot of `filling_` is free to write
  bool workers_running_ = false;
  bool inline_only_ = false;  // thread start failed or kInline
  uint64_t total_bytes_ = 0;
};

// Hashes the file at `path` (or an open descriptor, read from its current offset to the end).
absl::StatusOr<Digests> HashFile(const std::string& path, MultiHasherOptions options = {});
absl::StatusOr<Digests> HashDescriptor(int fd, MultiHasherOptions options = {});

// One-shot on the caller's thread; for small inputs.
absl::StatusOr<Digests> HashBytes(std::string_view bytes);

}  // namespace threathub::vault
