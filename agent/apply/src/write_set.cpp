// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/write_set.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace ferry::apply {
namespace {

using ferry::v1::RowChange;
using ferry::v1::TableDefinition;
using ferry::v1::Transaction;
using ferry::v1::Value;

// ---- hashing ----------------------------------------------------------------------------------

// FNV-1a over length-prefixed fields, finished with a splitmix64 round so nearby inputs spread.
// A collision only merges two write sets (a false conflict).
class Hasher {
public:
    explicit Hasher(char kind) { byte(static_cast<unsigned char>(kind)); }

    Hasher& field(std::string_view bytes) {
        std::uint64_t length = bytes.size();
        for (int i = 0; i < 8; ++i) {
            byte(static_cast<unsigned char>(length >> (8 * i)));
        }
        for (const char c : bytes) {
            byte(static_cast<unsigned char>(c));
        }
        return *this;
    }

    std::uint64_t finish() const {
        std::uint64_t z = m_state + 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    void byte(unsigned char b) {
        m_state ^= b;
        m_state *= 0x100000001b3ULL;
    }

    std::uint64_t m_state = 0xcbf29ce484222325ULL;
};

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// ---- collation folding ------------------------------------------------------------------------

constexpr char32_t kHangulClass = 0xE000;  // private use: never produced by real text folding
constexpr char32_t kKanaClass = 0xE001;

// Base letters of U+00C0..U+00FF; '*' keeps the code point, uppercase marks an expansion.
constexpr std::string_view kLatin1 =
    "aaaaaaAceeeeiiiidnooooo*ouuuuyTSaaaaaaAceeeeiiiidnooooo*ouuuuyTy";
// Base letters of U+0100..U+017F; 'J' is ij, 'O' is oe.
constexpr std::string_view kLatinExtendedA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiJJjjkkklllllll"
    "lllnnnnnnnnnooooooOOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

void appendExpansion(char marker, std::u32string& out) {
    switch (marker) {
        case 'A':
            out += U"ae";
            return;
        case 'O':
            out += U"oe";
            return;
        case 'T':
            out += U"th";
            return;
        case 'S':
            out += U"ss";
            return;
        case 'J':
            out += U"ij";
            return;
        default:
            out.push_back(static_cast<char32_t>(marker));
    }
}

bool isIgnorable(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD || c == 0x34F ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) ||
           (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0xFE20 && c <= 0xFE2F) || c == 0xFEFF || (c >= 0xE0000 && c <= 0xE0FFF);
}

// Latin Extended-B (U+0180..U+024F), the letters with a clear base; 0 keeps the code point.
const char* latinExtendedB(char32_t c) {
    struct Range {
        char32_t first;
        char32_t last;
        const char* base;
    };
    static constexpr Range kRanges[] = {
        {0x180, 0x180, "b"},  {0x1A0, 0x1A1, "o"},  {0x1AF, 0x1B0, "u"}, {0x1C4, 0x1C6, "dz"},
        {0x1C7, 0x1C9, "lj"}, {0x1CA, 0x1CC, "nj"}, {0x1CD, 0x1CE, "a"}, {0x1CF, 0x1D0, "i"},
        {0x1D1, 0x1D2, "o"},  {0x1D3, 0x1DC, "u"},  {0x1DE, 0x1E1, "a"}, {0x1E2, 0x1E3, "ae"},
        {0x1E4, 0x1E7, "g"},  {0x1E8, 0x1E9, "k"},  {0x1EA, 0x1ED, "o"}, {0x1F0, 0x1F0, "j"},
        {0x1F1, 0x1F3, "dz"}, {0x1F4, 0x1F5, "g"},  {0x1F8, 0x1F9, "n"}, {0x1FA, 0x1FB, "a"},
        {0x1FC, 0x1FD, "ae"}, {0x1FE, 0x1FF, "o"},  {0x200, 0x203, "a"}, {0x204, 0x207, "e"},
        {0x208, 0x20B, "i"},  {0x20C, 0x20F, "o"},  {0x210, 0x213, "r"}, {0x214, 0x217, "u"},
        {0x218, 0x219, "s"},  {0x21A, 0x21B, "t"},  {0x21E, 0x21F, "h"}, {0x226, 0x227, "a"},
        {0x228, 0x229, "e"},  {0x22A, 0x231, "o"},  {0x232, 0x233, "y"},
    };
    for (const Range& range : kRanges) {
        if (c >= range.first && c <= range.last) {
            return range.base;
        }
    }
    return nullptr;
}

// Latin Extended Additional (U+1E00..U+1EFF): letters with marks, in alphabetical runs.
const char* latinExtendedAdditional(char32_t c) {
    struct Range {
        char32_t first;
        char32_t last;
        const char* base;
    };
    static constexpr Range kRanges[] = {
        {0x1E00, 0x1E01, "a"}, {0x1E02, 0x1E07, "b"}, {0x1E08, 0x1E09, "c"},  {0x1E0A, 0x1E13, "d"},
        {0x1E14, 0x1E1D, "e"}, {0x1E1E, 0x1E1F, "f"}, {0x1E20, 0x1E21, "g"},  {0x1E22, 0x1E2B, "h"},
        {0x1E2C, 0x1E2F, "i"}, {0x1E30, 0x1E35, "k"}, {0x1E36, 0x1E3D, "l"},  {0x1E3E, 0x1E43, "m"},
        {0x1E44, 0x1E4B, "n"}, {0x1E4C, 0x1E53, "o"}, {0x1E54, 0x1E57, "p"},  {0x1E58, 0x1E5F, "r"},
        {0x1E60, 0x1E69, "s"}, {0x1E6A, 0x1E71, "t"}, {0x1E72, 0x1E7B, "u"},  {0x1E7C, 0x1E7F, "v"},
        {0x1E80, 0x1E89, "w"}, {0x1E8A, 0x1E8D, "x"}, {0x1E8E, 0x1E8F, "y"},  {0x1E90, 0x1E95, "z"},
        {0x1E96, 0x1E96, "h"}, {0x1E97, 0x1E97, "t"}, {0x1E98, 0x1E98, "w"},  {0x1E99, 0x1E99, "y"},
        {0x1E9A, 0x1E9A, "a"}, {0x1E9B, 0x1E9B, "s"}, {0x1E9E, 0x1E9E, "ss"}, {0x1EA0, 0x1EB7, "a"},
        {0x1EB8, 0x1EC7, "e"}, {0x1EC8, 0x1ECB, "i"}, {0x1ECC, 0x1EE3, "o"},  {0x1EE4, 0x1EF1, "u"},
        {0x1EF2, 0x1EF9, "y"},
    };
    for (const Range& range : kRanges) {
        if (c >= range.first && c <= range.last) {
            return range.base;
        }
    }
    return nullptr;
}

char32_t greekBase(char32_t c) {
    switch (c) {
        case 0x386:
        case 0x3AC:
            return 0x3B1;  // alpha
        case 0x388:
        case 0x3AD:
            return 0x3B5;  // epsilon
        case 0x389:
        case 0x3AE:
            return 0x3B7;  // eta
        case 0x38A:
        case 0x3AF:
        case 0x390:
        case 0x3AA:
        case 0x3CA:
            return 0x3B9;  // iota
        case 0x38C:
        case 0x3CC:
            return 0x3BF;  // omicron
        case 0x38E:
        case 0x3CD:
        case 0x3B0:
        case 0x3AB:
        case 0x3CB:
            return 0x3C5;  // upsilon
        case 0x38F:
        case 0x3CE:
            return 0x3C9;  // omega
        case 0x3C2:
            return 0x3C3;  // final sigma
        default:
            break;
    }
    if (c >= 0x391 && c <= 0x3A9) {
        return c + 0x20;
    }
    return c;
}

char32_t cyrillicBase(char32_t c) {
    if (c >= 0x410 && c <= 0x42F) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40F) {
        c += 0x50;
    }
    switch (c) {
        case 0x450:  // ѐ
        case 0x451:  // ё
            return 0x435;
        case 0x453:  // ѓ
            return 0x433;
        case 0x457:  // ї
            return 0x456;
        case 0x45C:  // ќ
            return 0x43A;
        case 0x45D:  // ѝ
        case 0x439:  // й
            return 0x438;
        case 0x45E:  // ў
            return 0x443;
        default:
            return c;
    }
}

