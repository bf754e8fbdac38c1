#include "vault/multi_hash.h"

#include <fcntl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <system_error>

#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "vault/internal/posix.h"
#include "vault/unique_fd.h"

namespace threathub::vault {
namespace {

constexpr size_t kMd5 = 0;
constexpr size_t kSha1 = 1;
constexpr size_t kSha256 = 2;
constexpr size_t kAlgorithmCount = 3;
constexpr const char* kAlgorithmNames[kAlgorithmCount] = {"MD5", "SHA1", "SHA256"};

// A slot size that is not a size: the producer has ended the input.
constexpr size_t kEndOfInput = std::numeric_limits<size_t>::max();

// The algorithm implementations, fetched from the default provider once per process (an
// explicit fetch spares the implicit lookup that EVP_md5() & co. cost at every init).
const EVP_MD* Algorithm(size_t algorithm_idx) {
  static const std::array<EVP_MD*, kAlgorithmCount> fetched = [] {
    std::array<EVP_MD*, kAlgorithmCount> result{};
    for (size_t idx = 0; idx < kAlgorithmCount; ++idx) {
      result[idx] = EVP_MD_fetch(nullptr, kAlgorithmNames[idx], nullptr);
    }
    return result;
  }();
  return fetched[algorithm_idx];
}

// Takes a lane's token when nobody holds it.
bool TryClaim(std::atomic<bool>& busy) { return !busy.exchange(true, std::memory_order_acquire); }

}  // namespace

std::string Digests::Md5Hex() const { return base::HexEncode(md5); }
std::string Digests::Sha1Hex() const { return base::HexEncode(sha1); }
std::string Digests::Sha256Hex() const { return base::HexEncode(sha256); }

// A group of algorithms that one worker thread hashes, chunk after chunk. Whoever holds the
// lane's token (`busy`) may hash its next chunks: normally its worker; the caller's thread when
// the ring is full and the worker is not running (a loaded machine), so that the caller helps
// instead of sleeping. The token hands the EVP contexts over with acquire/release ordering.
struct MultiHasher::Lane {
  std::vector<size_t> algorithms;
  // Chunks hashed; the producer may overwrite a slot once every lane has moved past it.
  std::atomic<uint32_t> consumed{0};
  std::atomic<bool> busy{false};
  // Bumped at every release of the token, to wake whoever waits for it.
  std::atomic<uint32_t> releases{0};
  // Guarded by the token.
  size_t slot = 0;        // the ring slot of chunk `consumed`
  bool finished = false;  // reached the end of the input
  std::thread thread;
};

MultiHasher::MultiHasher(MultiHasherOptions options)
    : options_{std::max<size_t>(options.chunk_bytes, 1), std::max<size_t>(options.ring_chunks, 2),
               options.threads} {
  ring_ = std::make_unique_for_overwrite<char[]>(options_.chunk_bytes * options_.ring_chunks);
  sizes_ = std::make_unique<size_t[]>(options_.ring_chunks);
  for (size_t idx = 0; idx < kAlgorithmCount; ++idx) contexts_[idx] = EVP_MD_CTX_new();
  init_status_ = ResetContexts();

  std::vector<std::vector<size_t>> groups;
  switch (options_.threads) {
    case HashThreads::kInline:
      break;
    case HashThreads::kPerAlgorithm:
      groups = {{kMd5}, {kSha1}, {kSha256}};
      break;
    case HashThreads::kBalanced:
      groups = {{kMd5}, {kSha1, kSha256}};
      break;
  }
  for (auto& group : groups) {
    auto lane = std::make_unique<Lane>();
    lane->algorithms = std::move(group);
    lanes_.push_back(std::move(lane));
  }
  inline_only_ = lanes_.empty() || !init_status_.ok();
}

MultiHasher::~MultiHasher() {
  if (workers_running_) StopWorkers();
  for (EVP_MD_CTX* context : contexts_) EVP_MD_CTX_free(context);
}

absl::Status MultiHasher::ResetContexts() {
  for (size_t idx = 0; idx < kAlgorithmCount; ++idx) {
    const EVP_MD* algorithm = Algorithm(idx);
    if (algorithm == nullptr) {
      return absl::FailedPreconditionError(
          base::StrCat("OpenSSL does not provide ", kAlgorithmNames[idx]));
    }
    if (contexts_[idx] == nullptr || EVP_DigestInit_ex2(contexts_[idx], algorithm, nullptr) != 1) {
      return absl::InternalError(
          base::StrCat("OpenSSL cannot start a ", kAlgorithmNames[idx], " digest"));
    }
  }
  return absl::OkStatus();
}

void MultiHasher::Update(std::string_view bytes) {
  while (!bytes.empty()) {
    std::span<char> buffer = WritableSpan();
    size_t count = std::min(buffer.size(), bytes.size());
    std::memcpy(buffer.data(), bytes.data(), count);
    Commit(count);
    bytes.remove_prefix(count);
  }
}

std::span<char> MultiHasher::WritableSpan() {
  if (!slot_acquired_) AcquireSlot();
  char* slot = ring_.get() + filling_slot_ * options_.chunk_bytes;
  return {slot + filled_, options_.chunk_bytes - filled_};
}

void MultiHasher::Commit(size_t count) {
  assert(count <= options_.chunk_bytes - filled_);  // at most what WritableSpan() offered
  filled_ += count;
  total_bytes_ += count;
  if (filled_ == options_.chunk_bytes) Publish();
}

void MultiHasher::AcquireSlot() {
  // The slot of chunk `filling_` last held chunk filling_ - ring_chunks; it is free once every
  // lane has consumed that one, i.e. when no lane is ring_chunks or more chunks behind. A lane
  // that is behind and whose worker is not hashing right now gets a chunk hashed by us.
  for (auto& lane : lanes_) {
    while (true) {
      uint32_t consumed = lane->consumed.load(std::memory_order_acquire);
      if (filling_ - consumed < options_.ring_chunks) break;
      if (TryClaim(lane->busy)) {
        HashPending(*lane, 1);
        ReleaseLane(*lane);
        continue;
      }
      lane->consumed.wait(consumed, std::memory_order_acquire);
    }
  }
  slot_acquired_ = true;
}

void MultiHasher::HashPending(Lane& lane, uint32_t max_chunks) {
  uint32_t available = published_.load(std::memory_order_acquire);
  uint32_t sequence = lane.consumed.load(std::memory_order_relaxed);
  for (uint32_t count = 0; sequence != available && count < max_chunks && !lane.finished; ++count) {
    size_t size = sizes_[lane.slot];
    if (size == kEndOfInput) {
      lane.finished = true;
      break;
    }
    const char* chunk = ring_.get() + lane.slot * options_.chunk_bytes;
    for (size_t algorithm_idx : lane.algorithms) {
      EVP_DigestUpdate(contexts_[algorithm_idx], chunk, size);
    }
    lane.slot = (lane.slot + 1) % options_.ring_chunks;
    ++sequence;
    lane.consumed.store(sequence, std::memory_order_release);
    lane.consumed.notify_all();
  }
}

void MultiHasher::ReleaseLane(Lane& lane) {
  lane.busy.store(false, std::memory_order_release);
  lane.releases.fetch_add(1, std::memory_order_release);
  lane.releases.notify_all();
}

void MultiHasher::Publish() {
  char* slot = ring_.get() + filling_slot_ * options_.chunk_bytes;
  if (!inline_only_ && !workers_running_ && !StartWorkers()) inline_only_ = true;
  if (inline_only_) {
    HashInline({slot, filled_});
    filled_ = 0;
    return;
  }
  sizes_[filling_slot_] = filled_;
  published_.store(filling_ + 1, std::memory_order_release);
  published_.notify_all();
  ++filling_;
  filling_slot_ = (filling_slot_ + 1) % options_.ring_chunks;
  filled_ = 0;
  slot_acquired_ = false;
}

bool MultiHasher::StartWorkers() {
  size_t started = 0;
  try {
    for (; started < lanes_.size(); ++started) {
      Lane& lane = *lanes_[started];
      lane.thread = std::thread([this, &lane] { WorkerLoop(lane); });
    }
  } catch (const std::system_error&) {
    // Out of threads: the lanes already running are stopped (StopWorkers joins only those)
    // and the caller hashes this input inline. No chunk has been published yet, so none is
    // lost; the next input tries threads again.
    if (started > 0) StopWorkers();
    return false;
  }
  workers_running_ = true;
  return true;
}

void MultiHasher::StopWorkers() {
  if (!slot_acquired_) AcquireSlot();
  sizes_[filling_slot_] = kEndOfInput;
  published_.store(filling_ + 1, std::memory_order_release);
  published_.notify_all();
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  workers_running_ = false;
}

void MultiHasher::WorkerLoop(Lane& lane) {
  while (true) {
    uint32_t releases = lane.releases.load(std::memory_order_acquire);
    uint32_t published = published_.load(std::memory_order_acquire);
    if (lane.consumed.load(std::memory_order_acquire) == published) {
      published_.wait(published, std::memory_order_acquire);
      continue;
    }
    if (!TryClaim(lane.busy)) {
      // The caller is hashing a chunk of ours; wait until it lets go.
      lane.releases.wait(releases, std::memory_order_acquire);
      continue;
    }
    HashPending(lane, std::numeric_limits<uint32_t>::max());
    bool finished = lane.finished;
    ReleaseLane(lane);
    if (finished) return;
  }
}

void MultiHasher::HashInline(std::string_view bytes) {
  if (!init_status_.ok() || bytes.empty()) return;
  for (EVP_MD_CTX* context : contexts_) EVP_DigestUpdate(context, bytes.data(), bytes.size());
}

absl::StatusOr<Digests> MultiHasher::Finish() {
  if (workers_running_) {
    if (filled_ > 0) Publish();
    StopWorkers();
  } else {
    HashInline({ring_.get() + filling_slot_ * options_.chunk_bytes, filled_});
  }

  Digests digests;
  digests.size = total_bytes_;
  absl::Status status = init_status_;
  if (status.ok()) {
    std::string* outputs[kAlgorithmCount] = {&digests.md5, &digests.sha1, &digests.sha256};
    for (size_t idx = 0; idx < kAlgorithmCount; ++idx) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      if (EVP_DigestFinal_ex(contexts_[idx], digest, &length) != 1) {
        status = absl::InternalError(
            base::StrCat("OpenSSL cannot finish a ", kAlgorithmNames[idx], " digest"));
        break;
      }
      outputs[idx]->assign(reinterpret_cast<const char*>(digest), length);
    }
  }

