// Request counters and latency histograms per route, in the Prometheus text format. Lock-free:
// Observe() is on every request's path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace threathub::http {

class Metrics {
 public:
  // `route_names` are the labels of the slots (one per route plus the fixed ones below).
  explicit Metrics(std::vector<std::string> route_names);

  void Observe(size_t slot, int status, double seconds);
  std::string Render() const;

  size_t slot_count() const { return names_.size(); }

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct Slot {
    std::array<std::atomic<uint64_t>, 6> by_class{};  // 1xx..5xx, other
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sum_micros{0};
  };
  std::vector<std::string> names_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace threathub::http
