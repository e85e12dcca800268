// SPDX-License-Identifier: Apache-2.0
#include "ferry/metrics/registry.h"

#include <cmath>
#include <cstdio>

namespace ferry::metrics {
namespace {

bool validName(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

std::string formatValue(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
        return buffer;
    }
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

// Help text escaping: backslash and newline.
std::string escapeHelp(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

void Series::add(double delta) {
    double current = m_value.load(std::memory_order_relaxed);
    while (!m_value.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
    }
}

void Series::set(double value) {
    m_value.store(value, std::memory_order_relaxed);
}

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    return out;
}

void Registry::declare(std::string_view name, MetricType type, std::string_view help) {
    if (!validName(name)) {
        return;
    }
    std::lock_guard lock(m_mutex);
    auto it = m_families.find(name);
    if (it == m_families.end()) {
        Family family;
        family.type = type;
        family.help = std::string(help);
        m_families.emplace(std::string(name), std::move(family));
    }
}

Series& Registry::series(std::string_view name, const Labels& labels) {
    std::lock_guard lock(m_mutex);
    auto it = m_families.find(name);
    if (it == m_families.end()) {
        it = m_families.emplace(std::string(name), Family{}).first;
    }
    auto& slot = it->second.series[labels];
    if (!slot) {
        slot = std::make_unique<Series>();
    }
    return *slot;
}

void Registry::removeSeries(std::string_view label, std::string_view value) {
    std::lock_guard lock(m_mutex);
    for (auto& [name, family] : m_families) {
        for (auto it = family.series.begin(); it != family.series.end();) {
            bool match = false;
            for (const auto& [k, v] : it->first) {
                match = match || (k == label && v == value);
            }
            it = match ? family.series.erase(it) : std::next(it);
        }
    }
}

std::string Registry::renderText() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    for (const auto& [name, family] : m_families) {
        if (!validName(name)) {
            continue;
        }
        if (!family.help.empty()) {
            out += "# HELP " + name + " " + escapeHelp(family.help) + "\n";
        }
        out += "# TYPE " + name + (family.type == MetricType::Counter ? " counter\n" : " gauge\n");
        for (const auto& [labels, series] : family.series) {
            out += name;
            if (!labels.empty()) {
                out += '{';
                bool first = true;
                for (const auto& [key, value] : labels) {
                    if (!validName(key)) {
                        continue;
                    }
                    out += first ? "" : ",";
                    first = false;
                    out += key + "=\"" + escapeLabelValue(value) + "\"";
                }
                out += '}';
            }
            out += ' ' + formatValue(series->value()) + '\n';
        }
    }
    return out;
}

}  // namespace ferry::metrics