  // Empty again, ready for the next input.
  if (init_status_.ok()) init_status_ = ResetContexts();
  published_.store(0, std::memory_order_relaxed);
  for (auto& lane : lanes_) {
    lane->consumed.store(0, std::memory_order_relaxed);
    lane->slot = 0;
    lane->finished = false;
  }
  filling_ = 0;
  filling_slot_ = 0;
  filled_ = 0;
  slot_acquired_ = true;
  total_bytes_ = 0;
  inline_only_ = lanes_.empty() || !init_status_.ok();

  if (!status.ok()) return status;
  return digests;
}

namespace {

absl::StatusOr<Digests> HashOpenFile(int fd, std::string_view name, MultiHasherOptions options) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  MultiHasher hasher(options);
  while (true) {
    std::span<char> buffer = hasher.WritableSpan();
    ASSIGN_OR_RETURN(size_t count, internal::ReadSome(fd, buffer, name));
    if (count == 0) break;
    hasher.Commit(count);
  }
  return hasher.Finish();
}

}  // namespace

absl::StatusOr<Digests> HashDescriptor(int fd, MultiHasherOptions options) {
  return HashOpenFile(fd, base::StrCat("file descriptor ", fd), options);
}

absl::StatusOr<Digests> HashFile(const std::string& path, MultiHasherOptions options) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return internal::ErrnoStatus(errno, "open", path);
  return HashOpenFile(fd.get(), path, options);
}

absl::StatusOr<Digests> HashBytes(std::string_view bytes) {
  Digests digests;
  digests.size = bytes.size();
  std::string* outputs[kAlgorithmCount] = {&digests.md5, &digests.sha1, &digests.sha256};
  for (size_t idx = 0; idx < kAlgorithmCount; ++idx) {
    const EVP_MD* algorithm = Algorithm(idx);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (algorithm == nullptr ||
        EVP_Digest(bytes.data(), bytes.size(), digest, &length, algorithm, nullptr) != 1) {
      return absl::InternalError(base::StrCat("OpenSSL cannot compute ", kAlgorithmNames[idx]));
    }
    outputs[idx]->assign(reinterpret_cast<const char*>(digest), length);
  }
  return digests;
}

}  // namespace threathub::vault
