// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::metrics {

// Label name -> value, e.g. {{"pipeline", "orders:hz->us"}, {"table", "shop.orders"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { Counter, Gauge };

// One time series: a value updated lock-free from any thread.
class Series {
public:
    void add(double delta);
    void set(double value);
    double value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<double> m_value{0};
};

// The agent's metrics and their Prometheus text exposition (version 0.0.4), as served on the
// metrics endpoint (CONVENTIONS.md, "Metrics": names start with ferry_, labelled by pipeline,
// table, kind). A family is declared once with its help text and type; series are created on
// first use and live as long as the registry, so callers may keep the Series& they got.
// Thread-safe.
class Registry {
public:
    // Declares (or finds) a family. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; a second
    // declaration with another type is a programming error and returns the first.
    void declare(std::string_view name, MetricType type, std::string_view help);
    // The series of `name` with `labels` (declared on the fly as a gauge if undeclared).
    Series& series(std::string_view name, const Labels& labels = {});
    // Removes the series of a family whose labels include `label`=`value` (e.g. a deleted
    // pipeline's series).
    void removeSeries(std::string_view label, std::string_view value);

    // Every family, sorted by name, series sorted by labels.
    std::string renderText() const;

private:
    struct Family {
        MetricType type = MetricType::Gauge;
        std::string help;
        std::map<Labels, std::unique_ptr<Series>> series;
    };

    mutable std::mutex m_mutex;
    std::map<std::string, Family, std::less<>> m_families;
};

// A label value escaped for the text format (backslash, double quote, newline).
std::string escapeLabelValue(std::string_view value);

}  // namespace ferry::metrics
