// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/statement_builder.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "ferry/apply/sql_session.h"

namespace ferry::apply {
namespace {

using ferry::v1::ChangeType;
using ferry::v1::Column;
using ferry::v1::RowChange;
using ferry::v1::TableDefinition;
using ferry::v1::Transaction;
using ferry::v1::Value;

constexpr std::size_t kMaxKeyValueChars = 64;

std::string hexLiteral(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2 + 3);
    out += "X'";
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 15]);
    }
    out.push_back('\'');
    return out;
}

bool validUtf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        std::uint32_t cp = 0;
        if ((b & 0xE0) == 0xC0) {
            length = 2;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            length = 3;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            length = 4;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (bytes.size() - i < length) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto c = static_cast<unsigned char>(bytes[i + k]);
            if ((c & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (c & 0x3F);
        }
        static constexpr std::array<std::uint32_t, 5> kMin = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

bool validDecimal(std::string_view text) {
    std::size_t i = 0;
    if (i < text.size() && text[i] == '-') {
        ++i;
    }
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
        ++digits;
    }
    if (digits == 0) {
        return false;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        std::size_t fraction = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            ++fraction;
        }
        if (fraction == 0) {
            return false;
        }
    }
    return i == text.size();
}

bool validTemporal(std::string_view text) {
    if (text.empty() || text.size() > 32) {
        return false;
    }
    for (const char c : text) {
        const bool ok = (c >= '0' && c <= '9') || c == '-' || c == ':' || c == ' ' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

template <typename T>
std::string integerText(T value) {
    std::array<char, 24> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    (void)ec;
    return std::string(buffer.data(), end);
}

std::string twoDigits(unsigned value) {
    std::string out(2, '0');
    out[0] = static_cast<char>('0' + (value / 10) % 10);
    out[1] = static_cast<char>('0' + value % 10);
    return out;
}

// 'YYYY-MM-DD HH:MM:SS[.ffffff]' of an epoch time in UTC; fsp digits of fraction (6 when the
// value has microseconds but fsp is 0, so nothing is dropped).
Result<std::string> timestampText(const ferry::v1::Timestamp& ts) {
    if (ts.microseconds() > 999999) {
        return makeError(
            ErrorCode::Corrupt,
            "TIMESTAMP microseconds " + std::to_string(ts.microseconds()) + " out of range");
    }
    if (ts.seconds() == 0 && ts.microseconds() == 0) {
        std::string zero = "'0000-00-00 00:00:00";
        if (ts.fsp() > 0 && ts.fsp() <= 6) {
            zero += "." + std::string(ts.fsp(), '0');
        }
        return zero + "'";
    }
    // TIMESTAMP spans 1970..2038 (2106 on MySQL 8.0.28+ with 64-bit time): bound it generously.
    if (ts.seconds() < 0 || ts.seconds() > 253402300799) {
        return makeError(ErrorCode::Corrupt,
                         "TIMESTAMP seconds " + std::to_string(ts.seconds()) + " out of range");
    }
    using namespace std::chrono;
    const sys_seconds when{seconds{ts.seconds()}};
    const sys_days day = floor<days>(when);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{when - day};
    std::string out = "'";
    const int y = static_cast<int>(ymd.year());
    out += std::string(y < 1000 ? 1 : 0, '0') + std::string(y < 100 ? 1 : 0, '0') +
           std::string(y < 10 ? 1 : 0, '0') + std::to_string(y);
    out += "-" + twoDigits(static_cast<unsigned>(ymd.month())) + "-" +
           twoDigits(static_cast<unsigned>(ymd.day())) + " " +
           twoDigits(static_cast<unsigned>(hms.hours().count())) + ":" +
           twoDigits(static_cast<unsigned>(hms.minutes().count())) + ":" +
           twoDigits(static_cast<unsigned>(hms.seconds().count()));
    unsigned fsp = ts.fsp() > 6 ? 6 : ts.fsp();
    if (fsp == 0 && ts.microseconds() != 0) {
        fsp = 6;
    }
    if (fsp > 0) {
        std::string micros = std::to_string(ts.microseconds());
        micros = std::string(6 - micros.size(), '0') + micros;
        if (micros.substr(fsp).find_first_not_of('0') != std::string::npos) {
            fsp = 6;  // more precision than fsp says: keep it all rather than round
        }
        out += "." + micros.substr(0, fsp);
    }
    return out + "'";
}

std::string bitText(std::uint64_t bits) {
    std::string out = "b'";
    if (bits == 0) {
        out.push_back('0');
    }
    bool started = false;
    for (int i = 63; i >= 0; --i) {
        const bool set = ((bits >> i) & 1u) != 0;
        started = started || set;
        if (started) {
            out.push_back(set ? '1' : '0');
        }
    }
    return out + "'";
}

std::string shortened(const std::string& literal) {
    if (literal.size() <= kMaxKeyValueChars) {
        return literal;
    }
    return literal.substr(0, kMaxKeyValueChars) + "...";
}

bool hasKind(const Value& value) {
    return value.kind_case() != Value::KIND_NOT_SET;
}

// The present, writable columns of an image.
std::vector<std::uint32_t> writableColumns(const TableDefinition& table,
                                           const google::protobuf::RepeatedPtrField<Value>& image) {
    std::vector<std::uint32_t> out;
    for (int i = 0; i < image.size() && i < table.columns_size(); ++i) {
        if (hasKind(image[i]) && !table.columns(i).generated()) {
            out.push_back(static_cast<std::uint32_t>(i));
        }
    }
    return out;
}

const char* changeName(ChangeType type) {
    switch (type) {
        case ferry::v1::CHANGE_TYPE_INSERT:
            return "INSERT";
        case ferry::v1::CHANGE_TYPE_UPDATE:
            return "UPDATE";
        case ferry::v1::CHANGE_TYPE_DELETE:
            return "DELETE";
        default:
            return "unknown change";
    }
}

}  // namespace

std::optional<std::string_view> charsetOfCollation(std::uint32_t collation) {
    // MariaDB's NO PAD variants are the PAD SPACE id plus 1024.
    if (collation >= 1024 && collation < 2048) {
        collation -= 1024;
    }
    struct Range {
        std::uint32_t first;
        std::uint32_t last;
        std::string_view charset;
    };
    static constexpr Range kRanges[] = {
        {1, 1, "big5"},        {2, 2, "latin2"},      {3, 3, "dec8"},        {4, 4, "cp850"},
        {5, 5, "latin1"},      {6, 6, "hp8"},         {7, 7, "koi8r"},       {8, 8, "latin1"},
        {9, 9, "latin2"},      {10, 10, "swe7"},      {11, 11, "ascii"},     {12, 12, "ujis"},
        {13, 13, "sjis"},      {14, 14, "cp1251"},    {15, 15, "latin1"},    {16, 16, "hebrew"},
        {18, 18, "tis620"},    {19, 19, "euckr"},     {20, 20, "latin7"},    {21, 21, "latin2"},
        {22, 22, "koi8u"},     {23, 23, "cp1251"},    {24, 24, "gb2312"},    {25, 25, "greek"},
        {26, 26, "cp1250"},    {27, 27, "latin2"},    {28, 28, "gbk"},       {29, 29, "cp1257"},
        {30, 30, "latin5"},    {31, 31, "latin1"},    {32, 32, "armscii8"},  {33, 33, "utf8mb3"},
        {34, 34, "cp1250"},    {35, 35, "ucs2"},      {36, 36, "cp866"},     {37, 37, "keybcs2"},
        {38, 38, "macce"},     {39, 39, "macroman"},  {40, 40, "cp852"},     {41, 42, "latin7"},
        {43, 43, "macce"},     {44, 44, "cp1250"},    {45, 46, "utf8mb4"},   {47, 49, "latin1"},
        {50, 52, "cp1251"},    {53, 53, "macroman"},  {54, 55, "utf16"},     {56, 56, "utf16le"},
        {57, 57, "cp1256"},    {58, 59, "cp1257"},    {60, 61, "utf32"},     {62, 62, "utf16le"},
        {63, 63, "binary"},    {64, 64, "armscii8"},  {65, 65, "ascii"},     {66, 66, "cp1250"},
        {67, 67, "cp1256"},    {68, 68, "cp866"},     {69, 69, "dec8"},      {70, 70, "greek"},
        {71, 71, "hebrew"},    {72, 72, "hp8"},       {73, 73, "keybcs2"},   {74, 74, "koi8r"},
        {75, 75, "koi8u"},     {76, 76, "utf8mb3"},   {77, 77, "latin2"},    {78, 78, "latin5"},
        {79, 79, "latin7"},    {80, 80, "cp850"},     {81, 81, "cp852"},     {82, 82, "swe7"},
        {83, 83, "utf8mb3"},   {84, 84, "big5"},      {85, 85, "euckr"},     {86, 86, "gb2312"},
        {87, 87, "gbk"},       {88, 88, "sjis"},      {89, 89, "tis620"},    {90, 90, "ucs2"},
        {91, 91, "ujis"},      {92, 93, "geostd8"},   {94, 94, "latin1"},    {95, 96, "cp932"},
        {97, 98, "eucjpms"},   {99, 99, "cp1250"},    {101, 124, "utf16"},   {128, 151, "ucs2"},
        {159, 159, "ucs2"},    {160, 183, "utf32"},   {192, 215, "utf8mb3"}, {223, 223, "utf8mb3"},
        {224, 247, "utf8mb4"}, {248, 250, "gb18030"}, {255, 323, "utf8mb4"}, {576, 578, "utf8mb3"},
        {608, 610, "utf8mb4"}, {640, 642, "ucs2"},    {672, 674, "utf16"},   {736, 738, "utf32"},
    };
    for (const Range& range : kRanges) {
        if (collation >= range.first && collation <= range.last) {
            return range.charset;
        }
    }
    return std::nullopt;
}

std::string sourceTableName(const TableDefinition& table) {
    return table.schema() + "." + table.name();
}

std::string positionText(const ferry::v1::SourcePosition& position) {
    return position.file() + ":" + std::to_string(position.pos());
}

std::string describeTransaction(const ferry::v1::Transaction& transaction) {
    std::string out = "source transaction " + positionText(transaction.begin()) + ".." +
                      positionText(transaction.end());
    if (!transaction.gtid().empty()) {
        out += " (GTID " + transaction.gtid() + ")";
    }
    return out;
}

void NameMapping::renameTable(std::string sourceSchema, std::string sourceTable,
                              std::string targetSchema, std::string targetTable) {
    m_tables[{std::move(sourceSchema), std::move(sourceTable)}] = {std::move(targetSchema),
                                                                   std::move(targetTable)};
}

void NameMapping::renameColumn(std::string sourceSchema, std::string sourceTable,
                               std::string sourceColumn, std::string targetColumn) {
    m_columns[{std::move(sourceSchema), std::move(sourceTable)}][std::move(sourceColumn)] =
        std::move(targetColumn);
}

std::pair<std::string, std::string> NameMapping::targetTable(const std::string& schema,
                                                             const std::string& table) const {
    const auto it = m_tables.find({schema, table});
    return it == m_tables.end() ? std::pair{schema, table} : it->second;
}

std::string NameMapping::targetColumn(const std::string& schema, const std::string& table,
                                      const std::string& column) const {
    const auto it = m_columns.find({schema, table});
    if (it == m_columns.end()) {
        return column;
    }
    const auto col = it->second.find(column);
    return col == it->second.end() ? column : col->second;
}

StatementBuilder::StatementBuilder(QuoteFunction quote, BuilderOptions options, NameMapping mapping)
    : m_quote(std::move(quote)), m_options(options), m_mapping(std::move(mapping)) {}

Result<std::string> StatementBuilder::renderValue(const Column& column, const Value& value) const {
    switch (value.kind_case()) {
        case Value::kNull:
            return std::string("NULL");
        case Value::kInt:
            return integerText(value.int_());
        case Value::kUint:
            return integerText(value.uint());
        case Value::kReal: {
            if (!std::isfinite(value.real())) {
                return makeError(
                    ErrorCode::Unsupported,
                    "column " + column.name() + ": a non-finite double cannot be stored in MySQL");
            }
            std::array<char, 40> buffer{};
            const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                                 value.real(), std::chars_format::scientific);
            (void)ec;
            return std::string(buffer.data(), end);
        }
        case Value::kDecimal:
            if (!validDecimal(value.decimal())) {
                return makeError(ErrorCode::Corrupt,
                                 "column " + column.name() + ": DECIMAL text '" +
                                     shortened(value.decimal()) + "' is not a decimal number");
            }
            return value.decimal();
        case Value::kTemporal:
            if (!validTemporal(value.temporal())) {
                return makeError(ErrorCode::Corrupt,
                                 "column " + column.name() + ": temporal text '" +
                                     shortened(value.temporal()) + "' is not a date or time");
            }
            return "'" + value.temporal() + "'";
        case Value::kTimestamp: {
            auto text = timestampText(value.timestamp());
            if (!text.ok()) {
                return makeError(text.error().code,
                                 "column " + column.name() + ": " + text.error().message);
            }
            return text;
        }
        case Value::kText: {
            const std::uint32_t collation =
                value.collation() != 0 ? value.collation() : column.collation();
            const auto charset = charsetOfCollation(collation);
            const std::string& bytes = value.text();
            if (charset && *charset == "binary") {
                return hexLiteral(bytes);
            }
            if (!charset || *charset == "utf8mb4" || *charset == "utf8mb3") {
                if (validUtf8(bytes)) {
                    return "_utf8mb4" + m_quote(bytes);
                }
                if (!charset) {
                    return hexLiteral(bytes);
                }
                return "_utf8mb4 " + hexLiteral(bytes);
            }
            return "_" + std::string(*charset) + " " + hexLiteral(bytes);
        }
        case Value::kBinary:
            return hexLiteral(value.binary());
        case Value::kJson:
            return "_utf8mb4" + m_quote(value.json());
        case Value::kBit:
            return bitText(value.bit());
        case Value::kEnumIndex: {
            const std::uint32_t index = value.enum_index();
            if (index >= 1 && static_cast<int>(index) <= column.enum_names_size()) {
                return "_utf8mb4" + m_quote(column.enum_names(static_cast<int>(index) - 1));
            }
            return integerText(index);
        }
        case Value::kSetBits:
            return integerText(value.set_bits());
        case Value::kGeometry: {
            const std::string& bytes = value.geometry();
            if (bytes.size() < 4) {
                return makeError(ErrorCode::Corrupt, "column " + column.name() +
                                                         ": GEOMETRY value of " +
                                                         std::to_string(bytes.size()) +
                                                         " bytes is shorter than its 4-byte SRID");
            }
            const std::uint32_t srid = static_cast<std::uint32_t>(
                static_cast<unsigned char>(bytes[0]) | (static_cast<unsigned char>(bytes[1]) << 8) |
                (static_cast<unsigned char>(bytes[2]) << 16) |
                (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[3])) << 24));
            return "ST_GeomFromWKB(" + hexLiteral(std::string_view(bytes).substr(4)) + ", " +
                   integerText(srid) + ")";
        }
        case Value::kVector:
            return hexLiteral(value.vector());
        case Value::kJsonDiffs:
            return makeError(ErrorCode::Unsupported,
                             "column " + column.name() +
                                 ": partial JSON updates (binlog_row_value_options=PARTIAL_JSON) "
                                 "are not applied yet; set binlog_row_value_options='' on the "
                                 "source");
        case Value::KIND_NOT_SET:
            break;
    }
    return makeError(ErrorCode::Internal,
                     "column " + column.name() + ": an absent value cannot be rendered");
}