void foldCodePoint(char32_t c, std::u32string& out) {
    if (isIgnorable(c)) {
        return;
    }
    if (c >= 0xFF01 && c <= 0xFF5E) {
        c -= 0xFEE0;  // full-width ASCII
    } else if (c == 0x3000) {
        c = U' ';
    }
    if (c < 0x80) {
        out.push_back(c >= U'A' && c <= U'Z' ? c - U'A' + U'a' : c);
    } else if (c >= 0xC0 && c <= 0xFF) {
        const char base = kLatin1[c - 0xC0];
        if (base == '*') {
            out.push_back(c);
        } else {
            appendExpansion(base, out);
        }
    } else if (c >= 0x100 && c <= 0x17F) {
        appendExpansion(kLatinExtendedA[c - 0x100], out);
    } else if (const char* base = (c >= 0x180 && c <= 0x24F)     ? latinExtendedB(c)
                                  : (c >= 0x1E00 && c <= 0x1EFF) ? latinExtendedAdditional(c)
                                                                 : nullptr) {
        for (const char* p = base; *p != '\0'; ++p) {
            out.push_back(static_cast<char32_t>(*p));
        }
    } else if (c >= 0x370 && c <= 0x3FF) {
        out.push_back(greekBase(c));
    } else if (c >= 0x400 && c <= 0x4FF) {
        out.push_back(cyrillicBase(c));
    } else if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
               (c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7FF) ||
               (c >= 0xFFA0 && c <= 0xFFDC)) {
        out.push_back(kHangulClass);
    } else if ((c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
               (c >= 0xFF65 && c <= 0xFF9F)) {
        out.push_back(kKanaClass);
    } else {
        out.push_back(c);
    }
}

// Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool decodeUtf8(std::string_view bytes, std::u32string& out) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto b0 = static_cast<unsigned char>(bytes[i]);
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t c = 0;
        char32_t minimum = 0;
        if ((b0 & 0xE0) == 0xC0) {
            length = 2;
            c = b0 & 0x1F;
            minimum = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            length = 3;
            c = b0 & 0x0F;
            minimum = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            length = 4;
            c = b0 & 0x07;
            minimum = 0x10000;
        } else {
            return false;
        }
        if (bytes.size() - i < length) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto b = static_cast<unsigned char>(bytes[i + k]);
            if ((b & 0xC0) != 0x80) {
                return false;
            }
            c = (c << 6) | (b & 0x3F);
        }
        if (c < minimum || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return false;
        }
        out.push_back(c);
        i += length;
    }
    return true;
}

// MySQL's latin1 is cp1252; only its letters matter here, the rest folds like C1 controls.
char32_t cp1252(unsigned char b) {
    switch (b) {
        case 0x8A:
            return 0x160;
        case 0x8C:
            return 0x152;
        case 0x8E:
            return 0x17D;
        case 0x9A:
            return 0x161;
        case 0x9C:
            return 0x153;
        case 0x9E:
            return 0x17E;
        case 0x9F:
            return 0x178;
        default:
            return b;
    }
}

void appendUtf8(char32_t c, std::string& out) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

std::string_view stripTrailingSpaces(std::string_view bytes) {
    while (!bytes.empty() && bytes.back() == ' ') {
        bytes.remove_suffix(1);
    }
    return bytes;
}

// ---- key values -------------------------------------------------------------------------------

std::string decimalText(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    while (text.size() > 1 && text.front() == '0' && text[1] != '.') {
        text.remove_prefix(1);
    }
    if (text.find('.') != std::string_view::npos) {
        while (!text.empty() && text.back() == '0') {
            text.remove_suffix(1);
        }
        if (!text.empty() && text.back() == '.') {
            text.remove_suffix(1);
        }
    }
    if (text.empty() || text == "0") {
        return "0";
    }
    return negative ? "-" + std::string(text) : std::string(text);
}

