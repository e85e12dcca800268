// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of fuzz_event_decoder into a folder:
//   fuzz_event_decoder_seeds OUT_DIR [FIXTURE_DIR]
// For every binlog file in FIXTURE_DIR (files that start with "\xfebin"; others are skipped) and
// for the synthetic MySQL 8.0 and MariaDB 10.11 streams of event_builder.h: the whole file, and
// per event one seed in file-image mode (magic, the file's FORMAT_DESCRIPTION, the TABLE_MAPs in
// force, the event) and one after the built-in FDE of the file's flavor (the TABLE_MAPs and the
// event). Seeds leave checksum verification off so that mutations reach the bodies; the fuzzer
// flips the control bit itself. Exit status 0 on success, 1 with a message on stderr.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "event_builder.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_types.h"

namespace {

namespace fs = std::filesystem;
namespace fz = ferry::binlog::fuzz;
using fz::Bytes;

constexpr std::size_t kMaxContextMaps = 8;

std::uint32_t le32(const Bytes& data, std::size_t at) {
    return static_cast<std::uint32_t>(data[at]) | (static_cast<std::uint32_t>(data[at + 1]) << 8) |
           (static_cast<std::uint32_t>(data[at + 2]) << 16) |
           (static_cast<std::uint32_t>(data[at + 3]) << 24);
}

std::uint64_t le48(const Bytes& data, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        v |= static_cast<std::uint64_t>(data[at + i]) << (8 * i);
    }
    return v;
}

// Splits a file image into events by their length fields; stops at the first that does not fit.
std::vector<Bytes> splitEvents(const Bytes& image) {
    std::vector<Bytes> events;
    std::size_t at = 4;
    while (image.size() - at >= 19) {
        const std::uint32_t length = le32(image, at + 9);
        if (length < 19 || length > image.size() - at) {
            break;
        }
        events.emplace_back(image.begin() + static_cast<std::ptrdiff_t>(at),
                            image.begin() + static_cast<std::ptrdiff_t>(at + length));
        at += length;
    }
    return events;
}

class SeedWriter {
public:
    explicit SeedWriter(fs::path dir) : m_dir(std::move(dir)) {}

    bool write(const std::string& name, std::uint8_t control, const Bytes& payload) {
        std::ofstream out(m_dir / name, std::ios::binary | std::ios::trunc);
        out.put(static_cast<char>(control));
        out.write(reinterpret_cast<const char*>(payload.data()),
                  static_cast<std::streamsize>(payload.size()));
        if (!out) {
            std::fprintf(stderr, "fuzz_event_decoder_seeds: cannot write %s\n",
                         (m_dir / name).c_str());
            return false;
        }
        ++m_count;
        return true;
    }
    std::size_t count() const { return m_count; }

private:
    fs::path m_dir;
    std::size_t m_count = 0;
};