std::string StatementBuilder::targetTableName(const TableDefinition& table) const {
    const auto [schema, name] = m_mapping.targetTable(table.schema(), table.name());
    if (schema.empty()) {
        return quoteIdentifier(name);
    }
    return quoteIdentifier(schema) + "." + quoteIdentifier(name);
}

std::string StatementBuilder::targetColumnName(const TableDefinition& table,
                                               std::uint32_t column) const {
    return quoteIdentifier(
        m_mapping.targetColumn(table.schema(), table.name(), table.columns(column).name()));
}

Result<std::pair<KeyKind, std::vector<std::uint32_t>>> StatementBuilder::chooseKey(
    const TableDefinition& table) const {
    const auto inRange = [&](std::uint32_t c) {
        return c < static_cast<std::uint32_t>(table.columns_size());
    };
    if (table.primary_key_size() > 0) {
        std::vector<std::uint32_t> key(table.primary_key().begin(), table.primary_key().end());
        for (const std::uint32_t c : key) {
            if (!inRange(c)) {
                return makeError(ErrorCode::Corrupt, "table " + sourceTableName(table) +
                                                         ": primary key column index " +
                                                         std::to_string(c) + " out of range");
            }
        }
        return std::pair{KeyKind::PrimaryKey, std::move(key)};
    }
    for (const auto& unique : table.unique_keys()) {
        bool usable = unique.columns_size() > 0;
        for (const std::uint32_t c : unique.columns()) {
            usable = usable && inRange(c) && !table.columns(static_cast<int>(c)).nullable();
        }
        if (usable) {
            return std::pair{
                KeyKind::UniqueKey,
                std::vector<std::uint32_t>(unique.columns().begin(), unique.columns().end())};
        }
    }
    if (m_options.matchAllColumnsWithoutKey) {
        std::vector<std::uint32_t> all;
        for (int i = 0; i < table.columns_size(); ++i) {
            if (!table.columns(i).generated()) {
                all.push_back(static_cast<std::uint32_t>(i));
            }
        }
        return std::pair{KeyKind::AllColumns, std::move(all)};
    }
    return makeError(ErrorCode::Unsupported,
                     "table " + sourceTableName(table) +
                         " has no primary key and no unique key of NOT NULL columns, so its "
                         "updates and deletes cannot be matched on the target; add a primary key, "
                         "or allow matching on all columns (LIMIT 1) for its table mapping");
}