enum class KeyValue { Known, Null, Unknown };

// Appends the normalised form of one key value; Null and Unknown append nothing.
KeyValue normaliseValue(const Value& value, const ferry::v1::Column& column, std::string& out) {
    switch (value.kind_case()) {
        case Value::KIND_NOT_SET:
        case Value::kJsonDiffs:
            return KeyValue::Unknown;
        case Value::kNull:
            return KeyValue::Null;
        case Value::kInt:
            out += "i" + std::to_string(value.int_());
            break;
        case Value::kUint:
            out += "i" + std::to_string(value.uint());
            break;
        case Value::kReal: {
            const double real = value.real() == 0.0 ? 0.0 : value.real();
            out += "r" + std::to_string(std::bit_cast<std::uint64_t>(real));
            break;
        }
        case Value::kDecimal:
            out += "n" + decimalText(value.decimal());
            break;
        case Value::kTemporal:
            out += "t" + value.temporal();
            break;
        case Value::kTimestamp:
            out += "s" + std::to_string(value.timestamp().seconds()) + "." +
                   std::to_string(value.timestamp().microseconds());
            break;
        case Value::kText: {
            const std::uint32_t collation =
                value.collation() != 0 ? value.collation() : column.collation();
            out += "x" + foldText(value.text(), collation);
            break;
        }
        case Value::kBinary:
            out += "b" + value.binary();
            break;
        case Value::kJson:
            out += "j" + value.json();
            break;
        case Value::kBit:
            out += "B" + std::to_string(value.bit());
            break;
        case Value::kEnumIndex:
            out += "e" + std::to_string(value.enum_index());
            break;
        case Value::kSetBits:
            out += "S" + std::to_string(value.set_bits());
            break;
        case Value::kGeometry:
            out += "g" + value.geometry();
            break;
        case Value::kVector:
            out += "v" + value.vector();
            break;
    }
    // Separator with the length, so concatenated values cannot alias.
    out += "|" + std::to_string(out.size()) + "|";
    return KeyValue::Known;
}

struct TableState {
    std::string schema;  // target, lowercase
    std::string table;
    std::uint64_t tableHash = 0;
    bool whole = false;
    std::vector<std::uint64_t> keys;
};

}  // namespace

// ---- WriteSet ---------------------------------------------------------------------------------

namespace {

bool sortedIntersect(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    auto i = a.begin();
    auto j = b.begin();
    while (i != a.end() && j != b.end()) {
        if (*i < *j) {
            ++i;
        } else if (*j < *i) {
            ++j;
        } else {
            return true;
        }
    }
    return false;
}

void sortedMerge(std::vector<std::uint64_t>& into, const std::vector<std::uint64_t>& from) {
    std::vector<std::uint64_t> merged;
    merged.reserve(into.size() + from.size());
    std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(merged));
    into = std::move(merged);
}

void sortUnique(std::vector<std::uint64_t>& values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

}  // namespace

bool WriteSet::conflictsWith(const WriteSet& other) const {
    if (barrier || other.barrier) {
        return true;
    }
    return sortedIntersect(exclusive, other.exclusive) ||
           sortedIntersect(exclusive, other.tables) || sortedIntersect(tables, other.exclusive);
}

void WriteSet::merge(const WriteSet& other) {
    barrier = barrier || other.barrier;
    sortedMerge(exclusive, other.exclusive);
    sortedMerge(tables, other.tables);
}

// ---- ForeignKeyGroups -------------------------------------------------------------------------

std::uint64_t ForeignKeyGroups::node(std::string_view schema, std::string_view table) {
    std::string name = lowerAscii(schema);
    name.push_back('\0');
    name += lowerAscii(table);
    const auto [it, inserted] = m_ids.emplace(std::move(name), m_parent.size());
    if (inserted) {
        m_parent.push_back(it->second);
    }
    return it->second;
}

