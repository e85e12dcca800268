// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ferry::security::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with its content when destroyed.
class TempDir {
public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/ferry-sec-XXXXXX";
        if (::mkdtemp(pattern.data()) != nullptr) {
            m_path = pattern;
        }
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        if (!m_path.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(m_path, ignored);
        }
    }

    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

    // Writes `content` to `name` with `mode`; returns the full path.
    std::string write(const std::string& name, const std::string& content, mode_t mode) const {
        const std::string full = file(name);
        std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
        ::chmod(full.c_str(), mode);
        return full;
    }

private:
    std::string m_path;
};

inline mode_t fileMode(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return 0;
    }
    return info.st_mode & 07777;
}

inline std::string readText(const std::string& path) {
    std::string out;
    if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
            out.append(buffer, n);
        }
        std::fclose(file);
    }
    return out;
}

}  // namespace ferry::security::testing