Result<std::pair<std::string, std::string>> StatementBuilder::whereClause(
    const TableDefinition& table, const RowChange& change) const {
    FERRY_ASSIGN_OR_RETURN(auto key, chooseKey(table));
    const auto& [kind, columns] = key;
    std::string where = " WHERE ";
    std::string names;
    std::string values;
    bool first = true;
    for (const std::uint32_t c : columns) {
        const Column& column = table.columns(static_cast<int>(c));
        const Value& value = change.before(static_cast<int>(c));
        if (!hasKind(value)) {
            return makeError(ErrorCode::Unsupported,
                             "table " + sourceTableName(table) +
                                 ": the before image lacks key "
                                 "column " +
                                 column.name() +
                                 "; the source needs binlog_row_image=FULL (or at least the key "
                                 "columns in the before image)");
        }
        FERRY_ASSIGN_OR_RETURN(std::string literal, renderValue(column, value));
        if (value.kind_case() == Value::kJson) {
            literal = "CAST(" + literal + " AS JSON)";
        }
        const std::string name = targetColumnName(table, c);
        if (!first) {
            where += " AND ";
            names += ", ";
            values += ", ";
        }
        first = false;
        if (kind == KeyKind::AllColumns) {
            where += name + " <=> " + literal;
        } else if (value.kind_case() == Value::kNull) {
            where += name + " IS NULL";
        } else {
            where += name + " = " + literal;
        }
        names += name;
        values += shortened(literal);
    }
    if (kind == KeyKind::AllColumns) {
        where += " LIMIT 1";
    }
    std::string keyText =
        columns.size() == 1 ? names + "=" + values : "(" + names + ")=(" + values + ")";
    return std::pair{std::move(where), std::move(keyText)};
}