std::uint64_t ForeignKeyGroups::find(std::uint64_t node) const {
    while (m_parent[node] != node) {
        m_parent[node] = m_parent[m_parent[node]];
        node = m_parent[node];
    }
    return node;
}

void ForeignKeyGroups::link(std::string_view childSchema, std::string_view childTable,
                            std::string_view parentSchema, std::string_view parentTable) {
    const std::uint64_t a = find(node(childSchema, childTable));
    const std::uint64_t b = find(node(parentSchema, parentTable));
    // The smaller id is the root, so a group's id does not depend on the order of links.
    if (a < b) {
        m_parent[b] = a;
    } else if (b < a) {
        m_parent[a] = b;
    }
}

std::optional<std::uint64_t> ForeignKeyGroups::groupOf(std::string_view schema,
                                                       std::string_view table) const {
    std::string name = lowerAscii(schema);
    name.push_back('\0');
    name += lowerAscii(table);
    const auto it = m_ids.find(name);
    if (it == m_ids.end()) {
        return std::nullopt;
    }
    return find(it->second);
}

// ---- collations -------------------------------------------------------------------------------

CollationClass classifyCollation(std::uint32_t collation) {
    switch (collation) {
        case 63:         // binary
        case 309:        // utf8mb4_0900_bin (NO PAD)
        case 47 + 1024:  // MariaDB latin1_nopad_bin
        case 65 + 1024:  // ascii_nopad_bin
        case 83 + 1024:  // utf8mb3_nopad_bin
        case 46 + 1024:  // utf8mb4_nopad_bin
            return CollationClass::Binary;
        case 47:  // latin1_bin
        case 65:  // ascii_bin
        case 83:  // utf8mb3_bin
        case 46:  // utf8mb4_bin
            return CollationClass::BinaryPadSpace;
        default:
            return CollationClass::Folded;
    }
}

std::string foldText(std::string_view bytes, std::uint32_t collation) {
    switch (classifyCollation(collation)) {
        case CollationClass::Binary:
            return std::string(bytes);
        case CollationClass::BinaryPadSpace:
            return std::string(stripTrailingSpaces(bytes));
        case CollationClass::Folded:
            break;
    }
    std::u32string codePoints;
    codePoints.reserve(bytes.size());
    const auto charset = charsetOfCollation(collation);
    if (!charset || *charset == "utf8mb4" || *charset == "utf8mb3") {
        if (!decodeUtf8(bytes, codePoints)) {
            return {};
        }
    } else if (*charset == "latin1" || *charset == "ascii") {
        for (const char c : bytes) {
            codePoints.push_back(cp1252(static_cast<unsigned char>(c)));
        }
    } else {
        return {};
    }
    std::u32string folded;
    folded.reserve(codePoints.size());
    for (const char32_t c : codePoints) {
        foldCodePoint(c, folded);
    }
    std::u32string merged;
    merged.reserve(folded.size());
    for (char32_t c : folded) {
        if (c == U'y') {
            c = U'u';
        }
        const char32_t last = merged.empty() ? 0 : merged.back();
        if (c == U'e' && (last == U'a' || last == U'o' || last == U'u')) {
            continue;
        }
        if (c == last && !(c >= U'0' && c <= U'9')) {
            continue;
        }
        merged.push_back(c);
    }
    while (!merged.empty() && merged.back() == U' ') {
        merged.pop_back();
    }
    std::string out;
    out.reserve(merged.size());
    for (const char32_t c : merged) {
        appendUtf8(c, out);
    }
    return out;
}

// ---- computeWriteSet --------------------------------------------------------------------------

