// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/charset_catalog.h"

#include <array>
#include <cctype>

namespace ferry::schema {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// "utf8" is utf8mb3 on every supported server; so are "utf8_*" collations.
std::string canonicalName(std::string_view name) {
    std::string out = lower(name);
    if (out == "utf8") {
        return "utf8mb3";
    }
    if (out.rfind("utf8_", 0) == 0) {
        return "utf8mb3_" + out.substr(5);
    }
    return out;
}

struct CharsetRow {
    const char* charset;
    std::uint32_t maxBytes;
};

constexpr std::array kCharsets{
    CharsetRow{"big5", 2},    CharsetRow{"dec8", 1},    CharsetRow{"cp850", 1},
    CharsetRow{"hp8", 1},     CharsetRow{"koi8r", 1},   CharsetRow{"latin1", 1},
    CharsetRow{"latin2", 1},  CharsetRow{"swe7", 1},    CharsetRow{"ascii", 1},
    CharsetRow{"ujis", 3},    CharsetRow{"sjis", 2},    CharsetRow{"hebrew", 1},
    CharsetRow{"tis620", 1},  CharsetRow{"euckr", 2},   CharsetRow{"koi8u", 1},
    CharsetRow{"gb2312", 2},  CharsetRow{"greek", 1},   CharsetRow{"cp1250", 1},
    CharsetRow{"gbk", 2},     CharsetRow{"latin5", 1},  CharsetRow{"armscii8", 1},
    CharsetRow{"utf8mb3", 3}, CharsetRow{"ucs2", 2},    CharsetRow{"cp866", 1},
    CharsetRow{"keybcs2", 1}, CharsetRow{"macce", 1},   CharsetRow{"macroman", 1},
    CharsetRow{"cp852", 1},   CharsetRow{"latin7", 1},  CharsetRow{"cp1251", 1},
    CharsetRow{"utf16", 4},   CharsetRow{"utf16le", 4}, CharsetRow{"cp1256", 1},
    CharsetRow{"cp1257", 1},  CharsetRow{"utf32", 4},   CharsetRow{"binary", 1},
    CharsetRow{"geostd8", 1}, CharsetRow{"cp932", 2},   CharsetRow{"eucjpms", 3},
    CharsetRow{"utf8mb4", 4}, CharsetRow{"gb18030", 4},
};

struct CollationRow {
    const char* name;
    const char* charset;
    std::uint32_t id;
    bool isDefault;
};

// Ids shared by MySQL and MariaDB.
constexpr std::array kCollations{
    CollationRow{"big5_chinese_ci", "big5", 1, true},
    CollationRow{"big5_bin", "big5", 84, false},
    CollationRow{"dec8_swedish_ci", "dec8", 3, true},
    CollationRow{"cp850_general_ci", "cp850", 4, true},
    CollationRow{"latin1_german1_ci", "latin1", 5, false},
    CollationRow{"hp8_english_ci", "hp8", 6, true},
    CollationRow{"koi8r_general_ci", "koi8r", 7, true},
    CollationRow{"latin1_swedish_ci", "latin1", 8, true},
    CollationRow{"latin2_general_ci", "latin2", 9, true},
    CollationRow{"swe7_swedish_ci", "swe7", 10, true},
    CollationRow{"ascii_general_ci", "ascii", 11, true},
    CollationRow{"ujis_japanese_ci", "ujis", 12, true},
    CollationRow{"sjis_japanese_ci", "sjis", 13, true},
    CollationRow{"latin1_danish_ci", "latin1", 15, false},
    CollationRow{"hebrew_general_ci", "hebrew", 16, true},
    CollationRow{"tis620_thai_ci", "tis620", 18, true},
    CollationRow{"euckr_korean_ci", "euckr", 19, true},
    CollationRow{"koi8u_general_ci", "koi8u", 22, true},
    CollationRow{"gb2312_chinese_ci", "gb2312", 24, true},
    CollationRow{"greek_general_ci", "greek", 25, true},
    CollationRow{"cp1250_general_ci", "cp1250", 26, true},
    CollationRow{"gbk_chinese_ci", "gbk", 28, true},
    CollationRow{"latin5_turkish_ci", "latin5", 30, true},
    CollationRow{"latin1_german2_ci", "latin1", 31, false},
    CollationRow{"armscii8_general_ci", "armscii8", 32, true},
    CollationRow{"utf8mb3_general_ci", "utf8mb3", 33, true},
    CollationRow{"ucs2_general_ci", "ucs2", 35, true},
    CollationRow{"cp866_general_ci", "cp866", 36, true},
    CollationRow{"keybcs2_general_ci", "keybcs2", 37, true},
    CollationRow{"macce_general_ci", "macce", 38, true},
    CollationRow{"macroman_general_ci", "macroman", 39, true},
    CollationRow{"cp852_general_ci", "cp852", 40, true},
    CollationRow{"latin7_general_ci", "latin7", 41, true},
    CollationRow{"utf8mb4_general_ci", "utf8mb4", 45, false},
    CollationRow{"utf8mb4_bin", "utf8mb4", 46, false},
    CollationRow{"latin1_bin", "latin1", 47, false},
    CollationRow{"latin1_general_ci", "latin1", 48, false},
    CollationRow{"latin1_general_cs", "latin1", 49, false},
    CollationRow{"cp1251_bin", "cp1251", 50, false},
    CollationRow{"cp1251_general_ci", "cp1251", 51, true},
    CollationRow{"utf16_general_ci", "utf16", 54, true},
    CollationRow{"utf16_bin", "utf16", 55, false},
    CollationRow{"utf16le_general_ci", "utf16le", 56, true},
    CollationRow{"cp1256_general_ci", "cp1256", 57, true},
    CollationRow{"cp1257_general_ci", "cp1257", 59, true},
    CollationRow{"utf32_general_ci", "utf32", 60, true},
    CollationRow{"utf32_bin", "utf32", 61, false},
    CollationRow{"binary", "binary", 63, true},
    CollationRow{"ascii_bin", "ascii", 65, false},
    CollationRow{"latin2_bin", "latin2", 77, false},
    CollationRow{"utf8mb3_bin", "utf8mb3", 83, false},
    CollationRow{"euckr_bin", "euckr", 85, false},
    CollationRow{"gb2312_bin", "gb2312", 86, false},
    CollationRow{"gbk_bin", "gbk", 87, false},
    CollationRow{"sjis_bin", "sjis", 88, false},
    CollationRow{"ucs2_bin", "ucs2", 90, false},
    CollationRow{"ujis_bin", "ujis", 91, false},
    CollationRow{"geostd8_general_ci", "geostd8", 92, true},
    CollationRow{"latin1_spanish_ci", "latin1", 94, false},
    CollationRow{"cp932_japanese_ci", "cp932", 95, true},
    CollationRow{"eucjpms_japanese_ci", "eucjpms", 97, true},
    CollationRow{"utf8mb3_unicode_ci", "utf8mb3", 192, false},
    CollationRow{"utf8mb3_unicode_520_ci", "utf8mb3", 214, false},
    CollationRow{"utf8mb3_general_mysql500_ci", "utf8mb3", 223, false},
    CollationRow{"utf8mb4_unicode_ci", "utf8mb4", 224, false},
    CollationRow{"utf8mb4_unicode_520_ci", "utf8mb4", 246, false},
};

// MySQL 8 only.
constexpr std::array kMysqlCollations{
    CollationRow{"gb18030_chinese_ci", "gb18030", 248, true},
    CollationRow{"gb18030_bin", "gb18030", 249, false},
    CollationRow{"utf8mb4_0900_ai_ci", "utf8mb4", 255, true},
    CollationRow{"utf8mb4_0900_as_cs", "utf8mb4", 278, false},
    CollationRow{"utf8mb4_0900_as_ci", "utf8mb4", 305, false},
    CollationRow{"utf8mb4_0900_bin", "utf8mb4", 309, false},
};

}  // namespace