Result<RowStatement> StatementBuilder::buildInsert(const Transaction& transaction,
                                                   std::size_t first, std::size_t& next) const {
    const RowChange& head = transaction.changes(static_cast<int>(first));
    const TableDefinition& table = transaction.tables(static_cast<int>(head.table()));
    const std::vector<std::uint32_t> columns = writableColumns(table, head.after());

    RowStatement statement;
    statement.type = ferry::v1::CHANGE_TYPE_INSERT;
    statement.table = head.table();
    statement.firstChange = first;
    statement.rowCount = 0;
    statement.targetTable = targetTableName(table);
    statement.eventPos = head.event_pos();
    statement.sql = "INSERT INTO " + statement.targetTable + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        statement.sql += (i == 0 ? "" : ", ") + targetColumnName(table, columns[i]);
    }
    statement.sql += ") VALUES ";

    std::size_t index = first;
    for (; index < static_cast<std::size_t>(transaction.changes_size()); ++index) {
        const RowChange& change = transaction.changes(static_cast<int>(index));
        if (index != first &&
            (change.type() != ferry::v1::CHANGE_TYPE_INSERT || change.table() != head.table() ||
             change.after_size() != table.columns_size() ||
             writableColumns(table, change.after()) != columns)) {
            break;
        }
        std::string row = statement.rowCount == 0 ? "(" : ", (";
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const int c = static_cast<int>(columns[i]);
            auto literal = renderValue(table.columns(c), change.after(c));
            if (!literal.ok()) {
                return makeError(literal.error().code, "table " + sourceTableName(table) + ": " +
                                                           literal.error().message);
            }
            row += (i == 0 ? "" : ", ") + literal.value();
        }
        row += ")";
        if (statement.rowCount > 0 &&
            statement.sql.size() + row.size() > m_options.maxInsertBytes) {
            break;
        }
        if (statement.rowCount == 0) {
            // The key of the first row, for messages.
            std::string names;
            std::string values;
            std::vector<std::uint32_t> key(table.primary_key().begin(), table.primary_key().end());
            for (std::size_t k = 0; k < key.size(); ++k) {
                const int c = static_cast<int>(key[k]);
                if (c >= change.after_size() || !hasKind(change.after(c))) {
                    continue;
                }
                auto literal = renderValue(table.columns(c), change.after(c));
                names += (names.empty() ? "" : ", ") + targetColumnName(table, key[k]);
                values += (values.empty() ? "" : ", ") +
                          (literal.ok() ? shortened(literal.value()) : std::string("?"));
            }
            statement.key =
                key.size() == 1 ? names + "=" + values : "(" + names + ")=(" + values + ")";
        }
        statement.sql += row;
        ++statement.rowCount;
    }
    next = index;
    return statement;
}

