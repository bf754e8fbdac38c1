#include "http/metrics.h"
#include "base/strings.h"

namespace threathub::http {

Metrics::Metrics(std::vector<std::string> route_names)
    : names_(std::move(route_names)), slots_(new Slot[names_.size()]) {}

void Metrics::Observe(size_t slot_idx, int status, double seconds) {
  if (slot_idx >= names_.size()) return;
  Slot& slot = slots_[slot_idx];
  int status_class = status / 100;
  size_t class_idx = status_class >= 1 && status_class <= 5 ? status_class - 1 : 5;
  slot.by_class[class_idx].fetch_add(1, std::memory_order_relaxed);
  size_t bucket_idx = 0;
  while (bucket_idx < kBuckets.size() && seconds > kBuckets[bucket_idx]) ++bucket_idx;
  slot.buckets[bucket_idx].fetch_add(1, std::memory_order_relaxed);
  slot.sum_micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  static constexpr const char* kClassNames[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
  std::string out =
      "# HELP threathub_http_requests_total HTTP requests by route and status class.\n"
      "# TYPE threathub_http_requests_total counter\n";
  auto label = [](const std::string& name) { return base::StrReplaceAll(name, {{"\"", "'"}}); };
  for (size_t slot_idx = 0; slot_idx < names_.size(); ++slot_idx) {
    const Slot& slot = slots_[slot_idx];
    for (size_t class_idx = 0; class_idx < slot.by_class.size(); ++class_idx) {
      uint64_t count = slot.by_class[class_idx].load(std::memory_order_relaxed);
      if (count == 0) continue;
      base::StrAppend(&out, "threathub_http_requests_total{route=\"", label(names_[slot_idx]),
                      "\",code=\"", kClassNames[class_idx], "\"} ", count, "\n");
    }
  }
  base::StrAppend(&out,
                  "# HELP threathub_http_request_duration_seconds Time to answer, by route.\n"
                  "# TYPE threathub_http_request_duration_seconds histogram\n");
  for (size_t slot_idx = 0; slot_idx < names_.size(); ++slot_idx) {
    const Slot& slot = slots_[slot_idx];
    uint64_t cumulative = 0;
    std::string name = label(names_[slot_idx]);
    for (size_t bucket_idx = 0; bucket_idx < slot.buckets.size(); ++bucket_idx) {
      cumulative += slot.buckets[bucket_idx].load(std::memory_order_relaxed);
      std::string bound =
          bucket_idx < kBuckets.size() ? base::StrCat(kBuckets[bucket_idx]) : "+Inf";
      base::StrAppend(&out, "threathub_http_request_duration_seconds_bucket{route=\"", name,
                      "\",le=\"", bound, "\"} ", cumulative, "\n");
    }
    base::StrAppend(&out, "threathub_http_request_duration_seconds_sum{route=\"", name, "\"} ",
                    static_cast<double>(slot.sum_micros.load(std::memory_order_relaxed)) / 1e6,
                    "\n", "threathub_http_request_duration_seconds_count{route=\"", name, "\"} ",
                    cumulative, "\n");
  }
  return out;
}

}  // namespace threathub::http