CharsetCatalog CharsetCatalog::builtIn(ServerFlavor flavor) {
    CharsetCatalog catalog;
    catalog.m_flavor = flavor;
    for (const auto& row : kCharsets) {
        catalog.addCharset(row.charset, row.maxBytes);
    }
    for (const auto& row : kCollations) {
        catalog.addCollation(row.name, row.charset, row.id, row.isDefault);
    }
    if (flavor == ServerFlavor::MySql) {
        for (const auto& row : kMysqlCollations) {
            catalog.addCollation(row.name, row.charset, row.id, row.isDefault);
        }
    } else {
        catalog.m_defaultCollation["utf8mb4"] = "utf8mb4_general_ci";
    }
    return catalog;
}

void CharsetCatalog::addCharset(std::string_view charset, std::uint32_t maxBytesPerChar) {
    m_maxBytes[canonicalName(charset)] = maxBytesPerChar;
}

void CharsetCatalog::addCollation(std::string_view collation, std::string_view charset,
                                  std::uint32_t id, bool isDefault) {
    Collation entry{canonicalName(collation), canonicalName(charset), id, isDefault};
    if (isDefault) {
        m_defaultCollation[entry.charset] = entry.name;
    }
    m_collations[entry.name] = std::move(entry);
}

std::optional<std::string> CharsetCatalog::canonicalCharset(std::string_view charset) const {
    std::string name = canonicalName(charset);
    if (m_maxBytes.count(name) == 0) {
        return std::nullopt;
    }
    return name;
}

std::optional<std::string> CharsetCatalog::canonicalCollation(std::string_view collation) const {
    std::string name = canonicalName(collation);
    if (m_collations.count(name) == 0) {
        return std::nullopt;
    }
    return name;
}

std::optional<std::uint32_t> CharsetCatalog::maxBytesPerChar(std::string_view charset) const {
    auto it = m_maxBytes.find(canonicalName(charset));
    if (it == m_maxBytes.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<std::string> CharsetCatalog::defaultCollation(std::string_view charset) const {
    auto it = m_defaultCollation.find(canonicalName(charset));
    if (it == m_defaultCollation.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<std::string> CharsetCatalog::charsetOfCollation(std::string_view collation) const {
    auto it = m_collations.find(canonicalName(collation));
    if (it == m_collations.end()) {
        return std::nullopt;
    }
    return it->second.charset;
}

std::uint32_t CharsetCatalog::collationId(std::string_view collation) const {
    auto it = m_collations.find(canonicalName(collation));
    return it == m_collations.end() ? 0 : it->second.id;
}

std::optional<std::string> CharsetCatalog::binaryCollation(std::string_view charset) const {
    std::string name = canonicalName(charset);
    if (name == "binary") {
        return name;
    }
    return canonicalCollation(name + "_bin");
}

}  // namespace ferry::schema