Result<RowStatement> StatementBuilder::buildUpdate(const Transaction& transaction,
                                                   std::size_t index) const {
    const RowChange& change = transaction.changes(static_cast<int>(index));
    const TableDefinition& table = transaction.tables(static_cast<int>(change.table()));
    RowStatement statement;
    statement.type = ferry::v1::CHANGE_TYPE_UPDATE;
    statement.table = change.table();
    statement.firstChange = index;
    statement.targetTable = targetTableName(table);
    statement.eventPos = change.event_pos();
    FERRY_ASSIGN_OR_RETURN(auto where, whereClause(table, change));
    statement.key = where.second;
    statement.sql = "UPDATE " + statement.targetTable + " SET ";
    const std::vector<std::uint32_t> columns = writableColumns(table, change.after());
    if (columns.empty()) {
        // Nothing to write: still match the row, so a missing one is reported.
        FERRY_ASSIGN_OR_RETURN(auto key, chooseKey(table));
        const std::string name = targetColumnName(table, key.second.front());
        statement.sql += name + " = " + name;
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const int c = static_cast<int>(columns[i]);
        auto literal = renderValue(table.columns(c), change.after(c));
        if (!literal.ok()) {
            return makeError(literal.error().code,
                             "table " + sourceTableName(table) + ": " + literal.error().message);
        }
        statement.sql +=
            (i == 0 ? "" : ", ") + targetColumnName(table, columns[i]) + " = " + literal.value();
    }
    statement.sql += where.first;
    return statement;
}

