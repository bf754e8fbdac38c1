// Ledger throughput and latency, on SQLite with its data directory on disk (synchronous=FULL):
//
//   appends   one leaf per event: in a transaction of its own (the baseline), through group
//             commit from N threads, as audit records (a row plus its leaf) through group commit,
//             and in batches of B per transaction (AppendBatch)
//   million   at 1,000,000 leaves: opening the ledger (loading the tree), an inclusion proof, a
//             consistency proof, and `ledger verify` (every leaf rehashed, the tree rebuilt, ten
//             checkpoints checked)
//
//   build-ledger/src/ledger/ledger_benchmark [--benchmark_filter=Million]
//
// THREATHUB_BENCH_DIR names the data directory (default ./ledger-bench-data). The million-leaf
// database is built once (about a minute) and kept there for later runs.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "ledger/audit_anchor.h"
#include "ledger/group_commit.h"
#include "ledger/ledger.h"
#include "store/migrations.h"

namespace threathub::ledger {
namespace {

constexpr uint64_t kMillion = 1'000'000;
constexpr uint64_t kMillionBatch = 10'000;
constexpr uint64_t kMillionCheckpointEvery = 100'000;

std::filesystem::path BenchDirectory() {
  const char* directory = std::getenv("THREATHUB_BENCH_DIR");
  return directory != nullptr && *directory != '\0' ? directory : "ledger-bench-data";
}

void Check(const absl::Status& status, std::string_view what) {
  if (!status.ok()) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 status.ToString().c_str());
    std::abort();
  }
}

// A custody event as the vault records one: about 250 bytes of canonical JSON.
Entry CustodyEntry(uint64_t number) {
  CanonicalObject record;
  record.Int("evidence_id", static_cast<int64_t>(number / 4))
      .Int("case_id", static_cast<int64_t>(number / 1000))
      .String("event", "ingested")
      .Int("actor_id", 17)
      .Int("at", 1'767'225'600'000 + static_cast<int64_t>(number))
      .String("sha256", base::HexEncode(base::Sha256(std::to_string(number))))
      .Int("size", static_cast<int64_t>(number * 7919 % 100'000'000))
      .String("note", "seized laptop image, part 2 of 4");
  return Entry{.kind = std::string(kCustodyKind),
               .ref = std::to_string(number),
               .record = std::move(record)};
}

// One SQLite database with a ledger in a directory of its own.
struct BenchLedger {
  explicit BenchLedger(const std::filesystem::path& directory, bool fresh) {
    if (fresh) std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    database = std::move(store::OpenDatabase("sqlite", directory.string())).value();
    Check(store::Migrate(*database).status(), "migrate");
    options = LedgerOptions::InDataDir(directory.string());
    ledger = std::move(Ledger::Open(*database, clock, options)).value();
  }

  const base::Clock& clock = base::SystemClock::Instance();
  std::unique_ptr<store::Database> database;
  LedgerOptions options;
  std::unique_ptr<Ledger> ledger;
};

// Shared by the threads of one benchmark run; made by thread 0 before the timed loop (Google
// Benchmark starts every thread's loop together).
std::unique_ptr<BenchLedger> shared_ledger;
std::unique_ptr<GroupCommitter> shared_committer;
std::atomic<uint64_t> next_number{0};

void SetUpShared(benchmark::State& state) {
  if (state.thread_index() != 0) return;
  shared_ledger = std::make_unique<BenchLedger>(BenchDirectory() / "appends", /*fresh=*/true);
  shared_committer = std::make_unique<GroupCommitter>(*shared_ledger->database);
  next_number = 0;
}

void TearDownShared(benchmark::State& state) {
  if (state.thread_index() != 0) return;
  shared_committer.reset();
  shared_ledger.reset();
}

// Baseline: every event commits on its own.
void BM_AppendOwnTransaction(benchmark::State& state) {
  SetUpShared(state);
  for (auto _ : state) {
    Entry entry = CustodyEntry(next_number++);
    Check(shared_ledger->database->Transact(
              store::TxMode::kWrite,
              [&](store::Transaction& tx) {
                return shared_ledger->ledger->Append(tx, entry).status();
              }),
          "append");
  }
  state.SetItemsProcessed(state.iterations());
  TearDownShared(state);
}
BENCHMARK(BM_AppendOwnTransaction)->Threads(1)->Threads(16)->UseRealTime();

void BM_AppendGroupCommit(benchmark::State& state) {
  SetUpShared(state);
  for (auto _ : state) {
    Entry entry = CustodyEntry(next_number++);
    Check(shared_committer->Transact([&](store::Transaction& tx) {
      return shared_ledger->ledger->Append(tx, entry).status();
    }),
          "append");
  }
  state.SetItemsProcessed(state.iterations());
  TearDownShared(state);
}
BENCHMARK(BM_AppendGroupCommit)->ThreadRange(1, 256)->UseRealTime();

