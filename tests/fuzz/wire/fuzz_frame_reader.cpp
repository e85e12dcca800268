// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for ferry::wire::FrameReader. The first bytes choose the limits and how the
// rest is cut into chunks; the rest is fed as a peer's stream. Checks: no crash or sanitizer
// report, no message over the limits, a failed reader stays failed, and the same bytes fed whole
// and in chunks give the same messages and the same error. Then the input is written by
// FrameWriter and must read back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"

namespace {

using ferry::wire::FrameReader;
using ferry::wire::FrameWriter;
using ferry::wire::Limits;
using ferry::wire::WireMessage;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

struct Outcome {
    std::vector<WireMessage> messages;
    bool failed = false;
    std::string error;
    std::uint64_t errorOffset = 0;
};

Outcome run(const Limits& limits, std::string_view stream, std::uint32_t chunkSeed) {
    auto created = FrameReader::create(limits);
    check(created.ok());
    FrameReader reader = std::move(created).value();
    Outcome outcome;
    std::uint32_t state = chunkSeed;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::size_t chunk = stream.size() - at;
        if (chunkSeed != 0) {
            state = state * 1103515245u + 12345u;
            chunk = std::min<std::size_t>(chunk, 1 + (state >> 16) % 97);
        }
        const auto status = reader.feed(stream.substr(at, chunk));
        at += chunk;
        while (auto message = reader.nextMessage()) {
            check(message->payload.size() <= limits.maxMessageSize);
            check(message->fragmentCount >= 1);
            outcome.messages.push_back(std::move(*message));
        }
        if (!status.ok()) {
            break;
        }
    }
    const auto finished = reader.finish();
    if (!finished.ok()) {
        check(reader.failed());
        outcome.failed = true;
        outcome.error = finished.error().message;
        outcome.errorOffset = reader.errorOffset();
        check(outcome.errorOffset <= stream.size());
        // Stays failed.
        const auto again = reader.feed(std::string_view("\x02\x10\x03", 3));
        check(!again.ok() && again.error().message == outcome.error);
        check(reader.pendingMessages() == 0);
    }
    check(reader.partialMessages() <= limits.maxPartialMessages);
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    Limits limits;
    limits.maxFrameSize = 256 + data[0] * 16u;
    limits.maxMessageSize = 1 + (data[1] % 16) * 1024u;
    limits.maxPartialMessages = 1 + data[1] / 16u;
    limits.maxBufferedBytes = limits.maxMessageSize * 2;
    const std::uint32_t seed = data[2];
    const std::string_view stream(reinterpret_cast<const char*>(data + 3), size - 3);

    const Outcome whole = run(limits, stream, 0);
    const Outcome chunked = run(limits, stream, seed | 1u);
    check(whole.failed == chunked.failed);
    check(whole.error == chunked.error);
    check(whole.errorOffset == chunked.errorOffset);
    check(whole.messages.size() == chunked.messages.size());
    for (std::size_t i = 0; i < whole.messages.size(); ++i) {
        check(whole.messages[i].payload == chunked.messages[i].payload);
        check(whole.messages[i].requestId == chunked.messages[i].requestId);
        check(whole.messages[i].kind == chunked.messages[i].kind);
        check(whole.messages[i].streamOffset == chunked.messages[i].streamOffset);
    }

    // Round trip of the input as a payload.
    limits.maxMessageSize = std::max<std::uint64_t>(limits.maxMessageSize, stream.size());
    limits.maxBufferedBytes = limits.maxMessageSize * 2;
    auto writer = FrameWriter::create(limits);
    check(writer.ok());
    std::string encoded;
    check(writer->write(seed * 977u, ferry::v1::FRAME_KIND_RESPONSE, stream, encoded).ok());
    const Outcome back = run(limits, encoded, seed | 1u);
    check(!back.failed);
    check(back.messages.size() == 1);
    check(back.messages[0].payload == stream);
    check(back.messages[0].fragmentCount ==
          writer->frameCount(seed * 977u, ferry::v1::FRAME_KIND_RESPONSE, stream.size()));
    return 0;
}