// Writes the seeds of one binlog file image. Returns false on a write error.
bool writeFileSeeds(SeedWriter& writer, const std::string& stem, const Bytes& image) {
    namespace c = fz::control;
    if (!writer.write(stem + ".whole", c::kModeFileImage, image) ||
        !writer.write(stem + ".source", c::kModeFileImage | c::kFileSource, image)) {
        return false;
    }
    const std::vector<Bytes> events = splitEvents(image);
    const Bytes* fde = nullptr;
    std::uint8_t builtinMode = c::kModeMySql8;
    bool crc = false;
    std::map<std::uint64_t, const Bytes*> maps;  // table id -> latest TABLE_MAP
    std::vector<std::uint64_t> mapOrder;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Bytes& event = events[i];
        const std::uint8_t type = event[4];
        if (type == 15) {
            auto parsed = ferry::binlog::parseFormatDescription(event);
            if (parsed.ok()) {
                fde = &event;
                builtinMode = parsed->flavor == ferry::binlog::ServerFlavor::MariaDb
                                  ? c::kModeMariaDb
                                  : c::kModeMySql8;
                crc = parsed->checksumAlgorithm == ferry::binlog::ChecksumAlgorithm::Crc32;
            }
            maps.clear();
            mapOrder.clear();
            continue;
        }
        Bytes context;
        for (std::uint64_t id : mapOrder) {
            fz::putBytes(context, *maps[id]);
        }
        Bytes withFde(std::begin(ferry::binlog::kBinlogMagic),
                      std::end(ferry::binlog::kBinlogMagic));
        if (fde != nullptr) {
            fz::putBytes(withFde, *fde);
        }
        fz::putBytes(withFde, context);
        fz::putBytes(withFde, event);
        fz::putBytes(context, event);
        const std::string name = stem + ".e" + std::to_string(i);
        if (!writer.write(name + ".file", c::kModeFileImage, withFde) ||
            !writer.write(name + ".builtin",
                          static_cast<std::uint8_t>(builtinMode | (crc ? c::kCrc32 : 0)),
                          context)) {
            return false;
        }
        if (type == 19 && event.size() >= 19 + 6) {
            const std::uint64_t id = le48(event, 19);
            if (maps.count(id) == 0) {
                mapOrder.push_back(id);
                if (mapOrder.size() > kMaxContextMaps) {
                    maps.erase(mapOrder.front());
                    mapOrder.erase(mapOrder.begin());
                }
            }
            maps[id] = &event;
        } else if (type == 4) {
            maps.clear();
            mapOrder.clear();
        }
    }
    return true;
}

bool readFile(const fs::path& path, Bytes& out) {
    std::ifstream in(path, std::ios::binary);
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return static_cast<bool>(in) || in.eof();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: fuzz_event_decoder_seeds OUT_DIR [FIXTURE_DIR]\n");
        return 1;
    }
    const fs::path outDir = argv[1];
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (ec) {
        std::fprintf(stderr, "fuzz_event_decoder_seeds: cannot create %s: %s\n", argv[1],
                     ec.message().c_str());
        return 1;
    }
    SeedWriter writer(outDir);
    std::size_t fixtures = 0;
    if (argc == 3 && fs::is_directory(argv[2])) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(argv[2])) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& path : files) {
            Bytes image;
            if (!readFile(path, image)) {
                std::fprintf(stderr, "fuzz_event_decoder_seeds: cannot read %s\n", path.c_str());
                return 1;
            }
            if (image.size() < 4 ||
                !std::equal(image.begin(), image.begin() + 4, ferry::binlog::kBinlogMagic)) {
                continue;
            }
            if (!writeFileSeeds(writer, path.filename().string(), image)) {
                return 1;
            }
            ++fixtures;
        }
    }

    // Synthetic streams, always: they cover event types the fixtures lack.
    namespace c = fz::control;
    for (auto flavor : {fz::Flavor::MySql8, fz::Flavor::MariaDb1011}) {
        for (bool crc : {false, true}) {
            const std::string stem =
                std::string(flavor == fz::Flavor::MySql8 ? "synthetic-mysql8"
                                                         : "synthetic-mariadb") +
                (crc ? "-crc" : "-nocrc");
            const std::vector<Bytes> events = fz::syntheticStream(flavor, crc);
            if (!writeFileSeeds(writer, stem, fz::fileImage(events))) {
                return 1;
            }
            // No FDE decoded first: an artificial ROTATE and a HEARTBEAT, then the stream.
            Bytes stream;
            Bytes rotate;
            fz::putLe(rotate, 4, 8);
            fz::putText(rotate, "binlog.000001");
            fz::putBytes(stream,
                         fz::makeEvent(4, rotate, crc, ferry::binlog::header_flags::kArtificial));
            fz::putBytes(stream, fz::makeEvent(27, Bytes{'b', 'i', 'n'}, false));
            for (const auto& event : events) {
                fz::putBytes(stream, event);
            }
            if (!writer.write(stem + ".nofde", c::kModeNoFde | c::kTwice, stream)) {
                return 1;
            }
        }
    }
    std::printf("fuzz_event_decoder_seeds: %zu seeds (%zu fixture files) in %s\n", writer.count(),
                fixtures, outDir.c_str());
    return 0;
}