// An audit record (its row and its leaf, through AuditAnchor) per event.
void BM_AuditRecordGroupCommit(benchmark::State& state) {
  SetUpShared(state);
  static std::unique_ptr<audit::AuditTrail> trail;
  static std::unique_ptr<AuditAnchor> anchor;
  if (state.thread_index() == 0) {
    trail = std::make_unique<audit::AuditTrail>(*shared_ledger->database, shared_ledger->clock);
    anchor = std::make_unique<AuditAnchor>(*shared_ledger->ledger);
    trail->SetAnchor(anchor.get());
  }
  for (auto _ : state) {
    audit::Record record{.actor_id = 17,
                         .actor_name = "investigator",
                         .agency_id = 3,
                         .action = "evidence.read",
                         .object_type = "evidence",
                         .object_id = std::to_string(next_number++),
                         .client = "10.1.2.3",
                         .request_id = "0123456789abcdef"};
    Check(shared_committer->Transact(
              [&](store::Transaction& tx) { return trail->Append(tx, record); }),
          "audit append");
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    trail.reset();
    anchor.reset();
  }
  TearDownShared(state);
}
BENCHMARK(BM_AuditRecordGroupCommit)->Threads(16)->Threads(64)->Threads(256)->UseRealTime();

void BM_AppendBatch(benchmark::State& state) {
  SetUpShared(state);
  const auto batch_size = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Entry> batch;
    batch.reserve(batch_size);
    for (uint64_t entry_idx = 0; entry_idx < batch_size; ++entry_idx) {
      batch.push_back(CustodyEntry(next_number++));
    }
    state.ResumeTiming();
    Check(shared_ledger->database->Transact(
              store::TxMode::kWrite,
              [&](store::Transaction& tx) {
                return shared_ledger->ledger->AppendBatch(tx, batch).status();
              }),
          "append batch");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch_size));
  TearDownShared(state);
}
BENCHMARK(BM_AppendBatch)->Arg(1)->Arg(16)->Arg(256)->Arg(4096)->UseRealTime();

// The million-leaf ledger, built on first use and kept in the bench directory.
BenchLedger& Million() {
  static BenchLedger* million = [] {
    const std::filesystem::path directory = BenchDirectory() / "million";
    const std::filesystem::path complete = directory / "complete";
    bool built = std::filesystem::exists(complete);
    auto* bench = new BenchLedger(directory, /*fresh=*/!built);
    if (!built) {
      std::fprintf(stderr, "building a ledger of %lu leaves in %s ...\n",
                   static_cast<unsigned long>(kMillion), directory.c_str());
      for (uint64_t first = 0; first < kMillion; first += kMillionBatch) {
        std::vector<Entry> batch;
        for (uint64_t number = first; number < first + kMillionBatch; ++number) {
          batch.push_back(CustodyEntry(number));
        }
        Check(bench->database->Transact(store::TxMode::kWrite,
                                        [&](store::Transaction& tx) {
                                          return bench->ledger->AppendBatch(tx, batch).status();
                                        }),
              "build");
        if ((first + kMillionBatch) % kMillionCheckpointEvery == 0) {
          Check(bench->ledger->MakeCheckpoint(CheckpointPolicy::kWhenNewLeaves).status(),
                "checkpoint");
        }
      }
      Check(base::WriteFileDurably(complete.string(), "1\n"), "mark complete");
      // Reopen, so that the tree is loaded from the database as at a start.
      bench = new BenchLedger(directory, /*fresh=*/false);
    }
    return bench;
  }();
  return *million;
}

void BM_MillionOpen(benchmark::State& state) {
  BenchLedger& million = Million();
  for (auto _ : state) {
    auto ledger = Ledger::Open(*million.database, million.clock, million.options);
    Check(ledger.status(), "open");
    benchmark::DoNotOptimize(ledger);
  }
}
BENCHMARK(BM_MillionOpen)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_MillionInclusionProof(benchmark::State& state) {
  BenchLedger& million = Million();
  std::mt19937_64 random(42);
  for (auto _ : state) {
    auto proof = million.ledger->ProveInclusion(random() % kMillion, kMillion);
    Check(proof.status(), "inclusion proof");
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_MillionInclusionProof)->Unit(benchmark::kMicrosecond);

// The proof a client asks for: the leaf of a record, by kind and ref, then its path.
void BM_MillionInclusionProofOfRecord(benchmark::State& state) {
  BenchLedger& million = Million();
  std::mt19937_64 random(43);
  for (auto _ : state) {
    auto leaf = million.ledger->FindLeaf(kCustodyKind, std::to_string(random() % kMillion));
    Check(leaf.status(), "find leaf");
    auto proof = million.ledger->ProveInclusion(leaf->index, kMillion);
    Check(proof.status(), "inclusion proof");
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_MillionInclusionProofOfRecord)->Unit(benchmark::kMicrosecond);

void BM_MillionConsistencyProof(benchmark::State& state) {
  BenchLedger& million = Million();
  std::mt19937_64 random(44);
  for (auto _ : state) {
    auto proof = million.ledger->ProveConsistency(1 + random() % (kMillion - 1), kMillion);
    Check(proof.status(), "consistency proof");
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_MillionConsistencyProof)->Unit(benchmark::kMicrosecond);

void BM_MillionVerify(benchmark::State& state) {
  BenchLedger& million = Million();
  for (auto _ : state) {
    auto report = million.ledger->Verify();
    Check(report.status(), "verify");
    if (!report->ok() || report->leaves != kMillion) {
      std::fprintf(stderr, "verify: %s\n", base::StrJoin(report->problems, "; ").c_str());
      std::abort();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kMillion));
}
BENCHMARK(BM_MillionVerify)->Unit(benchmark::kSecond)->Iterations(2);

}  // namespace
}  // namespace threathub::ledger

BENCHMARK_MAIN();