Result<RowStatement> StatementBuilder::buildDelete(const Transaction& transaction,
                                                   std::size_t index) const {
    const RowChange& change = transaction.changes(static_cast<int>(index));
    const TableDefinition& table = transaction.tables(static_cast<int>(change.table()));
    RowStatement statement;
    statement.type = ferry::v1::CHANGE_TYPE_DELETE;
    statement.table = change.table();
    statement.firstChange = index;
    statement.targetTable = targetTableName(table);
    statement.eventPos = change.event_pos();
    FERRY_ASSIGN_OR_RETURN(auto where, whereClause(table, change));
    statement.key = where.second;
    statement.sql = "DELETE FROM " + statement.targetTable + where.first;
    return statement;
}

Result<std::vector<RowStatement>> StatementBuilder::build(const Transaction& transaction) const {
    std::vector<RowStatement> out;
    const std::size_t count = static_cast<std::size_t>(transaction.changes_size());
    std::size_t index = 0;
    while (index < count) {
        const RowChange& change = transaction.changes(static_cast<int>(index));
        const std::string where = "source transaction ending at " +
                                  positionText(transaction.end()) + ", row change " +
                                  std::to_string(index);
        if (change.table() >= static_cast<std::uint32_t>(transaction.tables_size())) {
            return makeError(ErrorCode::Corrupt,
                             where + ": table index " + std::to_string(change.table()) +
                                 " out of range (" + std::to_string(transaction.tables_size()) +
                                 " tables)");
        }
        const TableDefinition& table = transaction.tables(static_cast<int>(change.table()));
        const bool needsBefore = change.type() == ferry::v1::CHANGE_TYPE_UPDATE ||
                                 change.type() == ferry::v1::CHANGE_TYPE_DELETE;
        const bool needsAfter = change.type() == ferry::v1::CHANGE_TYPE_INSERT ||
                                change.type() == ferry::v1::CHANGE_TYPE_UPDATE;
        if ((needsBefore && change.before_size() != table.columns_size()) ||
            (needsAfter && change.after_size() != table.columns_size())) {
            return makeError(ErrorCode::Corrupt,
                             where + ": " + changeName(change.type()) + " of " +
                                 sourceTableName(table) + " has images of " +
                                 std::to_string(change.before_size()) + " and " +
                                 std::to_string(change.after_size()) + " values for " +
                                 std::to_string(table.columns_size()) + " columns");
        }
        Result<RowStatement> statement = makeError(ErrorCode::Internal, "unreached");
        std::size_t next = index + 1;
        switch (change.type()) {
            case ferry::v1::CHANGE_TYPE_INSERT:
                statement = buildInsert(transaction, index, next);
                break;
            case ferry::v1::CHANGE_TYPE_UPDATE:
                statement = buildUpdate(transaction, index);
                break;
            case ferry::v1::CHANGE_TYPE_DELETE:
                statement = buildDelete(transaction, index);
                break;
            default:
                return makeError(ErrorCode::Corrupt, where + ": change type " +
                                                         std::to_string(change.type()) +
                                                         " is not INSERT, UPDATE or DELETE");
        }
        if (!statement.ok()) {
            return makeError(statement.error().code, where + ": " + statement.error().message);
        }
        out.push_back(std::move(statement).value());
        index = next;
    }
    return out;
}

}  // namespace ferry::apply