WriteSet computeWriteSet(const Transaction& transaction, const WriteSetOptions& options) {
    WriteSet set;
    if (transaction.has_ddl() || transaction.streamed()) {
        set.barrier = true;
        return set;
    }
    std::vector<TableState> tables(static_cast<std::size_t>(transaction.tables_size()));
    std::vector<bool> touched(tables.size(), false);
    std::size_t hashCount = 0;
    for (const RowChange& change : transaction.changes()) {
        if (change.table() >= tables.size()) {
            set.barrier = true;
            return set;
        }
        const TableDefinition& table = transaction.tables(static_cast<int>(change.table()));
        TableState& state = tables[change.table()];
        if (!touched[change.table()]) {
            touched[change.table()] = true;
            const auto [schema, name] = options.mapping.targetTable(table.schema(), table.name());
            state.schema = lowerAscii(schema);
            state.table = lowerAscii(name);
            state.tableHash = Hasher('T').field(state.schema).field(state.table).finish();
            const auto group = options.foreignKeys != nullptr
                                   ? options.foreignKeys->groupOf(schema, name)
                                   : std::nullopt;
            if (group) {
                state.whole = true;
                set.exclusive.push_back(Hasher('G').field(std::to_string(*group)).finish());
            }
            if (table.primary_key_size() == 0 && table.unique_keys_size() == 0) {
                state.whole = true;
            }
        }
        if (state.whole) {
            continue;
        }
        struct KeyRef {
            std::string name;
            const google::protobuf::RepeatedField<std::uint32_t>* columns;
        };
        std::vector<KeyRef> keys;
        if (table.primary_key_size() > 0) {
            keys.push_back({"primary", &table.primary_key()});
        }
        for (int k = 0; k < table.unique_keys_size(); ++k) {
            const auto& unique = table.unique_keys(k);
            keys.push_back(
                {unique.name().empty() ? "#" + std::to_string(k) : lowerAscii(unique.name()),
                 &unique.columns()});
        }
        const bool hasBefore = change.type() == ferry::v1::CHANGE_TYPE_UPDATE ||
                               change.type() == ferry::v1::CHANGE_TYPE_DELETE;
        const bool hasAfter = change.type() == ferry::v1::CHANGE_TYPE_INSERT ||
                              change.type() == ferry::v1::CHANGE_TYPE_UPDATE;
        if (!hasBefore && !hasAfter) {
            set.barrier = true;
            return set;
        }
        for (const auto* image :
             {hasBefore ? &change.before() : nullptr, hasAfter ? &change.after() : nullptr}) {
            if (image == nullptr) {
                continue;
            }
            std::size_t imageKeys = 0;
            for (const KeyRef& key : keys) {
                if (key.columns->empty()) {
                    continue;
                }
                std::string values;
                KeyValue result = KeyValue::Known;
                for (const std::uint32_t column : *key.columns) {
                    if (column >= static_cast<std::uint32_t>(table.columns_size())) {
                        set.barrier = true;
                        return set;
                    }
                    if (column >= static_cast<std::uint32_t>(image->size())) {
                        result = KeyValue::Unknown;
                        break;
                    }
                    result = normaliseValue((*image)[static_cast<int>(column)],
                                            table.columns(static_cast<int>(column)), values);
                    if (result != KeyValue::Known) {
                        break;
                    }
                }
                if (result == KeyValue::Unknown) {
                    state.whole = true;
                    break;
                }
                if (result == KeyValue::Null) {
                    continue;  // a unique key with a NULL part constrains nothing
                }
                state.keys.push_back(Hasher('K')
                                         .field(state.schema)
                                         .field(state.table)
                                         .field(key.name)
                                         .field(values)
                                         .finish());
                ++hashCount;
                ++imageKeys;
            }
            // No primary key and every unique key NULL: the row has no identity to lock by.
            if (imageKeys == 0 && table.primary_key_size() == 0) {
                state.whole = true;
            }
            if (state.whole) {
                break;
            }
        }
    }
    const bool tooMany = hashCount > options.maxHashesPerTransaction;
    for (std::size_t t = 0; t < tables.size(); ++t) {
        if (!touched[t]) {
            continue;
        }
        TableState& state = tables[t];
        set.tables.push_back(state.tableHash);
        if (state.whole || tooMany) {
            set.exclusive.push_back(state.tableHash);
        } else {
            set.exclusive.insert(set.exclusive.end(), state.keys.begin(), state.keys.end());
        }
    }
    sortUnique(set.exclusive);
    sortUnique(set.tables);
    return set;
}

}  // namespace ferry::apply
