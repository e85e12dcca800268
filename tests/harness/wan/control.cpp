// SPDX-License-Identifier: Apache-2.0
#include "ferry/wan/control.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

namespace ferry::wan {
namespace {

std::vector<std::string_view> splitWords(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t at = 0;
    while (at < line.size()) {
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r')) {
            ++at;
        }
        const std::size_t begin = at;
        while (at < line.size() && line[at] != ' ' && line[at] != '\t' && line[at] != '\r') {
            ++at;
        }
        if (at > begin) {
            words.push_back(line.substr(begin, at - begin));
        }
    }
    return words;
}

std::optional<std::uint64_t> parseNumber(std::string_view text, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty() || value > max) {
        return std::nullopt;
    }
    return value;
}

ControlReply fail(std::string message) {
    return ControlReply{"error " + std::move(message), false};
}

ControlReply executeSet(WanProxy& proxy, const std::vector<std::string_view>& words) {
    std::size_t at = 1;
    Direction direction = Direction::Both;
    if (at < words.size()) {
        if (words[at] == "up") {
            direction = Direction::Up;
            ++at;
        } else if (words[at] == "down") {
            direction = Direction::Down;
            ++at;
        } else if (words[at] == "both") {
            ++at;
        } else if (words[at].find('=') == std::string_view::npos) {
            return fail("unknown direction '" + std::string(words[at]) + "'; use up, down or both");
        }
    }
    if (at == words.size()) {
        return fail("set needs at least one of delay_ms=N jitter_ms=N rate_kbit=N");
    }
    std::optional<std::uint64_t> delay;
    std::optional<std::uint64_t> jitter;
    std::optional<std::uint64_t> rate;
    for (; at < words.size(); ++at) {
        const std::string_view word = words[at];
        const std::size_t equals = word.find('=');
        if (equals == std::string_view::npos) {
            return fail("'" + std::string(word) +
                        "' is not key=N; keys: delay_ms, jitter_ms, rate_kbit");
        }
        const std::string_view key = word.substr(0, equals);
        const std::string_view valueText = word.substr(equals + 1);
        constexpr std::uint64_t kMaxMs = 3'600'000;
        constexpr std::uint64_t kMaxKbit = 100'000'000;
        std::optional<std::uint64_t>* slot = nullptr;
        std::uint64_t max = 0;
        if (key == "delay_ms") {
            slot = &delay;
            max = kMaxMs;
        } else if (key == "jitter_ms") {
            slot = &jitter;
            max = kMaxMs;
        } else if (key == "rate_kbit") {
            slot = &rate;
            max = kMaxKbit;
        } else {
            return fail("unknown key '" + std::string(key) +
                        "'; keys: delay_ms, jitter_ms, rate_kbit");
        }
        const std::optional<std::uint64_t> value = parseNumber(valueText, max);
        if (!value) {
            return fail(std::string(key) + ": '" + std::string(valueText) +
                        "' is not a whole number from 0 to " + std::to_string(max));
        }
        *slot = value;
    }
    const auto apply = [&](Direction one) {
        LinkSettings settings = proxy.link(one);
        if (delay) {
            settings.delayMs = static_cast<std::uint32_t>(*delay);
        }
        if (jitter) {
            settings.jitterMs = static_cast<std::uint32_t>(*jitter);
        }
        if (rate) {
            settings.rateKbit = *rate;
        }
        proxy.setLink(one, settings);
    };
    if (direction != Direction::Down) {
        apply(Direction::Up);
    }
    if (direction != Direction::Up) {
        apply(Direction::Down);
    }
    return ControlReply{"ok", false};
}

}  // namespace

ControlReply executeControlLine(WanProxy& proxy, std::string_view line) {
    const std::vector<std::string_view> words = splitWords(line);
    if (words.empty()) {
        return fail("empty command; commands: cut, cut reset, restore, set, stats, quit");
    }
    const std::string_view verb = words[0];
    if (verb == "cut") {
        if (words.size() == 1) {
            proxy.cut(CutMode::Hold);
            return ControlReply{"ok", false};
        }
        if (words.size() == 2 && words[1] == "reset") {
            proxy.cut(CutMode::Reset);
            return ControlReply{"ok", false};
        }
        return fail("cut takes nothing or 'reset'");
    }
    if (verb == "set") {
        return executeSet(proxy, words);
    }
    if (words.size() != 1) {
        return fail(std::string(verb) + " takes no arguments");
    }
    if (verb == "restore") {
        proxy.restore();
        return ControlReply{"ok", false};
    }
    if (verb == "stats") {
        return ControlReply{statsToJson(proxy.stats()), false};
    }
    if (verb == "quit") {
        return ControlReply{"ok", true};
    }
    return fail("unknown command '" + std::string(verb) +
                "'; commands: cut, cut reset, restore, set, stats, quit");
}

std::string statsToJson(const WanStats& stats) {
    const char* cut = stats.cut == CutState::None   ? "none"
                      : stats.cut == CutState::Hold ? "hold"
                                                    : "reset";
    return "{\"up_bytes\":" + std::to_string(stats.up.bytes) +
           ",\"up_chunks\":" + std::to_string(stats.up.chunks) +
           ",\"down_bytes\":" + std::to_string(stats.down.bytes) +
           ",\"down_chunks\":" + std::to_string(stats.down.chunks) +
           ",\"connections_open\":" + std::to_string(stats.connectionsOpen) +
           ",\"connections_total\":" + std::to_string(stats.connectionsTotal) +
           ",\"connections_failed\":" + std::to_string(stats.connectionsFailed) +
           ",\"buffered_bytes\":" + std::to_string(stats.bufferedBytes) +
           ",\"peak_buffered_bytes\":" + std::to_string(stats.peakBufferedBytes) + ",\"cut\":\"" +
           cut + "\"}";
}

}  // namespace ferry::wan
